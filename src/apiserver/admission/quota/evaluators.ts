// Quota evaluators (upstream pkg/quota/v1/evaluator/core and apiserver quota/v1/generic): what one object uses of each quota resource name.
import { isQualifiedName, Quantity } from '../../../apimachinery/index.js';
import type { Obj } from '../../access.js';
import { addLists, type ResourceList, toQuantity } from './resources.js';

/** One corev1.ScopedResourceSelectorRequirement (a `spec.scopes` entry is `{scopeName, operator: 'Exists'}`). */
export interface ScopeRequirement {
  readonly scopeName: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** The operations the quota admission plugin sees (CREATE and UPDATE). */
export type QuotaOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * Measures quota usage of one kind of object, as upstream's quota.Evaluator. Names are quota resource names
 * (`pods`, `requests.cpu`, `count/deployments.apps`, `gold.storageclass.storage.k8s.io/requests.storage`).
 */
export interface QuotaEvaluator {
  /** API group ('' for core) and plural resource this evaluator measures. */
  readonly group: string;
  readonly resource: string;
  /** Whether an operation on the resource may change usage (e.g. pods: create only; services: create and update). */
  handles(operation: QuotaOperation, subresource: string): boolean;
  /** The names of `names` this evaluator tracks, in input order. */
  matchingResources(names: Iterable<string>): string[];
  /** Whether `obj` matches one scope requirement (false for scopes that do not apply to the kind). */
  matchesScope(req: ScopeRequirement, obj: Obj): boolean;
  /**
   * Checks that `obj` states what a quota tracking `required` needs (pods: cpu/memory requests and limits per
   * container). Returns upstream's error text (`must specify limits.cpu for: c`) or undefined when satisfied.
   */
  constraints(required: readonly string[], obj: Obj): string | undefined;
  /** The object's usage per resource name. `now` decides whether a terminating pod's grace period has passed. */
  usage(obj: Obj, now?: Date): ResourceList;
}

const one = () => Quantity.fromValue(1);
const zero = () => Quantity.fromValue(0);

/** Upstream generic.ObjectCountQuotaResourceNameFor: `count/pods`, `count/deployments.apps`. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** Parses an object-count quota name back into its group and resource (`count/jobs.batch` → batch, jobs). */
export function parseObjectCountName(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (!rest) return undefined;
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** The scope requirements of a quota: each `spec.scopes` entry as Exists, then `spec.scopeSelector.matchExpressions`. */
export function quotaScopeRequirements(quota: Obj): ScopeRequirement[] {
  const out: ScopeRequirement[] = [];
  for (const s of (quota.spec?.scopes ?? []) as unknown[]) if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists' });
  for (const e of (quota.spec?.scopeSelector?.matchExpressions ?? []) as ScopeRequirement[]) out.push(e);
  return out;
}

/**
 * Upstream generic.Matches: the quota tracks at least one resource of the evaluator among `hard` and the object
 * matches every scope requirement of the quota.
 */
export function quotaMatches(ev: QuotaEvaluator, quota: Obj, hard: Iterable<string>, obj: Obj): boolean {
  if (ev.matchingResources(hard).length === 0) return false;
  return quotaScopeRequirements(quota).every((r) => ev.matchesScope(r, obj));
}

/** Whether a requirement over the single "label" `scopeName=value` (absent when value is empty) matches. */
function selectorMatches(req: ScopeRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}

// ---- generic object count ------------------------------------------------------------------------------

/**
 * Upstream generic.NewObjectCountEvaluator: every object counts 1 for `count/<resource>[.<group>]` (and for the
 * legacy alias, e.g. `configmaps`), charged on create only; no scopes, no constraints.
 */
export function objectCountEvaluator(group: string, resource: string, alias?: string): QuotaEvaluator {
  const names = [objectCountName(group, resource), ...(alias ? [alias] : [])];
  return {
    group,
    resource,
    handles: (op) => op === 'CREATE',
    matchingResources: (input) => [...input].filter((n) => names.includes(n)),
    matchesScope: () => false,
    constraints: () => undefined,
    usage: () => new Map(names.map((n) => [n, one()])),
  };
}

// ---- pods -------------------------------------------------------------------------------------------------

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
/** Resources a container must state when a quota tracks them (upstream validationSet; "a mistake", kept as is). */
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** Upstream helper.IsNativeResource: no domain, or a `kubernetes.io/` one. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Upstream helper.IsExtendedResourceName: a domain-qualified, non-native name not itself `requests.`-prefixed. */
function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Quota names for extended resources: only `requests.<domain>/<name>` exists (no overcommit). */
function isExtendedResourceNameForQuota(name: string): boolean {
  return !isNativeResource(name) && name.startsWith('requests.');
}

type Container = { name?: string; restartPolicy?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } };

const requestsOf = (c: Container): ResourceList => parseList(c.resources?.requests);
const limitsOf = (c: Container): ResourceList => parseList(c.resources?.limits);

function parseList(rec: Record<string, unknown> | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of Object.entries(rec ?? {})) {
    const q = toQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** upstream maxResourceList: raises `into[k]` to `from[k]` where larger or missing. */
function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (!cur || v.cmp(cur) > 0) into.set(k, v);
  }
}

/**
 * The pod's effective requests or limits (upstream resourcehelper.PodRequests/PodLimits): the sum over containers
 * and restartable (sidecar) init containers, raised to the largest regular init container (plus the sidecars
 * started before it), plus `spec.overhead` (for limits only on resources that have a limit).
 */
function podAggregate(pod: Obj, of: (c: Container) => ResourceList, limits: boolean): ResourceList {
  let total: ResourceList = new Map();
  for (const c of (pod.spec?.containers ?? []) as Container[]) total = addLists(total, of(c));
  let sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of (pod.spec?.initContainers ?? []) as Container[]) {
    let eff = of(c);
    if (c.restartPolicy === 'Always') {
      total = addLists(total, eff);
      sidecars = addLists(sidecars, eff);
      eff = sidecars;
    } else {
      eff = addLists(eff, sidecars);
    }
    maxInto(initMax, eff);
  }
  maxInto(total, initMax);
  const overhead = parseList(pod.spec?.overhead);
  for (const [k, v] of overhead) {
    const cur = total.get(k);
    if (cur) total.set(k, cur.add(v));
    else if (!limits) total.set(k, v);
  }
  return total;
}

/** Upstream podComputeUsageHelper: the quota names charged for given requests and limits (always `pods: 1`). */
function computeUsageOf(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    }
    if (isExtendedResourceName(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

/** Upstream QuotaV1Pod: false for terminal pods and for pods whose deletion grace period has passed. */
export function podCountsForCompute(pod: Obj, now: Date = new Date()): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (typeof ts === 'string' && typeof grace === 'number') {
    const deadline = Date.parse(ts) + grace * 1000;
    if (now.getTime() > deadline) return false;
  }
  return true;
}

/** Upstream qos.GetPodQOS == BestEffort: `status.qosClass` when set, else no container requests or limits cpu/memory. */
export function isBestEffort(pod: Obj): boolean {
  const qos = pod.status?.qosClass;
  if (typeof qos === 'string' && qos !== '') return qos === 'BestEffort';
  const all = [...((pod.spec?.containers ?? []) as Container[]), ...((pod.spec?.initContainers ?? []) as Container[])];
  for (const c of all) {
    for (const list of [requestsOf(c), limitsOf(c)]) {
      for (const r of ['cpu', 'memory']) {
        const q = list.get(r);
        if (q && q.sign() > 0) return false;
      }
    }
  }
  return true;
}

/** Upstream isTerminating: `spec.activeDeadlineSeconds` set and >= 0. */
function isTerminating(pod: Obj): boolean {
  const a = pod.spec?.activeDeadlineSeconds;
  return typeof a === 'number' && a >= 0;
}

function usesCrossNamespacePodAffinity(pod: Obj): boolean {
  const cross = (t: Obj | undefined) => !!t && ((Array.isArray(t.namespaces) && t.namespaces.length > 0) || (t.namespaceSelector !== undefined && t.namespaceSelector !== null));
  for (const a of [pod.spec?.affinity?.podAffinity, pod.spec?.affinity?.podAntiAffinity]) {
    if (!a) continue;
    if (((a.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]).some(cross)) return true;
    if (((a.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]).some((w) => cross(w.podAffinityTerm))) return true;
  }
  return false;
}

/** Upstream podMatchesScopeFunc. */
function podMatchesScope(req: ScopeRequirement, pod: Obj): boolean {
  switch (req.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass': {
      const pc = typeof pod.spec?.priorityClassName === 'string' && pod.spec.priorityClassName !== '' ? (pod.spec.priorityClassName as string) : undefined;
      return selectorMatches(req, pc);
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Upstream PodUsageFunc: `count/pods` always; compute resources and `pods` unless terminal. */
export function podUsage(pod: Obj, now: Date = new Date()): ResourceList {
  const out: ResourceList = new Map([['count/pods', one()]]);
  if (!podCountsForCompute(pod, now)) return out;
  return addLists(out, computeUsageOf(podAggregate(pod, requestsOf, false), podAggregate(pod, limitsOf, true)));
}

/** Upstream podEvaluator. Pods are charged on create only (their resources are immutable in 1.30). */
export const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  handles: (op, sub) => sub === '' && op === 'CREATE',
  matchingResources(input) {
    const out: string[] = [];
    for (const n of input) {
      if (POD_RESOURCES.includes(n) || POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p)) || isExtendedResourceNameForQuota(n)) out.push(n);
    }
    return out;
  },
  matchesScope: podMatchesScope,
  constraints(required, pod) {
    const requiredSet = required.filter((r) => VALIDATION_SET.has(r));
    if (requiredSet.length === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    const all = [...((pod.spec?.containers ?? []) as Container[]), ...((pod.spec?.initContainers ?? []) as Container[])];
    for (const c of all) {
      const has = computeUsageOf(requestsOf(c), limitsOf(c));
      for (const r of requiredSet) {
        if (has.has(r)) continue;
        let names = missing.get(r);
        if (!names) missing.set(r, (names = new Set()));
        names.add(c.name ?? '');
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) as Set<string>)].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
  usage: podUsage,
};

// ---- services -------------------------------------------------------------------------------------------

const SERVICE_RESOURCES = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

/** Upstream serviceEvaluator.Usage: 1 service; node ports of NodePort/LoadBalancer services; 1 load balancer. */
export function serviceUsage(svc: Obj): ResourceList {
  const ports = (svc.spec?.ports ?? []) as Obj[];
  const out: ResourceList = new Map([
    ['count/services', one()],
    ['services', one()],
    ['services.loadbalancers', zero()],
    ['services.nodeports', zero()],
  ]);
  const type = svc.spec?.type;
  if (type === 'NodePort') {
    out.set('services.nodeports', Quantity.fromValue(ports.length));
  } else if (type === 'LoadBalancer') {
    const n = svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length : ports.length;
    out.set('services.nodeports', Quantity.fromValue(n));
    out.set('services.loadbalancers', one());
  }
  return out;
}

/** Upstream serviceEvaluator: charged on create and update (the type can change). */
export const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  handles: (op, sub) => sub === '' && (op === 'CREATE' || op === 'UPDATE'),
  matchingResources: (input) => [...input].filter((n) => SERVICE_RESOURCES.includes(n)),
  matchesScope: () => false,
  constraints: () => undefined,
  usage: serviceUsage,
};

// ---- persistent volume claims ---------------------------------------------------------------------------

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

/** Upstream GetPersistentVolumeClaimClass: the beta annotation wins over `spec.storageClassName`. */
export function pvcStorageClass(pvc: Obj): string {
  const ann = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof ann === 'string') return ann;
  return typeof pvc.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

/** A quantity rounded up to a whole number (upstream RoundUp(0)), same format. */
function roundUpToInteger(q: Quantity): Quantity {
  return Quantity.fromNanos(q.value() * 1_000_000_000n, q.format);
}

/** Upstream pvcEvaluator.Usage: 1 claim (also per storage class) and the requested storage (or the larger allocated size). */
export function pvcUsage(pvc: Obj): ResourceList {
  const out: ResourceList = new Map([
    ['persistentvolumeclaims', one()],
    ['count/persistentvolumeclaims', one()],
  ]);
  const sc = pvcStorageClass(pvc);
  if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
  const req = toQuantity(pvc.spec?.resources?.requests?.storage);
  let storage = req ? roundUpToInteger(req) : undefined;
  const allocated = toQuantity(pvc.status?.allocatedResources?.storage);
  if (storage && allocated && allocated.cmp(storage) > 0) storage = roundUpToInteger(allocated);
  if (storage) {
    out.set('requests.storage', storage);
    if (sc) out.set(`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return out;
}

/** Upstream pvcEvaluator: charged on create and update (a resize grows the request). */
export const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  handles: (op, sub) => sub === '' && (op === 'CREATE' || op === 'UPDATE'),
  matchingResources(input) {
    const out: string[] = [];
    for (const n of input) {
      if (n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))) out.push(n);
    }
    return out;
  },
  matchesScope: () => false,
  constraints: () => undefined,
  usage: pvcUsage,
};

// ---- registry ---------------------------------------------------------------------------------------------

/** Upstream install.ignoredResources: virtual or never-quota'd resources. */
const IGNORED = new Set([
  'bindings',
  'componentstatuses',
  'events',
  'tokenreviews.authentication.k8s.io',
  'selfsubjectreviews.authentication.k8s.io',
  'subjectaccessreviews.authorization.k8s.io',
  'selfsubjectaccessreviews.authorization.k8s.io',
  'localsubjectaccessreviews.authorization.k8s.io',
  'selfsubjectrulesreviews.authorization.k8s.io',
  'events.events.k8s.io',
]);

const grKey = (group: string, resource: string) => (group ? `${resource}.${group}` : resource);

/** Whether quota ignores the resource entirely (events, reviews, bindings...). */
export function isIgnoredResource(group: string, resource: string): boolean {
  return IGNORED.has(grKey(group, resource));
}

/** The evaluators with their own logic or a legacy alias (upstream core.NewEvaluators). */
export const STATIC_EVALUATORS: readonly QuotaEvaluator[] = [
  podEvaluator,
  serviceEvaluator,
  pvcEvaluator,
  objectCountEvaluator('', 'configmaps', 'configmaps'),
  objectCountEvaluator('', 'resourcequotas', 'resourcequotas'),
  objectCountEvaluator('', 'replicationcontrollers', 'replicationcontrollers'),
  objectCountEvaluator('', 'secrets', 'secrets'),
];

const byGR = new Map<string, QuotaEvaluator>(STATIC_EVALUATORS.map((e) => [grKey(e.group, e.resource), e]));

/**
 * The evaluator for a resource: a static one, else a generic object counter (`count/<resource>.<group>`), as
 * upstream adds on first use. Undefined for ignored resources.
 */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator | undefined {
  if (isIgnoredResource(group, resource)) return undefined;
  const key = grKey(group, resource);
  let ev = byGR.get(key);
  if (!ev) {
    ev = objectCountEvaluator(group, resource);
    byGR.set(key, ev);
  }
  return ev;
}

/**
 * The evaluators needed to measure `names` (a quota's hard resource names): the static ones that track any of
 * them, plus a generic object counter for each `count/<resource>.<group>` name no static evaluator tracks.
 */
export function evaluatorsForNames(names: readonly string[]): QuotaEvaluator[] {
  const out = STATIC_EVALUATORS.filter((e) => e.matchingResources(names).length > 0);
  for (const n of names) {
    const gr = parseObjectCountName(n);
    if (!gr || isIgnoredResource(gr.group, gr.resource)) continue;
    if (out.some((e) => e.group === gr.group && e.resource === gr.resource)) continue;
    const ev = evaluatorFor(gr.group, gr.resource);
    if (ev && ev.matchingResources([n]).length > 0) out.push(ev);
  }
  return out;
}

// Helpers the endpoint and endpointslice controllers share (upstream staging endpointslice/util): pod membership, ports, trigger times.
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { metaKey, type DeepReadonly, type Informer, type Lister } from '../../client/index.js';

type RPod = DeepReadonly<Pod>;
type RService = DeepReadonly<Service>;

/** Annotation with the time of the last pod/service change reflected in an Endpoints or EndpointSlice. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Label on Endpoints/EndpointSlices of headless services. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: RPod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Upstream ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and (unless `includeTerminating`)
 * not being deleted.
 */
export function shouldPodBeInEndpoints(pod: RPod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP && (pod.status?.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** Upstream ShouldSetHostname: the pod has a hostname and its subdomain is the service's name (same namespace). */
export function shouldSetHostname(pod: RPod, svc: RService): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace;
}

/** helper.IsServiceIPSet: the service has a cluster IP that is not `None`. */
export function isServiceIPSet(svc: RService): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/**
 * The service's selector as a map, or undefined when it has none (an empty selector is treated as none: upstream
 * never sees one, the Go API drops empty maps on the wire).
 */
export function serviceSelector(svc: RService): Readonly<Record<string, string>> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return sel;
}

/** Whether `labels` carries every key/value of `selector`. */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * podutil.FindPort: the container port a service port targets on `pod`. A numeric (or unset: the service port)
 * targetPort is used as is; a named one is looked up in the pod's containers (and restartable init containers)
 * by name and protocol. Throws `no suitable port for manifest: <uid>` when a name does not resolve.
 */
export function findPort(pod: RPod, svcPort: DeepReadonly<ServicePort>): number {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = svcPort.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
    }
  }
  throw new Error(`no suitable port for manifest: ${pod.metadata?.uid ?? ''}`);
}

/** Whether `ip` is an IPv6 literal. */
export function isIPv6(ip: string | undefined): boolean {
  return !!ip && ip.includes(':');
}

function labelsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/**
 * Upstream podEndpointsChanged: [podChanged, labelsChanged]. The pod changed when its deletion timestamp,
 * readiness or IPs changed; labels changed when its labels, hostname or subdomain did.
 */
export function podEndpointsChanged(oldPod: RPod, newPod: RPod): [boolean, boolean] {
  const labelsChanged =
    !labelsEqual(oldPod.metadata?.labels, newPod.metadata?.labels) ||
    oldPod.spec?.hostname !== newPod.spec?.hostname ||
    oldPod.spec?.subdomain !== newPod.spec?.subdomain;
  if (oldPod.metadata?.deletionTimestamp !== newPod.metadata?.deletionTimestamp) return [true, labelsChanged];
  if (isPodReady(oldPod) !== isPodReady(newPod)) return [true, labelsChanged];
  const a = oldPod.status?.podIPs ?? [];
  const b = newPod.status?.podIPs ?? [];
  if (a.length !== b.length) return [true, labelsChanged];
  for (let i = 0; i < a.length; i++) if (a[i]!.ip !== b[i]!.ip) return [true, labelsChanged];
  return [false, labelsChanged];
}

/** `namespace/name` keys of the services in `services` whose selector matches `labels` in `namespace`. */
export function servicesForLabels(services: readonly RService[], namespace: string, labels: Readonly<Record<string, string>> | undefined): Set<string> {
  const out = new Set<string>();
  for (const s of services) {
    if (s.metadata?.namespace !== namespace) continue;
    const sel = serviceSelector(s);
    if (sel && selectorMatches(sel, labels)) out.add(`${namespace}/${s.metadata?.name}`);
  }
  return out;
}

/**
 * Upstream GetServicesToUpdateOnPodChange: the service keys to resync for a pod update. Nothing for a resync
 * (same resourceVersion) or an irrelevant change; with changed labels, the union of old and new memberships
 * when the pod itself changed too, else their symmetric difference.
 */
export function servicesToUpdateOnPodChange(services: readonly RService[], oldPod: RPod, newPod: RPod): Set<string> {
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const ns = newPod.metadata?.namespace ?? '';
  const cur = servicesForLabels(services, ns, newPod.metadata?.labels);
  if (!labelsChanged) return cur;
  const old = servicesForLabels(services, ns, oldPod.metadata?.labels);
  const out = new Set<string>();
  if (podChanged) {
    for (const k of cur) out.add(k);
    for (const k of old) out.add(k);
  } else {
    for (const k of cur) if (!old.has(k)) out.add(k);
    for (const k of old) if (!cur.has(k)) out.add(k);
  }
  return out;
}

/** Go's `time.Time.UTC().Format(time.RFC3339Nano)` of epoch milliseconds (trailing fractional zeros dropped). */
export function formatRFC3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

function parseTime(t: string | undefined): number {
  if (!t) return 0;
  const v = Date.parse(t);
  return Number.isNaN(v) ? 0 : v;
}

/** The last transition time of the pod's Ready condition (0 when none): what upstream counts as a pod's trigger time. */
export function podTriggerTime(pod: RPod): number {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return parseTime(c?.lastTransitionTime);
}

/**
 * Upstream TriggerTimeTracker: computes the `last-change-trigger-time` of a service's endpoints, the earliest
 * trigger (pod Ready transition or service creation) that changed since the previous computation for that
 * service. A service seen for the first time gets its creation time. 0 means "no trigger" (clear the annotation).
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, { pods: Map<string, number>; service: number }>();

  /** Computes and records; call once per sync of `namespace/name` with the pods matching its selector. */
  compute(service: RService, pods: readonly RPod[]): number {
    const key = `${service.metadata?.namespace}/${service.metadata?.name}`;
    const state = this.states.get(key);
    let min = 0;
    const take = (t: number) => {
      if (min === 0 || t < min) min = t;
    };
    const podTimes = new Map<string, number>();
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (t === 0) continue;
      podTimes.set(p.metadata?.name ?? '', t);
      if (t > (state?.pods.get(p.metadata?.name ?? '') ?? 0)) take(t);
    }
    const svcTime = parseTime(service.metadata?.creationTimestamp);
    if (svcTime > (state?.service ?? 0)) take(svcTime);
    this.states.set(key, { pods: podTimes, service: svcTime });
    if (!state) return svcTime;
    return min;
  }

  /** Forgets a deleted service. */
  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

/** Whether `err` is an API error whose Status carries a cause with `reason` (errors.HasStatusCause). */
export function hasStatusCause(err: unknown, reason: string): boolean {
  const causes = (err as { status?: { details?: { causes?: { reason?: string }[] } } } | undefined)?.status?.details?.causes;
  return Array.isArray(causes) && causes.some((c) => c.reason === reason);
}

/**
 * Structural equality as Go's semantic DeepEqual sees JSON: absent, null and empty arrays are equal, and
 * `targetRef.resourceVersion` is ignored (upstream compares endpoints ignoring pod resourceVersions).
 */
export function semanticEqualIgnoreRV(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown, key?: string): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((x) => normalize(x) ?? null);
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (key === 'targetRef' && k === 'resourceVersion') continue;
      const n = normalize((v as Record<string, unknown>)[k], k);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
  return v;
}

/**
 * The Service and Pod handlers both endpoint controllers share (upstream's addService/updateService and
 * addPod/updatePod/deletePod): a Service's key on any change of it; on a pod's change, the keys of the Services
 * selecting it (before or after, when its labels or endpoint-relevant state changed).
 */
export function enqueueServicesAndPods(
  services: Informer<Service>,
  pods: Informer<Pod>,
  queue: { add(key: string): void },
): void {
  const enqueueSvc = (s: DeepReadonly<Service>) => queue.add(metaKey(s));
  services.addEventHandler({ add: enqueueSvc, update: (_o, n) => enqueueSvc(n), delete: enqueueSvc });
  const forPod = (p: DeepReadonly<Pod>) => {
    for (const k of servicesForLabels(services.lister.list(), p.metadata?.namespace ?? '', p.metadata?.labels)) queue.add(k);
  };
  pods.addEventHandler({
    add: forPod,
    update: (o, n) => {
      for (const k of servicesToUpdateOnPodChange(services.lister.list(), o, n)) queue.add(k);
    },
    delete: forPod,
  });
}

/**
 * The pods a Service selects, sorted by name (both endpoint controllers start from this). Undefined for an
 * ExternalName Service or one without a selector: its endpoints are not managed.
 */
export function podsSelectedBy(svc: DeepReadonly<Service>, pods: Lister<Pod>): DeepReadonly<Pod>[] | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const selector = serviceSelector(svc);
  if (!selector) return undefined;
  return pods
    .byIndex('namespace', svc.metadata?.namespace ?? '')
    .filter((p) => selectorMatches(selector, p.metadata?.labels))
    .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

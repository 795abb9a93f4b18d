// The kubelet's admission of a pod before it runs it (upstream lifecycle.predicateAdmitHandler + scheduler.AdmissionCheck): OS, resources, node affinity, node name, host ports, NoExecute taints.
import { nodeSelectorRequirementMatches } from '../apimachinery/index.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { podRequests, resourceList } from './resources.js';

/** The outcome of {@link admitPod}: on rejection, the reason and message end up in the pod's status (phase Failed). */
export interface AdmitResult {
  admit: boolean;
  reason?: string;
  message?: string;
}

/** The operating system this kubelet runs containers for (upstream: runtime.GOOS). */
const NODE_OS = 'linux';
const LABEL_OS = 'kubernetes.io/os';
/** The annotation the kubelet puts on pods saying where they came from; anything but `api` is a static pod. */
const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';

/** Upstream predicate names and reasons (scheduler plugin names and their ErrReason strings). */
const NODE_AFFINITY = { name: 'NodeAffinity', reason: "node(s) didn't match Pod's node affinity/selector" };
const NODE_NAME = { name: 'NodeName', reason: "node(s) didn't match the requested node name" };
const NODE_PORTS = { name: 'NodePorts', reason: "node(s) didn't have free ports for the requested pod ports" };
const TAINT_TOLERATION = { name: 'TaintToleration', reason: "node(s) had taints that the pod didn't tolerate" };

function predicateFailure(p: { name: string; reason: string }): AdmitResult {
  return { admit: false, reason: p.name, message: `Predicate ${p.name} failed: ${p.reason}` };
}

/** Upstream IsExtendedResourceName: a domain-prefixed name outside `kubernetes.io/` and not a quota `requests.` name. */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false;
  return !name.startsWith('requests.');
}

/** Upstream IsScalarResourceName: extended, hugepages, `kubernetes.io/`-prefixed native and attachable-volume resources. */
function isScalarResourceName(name: string): boolean {
  return isExtendedResourceName(name) || name.startsWith('hugepages-') || name.includes('kubernetes.io/') || name.startsWith('attachable-volumes-');
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The order upstream checks resources in: pods count first (handled apart), then cpu, memory, ephemeral-storage, then scalar ones. */
const FIXED_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * Upstream noderesources.Fits as the kubelet calls it: the first resource the pod does not fit, or undefined.
 * `pods` count one each against the `pods` allocatable; requested resources are compared with allocatable
 * minus the requests of `others`.
 */
function insufficientResource(pod: Pod, allocatable: Map<string, number>, others: readonly Pod[]): AdmitResult | undefined {
  const fail = (name: string, requested: number, used: number, capacity: number): AdmitResult => ({
    admit: false,
    reason: `OutOf${name}`,
    message: `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  });
  const allowedPods = allocatable.get('pods') ?? 0;
  if (others.length + 1 > allowedPods) return fail('pods', 1, others.length, allowedPods);

  // Extended resources the node does not know are dropped (cluster-level / DRA-backed resources).
  const want = podRequests(pod);
  for (const name of [...want.keys()]) {
    if (isExtendedResourceName(name) && !allocatable.has(name)) want.delete(name);
  }
  const used = new Map<string, number>();
  for (const p of others) {
    for (const [k, v] of podRequests(p)) used.set(k, (used.get(k) ?? 0) + v);
  }
  const names = [...FIXED_RESOURCES, ...[...want.keys()].filter((n) => !FIXED_RESOURCES.includes(n) && isScalarResourceName(n))];
  for (const name of names) {
    const requested = want.get(name) ?? 0;
    if (requested <= 0) continue;
    const capacity = allocatable.get(name) ?? 0;
    const inUse = used.get(name) ?? 0;
    if (requested > capacity - inUse) return fail(name, requested, inUse, capacity);
  }
  return undefined;
}

const requirementMatches = nodeSelectorRequirementMatches;

/** One node selector term: all its expressions (labels) and fields (`metadata.name` only, In/NotIn) match; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels))) return false;
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && requirementMatches(r, nodeFields));
}

/**
 * Upstream GetRequiredNodeAffinity(pod).Match(node): every `spec.nodeSelector` label equals the node's, and, when
 * `requiredDuringSchedulingIgnoredDuringExecution` is set, at least one of its terms matches.
 */
export function matchesRequiredNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

/** Upstream Toleration.ToleratesTaint: effect (empty tolerates all), key (empty with Exists tolerates all) and value (Equal) match. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** A host port in use or wanted, sanitised as upstream HostPortInfo does (empty IP is 0.0.0.0, empty protocol TCP). */
interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** Upstream GetHostPorts: ports with hostPort > 0 of app containers and restartable (sidecar) init containers. */
function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** Upstream HostPortInfo.CheckConflict: same protocol and port, and the same IP or either side bound to 0.0.0.0. */
function portConflict(want: HostPort, used: readonly HostPort[]): boolean {
  return used.some((u) => u.protocol === want.protocol && u.port === want.port && (u.ip === want.ip || u.ip === '0.0.0.0' || want.ip === '0.0.0.0'));
}

/**
 * Whether the kubelet admits `pod` onto `node`, given `pods` already admitted there. Checks, in upstream order,
 * returning the first failure:
 * 1. pod label `kubernetes.io/os` must be `linux` (`PodOSSelectorNodeLabelDoesNotMatch`), `spec.os.name` must be
 *    `linux` (`PodOSNotSupported`);
 * 2. resources against `node.status.allocatable` (capacity when allocatable is absent): pod count (`OutOfpods`),
 *    then cpu, memory, ephemeral-storage, then hugepages/extended resources (`OutOf<name>`, message `Node didn't have
 *    enough resource: <name>, requested: N, used: N, capacity: N` in millicores for cpu, base units otherwise);
 *    extended resources the node does not advertise are ignored;
 * 3. node selector / required node affinity (`NodeAffinity`), `spec.nodeName` (`NodeName`), host ports (`NodePorts`),
 *    with message `Predicate <name> failed: <reason>`;
 * 4. NoExecute taints not tolerated (`TaintToleration`), skipped for static pods (annotation
 *    `kubernetes.io/config.source` other than `api`). NoSchedule/PreferNoSchedule taints are the scheduler's business.
 * `pods` with phase Succeeded/Failed, and the pod itself (same uid), are not counted.
 */
export function admitPod(pod: Pod, node: Node, pods: readonly Pod[]): AdmitResult {
  const podOS = pod.metadata?.labels?.[LABEL_OS];
  if (podOS !== undefined && podOS !== NODE_OS) {
    return {
      admit: false,
      reason: 'PodOSSelectorNodeLabelDoesNotMatch',
      message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    };
  }
  if (pod.spec?.os && pod.spec.os.name !== NODE_OS) {
    return { admit: false, reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" };
  }

  const uid = pod.metadata?.uid;
  const others = pods.filter((p) => !isTerminal(p) && (uid === undefined || p.metadata?.uid !== uid));
  const allocatable = resourceList(node.status?.allocatable ?? node.status?.capacity);
  const resources = insufficientResource(pod, allocatable, others);
  if (resources) return resources;

  if (!matchesRequiredNodeAffinity(pod, node)) return predicateFailure(NODE_AFFINITY);
  const nodeName = pod.spec?.nodeName;
  if (nodeName && nodeName !== node.metadata?.name) return predicateFailure(NODE_NAME);
  const used = others.flatMap(hostPorts);
  if (hostPorts(pod).some((p) => portConflict(p, used))) return predicateFailure(NODE_PORTS);

  const source = pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION];
  const isStatic = source !== undefined && source !== 'api';
  if (!isStatic) {
    const tolerations = pod.spec?.tolerations ?? [];
    const untolerated = (node.spec?.taints ?? []).some((taint) => taint.effect === 'NoExecute' && !tolerations.some((t) => toleratesTaint(t, taint)));
    if (untolerated) return predicateFailure(TAINT_TOLERATION);
  }
  return { admit: true };
}

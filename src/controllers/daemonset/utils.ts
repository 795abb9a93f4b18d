// Pure DaemonSet helpers (upstream pkg/controller/daemon and its util): eligibility, tolerations, node affinity, update math.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { matchesRequiredNodeAffinity, toleratesTaint } from '../../kubelet/admission.js';
import { canonicalJson, fnv32a, safeEncodeString } from '../history/index.js';
import { isPodAvailable, isPodReady } from '../util/index.js';

/** Pod label with the template hash of the DaemonSet revision the pod was made from (upstream DefaultDaemonSetUniqueLabelKey). */
export const DAEMONSET_HASH_LABEL = 'controller-revision-hash';
/** Legacy pod label with the DaemonSet's template generation. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** DaemonSet annotation with its template generation (set by the apiserver upstream). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** The tolerations every DaemonSet pod gets (upstream AddOrUpdateDaemonPodTolerations), network-unavailable only with hostNetwork. */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const out: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) out.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/**
 * Upstream AddOrUpdateTolerationInPodSpec for each DaemonSet toleration: a toleration with the same key, operator,
 * value and effect is replaced, otherwise appended. Returns the new list.
 */
export function withDaemonPodTolerations(spec: PodSpec): Toleration[] {
  const out = [...(spec.tolerations ?? [])].map((t) => ({ ...t }));
  for (const t of daemonPodTolerations(spec.hostNetwork === true)) {
    const i = out.findIndex((o) => (o.key ?? '') === t.key && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '' && (o.effect ?? '') === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** Upstream NewPod: the pod the DaemonSet would run on `nodeName`, as scheduling predicates see it. */
export function simulatedPod(ds: DaemonSet, nodeName: string): Pod {
  const tmpl = ds.spec?.template ?? {};
  const spec = structuredClone(tmpl.spec ?? { containers: [] }) as PodSpec;
  spec.nodeName = nodeName;
  spec.tolerations = withDaemonPodTolerations(spec);
  return { metadata: { ...(structuredClone(tmpl.metadata ?? {}) as object), namespace: ds.metadata?.namespace ?? 'default' }, spec };
}

/** Whether some taint of `node` with an effect accepted by `effects` is not tolerated. */
function hasUntoleratedTaint(node: Node, tolerations: readonly Toleration[], effects: readonly string[]): boolean {
  return (node.spec?.taints ?? []).some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * Upstream NodeShouldRunDaemonPod: `shouldRun` when the template's nodeName (if any), nodeSelector and required node
 * affinity match the node and every NoSchedule/NoExecute taint is tolerated; `shouldContinueRunning` when it
 * matches and only NoSchedule taints are untolerated (a running pod stays).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const nodeName = node.metadata?.name ?? '';
  const wantNode = ds.spec?.template?.spec?.nodeName;
  if (wantNode && wantNode !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  const pod = simulatedPod(ds, nodeName);
  if (!matchesRequiredNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tol = pod.spec!.tolerations ?? [];
  if (hasUntoleratedTaint(node, tol, ['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !hasUntoleratedTaint(node, tol, ['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * Upstream ReplaceDaemonSetPodNodeNameNodeAffinity: the affinity with its required node selector replaced by one
 * term matching `metadata.name In [nodeName]` (other affinity kept).
 */
export function replaceNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return a;
}

/**
 * Upstream GetTargetNodeName: `spec.nodeName`, or else the single node named by the `metadata.name` matchFields term
 * of the required node affinity; undefined when neither says.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** The DaemonSet's template generation annotation, when it is an integer. */
export function templateGeneration(ds: DaemonSet): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^-?\d+$/.test(v) ? v : undefined;
}

/** Upstream CreatePodTemplate: the template with DaemonSet tolerations and the generation and hash labels. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const t = structuredClone(ds.spec!.template) as PodTemplateSpec;
  const spec = (t.spec ?? { containers: [] }) as PodSpec;
  t.spec = { ...spec, tolerations: withDaemonPodTolerations(spec) };
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}) };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = gen;
  if (hash) labels[DAEMONSET_HASH_LABEL] = hash;
  t.metadata = { ...(t.metadata ?? {}), labels };
  return t;
}

/** Upstream IsPodUpdated: the pod carries the current hash (or the current template generation). */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (hash !== '' && labels[DAEMONSET_HASH_LABEL] === hash) || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation);
}

/**
 * Upstream GetScaledValueFromIntOrPercent: an int as is, a percent of `total` rounded up when `roundUp` else
 * down. Throws on a malformed value.
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Upstream updatedDesiredNodeCounts' limits: maxSurge and maxUnavailable for `desired` nodes (unavailable 1 when both are 0). */
export function rollingLimits(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const us = ds.spec?.updateStrategy;
  const ru = (us?.type ?? 'RollingUpdate') === 'RollingUpdate' ? us?.rollingUpdate : undefined;
  let maxUnavailable = ru ? scaledValue(ru.maxUnavailable, desired, true) : 0;
  const maxSurge = ru ? scaledValue(ru.maxSurge, desired, true) : 0;
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** Upstream findUpdatedPodsOnNode: the node's (not deleting) new and old pod; ok false when there is more than one of either. */
export function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string, generation: string | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}), ok: true };
}

/** Upstream podByCreationTimestampAndPhase: scheduled pods first, then oldest first, ties broken by name. */
export function byCreation(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * Upstream rollingUpdate without surge: which old pods to delete now so that at most `maxUnavailable` nodes are
 * unavailable (unavailable old pods are always replaced). `nodeToPods` includes desired nodes with no pods.
 */
export function planRollingUpdate(
  nodeToPods: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  generation: string | undefined,
  maxUnavailable: number,
  minReadySeconds: number,
  now: number,
): string[] {
  let numUnavailable = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const pods of nodeToPods.values()) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
    if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
      numUnavailable++;
      continue;
    }
    if (newPod) {
      if (!isPodAvailable(newPod, minReadySeconds, now)) numUnavailable++;
      continue;
    }
    if (!isPodAvailable(oldPod!, minReadySeconds, now)) {
      allowed.push(oldPod!.metadata!.name!);
      numUnavailable++;
    } else if (numUnavailable < maxUnavailable) {
      candidates.push(oldPod!.metadata!.name!);
    }
  }
  const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
  return [...allowed, ...candidates.slice(0, remaining)];
}

/**
 * Upstream rollingUpdate with surge: nodes to start a new pod on (old pod unavailable, or up to `maxSurge` old
 * available pods) and old pods to delete (their new pod is available, or the node no longer wants one and enough
 * pods are available elsewhere). `shouldRun(node)` is NodeShouldRunDaemonPod's first result.
 */
export function planSurgeUpdate(
  nodeToPods: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  generation: string | undefined,
  maxSurge: number,
  desired: number,
  minReadySeconds: number,
  now: number,
  shouldRun: (node: string) => boolean,
): { create: string[]; remove: string[] } {
  const remove: string[] = [];
  const notRunRemove: string[] = [];
  const candidates: string[] = [];
  const allowed: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [node, pods] of nodeToPods) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? isPodAvailable(oldPod, minReadySeconds, now) : newPod ? isPodAvailable(newPod, minReadySeconds, now) : false) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!isPodAvailable(oldPod, minReadySeconds, now)) {
        if (!shouldRun(node)) remove.push(oldPod.metadata!.name!);
        else allowed.push(node);
      } else if (!shouldRun(node)) {
        notRunRemove.push(oldPod.metadata!.name!);
      } else if (numSurge < maxSurge) {
        candidates.push(node);
      }
      continue;
    }
    if (!isPodAvailable(newPod, minReadySeconds, now)) {
      numSurge++;
      continue;
    }
    remove.push(oldPod.metadata!.name!);
  }
  const deletable = Math.min(numAvailable - desired, notRunRemove.length);
  if (deletable > 0) remove.push(...notRunRemove.slice(0, deletable));
  const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidates.length);
  return { create: [...allowed, ...candidates.slice(0, remaining)], remove };
}

/** The DaemonSet status counters (upstream updateDaemonSetStatus). */
export interface DaemonCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/** Upstream updateDaemonSetStatus' counting over the nodes and the DaemonSet's pods grouped by node. */
export function countDaemonStatus(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, now: number): DaemonCounts {
  const c: DaemonCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  const gen = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata?.name ?? '') ?? [];
    const scheduled = pods.length > 0;
    if (nodeShouldRunDaemonPod(node, ds).shouldRun) {
      c.desiredNumberScheduled++;
      if (!scheduled) continue;
      c.currentNumberScheduled++;
      const pod = [...pods].sort(byCreation)[0]!;
      if (isPodReady(pod)) {
        c.numberReady++;
        if (isPodAvailable(pod, minReady, now)) c.numberAvailable++;
      }
      if (isPodUpdated(pod, hash, gen)) c.updatedNumberScheduled++;
    } else if (scheduled) {
      c.numberMisscheduled++;
    }
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/**
 * The DaemonSet's template hash (upstream controller.ComputeHash: FNV-1a 32 of the template, then of the collision
 * count as 8 little-endian bytes, safe-encoded). kubets hashes the template's canonical JSON where upstream hashes
 * a Go dump of the struct, so the values differ from upstream's; they are stable and change with the template.
 */
export function daemonSetHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template ?? {}), 'utf8'));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

// Which pods a ReplicaSet deletes first when scaling down: upstream's ActivePodsWithRanks ordering and getPodsToDelete.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady } from '../util/index.js';

/** Annotation whose integer value orders scale-down: lower cost is deleted first (upstream v1.PodDeletionCost). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

type PodLike = Pod | Readonly<Pod>;

/**
 * The pod deletion cost from `annotations` as upstream's GetDeletionCostFromPodAnnotations: absent, malformed
 * (a leading `+` or leading zeros, not a base-10 integer) or outside int32 all count as 0.
 */
export function podDeletionCost(annotations: Readonly<Record<string, string>> | undefined): number {
  const v = annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined) return 0;
  // validFirstDigit: '-' or a non-zero digit first, or exactly "0"; then strconv.ParseInt(v, 10, 32).
  if (!/^(0|[1-9][0-9]*|-[0-9]+)$/.test(v)) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) return 0;
  return n === 0 ? 0 : n;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** Milliseconds since the epoch of an RFC 3339 time; 0 (Go's zero time) when absent or unparsable. */
function timeOf(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : 0;
}

function readyTime(p: PodLike): number {
  if (!isPodReady(p as Pod)) return 0;
  const c = (p.status?.conditions ?? []).find((x) => x.type === 'Ready' && x.status === 'True');
  return timeOf(c?.lastTransitionTime);
}

/** t1 is after t2, where a zero time sorts first (upstream afterOrZero). */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** Difference of the log2 buckets of the ages (nanoseconds, as Go's Duration) of t1 and t2 at `now`. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const bucket = (t: number) => {
    const d = (now - t) * 1e6;
    return d > 0 ? Math.trunc(Math.log2(d)) : -1;
  };
  return bucket(t1) - bucket(t2);
}

/** Highest restart count of regular containers, then of restartable (sidecar) init containers. */
function maxContainerRestarts(p: PodLike): [number, number] {
  let regular = 0;
  for (const c of p.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set((p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  let sidecar = 0;
  for (const c of p.status?.initContainerStatuses ?? []) if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

/** A pod with its rank: how many active related pods share its node (upstream ActivePodsWithRanks.Rank). */
export interface RankedPod<P extends PodLike = PodLike> {
  pod: P;
  rank: number;
}

/**
 * Upstream ActivePodsWithRanks.Less (LogarithmicScaleDown on): true when `a` should be deleted before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready; 4. lower
 * pod-deletion-cost < higher; 5. higher rank (more pods doubled up on its node) < lower; 6. both ready: more
 * recently ready < longer ready (compared in log2 buckets of age, uid breaking ties); 7. more container restarts
 * < fewer; 8. newer < older creation (log2 buckets, uid breaking ties), missing times first.
 */
export function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const oa = PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0;
  const ob = PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa < ob;
  const ra = isPodReady(pa as Pod);
  const rb = isPodReady(pb as Pod);
  if (ra !== rb) return !ra;
  const ca = podDeletionCost(pa.metadata?.annotations);
  const cb = podDeletionCost(pb.metadata?.annotations);
  if (ca !== cb) return ca < cb;
  if (a.rank !== b.rank) return a.rank > b.rank;
  const uidLess = () => (pa.metadata?.uid ?? '') < (pb.metadata?.uid ?? '');
  if (ra && rb) {
    const ta = readyTime(pa);
    const tb = readyTime(pb);
    if (ta !== tb) {
      if (now === 0 || ta === 0 || tb === 0) return afterOrZero(ta, tb);
      const d = logarithmicRankDiff(ta, tb, now);
      return d === 0 ? uidLess() : d < 0;
    }
  }
  const [rega, sida] = maxContainerRestarts(pa);
  const [regb, sidb] = maxContainerRestarts(pb);
  if (rega !== regb) return rega > regb;
  if (sida !== sidb) return sida > sidb;
  const ta = timeOf(pa.metadata?.creationTimestamp);
  const tb = timeOf(pb.metadata?.creationTimestamp);
  if (ta !== tb) {
    if (now === 0 || ta === 0 || tb === 0) return afterOrZero(ta, tb);
    const d = logarithmicRankDiff(ta, tb, now);
    return d === 0 ? uidLess() : d < 0;
  }
  return false;
}

/**
 * Ranks each of `pods` by the number of active pods in `related` on the same node (upstream
 * getPodsRankedByRelatedPodsOnSameNode; unassigned pods share the node "").
 */
export function rankByRelatedPodsOnSameNode<P extends PodLike>(pods: readonly P[], related: readonly PodLike[]): RankedPod<P>[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p as Pod)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/**
 * Upstream getPodsToDelete: the `diff` pods of `pods` to delete first, ranked against `related` (the pods of every
 * ReplicaSet with the same controller) at `now` (ms). When all are to go no ordering is done.
 */
export function getPodsToDelete<P extends PodLike>(pods: readonly P[], related: readonly PodLike[], diff: number, now: number): P[] {
  if (diff >= pods.length) return pods.slice(0, Math.max(0, diff));
  const ranked = rankByRelatedPodsOnSameNode(pods, related);
  ranked.sort((a, b) => (deleteBefore(a, b, now) ? -1 : deleteBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, Math.max(0, diff)).map((r) => r.pod);
}

// PodDisruptionBudget status math of the disruption controller (upstream disruption.go and component-helpers poddisruptionbudget).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { DeepReadonly } from '../../client/index.js';

type RPod = DeepReadonly<Pod> | Pod;
type RPdb = DeepReadonly<PodDisruptionBudget> | PodDisruptionBudget;

/** Upstream DeletionTimeout: how long a pod in disruptedPods is expected to take to be marked deleted (2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;
/** Upstream stalePodDisruptionTimeout (2 min). */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000;

/**
 * intstr.GetScaledValueFromIntOrPercent with roundUp: an integer as is, `N%` of `total` rounded up. Throws
 * `invalid value for IntOrString: invalid value "x"` (or the percent form) otherwise.
 */
export function scaledValue(v: number | string, total: number, roundUp = true): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  const p = Number(m[1]);
  return roundUp ? Math.ceil((p * total) / 100) : Math.floor((p * total) / 100);
}

/** Upstream apipod.IsPodReady. */
export function isPodReady(p: RPod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Upstream getExpectedPodCount: with maxUnavailable, expected = the scale of the pods' controllers and
 * desiredHealthy = expected - maxUnavailable (>= 0); with an integer minAvailable, expected = number of pods and
 * desiredHealthy = minAvailable; with a percentage minAvailable, expected = the controllers' scale and
 * desiredHealthy = ceil(percent). `expectedScale` returns the summed scale and the unmanaged pods' names.
 */
export function expectedPodCount(
  pdb: RPdb,
  pods: readonly RPod[],
  expectedScale: () => { expected: number; unmanaged: string[] },
): { expectedCount: number; desiredHealthy: number; unmanaged: string[] } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expected, unmanaged } = expectedScale();
    const maxUnavailable = scaledValue(spec.maxUnavailable as number | string, expected, true);
    return { expectedCount: expected, desiredHealthy: Math.max(0, expected - maxUnavailable), unmanaged };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] };
    const { expected, unmanaged } = expectedScale();
    return { expectedCount: expected, desiredHealthy: scaledValue(spec.minAvailable, expected, true), unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanaged: [] };
}

/**
 * Upstream countHealthyPods: Ready pods that are not being deleted and not in `disrupted` within the deletion
 * timeout.
 */
export function countHealthyPods(pods: readonly RPod[], disrupted: Readonly<Record<string, string>>, now: number): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    const t = disrupted[p.metadata?.name ?? ''];
    if (t !== undefined && Date.parse(t) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

/**
 * Upstream buildDisruptedPodMap: keeps the disruptedPods entries of existing pods not yet marked for deletion whose
 * timeout has not passed; returns them, the pods that timed out (for `NotDeleted` events), and when to look again.
 */
export function buildDisruptedPodMap(pdb: RPdb, pods: readonly RPod[], now: number): { disrupted: Record<string, string>; expired: RPod[]; recheckAt: number | undefined } {
  const prev = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const expired: RPod[] = [];
  let recheckAt: number | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    const name = p.metadata?.name ?? '';
    const t = prev[name];
    if (t === undefined) continue;
    const expectedDeletion = Date.parse(t) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      expired.push(p);
      continue;
    }
    if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    disrupted[name] = t;
  }
  return { disrupted, expired, recheckAt };
}

/**
 * apimachinery meta.SetStatusCondition on a copy: replaces the condition of the same type (lastTransitionTime
 * kept unless the status changes) or appends it.
 */
export function setStatusCondition(conds: readonly DeepReadonly<Condition>[] | undefined, c: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const out = (conds ?? []).map((x) => ({ ...x }) as Condition);
  const i = out.findIndex((x) => x.type === c.type);
  if (i < 0) {
    out.push({ ...c, lastTransitionTime: now });
    return out;
  }
  const old = out[i]!;
  out[i] = { ...old, ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : now };
  return out;
}

/** The DisruptionAllowed condition for `disruptionsAllowed` (upstream UpdateDisruptionAllowedCondition). */
export function disruptionAllowedCondition(disruptionsAllowed: number, observedGeneration: number): Omit<Condition, 'lastTransitionTime'> {
  return disruptionsAllowed > 0
    ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration }
    : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration };
}

/** Upstream pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: RPdb): boolean {
  const c = pdb.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
  if (!c) return false;
  if ((pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return c.status === 'True' && c.reason === 'SufficientPods';
  return c.status === 'False' && c.reason === 'InsufficientPods';
}

/**
 * Upstream updatePdbStatus: the new status, or undefined when the current one is already right. disruptionsAllowed
 * is currentHealthy - desiredHealthy, but 0 when no pods are expected (a PDB whose first pods just appeared is
 * safe until computed).
 */
export function computePdbStatus(
  pdb: RPdb,
  currentHealthy: number,
  desiredHealthy: number,
  expectedCount: number,
  disruptedPods: Record<string, string>,
  now: string,
): PodDisruptionBudgetStatus | undefined {
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const s = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  const sameDisrupted = JSON.stringify(sortKeys(s?.disruptedPods ?? {})) === JSON.stringify(sortKeys(disruptedPods));
  if (
    s &&
    s.currentHealthy === currentHealthy &&
    s.desiredHealthy === desiredHealthy &&
    s.expectedPods === expectedCount &&
    (s.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    sameDisrupted &&
    (s.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  return {
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    disruptionsAllowed,
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
    observedGeneration: generation,
    conditions: setStatusCondition(s?.conditions, disruptionAllowedCondition(disruptionsAllowed, generation), now),
  };
}

function sortKeys(o: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

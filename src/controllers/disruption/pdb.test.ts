// Table tests of PodDisruptionBudget status math: expected counts, healthy pods, disrupted pods, conditions.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { buildDisruptedPodMap, computePdbStatus, conditionsAreUpToDate, countHealthyPods, expectedPodCount, scaledValue } from './pdb.js';

const pod = (name: string, ready: boolean, extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name, namespace: 'ns', ...extra },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget => ({
  metadata: { name: 'b', namespace: 'ns', generation },
  spec,
  ...(status ? { status } : {}),
});
const NOW = Date.parse('2024-05-01T10:00:00Z');

describe('scaledValue', () => {
  const cases: [number | string, number, number][] = [
    [3, 10, 3],
    ['50%', 3, 2],
    ['50%', 4, 2],
    ['10%', 1, 1],
    ['0%', 5, 0],
  ];
  it.each(cases)('%s of %d', (v, total, want) => expect(scaledValue(v, total)).toBe(want));
  it('rejects junk', () => expect(() => scaledValue('abc', 3)).toThrow('invalid value for IntOrString: invalid value "abc"'));
});

describe('expectedPodCount', () => {
  const pods = [pod('a', true), pod('b', true), pod('c', false)];
  const scale = () => ({ expected: 5, unmanaged: [] as string[] });
  const cases: [string, PodDisruptionBudget['spec'], number, number][] = [
    ['int minAvailable counts pods', { minAvailable: 2 }, 3, 2],
    ['percent minAvailable uses scale', { minAvailable: '50%' }, 5, 3],
    ['int maxUnavailable', { maxUnavailable: 1 }, 5, 4],
    ['percent maxUnavailable rounds up', { maxUnavailable: '30%' }, 5, 3],
    ['maxUnavailable above scale clamps', { maxUnavailable: 9 }, 5, 0],
    ['neither', {}, 0, 0],
  ];
  it.each(cases)('%s', (_n, spec, expected, desired) => {
    const r = expectedPodCount(pdb(spec), pods, scale);
    expect(r.expectedCount).toBe(expected);
    expect(r.desiredHealthy).toBe(desired);
  });
});

describe('countHealthyPods / buildDisruptedPodMap', () => {
  const recent = '2024-05-01T09:59:30Z';
  const old = '2024-05-01T09:57:00Z';
  const pods = [pod('a', true), pod('b', true), pod('c', false), pod('d', true, { deletionTimestamp: recent }), pod('e', true)];
  it('counts Ready pods not being deleted nor recently disrupted', () => {
    expect(countHealthyPods(pods, {}, NOW)).toBe(3);
    expect(countHealthyPods(pods, { a: recent }, NOW)).toBe(2);
    expect(countHealthyPods(pods, { a: old }, NOW)).toBe(3);
  });
  it('drops expired, deleted and unknown entries and plans a recheck', () => {
    const r = buildDisruptedPodMap(pdb({}, { disruptedPods: { a: recent, b: old, d: recent, gone: recent }, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }), pods, NOW);
    expect(r.disrupted).toEqual({ a: recent });
    expect(r.expired.map((p) => p.metadata!.name)).toEqual(['b']);
    expect(r.recheckAt).toBe(Date.parse(recent) + 120_000);
  });
});

describe('computePdbStatus', () => {
  it('sufficient pods', () => {
    const s = computePdbStatus(pdb({ minAvailable: 2 }), 3, 2, 3, {}, '2024-05-01T10:00:00Z')!;
    expect(s).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(s.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2024-05-01T10:00:00Z' }]);
    expect(s.disruptedPods).toBeUndefined();
  });
  it('insufficient pods and no expected pods give 0', () => {
    expect(computePdbStatus(pdb({ minAvailable: 2 }), 2, 2, 2, {}, 't')!.conditions![0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    expect(computePdbStatus(pdb({ maxUnavailable: 1 }), 3, -1, 0, {}, 't')!.disruptionsAllowed).toBe(0);
  });
  it('returns undefined when up to date, keeps the transition time when the status holds', () => {
    const first = computePdbStatus(pdb({ minAvailable: 1 }), 2, 1, 2, {}, 'T1')!;
    expect(conditionsAreUpToDate(pdb({ minAvailable: 1 }, first))).toBe(true);
    expect(computePdbStatus(pdb({ minAvailable: 1 }, first), 2, 1, 2, {}, 'T2')).toBeUndefined();
    const more = computePdbStatus(pdb({ minAvailable: 1 }, first), 3, 1, 3, {}, 'T2')!;
    expect(more.conditions![0]!.lastTransitionTime).toBe('T1');
    const flipped = computePdbStatus(pdb({ minAvailable: 1 }, first), 1, 1, 2, {}, 'T3')!;
    expect(flipped.conditions![0]).toMatchObject({ status: 'False', lastTransitionTime: 'T3' });
  });
  it('a new generation is written even when numbers match', () => {
    const first = computePdbStatus(pdb({ minAvailable: 1 }), 2, 1, 2, {}, 'T1')!;
    const s = computePdbStatus(pdb({ minAvailable: 1 }, first, 2), 2, 1, 2, {}, 'T2')!;
    expect(s.observedGeneration).toBe(2);
    expect(s.conditions![0]!.observedGeneration).toBe(2);
  });
  it('a change in disruptedPods is written', () => {
    const first = computePdbStatus(pdb({ minAvailable: 1 }), 2, 1, 2, { a: 'x' }, 'T1')!;
    expect(first.disruptedPods).toEqual({ a: 'x' });
    expect(computePdbStatus(pdb({ minAvailable: 1 }, first), 2, 1, 2, {}, 'T2')!.disruptedPods).toBeUndefined();
  });
});

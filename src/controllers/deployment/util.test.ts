// Unit tests of the pure Deployment helpers: surge/unavailable math, hashes, revisions and annotations, scaling plans, conditions.
import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  calculateStatus,
  computeHash,
  deploymentComplete,
  deploymentTimedOut,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getProportion,
  isSaturated,
  lastRevision,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  planOldScaleDown,
  proportionalScale,
  resolveFenceposts,
  roundToInt32,
  setCondition,
  setDeploymentAnnotationsTo,
  setNewReplicaSetAnnotations,
  statusEqual,
  valueFromIntOrPercent,
} from './util.js';

function dep(replicas: number, opts: { surge?: number | string; unavailable?: number | string; type?: 'Recreate' | 'RollingUpdate'; annotations?: Record<string, string>; image?: string; pds?: number } = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: opts.type === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: opts.surge ?? '25%', maxUnavailable: opts.unavailable ?? '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: opts.image ?? 'a' }] } },
      ...(opts.pds !== undefined ? { progressDeadlineSeconds: opts.pds } : {}),
    },
  };
}

let seq = 0;
function rs(name: string, replicas: number, opts: { available?: number; ready?: number; status?: number; revision?: number; image?: string; created?: string; annotations?: Record<string, string> } = {}): ReplicaSet {
  seq++;
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `${name}-uid`,
      creationTimestamp: opts.created ?? `2024-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`,
      annotations: { ...(opts.revision !== undefined ? { 'deployment.kubernetes.io/revision': String(opts.revision) } : {}), ...(opts.annotations ?? {}) },
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: opts.image ?? name }] } } },
    status: { replicas: opts.status ?? replicas, availableReplicas: opts.available ?? replicas, readyReplicas: opts.ready ?? opts.available ?? replicas },
  };
}

describe('int-or-percent and fenceposts', () => {
  it.each([
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['1%', 2, true, 1],
    ['1%', 2, false, 0],
    ['100%', 7, false, 7],
    ['0%', 5, true, 0],
  ] as const)('valueFromIntOrPercent(%j, %d, roundUp=%s) = %d', (v, total, up, want) => {
    expect(valueFromIntOrPercent(v, total, up)).toBe(want);
  });

  it('rejects strings that are not percentages', () => {
    expect(() => valueFromIntOrPercent('5', 10, true)).toThrow('invalid value for IntOrString: invalid type: string is not a percentage');
    expect(() => valueFromIntOrPercent('x%', 10, true)).toThrow(/invalid value "x%"/);
  });

  it.each([
    ['25%', '25%', 10, 3, 2],
    ['1%', '1%', 2, 1, 0],
    ['0%', '1%', 2, 0, 1],
    ['0%', '0%', 5, 0, 1],
    [0, 0, 0, 0, 1],
    ['50%', '50%', 3, 2, 1],
    [2, 0, 4, 2, 0],
  ] as const)('resolveFenceposts(%j, %j, %d) = surge %d, unavailable %d', (s, u, desired, surge, unavailable) => {
    expect(resolveFenceposts(s, u, desired)).toEqual({ surge, unavailable });
  });

  it.each([
    [dep(10), 3, 2],
    [dep(10, { surge: 0, unavailable: 5 }), 0, 5],
    [dep(2, { surge: 1, unavailable: 5 }), 1, 2],
    [dep(0, { surge: 1, unavailable: 1 }), 1, 0],
    [dep(4, { type: 'Recreate' }), 0, 0],
  ])('maxSurge/maxUnavailable of a deployment (%#)', (d, surge, unavailable) => {
    expect(maxSurge(d)).toBe(surge);
    expect(maxUnavailable(d)).toBe(unavailable);
  });

  it.each([
    [2.5, 3],
    [2.49, 2],
    [-2.5, -3],
    [0, 0],
  ])('roundToInt32(%d) = %d', (a, want) => expect(roundToInt32(a)).toBe(want));
});

describe('pod-template-hash', () => {
  const t = dep(1).spec!.template;
  it('is stable, safe-encoded, and changes with the template and the collision count', () => {
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(structuredClone(t))).toBe(h);
    expect(computeHash(dep(1, { image: 'b' }).spec!.template)).not.toBe(h);
    expect(computeHash(t, 0)).not.toBe(h);
    expect(computeHash(t, 1)).not.toBe(computeHash(t, 0));
  });

  it('ignores key order', () => {
    const a = { metadata: { labels: { x: '1', y: '2' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const b = { spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { y: '2', x: '1' } } };
    expect(computeHash(a)).toBe(computeHash(b));
  });

  it('equalIgnoreHash ignores only the hash label and nil-vs-empty', () => {
    const a = { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const b = { metadata: { labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'c', image: 'i', env: [] }] } };
    expect(equalIgnoreHash(a, b)).toBe(true);
    expect(equalIgnoreHash(a, { ...b, metadata: { labels: { app: 'other' } } })).toBe(false);
    expect(a.metadata.labels['pod-template-hash']).toBe('abc');
  });
});

describe('new and old ReplicaSets', () => {
  it('finds the oldest ReplicaSet with the deployment template as the new one', () => {
    const d = dep(3, { image: 'b' });
    const a = rs('a', 3, { created: '2024-01-01T00:00:00Z' });
    const b1 = rs('b', 0, { created: '2024-01-01T00:00:05Z' });
    const b2 = { ...rs('b2', 0, { image: 'b', created: '2024-01-01T00:00:09Z' }) };
    expect(findNewReplicaSet(d, [a, b2, b1])?.metadata?.name).toBe('b');
    const { required, all } = findOldReplicaSets(d, [a, b1, b2]);
    expect(all.map((r) => r.metadata?.name)).toEqual(['a', 'b2']);
    expect(required.map((r) => r.metadata?.name)).toEqual(['a']);
  });

  it('max and last revision', () => {
    const list = [rs('a', 0, { revision: 1 }), rs('b', 0, { revision: 4 }), rs('c', 0, { revision: 2 }), rs('x', 0, { annotations: { 'deployment.kubernetes.io/revision': 'bad' } })];
    expect(maxRevision(list)).toBe(4);
    expect(lastRevision(list)).toBe(2);
    expect(lastRevision([rs('a', 0, { revision: 1 })])).toBe(0);
  });
});

describe('setNewReplicaSetAnnotations', () => {
  it('annotates a ReplicaSet about to be created', () => {
    const d = dep(10, { annotations: { 'kubernetes.io/change-cause': 'v2', 'deployment.kubernetes.io/revision': '7', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
    const r: ReplicaSet = { metadata: { name: 'n' }, spec: { selector: {} } };
    expect(setNewReplicaSetAnnotations(d, r, '3', false)).toBe(true);
    expect(r.metadata!.annotations).toEqual({
      'kubernetes.io/change-cause': 'v2',
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/desired-replicas': '10',
      'deployment.kubernetes.io/max-replicas': '13',
    });
  });

  it.each([
    ['first rollback records the old revision', '1', undefined, '3', '3', '1', true],
    ['later rollbacks append', '3', '1', '5', '5', '1,3', true],
    ['never lowers a revision', '6', undefined, '5', '6', undefined, false],
    ['same revision is a no-op', '5', '1,3', '5', '5', '1,3', false],
  ] as const)('%s', (_n, old, history, next, wantRev, wantHistory, changed) => {
    const r: ReplicaSet = { metadata: { name: 'n', annotations: { 'deployment.kubernetes.io/revision': old, ...(history ? { 'deployment.kubernetes.io/revision-history': history } : {}) } }, spec: { selector: {} } };
    expect(setNewReplicaSetAnnotations(dep(1), r, next, true)).toBe(changed);
    expect(r.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe(wantRev);
    expect(r.metadata!.annotations!['deployment.kubernetes.io/revision-history']).toBe(wantHistory);
    expect(r.metadata!.annotations!['deployment.kubernetes.io/desired-replicas']).toBeUndefined();
  });

  it('bounds revision-history by length, dropping the oldest', () => {
    const r: ReplicaSet = { metadata: { name: 'n', annotations: { 'deployment.kubernetes.io/revision': '9', 'deployment.kubernetes.io/revision-history': '1,3,5' } }, spec: { selector: {} } };
    setNewReplicaSetAnnotations(dep(1), r, '10', true, 6);
    expect(r.metadata!.annotations!['deployment.kubernetes.io/revision-history']).toBe('3,5,9');
  });

  it('rollback annotations keep the skipped ones from the deployment and take the rest from the ReplicaSet', () => {
    const d = dep(1, { annotations: { 'deployment.kubernetes.io/revision': '4', 'kubernetes.io/change-cause': 'new', mine: 'x' } });
    setDeploymentAnnotationsTo(d, rs('a', 0, { revision: 1, annotations: { 'kubernetes.io/change-cause': 'old' } }));
    expect(d.metadata!.annotations).toEqual({ 'deployment.kubernetes.io/revision': '4', 'kubernetes.io/change-cause': 'old' });
  });
});

describe('scaling math', () => {
  it.each([
    ['first step with 25% surge', dep(10), [rs('old', 10)], 0, 3],
    ['no room left', dep(10), [rs('old', 10)], 3, 3],
    ['never above replicas', dep(10, { surge: 5 }), [rs('old', 2)], 8, 10],
    ['after old scaled down', dep(10), [rs('old', 8)], 3, 5],
    ['recreate takes all', dep(4, { type: 'Recreate' }), [rs('old', 0)], 0, 4],
  ])('newRSNewReplicas: %s', (_n, d, olds, cur, want) => {
    const n = rs('new', cur);
    expect(newRSNewReplicas(d, [...olds, n], n)).toBe(want);
  });

  it.each([
    ['healthy old: down to minAvailable', dep(10), rs('old', 10), rs('new', 3, { available: 0 }), [['old', 8]]],
    ['unavailable new pods block scaling down', dep(10), rs('old', 8), rs('new', 5, { available: 0 }), []],
    ['unhealthy old pods go first', dep(10), rs('old', 10, { available: 7 }), rs('new', 3, { available: 0 }), [['old', 8]]],
    ['new pods available: old may shrink more', dep(10), rs('old', 8), rs('new', 5, { available: 5 }), [['old', 3]]],
    ['maxUnavailable 0 waits for availability', dep(4, { surge: 1, unavailable: 0 }), rs('old', 4), rs('new', 1, { available: 0 }), []],
    ['maxUnavailable 0 after one new available', dep(4, { surge: 1, unavailable: 0 }), rs('old', 4), rs('new', 1, { available: 1 }), [['old', 3]]],
  ] as const)('planOldScaleDown: %s', (_n, d, old, n, want) => {
    expect(planOldScaleDown(d, [old], n).map((p) => [p.rs.metadata!.name, p.size])).toEqual(want);
  });

  it('refuses to plan from a status not caught up with a scale-down', () => {
    expect(() => planOldScaleDown(dep(10), [rs('old', 8, { available: 10 })], rs('new', 3, { available: 3 }))).toThrow('when cleaning up unhealthy replicas, got invalid request to scale down default/old 8 -> 10');
  });

  it('plans oldest ReplicaSets first', () => {
    const a = rs('a', 2, { created: '2024-01-01T00:00:00Z' });
    const b = rs('b', 2, { created: '2024-01-02T00:00:00Z' });
    const n = rs('n', 0, { available: 0 });
    expect(planOldScaleDown(dep(4, { surge: 0, unavailable: 3 }), [b, a], n).map((p) => [p.rs.metadata!.name, p.size])).toEqual([['a', 0], ['b', 1]]);
  });

  it('proportionally scales a rollout in flight', () => {
    const d = dep(20);
    const annotations = { 'deployment.kubernetes.io/max-replicas': '13' };
    const n = rs('new', 6, { created: '2024-01-02T00:00:00Z', annotations });
    const o = rs('old', 4, { created: '2024-01-01T00:00:00Z', annotations });
    const plan = proportionalScale(d, [o, n]);
    expect(plan.op).toBe('up');
    expect(plan.sizes.map((s) => [s.rs.metadata!.name, s.size])).toEqual([['new', 17], ['old', 8]]);
    const down = proportionalScale(dep(5), [{ ...o, metadata: { ...o.metadata, annotations: { 'deployment.kubernetes.io/max-replicas': '25' } } }, { ...n, metadata: { ...n.metadata, annotations: { 'deployment.kubernetes.io/max-replicas': '25' } } }]);
    expect(down.op).toBe('down');
    expect(down.sizes.reduce((a, s) => a + s.size, 0)).toBe(5 + 2);
  });

  it('getProportion caps by what is left to add', () => {
    const r = rs('a', 5, { annotations: { 'deployment.kubernetes.io/max-replicas': '10' } });
    expect(getProportion(r, dep(20), 3, 0)).toBe(3);
    expect(getProportion(r, dep(20), 3, 3)).toBe(0);
    expect(getProportion(rs('z', 0), dep(20), 3, 0)).toBe(0);
  });

  it('active-or-latest and saturation', () => {
    const n = rs('n', 3, { annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } });
    expect(findActiveOrLatest(n, [rs('o', 0)])?.metadata?.name).toBe('n');
    expect(findActiveOrLatest(n, [rs('o', 1)])).toBeUndefined();
    expect(findActiveOrLatest(undefined, [rs('o1', 0, { created: '2024-01-01T00:00:00Z' }), rs('o2', 0, { created: '2024-01-03T00:00:00Z' })])?.metadata?.name).toBe('o2');
    expect(isSaturated(dep(3), n)).toBe(true);
    expect(isSaturated(dep(3), rs('m', 3, { available: 2, annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } }))).toBe(false);
    expect(isSaturated(dep(3), rs('m', 3))).toBe(false);
  });
});

describe('status and conditions', () => {
  it('counts from the ReplicaSets and sets Available', () => {
    const d = dep(10);
    const n = rs('new', 3, { available: 1, ready: 2 });
    const o = rs('old', 8, { available: 8 });
    const s = calculateStatus([o, n], n, d, Date.parse('2024-05-01T00:00:00Z'));
    expect(s).toMatchObject({ observedGeneration: 1, replicas: 11, updatedReplicas: 3, readyReplicas: 10, availableReplicas: 9, unavailableReplicas: 2 });
    expect(s.conditions).toEqual([
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: '2024-05-01T00:00:00Z', lastTransitionTime: '2024-05-01T00:00:00Z' },
    ]);
    const low = calculateStatus([rs('x', 10, { available: 7 })], undefined, d);
    expect(low.conditions?.[0]).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    expect(low.updatedReplicas).toBeUndefined();
  });

  it('setCondition keeps unchanged conditions and lastTransitionTime on a reason change', () => {
    const s = { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastTransitionTime: 't0', lastUpdateTime: 't0' }] };
    setCondition(s, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastTransitionTime: 't1', lastUpdateTime: 't1' });
    expect(s.conditions[0]!.lastUpdateTime).toBe('t0');
    setCondition(s, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastTransitionTime: 't2', lastUpdateTime: 't2' });
    expect(s.conditions[0]).toMatchObject({ reason: 'ReplicaSetUpdated', lastTransitionTime: 't0', lastUpdateTime: 't2' });
    setCondition(s, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastTransitionTime: 't3', lastUpdateTime: 't3' });
    expect(s.conditions[0]).toMatchObject({ status: 'False', lastTransitionTime: 't3' });
  });

  it.each([
    ['recent progress', 'ReplicaSetUpdated', '2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z', false],
    ['deadline passed', 'ReplicaSetUpdated', '2024-01-01T00:00:00Z', '2024-01-01T00:00:11Z', true],
    ['complete never times out', 'NewReplicaSetAvailable', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', false],
    ['already timed out', 'ProgressDeadlineExceeded', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', true],
  ])('deploymentTimedOut: %s', (_n, reason, at, now, want) => {
    const s = { conditions: [{ type: 'Progressing', status: 'True', reason, lastUpdateTime: at, lastTransitionTime: at }] };
    expect(deploymentTimedOut(dep(1, { pds: 10 }), s, Date.parse(now))).toBe(want);
    expect(deploymentTimedOut(dep(1), s, Date.parse(now))).toBe(false);
  });

  it('deploymentComplete and statusEqual', () => {
    const d = dep(2);
    expect(deploymentComplete(d, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 })).toBe(true);
    expect(deploymentComplete(d, { replicas: 3, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 })).toBe(false);
    expect(deploymentComplete(d, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 0 })).toBe(false);
    expect(statusEqual({ replicas: 0, conditions: [] }, {})).toBe(true);
    expect(statusEqual({ collisionCount: 0 }, {})).toBe(false);
  });
});

// Unit tests of the ReplicaSet controller's pure logic: slow start, status calculation, the steady-state test, flavours.
import { describe, expect, it } from 'vitest';
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { REPLICA_SET, REPLICATION_CONTROLLER } from './adapter.js';
import { calculateStatus, podsPrefix, REPLICA_FAILURE, slowStartBatch, statusUpToDate } from './utils.js';

describe('slowStartBatch', () => {
  it.each<{ count: number; failAt?: number; batches: number[]; successes: number }>([
    { count: 0, batches: [], successes: 0 },
    { count: 1, batches: [1], successes: 1 },
    { count: 10, batches: [1, 2, 4, 3], successes: 10 },
    { count: 20, batches: [1, 2, 4, 8, 5], successes: 20 },
    // the 4th call fails: it is in the 3rd batch (calls 4..7), which completes; nothing after it starts
    { count: 20, failAt: 4, batches: [1, 2, 4], successes: 6 },
    { count: 5, failAt: 1, batches: [1], successes: 0 },
  ])('count $count fail at $failAt', async ({ count, failAt, batches, successes }) => {
    let calls = 0;
    let inFlight = 0;
    const seen: number[] = [];
    let batchStart = -1;
    const res = await slowStartBatch(count, 1, async () => {
      const n = ++calls;
      if (inFlight === 0) {
        seen.push(0);
        batchStart = n;
      }
      inFlight++;
      seen[seen.length - 1]!++;
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (n === failAt) throw new Error(`boom ${n} (batch from ${batchStart})`);
    });
    expect(seen).toEqual(batches);
    expect(res.successes).toBe(successes);
    if (failAt) expect(String((res.error as Error).message)).toMatch(/^boom /);
    else expect(res.error).toBeUndefined();
  });
});

const NOW = Date.parse('2024-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
function pod(labels: Record<string, string>, readySecondsAgo?: number): Pod {
  return {
    metadata: { name: 'p', labels },
    status: { phase: 'Running', conditions: readySecondsAgo === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readySecondsAgo) }] },
  };
}

describe('calculateStatus', () => {
  const tmpl = { app: 'web', tier: 'fe' };
  it.each<{ name: string; replicas: number; minReady: number; pods: Pod[]; want: Partial<ReplicaSetStatus> }>([
    { name: 'no pods', replicas: 0, minReady: 0, pods: [], want: { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 } },
    {
      name: 'labels, readiness, availability',
      replicas: 3,
      minReady: 0,
      pods: [pod({ app: 'web', tier: 'fe', x: '1' }, 5), pod({ app: 'web' }, 5), pod({ app: 'web', tier: 'fe' })],
      want: { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    },
    {
      name: 'minReadySeconds holds back availability',
      replicas: 2,
      minReady: 30,
      pods: [pod(tmpl, 60), pod(tmpl, 10)],
      want: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 },
    },
  ])('$name', ({ replicas, minReady, pods, want }) => {
    const st = calculateStatus({ replicas, minReadySeconds: minReady, templateLabels: tmpl, status: { replicas: 0, observedGeneration: 4 } }, pods, undefined, NOW);
    expect(st).toMatchObject(want);
    expect(st.observedGeneration).toBe(4);
    expect(st.conditions).toBeUndefined();
  });

  it.each<{ name: string; replicas: number; pods: number; reason: string }>([
    { name: 'too few -> FailedCreate', replicas: 3, pods: 1, reason: 'FailedCreate' },
    { name: 'too many -> FailedDelete', replicas: 1, pods: 3, reason: 'FailedDelete' },
  ])('ReplicaFailure $name', ({ replicas, pods, reason }) => {
    const err = new Error('pods "x" is forbidden: exceeded quota: q');
    const st = calculateStatus({ replicas, minReadySeconds: 0, templateLabels: tmpl, status: { replicas: 0 } }, Array.from({ length: pods }, () => pod(tmpl)), err, NOW);
    expect(st.conditions).toEqual([{ type: REPLICA_FAILURE, status: 'True', reason, message: err.message, lastTransitionTime: '2024-01-01T12:00:00Z' }]);
  });

  it('keeps an existing ReplicaFailure while errors go on, removes it after a clean sync', () => {
    const old = { type: REPLICA_FAILURE, status: 'True', reason: 'FailedCreate', message: 'old', lastTransitionTime: ago(100) };
    const other = { type: 'Other', status: 'True' };
    const input = { replicas: 2, minReadySeconds: 0, templateLabels: tmpl, status: { replicas: 1, conditions: [other, old] } };
    expect(calculateStatus(input, [pod(tmpl)], new Error('new'), NOW).conditions).toEqual([other, old]);
    expect(calculateStatus(input, [pod(tmpl)], undefined, NOW).conditions).toEqual([other]);
    expect(calculateStatus({ ...input, status: { replicas: 1, conditions: [old] } }, [pod(tmpl)], undefined, NOW).conditions).toBeUndefined();
  });
});

describe('statusUpToDate', () => {
  const st: ReplicaSetStatus = { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 };
  it.each<{ name: string; gen: number; cur: ReplicaSetStatus | undefined; next: ReplicaSetStatus; want: boolean }>([
    { name: 'same', gen: 2, cur: st, next: { ...st }, want: true },
    { name: 'new generation', gen: 3, cur: st, next: { ...st }, want: false },
    { name: 'ready changed', gen: 2, cur: st, next: { ...st, readyReplicas: 3 }, want: false },
    { name: 'condition added', gen: 2, cur: st, next: { ...st, conditions: [{ type: REPLICA_FAILURE, status: 'True' }] }, want: false },
    { name: 'omitted zeros equal zeros', gen: 0, cur: { replicas: 0 }, next: { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, want: true },
    { name: 'no status yet, generation 1', gen: 1, cur: undefined, next: { replicas: 0, readyReplicas: 0 }, want: false },
  ])('$name', ({ gen, cur, next, want }) => {
    expect(statusUpToDate(gen, cur, next)).toBe(want);
  });
});

describe('podsPrefix', () => {
  it.each<[string, string]>([
    ['web', 'web-'],
    ['a'.repeat(251), `${'a'.repeat(251)}-`],
    ['a'.repeat(252), 'a'.repeat(252)],
  ])('%s', (name, want) => expect(podsPrefix(name)).toBe(want));
});

describe('flavours', () => {
  it('reads a ReplicaSet', () => {
    const rs: ReplicaSet = {
      metadata: { name: 'r', generation: 3 },
      spec: { replicas: 4, minReadySeconds: 7, selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, template: { metadata: { labels: { a: 'b' } } } },
      status: { replicas: 2 },
    };
    expect(REPLICA_SET.view(rs)).toEqual({ replicas: 4, minReadySeconds: 7, selector: rs.spec!.selector, template: rs.spec!.template, generation: 3, status: { replicas: 2 } });
    expect(REPLICA_SET.view({ spec: { selector: {} } }).replicas).toBe(1);
  });
  it('reads a ReplicationController selector map as matchLabels', () => {
    const rc: ReplicationController = { metadata: { name: 'c', generation: 1 }, spec: { replicas: 0, selector: { app: 'x' }, template: { metadata: { labels: { app: 'x' } } } } };
    const v = REPLICATION_CONTROLLER.view(rc);
    expect(v.selector).toEqual({ matchLabels: { app: 'x' } });
    expect(v.replicas).toBe(0);
    expect(REPLICATION_CONTROLLER.view({ spec: {} }).selector).toBeUndefined();
    expect([REPLICATION_CONTROLLER.apiVersion, REPLICATION_CONTROLLER.kind, REPLICATION_CONTROLLER.resource]).toEqual(['v1', 'ReplicationController', 'replicationcontrollers']);
  });
});

// Job status math: indexes, wanted pods, completion, back-off, conditions, pod ordering and failure accounting.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { cleanUncounted } from './controller.js';
import {
  activePodsForRemoval,
  backoffRemaining,
  ensureCondition,
  firstPendingIndexes,
  formatIndexes,
  generateNameWithIndex,
  isComplete,
  isPodFailed,
  nextBackoffRecord,
  parseIndexes,
  pastBackoffLimitOnFailure,
  wantActive,
} from './utils.js';

const job = (spec: Job['spec']): Job => ({ spec: spec! });
const pod = (name: string, opts: { phase?: string; ix?: number; node?: string; ready?: boolean; deleted?: boolean; finishedAt?: string; restarts?: number } = {}): Pod => ({
  metadata: {
    name,
    uid: name,
    ...(opts.ix !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.ix) } } : {}),
    ...(opts.deleted ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
  },
  spec: { containers: [], ...(opts.node ? { nodeName: opts.node } : {}) },
  status: {
    phase: opts.phase ?? 'Running',
    conditions: opts.ready ? [{ type: 'Ready', status: 'True' }] : [],
    containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: !!opts.ready, restartCount: opts.restarts ?? 0, ...(opts.finishedAt ? { state: { terminated: { exitCode: 1, finishedAt: opts.finishedAt } } } : {}) }],
  },
});

describe('indexes', () => {
  it.each([
    ['', 5, []],
    ['0-2,4', 5, [0, 1, 2, 4]],
    ['3-9', 5, [3, 4]],
    ['1,x,2', 5, [1, 2]],
  ] as const)('parseIndexes(%j, %d)', (s, n, want) => expect(parseIndexes(s, n)).toEqual(want));
  it.each([
    [[], ''],
    [[0, 1, 2, 4], '0-2,4'],
    [[5, 1, 3, 2], '1-3,5'],
    [[7], '7'],
  ] as const)('formatIndexes(%j)', (ix, want) => expect(formatIndexes(ix)).toBe(want));
  it('firstPendingIndexes skips succeeded and active indexes', () => {
    expect(firstPendingIndexes([pod('a', { ix: 1 })], [0, 3], 2, 5)).toEqual([2, 4]);
    expect(firstPendingIndexes([], [0, 1, 2], 5, 3)).toEqual([]);
  });
  it('generateNameWithIndex truncates long names', () => {
    expect(generateNameWithIndex('job', 3)).toBe('job-3');
    expect(generateNameWithIndex('x'.repeat(60), 12)).toBe(`${'x'.repeat(54)}-12`);
  });
});

describe('wanted pods and completion', () => {
  it.each([
    ['completions caps at parallelism', { completions: 4, parallelism: 2 }, 0, 0, 2],
    ['remaining completions', { completions: 4, parallelism: 2 }, 3, 2, 1],
    ['all done', { completions: 4, parallelism: 2 }, 5, 0, 0],
    ['work queue before success', { parallelism: 3 }, 0, 1, 3],
    ['work queue after a success keeps the running ones', { parallelism: 3 }, 1, 2, 2],
    ['parallelism 0', { completions: 3, parallelism: 0 }, 0, 0, 0],
  ] as const)('%s', (_n, spec, succeeded, active, want) => expect(wantActive(job(spec as never), succeeded, active)).toBe(want));
  it.each([
    [{ completions: 2 }, 2, 0, true],
    [{ completions: 2 }, 2, 1, false],
    [{ completions: 2 }, 1, 0, false],
    [{}, 1, 0, true],
    [{}, 0, 0, false],
  ] as const)('isComplete(%j, %d, %d)', (spec, s, a, want) => expect(isComplete(job(spec as never), s, a)).toBe(want));
});

describe('back-off', () => {
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  it.each([
    ['no failures', { failuresAfterLastSuccess: 0 }, t0, 0],
    ['one failure, just now', { failuresAfterLastSuccess: 1, lastFailureTime: t0 }, t0, 10_000],
    ['one failure, 4 s ago', { failuresAfterLastSuccess: 1, lastFailureTime: t0 }, t0 + 4000, 6000],
    ['three failures doubles twice', { failuresAfterLastSuccess: 3, lastFailureTime: t0 }, t0, 40_000],
    ['capped at 10 minutes', { failuresAfterLastSuccess: 20, lastFailureTime: t0 }, t0, 600_000],
    ['elapsed', { failuresAfterLastSuccess: 2, lastFailureTime: t0 }, t0 + 30_000, 0],
  ] as const)('%s', (_n, rec, now, want) => expect(backoffRemaining(rec, now)).toBe(want));
  it('nextBackoffRecord counts failures and resets on success', () => {
    const f1 = pod('f1', { phase: 'Failed', finishedAt: '2024-01-01T00:00:10Z' });
    const f2 = pod('f2', { phase: 'Failed', finishedAt: '2024-01-01T00:00:30Z' });
    const s = pod('s', { phase: 'Succeeded', finishedAt: '2024-01-01T00:00:20Z' });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 1 }, [], [f1, f2], t0)).toEqual({ failuresAfterLastSuccess: 3, lastFailureTime: t0 + 30_000 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 4 }, [s], [f1, f2], t0)).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: t0 + 30_000 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 4 }, [s], [f1], t0)).toEqual({ failuresAfterLastSuccess: 0 });
  });
  it('pastBackoffLimitOnFailure sums restarts of running pods', () => {
    const j = job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } });
    expect(pastBackoffLimitOnFailure(j, [pod('a', { restarts: 1 })])).toBe(false);
    expect(pastBackoffLimitOnFailure(j, [pod('a', { restarts: 1 }), pod('b', { restarts: 1 })])).toBe(true);
    expect(pastBackoffLimitOnFailure({ spec: { ...j.spec!, template: { spec: { restartPolicy: 'Never', containers: [] } } } }, [pod('a', { restarts: 9 })])).toBe(false);
  });
});

describe('pod accounting', () => {
  it.each([
    ['failed phase', pod('a', { phase: 'Failed' }), {}, true],
    ['deleted running pod counts as failed', pod('a', { deleted: true }), {}, true],
    ['deleted running pod with podReplacementPolicy Failed', pod('a', { deleted: true }), { podReplacementPolicy: 'Failed' }, false],
    ['deleted succeeded pod', pod('a', { phase: 'Succeeded', deleted: true }), {}, false],
    ['running', pod('a'), {}, false],
  ] as const)('isPodFailed: %s', (_n, p, spec, want) => expect(isPodFailed(p, job(spec as never))).toBe(want));

  it('cleanUncounted moves pods without finalizer into the counters', () => {
    const j: Job = { status: { succeeded: 1, failed: 0, uncountedTerminatedPods: { succeeded: ['a', 'b'], failed: ['c'] } } };
    expect(cleanUncounted(j, new Set(['b']))).toBe(true);
    expect(j.status).toEqual({ succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['b'] } });
    expect(cleanUncounted(j, new Set(['b']))).toBe(false);
  });

  it('ensureCondition appends, updates, and never adds a False condition', () => {
    const cs: any[] = [];
    expect(ensureCondition(cs, 'Suspended', 'False', 'JobResumed', 'Job resumed', 't0')).toBe(false);
    expect(ensureCondition(cs, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't1')).toBe(true);
    expect(ensureCondition(cs, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't2')).toBe(false);
    expect(ensureCondition(cs, 'Suspended', 'False', 'JobResumed', 'Job resumed', 't3')).toBe(true);
    expect(cs).toEqual([{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: 't3', lastTransitionTime: 't3' }]);
  });

  it('activePodsForRemoval prefers unscheduled, not ready pods, and removes duplicate indexes', () => {
    const pods = [pod('ready', { node: 'n', ready: true }), pod('unsched'), pod('notready', { node: 'n' })];
    expect(activePodsForRemoval(job({ template: {} }), pods, 2).map((p) => p.metadata!.name)).toEqual(['unsched', 'notready']);
    const idx = job({ completionMode: 'Indexed', completions: 2, template: {} });
    const dup = [pod('a0', { ix: 0, node: 'n', ready: true }), pod('b0', { ix: 0 }), pod('c9', { ix: 9 }), pod('d1', { ix: 1 })];
    expect(activePodsForRemoval(idx, dup, 0).map((p) => p.metadata!.name).sort()).toEqual(['b0', 'c9']);
  });
});

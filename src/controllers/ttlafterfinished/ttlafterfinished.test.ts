// TTL-after-finished: which jobs need cleanup and when they expire.
import type { Job } from 'kubernetes-types/batch/v1.js';
import { describe, expect, it } from 'vitest';
import { jobFinishTime, needsCleanup, timeLeft } from './ttlafterfinished.js';

const done = (ttl: number | undefined, cond = 'Complete', extra: Partial<Job['metadata']> = {}): Job => ({
  metadata: { name: 'j', namespace: 'd', ...extra },
  spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
  status: { conditions: [{ type: cond, status: 'True', lastTransitionTime: '2024-01-01T00:00:10Z' }], ...(cond === 'Complete' ? { completionTime: '2024-01-01T00:00:05Z' } : {}) },
});

describe('ttl-after-finished', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  it.each([
    ['complete, ttl 100: 45 s left (from completionTime)', done(100), 45_000],
    ['failed, ttl 30: from the condition time, expired', done(30, 'Failed'), -20_000],
    ['ttl 0 expires at once', done(0), -55_000],
    ['no ttl', done(undefined), undefined],
    ['not finished', { ...done(10), status: {} }, undefined],
    ['being deleted', done(10, 'Complete', { deletionTimestamp: '2024-01-01T00:00:30Z' }), undefined],
  ] as const)('%s', (_n, j, want) => expect(timeLeft(j as Job, now)).toBe(want));
  it('finish time and needsCleanup', () => {
    expect(jobFinishTime(done(1))).toBe(Date.parse('2024-01-01T00:00:05Z'));
    expect(needsCleanup(done(1, 'Suspended'))).toBe(false);
  });
});

// Tests of the rate-limited timed queue (node eviction rate token bucket) and the taint eviction decision.
import { describe, expect, it } from 'vitest';
import { RateLimitedTimedQueue } from './ratelimitedqueue.js';
import { evictionDecision, TimedWorkerQueue } from './tainteviction.js';

describe('RateLimitedTimedQueue', () => {
  it('processes one value per token (burst 1) at the configured rate', async () => {
    let now = 0;
    const q = new RateLimitedTimedQueue(0.1, () => now);
    expect(q.add('a', 'u1')).toBe(true);
    expect(q.add('a', 'u1')).toBe(false);
    q.add('b', 'u2');
    const seen: string[] = [];
    const fn = (v: { value: string }) => (seen.push(v.value), { done: true, waitMs: 0 });
    await q.tryEach(fn);
    expect(seen).toEqual(['a']);
    now = 5_000;
    await q.tryEach(fn);
    expect(seen).toEqual(['a']);
    now = 10_000;
    await q.tryEach(fn);
    expect(seen).toEqual(['a', 'b']);
    expect(q.length).toBe(0);
  });

  it('re-queues a failed value after its wait', async () => {
    let now = 0;
    const q = new RateLimitedTimedQueue(1000, () => now);
    q.add('a', 'u');
    let calls = 0;
    await q.tryEach(() => (calls++, { done: false, waitMs: 50 }));
    expect(calls).toBe(1);
    now = 20;
    await q.tryEach(() => (calls++, { done: true, waitMs: 0 }));
    expect(calls).toBe(1);
    now = 100;
    await q.tryEach(() => (calls++, { done: true, waitMs: 0 }));
    expect(calls).toBe(2);
    expect(q.has('a')).toBe(false);
  });

  it('a zero rate stops processing; swapping back resumes', async () => {
    let now = 0;
    const q = new RateLimitedTimedQueue(0.1, () => now);
    q.swapLimiter(0);
    q.add('a', 'u');
    let calls = 0;
    now = 100_000;
    await q.tryEach(() => (calls++, { done: true, waitMs: 0 }));
    expect(calls).toBe(0);
    q.swapLimiter(0.1);
    now = 200_000;
    await q.tryEach(() => (calls++, { done: true, waitMs: 0 }));
    expect(calls).toBe(1);
    expect(q.remove('a')).toBe(false);
  });
});

describe('evictionDecision', () => {
  const t = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }];
  const cases: [string, Parameters<typeof evictionDecision>, ReturnType<typeof evictionDecision>][] = [
    ['no taints cancels', [[], [], 1000, undefined], { action: 'cancel' }],
    ['untolerated is now', [t, [], 1000, undefined], { action: 'now' }],
    ['forever cancels', [t, [{ operator: 'Exists' }], 1000, undefined], { action: 'cancel' }],
    ['tolerationSeconds schedules', [t, [{ operator: 'Exists', tolerationSeconds: 2 }], 1000, undefined], { action: 'at', createdAt: 1000, fireAt: 3000 }],
    ['pending earlier work is kept', [t, [{ operator: 'Exists', tolerationSeconds: 2 }], 5000, { createdAt: 1000 }], { action: 'keep' }],
    ['pending work is kept even when tolerations grow (upstream)', [t, [{ operator: 'Exists', tolerationSeconds: 10 }], 5000, { createdAt: 1000 }], { action: 'keep' }],
    ['work created this instant is re-timed', [t, [{ operator: 'Exists', tolerationSeconds: 10 }], 5000, { createdAt: 5000 }], { action: 'at', createdAt: 5000, fireAt: 15000 }],
  ];
  it.each(cases)('%s', (_n, args, want) => expect(evictionDecision(...args)).toEqual(want));
});

describe('TimedWorkerQueue', () => {
  it('fires once, keeps the key after success, cancels pending work', async () => {
    const fired: string[] = [];
    const q = new TimedWorkerQueue(async (k) => void fired.push(k));
    q.addWork('a', Date.now(), Date.now());
    q.addWork('b', Date.now(), Date.now() + 60_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toEqual(['a']);
    q.addWork('a', Date.now(), Date.now());
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toEqual(['a']);
    expect(q.cancelWork('a')).toBe(false);
    expect(q.cancelWork('b')).toBe(true);
    expect(q.get('b')).toBeUndefined();
    q.close();
  });
});

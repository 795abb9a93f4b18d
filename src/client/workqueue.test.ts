// Tests for the work queue: dedupe, processing exclusion, delays on a fake clock, rate limiter math, shutdown/drain, workers.
import { describe, it, expect } from 'vitest';
import { WorkQueue, bucketRateLimiter, defaultControllerRateLimiter, exponentialRateLimiter, maxOfRateLimiter, runWorkers, type Clock } from './workqueue.js';

/** A manual clock: timers fire only on advance(). */
function fakeClock() {
  let t = 0;
  let id = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock = {
    now: () => t,
    setTimeout: ((fn: () => void, ms: number) => {
      const i = ++id;
      timers.set(i, { at: t + ms, fn });
      return i;
    }) as unknown as typeof setTimeout,
    clearTimeout: ((i: number) => timers.delete(i)) as unknown as typeof clearTimeout,
  } satisfies Clock;
  const advance = (ms: number) => {
    t += ms;
    for (const [i, tm] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (tm.at <= t) {
        timers.delete(i);
        tm.fn();
      }
    }
  };
  return { clock, advance, pending: () => timers.size };
}

describe('WorkQueue', () => {
  it('coalesces adds of a queued item and keeps FIFO order', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands out an item being processed; a re-add during processing is queued after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const got = await q.get();
    expect(got).toBe('a');
    q.add('a');
    expect(q.len()).toBe(0); // held back while processing
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('a waiting get is woken by add', async () => {
    const q = new WorkQueue<number>();
    const p = q.get();
    q.add(7);
    expect(await p).toBe(7);
  });

  it('addAfter fires on the clock; an earlier pending add wins', async () => {
    const { clock, advance } = fakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('x', 100);
    q.addAfter('x', 500); // later: ignored
    q.addAfter('y', 50);
    expect(q.len()).toBe(0);
    advance(60);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('y');
    advance(40);
    expect(await q.get()).toBe('x');
    advance(1000);
    expect(q.len()).toBe(0);
    q.addAfter('z', 0);
    expect(q.len()).toBe(1);
  });

  it('addRateLimited uses the limiter, forget resets it', () => {
    const { clock, advance } = fakeClock();
    const q = new WorkQueue({ clock, rateLimiter: exponentialRateLimiter(10, 1000) });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    advance(9);
    expect(q.len()).toBe(0);
    advance(1);
    expect(q.len()).toBe(1);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('shutDown wakes waiters with undefined and ignores adds', async () => {
    const { clock, pending } = fakeClock();
    const q = new WorkQueue({ clock });
    const w = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    expect(await w).toBeUndefined();
    expect(pending()).toBe(0);
    q.add('a');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
  });

  it('shutDownWithDrain hands out queued items and resolves when processing is done', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    const a = await q.get();
    let drained = false;
    const d = q.shutDownWithDrain().then(() => (drained = true));
    expect(await q.get()).toBe('b');
    q.done('b');
    await Promise.resolve();
    expect(drained).toBe(false); // 'a' still processing
    q.done(a!);
    await d;
    expect(drained).toBe(true);
    expect(await q.get()).toBeUndefined();
  });
});

describe('rate limiters', () => {
  it('exponential: base * 2^n capped', () => {
    const r = exponentialRateLimiter<string>(5, 100);
    expect([r.when('a'), r.when('a'), r.when('a'), r.when('a'), r.when('a'), r.when('a')]).toEqual([5, 10, 20, 40, 80, 100]);
    expect(r.when('b')).toBe(5);
    r.forget('a');
    expect(r.when('a')).toBe(5);
  });

  it('bucket: burst free, then 1/qps apart', () => {
    let t = 0;
    const r = bucketRateLimiter<string>(10, 2, () => t);
    expect([r.when('a'), r.when('b'), r.when('c'), r.when('d')]).toEqual([0, 0, 100, 200]);
    t = 1000; // refilled to burst
    expect(r.when('e')).toBe(0);
  });

  it('max-of takes the longest delay and the default is exponential from 5 ms', () => {
    let t = 0;
    const r = maxOfRateLimiter<string>(exponentialRateLimiter(5, 1000), bucketRateLimiter(1, 1, () => t));
    expect(r.when('a')).toBe(5);
    expect(r.when('a')).toBe(1000); // the bucket is empty: 1 s
    expect(r.numRequeues('a')).toBe(2);
    const d = defaultControllerRateLimiter<string>();
    expect([d.when('x'), d.when('x'), d.when('x')]).toEqual([5, 10, 20]);
  });
});

describe('runWorkers', () => {
  it('processes each item once at a time, retries failures, stops on abort', async () => {
    const q = new WorkQueue<string>({ rateLimiter: exponentialRateLimiter(1, 10) });
    const ac = new AbortController();
    const active = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    let failOnce = true;
    const errors: string[] = [];
    const done = runWorkers(
      q,
      4,
      async (k) => {
        if (active.has(k)) overlap = true;
        active.add(k);
        await new Promise((r) => setTimeout(r, 5));
        if (k === 'a' && !seen.includes('a')) q.add('a'); // re-add while processing: runs again after done
        active.delete(k);
        seen.push(k);
        if (k === 'b' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
      ac.signal,
      (k, e) => errors.push(`${k}:${(e as Error).message}`),
    );
    q.add('a');
    q.add('b');
    const until = Date.now() + 2000;
    while (!(seen.filter((s) => s === 'b').length >= 2 && seen.filter((s) => s === 'a').length >= 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await done;
    expect(overlap).toBe(false);
    expect(errors).toEqual(['b:boom']);
    expect(seen.filter((s) => s === 'b').length).toBe(2);
    expect(q.numRequeues('b')).toBe(0); // forgotten after the successful retry
    expect(q.shuttingDown).toBe(true);
  });
});

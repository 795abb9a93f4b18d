import { describe, it, expect } from 'vitest';
import { Backoff } from './backoff.js';
import { PodWorkers } from './podworkers.js';
import { formatDuration } from './kubelet.js';

describe('Backoff', () => {
  it('doubles from the initial delay to the cap, and starts over after a long quiet', () => {
    const b = new Backoff(10_000, 300_000, { now: () => 0 });
    const delays = [0, 1, 2, 3, 4, 5, 6].map((i) => b.next('k', i * 1000));
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(b.isInBackOff('k', 6000 + 299_999)).toBe(true);
    expect(b.isInBackOff('k', 6000 + 300_000)).toBe(false);
    expect(b.next('k', 6000 + 600_001)).toBe(10_000);
  });

  it('keeps keys apart and forgets by prefix', () => {
    const b = new Backoff(10, 100, { now: () => 0 });
    b.next('pod1/a', 0);
    b.next('pod1/a', 1);
    b.next('pod2/a', 0);
    expect(b.get('pod1/a', 1)).toEqual({ delay: 20, remaining: 20 });
    b.forgetPrefix('pod1/');
    expect(b.get('pod1/a')).toEqual({ delay: 0, remaining: 0 });
    expect(b.get('pod2/a', 5).delay).toBe(10);
  });
});

describe('formatDuration', () => {
  it.each([
    [10_000, '10s'],
    [20_000, '20s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
  ])('%d ms is %s', (ms, want) => expect(formatDuration(ms)).toBe(want));
});

describe('PodWorkers', () => {
  it('never runs one key twice at once and coalesces updates during a run into one more run', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new PodWorkers(async (k) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(k);
      if (runs.length === 1) await gate;
      active--;
    });
    w.update('a');
    await new Promise((r) => setTimeout(r, 5));
    w.update('a');
    w.update('a');
    w.update('a');
    expect(w.isRunning('a')).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
    await w.close();
  });

  it('retries a failed sync after retryMs and reports the error', async () => {
    const errors: string[] = [];
    let n = 0;
    const w = new PodWorkers(
      async () => {
        n++;
        if (n === 1) throw new Error('boom');
      },
      { retryMs: 10, onError: (k, e) => errors.push(`${k}:${(e as Error).message}`) },
    );
    w.update('p');
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual(['p:boom']);
    expect(n).toBe(2);
    await w.close();
  });

  it('wakeAfter keeps the earliest wake; forget cancels it', async () => {
    const runs: number[] = [];
    const start = Date.now();
    const w = new PodWorkers(async () => void runs.push(Date.now() - start));
    w.wakeAfter('x', 60);
    w.wakeAfter('x', 10);
    w.wakeAfter('x', 200);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toHaveLength(1);
    expect(runs[0]!).toBeLessThan(60);
    w.wakeAfter('y', 20);
    w.forget('y');
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toHaveLength(1);
    await w.close();
  });
});

import { describe, it, expect } from 'vitest';
import { DroppedRequests, MAX_RETRY_AFTER_SECONDS } from './dropped.js';

describe('DroppedRequests', () => {
  it('starts at 1 s and doubles while rejections persist, up to the maximum', () => {
    const d = new DroppedRequests();
    expect(d.record(100)).toBe(1);
    const seen: number[] = [];
    for (let t = 100; t < 140; t++) {
      let last = 0;
      for (let i = 0; i < 200; i++) last = d.record(t);
      seen.push(last);
    }
    expect(seen[0]).toBe(1);
    expect(seen[1]).toBe(2);
    expect(seen[2]).toBe(4);
    expect(Math.max(...seen)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
  });

  it('stays at 1 s for occasional rejections and comes back down after a quiet spell', () => {
    const d = new DroppedRequests();
    for (let t = 0; t < 10; t++) expect(d.record(t * 5)).toBe(1);
    for (let t = 100; t < 104; t++) for (let i = 0; i < 100; i++) d.record(t);
    const high = d.retryAfter;
    expect(high).toBeGreaterThan(1);
    // A rejection long after: the previous window had none, so the value halves.
    expect(d.record(200)).toBe(Math.max(1, Math.floor(high / 2)));
  });
});

// Upstream's RateLimitedTimedQueue: a unique FIFO of node names processed through a swappable token bucket (node eviction rate).

/** One queued node. */
export interface TimedValue {
  value: string;
  uid: string;
  addedAt: number;
  processAt: number;
}

/** Upstream EvictionRateLimiterBurst. */
export const EVICTION_RATE_LIMITER_BURST = 1;

/** A token bucket that can also always reject (qps <= 0), as flowcontrol's fake always-reject limiter. */
export class TryAcceptBucket {
  private tokens: number;
  private last: number;
  constructor(readonly qps: number, readonly burst: number, private readonly now: () => number) {
    this.tokens = burst;
    this.last = now();
  }
  /** Takes a token if one is available now. */
  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.qps) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Values are unique (adding a queued value is a no-op until it is removed). `tryEach` walks the queue head while
 * the limiter gives tokens and the head is due, calling `fn`: true removes the value, false re-schedules it after
 * the returned wait (moved to the back, as upstream's Replace does).
 */
export class RateLimitedTimedQueue {
  private queue: TimedValue[] = [];
  private readonly set = new Set<string>();
  private limiter: TryAcceptBucket;

  constructor(qps: number, private readonly now: () => number = Date.now) {
    this.limiter = new TryAcceptBucket(qps, EVICTION_RATE_LIMITER_BURST, now);
  }

  /** Queues `value` unless present; true when added. */
  add(value: string, uid: string): boolean {
    if (this.set.has(value)) return false;
    const t = this.now();
    this.queue.push({ value, uid, addedAt: t, processAt: t });
    this.set.add(value);
    return true;
  }

  /** Removes `value`; true when it was queued. */
  remove(value: string): boolean {
    if (!this.set.delete(value)) return false;
    this.queue = this.queue.filter((v) => v.value !== value);
    return true;
  }

  has(value: string): boolean {
    return this.set.has(value);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Replaces the limiter with one of `qps` (0 stops processing); a drained bucket stays drained, as upstream's SwapLimiter. */
  swapLimiter(qps: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TryAcceptBucket(qps, EVICTION_RATE_LIMITER_BURST, this.now);
    // Upstream: if the old limiter has no token left, the new one starts without one too (burst is 1).
    if (!this.limiter.tryAccept()) next.tryAccept();
    this.limiter = next;
  }

  /** Processes due values at the head while tokens last (upstream Try). `fn` may be async. */
  async tryEach(fn: (v: TimedValue) => Promise<{ done: boolean; waitMs: number }> | { done: boolean; waitMs: number }): Promise<void> {
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (!this.limiter.tryAccept()) return;
      const now = this.now();
      if (now < head.processAt) return;
      const { done, waitMs } = await fn(head);
      // The value may have been removed (or re-added) while fn ran.
      if (this.queue[0] !== head) continue;
      this.queue.shift();
      if (done) this.set.delete(head.value);
      else this.queue.push({ ...head, processAt: now + waitMs + 1 });
    }
  }
}

// Per-key exponential back-off for container restarts (upstream flowcontrol.Backoff as the kubelet uses it: 10 s doubling to 5 min).

/** A clock; tests inject a fake one. */
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/**
 * Back-off per key (the kubelet's key is pod uid + container name + spec hash). `next(key, at)` records a
 * restart at `at` and returns the delay until the one after; the delay starts at `initialMs`, doubles on each
 * restart up to `maxMs`, and starts over when the previous restart was more than `2 * maxMs` ago (upstream
 * resets a container that ran long enough). Not concurrent-safe across processes; one instance per kubelet.
 */
export class Backoff {
  private readonly entries = new Map<string, { delay: number; last: number }>();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /** Whether `key` is still backing off at `at` (its last restart plus the current delay is in the future). */
  isInBackOff(key: string, at = this.clock.now()): boolean {
    const e = this.entries.get(key);
    return e !== undefined && at - e.last < e.delay;
  }

  /** The current delay of `key` (0 when none), and how long is left of it at `at`. */
  get(key: string, at = this.clock.now()): { delay: number; remaining: number } {
    const e = this.entries.get(key);
    if (!e) return { delay: 0, remaining: 0 };
    return { delay: e.delay, remaining: Math.max(0, e.last + e.delay - at) };
  }

  /** Records a restart of `key` at `at` and returns the new delay. */
  next(key: string, at = this.clock.now()): number {
    const e = this.entries.get(key);
    if (!e || at - e.last > 2 * this.maxMs) {
      this.entries.set(key, { delay: this.initialMs, last: at });
      return this.initialMs;
    }
    e.delay = Math.min(e.delay * 2, this.maxMs);
    e.last = at;
    return e.delay;
  }

  /** Forgets every key starting with `prefix` (a deleted pod's keys). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Drops entries idle for more than `2 * maxMs` (upstream's GC). */
  gc(at = this.clock.now()): void {
    for (const [k, e] of this.entries) if (at - e.last > 2 * this.maxMs) this.entries.delete(k);
  }
}

// Work queues for controllers (client-go's workqueue): dedupe, per-item processing exclusion, delays, rate limits.

/** Decides how long an item waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay (ms) for the item's next retry; records the retry. */
  when(item: K): number;
  /** Stops tracking the item (its retries start from scratch). */
  forget(item: K): void;
  numRequeues(item: K): number;
}

/** Per-item exponential backoff: baseMs * 2^failures, capped at maxMs (ItemExponentialFailureRateLimiter). */
export function exponentialRateLimiter<K>(baseMs = 5, maxMs = 1000_000): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(item) {
      const n = failures.get(item) ?? 0;
      failures.set(item, n + 1);
      const d = baseMs * 2 ** n;
      return d > maxMs || !Number.isFinite(d) ? maxMs : d;
    },
    forget(item) {
      failures.delete(item);
    },
    numRequeues(item) {
      return failures.get(item) ?? 0;
    },
  };
}

/** An overall token bucket shared by all items (BucketRateLimiter): the delay until a token is available. */
export function bucketRateLimiter<K>(qps: number, burst: number, now: () => number = Date.now): RateLimiter<K> {
  let tokens = burst;
  let last = now();
  return {
    when() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
      last = t;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / qps);
    },
    forget() {},
    numRequeues() {
      return 0;
    },
  };
}

/** The worst (longest) delay of several limiters (MaxOfRateLimiter). */
export function maxOfRateLimiter<K>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when(item) {
      let d = 0;
      for (const l of limiters) d = Math.max(d, l.when(item));
      return d;
    },
    forget(item) {
      for (const l of limiters) l.forget(item);
    },
    numRequeues(item) {
      let n = 0;
      for (const l of limiters) n = Math.max(n, l.numRequeues(item));
      return n;
    },
  };
}

/** client-go's DefaultControllerRateLimiter: max(exponential 5 ms .. 1000 s, bucket 10 qps burst 100). */
export function defaultControllerRateLimiter<K>(): RateLimiter<K> {
  return maxOfRateLimiter<K>(exponentialRateLimiter<K>(5, 1000_000), bucketRateLimiter<K>(10, 100));
}

/** The clock a WorkQueue schedules delayed adds with (a fake one in tests). */
export interface Clock {
  now(): number;
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
}

const realClock: Clock = { now: () => Date.now(), setTimeout: (...a: Parameters<typeof setTimeout>) => setTimeout(...a), clearTimeout: (t) => clearTimeout(t) } as Clock;

/**
 * A rate-limited delaying work queue. Adding an item already queued is a no-op; an item being processed (between
 * get() and done()) is never handed out again until done(), and if re-added meanwhile it is queued after done().
 * Items come out in FIFO order.
 */
export class WorkQueue<K = string> {
  readonly name: string;
  private readonly rateLimiter: RateLimiter<K>;
  private readonly clock: Clock;
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: Array<(k: K | undefined) => void> = [];
  private readonly delayed = new Map<K, { at: number; timer: ReturnType<typeof setTimeout> }>();
  private shutdown = false;
  private draining = false;
  private drained: (() => void) | undefined;

  constructor(opts: { rateLimiter?: RateLimiter<K>; name?: string; clock?: Clock } = {}) {
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>();
    this.name = opts.name ?? '';
    this.clock = opts.clock ?? realClock;
  }

  /** True once shutDown() or shutDownWithDrain() was called. */
  get shuttingDown(): boolean {
    return this.shutdown;
  }

  /** Queues `item` unless it is already queued (or shutting down); a processing item is queued after done(). */
  add(item: K): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  private push(item: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.processing.add(item);
      w(item);
    } else this.queue.push(item);
  }

  /** Adds `item` after `delayMs` (immediately when <= 0). A pending earlier add of the same item wins. */
  addAfter(item: K, delayMs: number): void {
    if (this.shutdown) return;
    if (delayMs <= 0) return this.add(item);
    const at = this.clock.now() + delayMs;
    const cur = this.delayed.get(item);
    if (cur) {
      if (cur.at <= at) return;
      this.clock.clearTimeout(cur.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(item);
      this.add(item);
    }, delayMs);
    (timer as { unref?: () => void }).unref?.();
    this.delayed.set(item, { at, timer });
  }

  /** Adds `item` after the rate limiter's delay for it. */
  addRateLimited(item: K): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Resets the rate limiter's memory of `item` (call after a successful sync). */
  forget(item: K): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: K): number {
    return this.rateLimiter.numRequeues(item);
  }

  /**
   * The next item, waiting for one. Resolves undefined once the queue is shut down; after shutDownWithDrain the
   * items still queued are handed out first. Call done(item) when finished with it.
   */
  get(): Promise<K | undefined> {
    if (this.head < this.queue.length && (!this.shutdown || this.draining)) {
      const item = this.queue[this.head]!;
      this.queue[this.head++] = undefined as K;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `item` finished; if it was re-added while processing, it is queued again now. */
  done(item: K): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) {
      if (this.shutdown && !this.draining) this.dirty.delete(item);
      else this.push(item);
    }
    this.checkDrained();
  }

  /** Items waiting to be handed out. */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Stops the queue: adds are ignored, waiting and future get()s resolve undefined. */
  shutDown(): void {
    this.shutdown = true;
    this.draining = false;
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.drained?.();
  }

  /** Stops accepting adds, lets workers take the queued items, and resolves when nothing is queued or processing. */
  shutDownWithDrain(): Promise<void> {
    this.shutdown = true;
    this.draining = true;
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.timer);
    this.delayed.clear();
    const p = new Promise<void>((resolve) => (this.drained = resolve));
    this.checkDrained();
    return p;
  }

  private checkDrained(): void {
    if (!this.draining || this.len() > 0 || this.processing.size > 0) return;
    for (const w of this.waiters.splice(0)) w(undefined);
    this.drained?.();
  }
}

/**
 * Runs `workers` loops: get -> sync -> forget on success / addRateLimited on throw -> done, until the queue shuts
 * down or `signal` aborts (which shuts the queue down). Resolves when every worker has returned. Errors go to
 * `onError` (default: one stderr line).
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  sync: (item: K) => Promise<void>,
  signal: AbortSignal,
  onError?: (item: K, err: unknown) => void,
): Promise<void> {
  const stop = () => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const loop = async () => {
    for (;;) {
      const item = await queue.get();
      if (item === undefined) return;
      try {
        await sync(item);
        queue.forget(item);
      } catch (err) {
        try {
          if (onError) onError(item, err);
          else process.stderr.write(`workqueue ${queue.name || ''}: sync ${String(item)} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        } catch {
          // a throwing error handler must not kill the worker
        }
        queue.addRateLimited(item);
      } finally {
        queue.done(item);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

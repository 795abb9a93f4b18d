// One logical worker per pod: a pod's syncs never overlap, requests that arrive while one runs coalesce into one more run.

/**
 * Serialises work per key (the pod uid). `update(key)` asks for one run of `sync(key)`: if none is running it
 * starts now; if one is running, exactly one more run follows it, however many updates arrive meanwhile.
 * `wakeAfter(key, ms)` asks for a run later (the earliest pending wake wins). Errors from `sync` go to `onError`
 * and the key is retried after `retryMs`. `forget(key)` cancels pending wakes (a running sync finishes).
 * `concurrency` bounds how many keys sync at once across the whole instance (the rest wait in FIFO order).
 */
export class PodWorkers {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly wakes = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private active = 0;
  private closed = false;

  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly opts: { concurrency?: number; retryMs?: number; onError?: (key: string, err: unknown) => void } = {},
  ) {}

  /** Asks for a sync of `key` as soon as possible. */
  update(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Asks for a sync of `key` in `ms` (no-op if an earlier wake is already pending). */
  wakeAfter(key: string, ms: number): void {
    if (this.closed) return;
    const at = Date.now() + ms;
    const cur = this.wakes.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.wakes.delete(key);
      this.update(key);
    }, Math.max(0, ms));
    timer.unref?.();
    this.wakes.set(key, { at, timer });
  }

  /** Cancels pending wakes and queued runs of `key`. */
  forget(key: string): void {
    const w = this.wakes.get(key);
    if (w) clearTimeout(w.timer);
    this.wakes.delete(key);
    this.again.delete(key);
    if (this.queued.delete(key)) {
      const i = this.waiting.indexOf(key);
      if (i >= 0) this.waiting.splice(i, 1);
    }
  }

  /** Whether `key` is syncing now. */
  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Stops taking work; resolves once running syncs finished. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.wakes.values()) clearTimeout(w.timer);
    this.wakes.clear();
    this.waiting.length = 0;
    this.queued.clear();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? Infinity;
    while (this.active < limit && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.queued.delete(key);
      this.run(key);
    }
  }

  private run(key: string): void {
    this.active++;
    this.running.add(key);
    void this.sync(key)
      .catch((err) => {
        this.opts.onError?.(key, err);
        this.wakeAfter(key, this.opts.retryMs ?? 1000);
      })
      .finally(() => {
        this.active--;
        this.running.delete(key);
        if (this.again.delete(key)) this.update(key);
        this.pump();
      });
  }
}

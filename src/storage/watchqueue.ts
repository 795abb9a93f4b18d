// A bounded, single-consumer queue that turns a backend's pushes into the async iterator of a Watch.
import { WatchOverflowError } from './errors.js';
import type { Watch, WatchBatch } from './types.js';

/** Default number of undelivered events a watch may hold before it is cut off. */
export const DEFAULT_WATCH_BUFFER = 10_000;

export interface WatchQueueHooks {
  /** Called once when the watch ends for any reason (close, abort, error, overflow). */
  onClose?: () => void;
  /** Called by `requestProgress()`. */
  onProgressRequest?: () => void;
}

/**
 * Producer side: `push` batches in revision order, `fail` to end with an error, `end` to finish.
 * Consumer side: the `Watch` interface. `push` never blocks; when more than `limit` events wait
 * undelivered the queue drops everything it holds and ends with `WatchOverflowError` naming the last
 * revision the consumer received, so nothing is lost silently. After the end, pushes are ignored.
 */
export class WatchQueue implements Watch {
  private readonly items: WatchBatch[] = [];
  private pendingEvents = 0;
  private waiter: ((r: IteratorResult<WatchBatch>) => void) | undefined;
  private waiterReject: ((e: unknown) => void) | undefined;
  private error: unknown;
  private done = false;
  /** Revision of the last batch handed to the consumer. */
  delivered: number;

  constructor(private readonly limit: number, private readonly hooks: WatchQueueHooks = {}, startRevision = 0, signal?: AbortSignal) {
    this.delivered = Math.max(0, startRevision - 1);
    if (signal) {
      if (signal.aborted) this.close();
      else signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  /** Events queued and not yet taken by the consumer. */
  get pending(): number {
    return this.pendingEvents;
  }

  /**
   * Resolves once at most `max` events wait undelivered, or the watch has ended. Producers that replay
   * history use it so a long replay waits for the consumer instead of overflowing.
   */
  waitForRoom(max: number): Promise<void> {
    if (this.done || this.pendingEvents <= max) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ max, resolve }));
  }

  private roomWaiters: { max: number; resolve: () => void }[] = [];

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const keep: { max: number; resolve: () => void }[] = [];
    for (const w of this.roomWaiters) {
      if (this.done || this.pendingEvents <= w.max) w.resolve();
      else keep.push(w);
    }
    this.roomWaiters = keep;
  }

  /** True once the watch has ended (closed, failed or overflowed). */
  get ended(): boolean {
    return this.done;
  }

  push(batch: WatchBatch): void {
    if (this.done) return;
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = this.waiterReject = undefined;
      this.delivered = batch.revision;
      w({ value: batch, done: false });
      return;
    }
    this.items.push(batch);
    this.pendingEvents += batch.events.length;
    if (this.pendingEvents > this.limit) {
      this.items.length = 0;
      this.pendingEvents = 0;
      this.fail(new WatchOverflowError(this.delivered, this.limit));
    }
  }

  /** Ends the watch with `err` once the already queued batches are consumed. */
  fail(err: unknown): void {
    if (this.done) return;
    this.error = err;
    this.finish();
  }

  /** Ends the watch normally once the queued batches are consumed. */
  end(): void {
    if (this.done) return;
    this.finish();
  }

  close(): void {
    if (this.done) return;
    this.items.length = 0;
    this.pendingEvents = 0;
    this.finish();
  }

  requestProgress(): void {
    if (!this.done) this.hooks.onProgressRequest?.();
  }

  private finish(): void {
    this.done = true;
    this.wakeRoomWaiters();
    this.hooks.onClose?.(); // finish runs once: every caller returns early when done
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      const r = this.waiterReject!;
      this.waiter = this.waiterReject = undefined;
      if (this.error !== undefined) r(this.error);
      else w({ value: undefined, done: true });
    }
  }

  private next(): Promise<IteratorResult<WatchBatch>> {
    const item = this.items.shift();
    if (item) {
      this.pendingEvents -= item.events.length;
      this.delivered = item.revision;
      this.wakeRoomWaiters();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.waiterReject = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

// Retry-After for rejected requests, per priority level, as upstream's dropped-requests tracker: it grows while a level keeps rejecting and shrinks once rejections stop.

/** Largest Retry-After (seconds), as upstream. */
export const MAX_RETRY_AFTER_SECONDS = 32;

interface SecondStat {
  unix: number;
  count: number;
}

/**
 * Dropped-request statistics of one priority level. `record(unix)` notes a rejection in second `unix`;
 * `retryAfter` is what rejected clients are told to wait. Once per new second with rejections the value is
 * reconsidered from the previous seconds: doubled (up to 32) after at least 3x`retryAfter` rejections within the
 * last `retryAfter` seconds, halved (down to 1) when there were fewer than `retryAfter` of them and at least
 * `retryAfter` seconds passed since the last change. Single-threaded; no timers.
 */
export class DroppedRequests {
  private history: SecondStat[] = [];
  private currentUnix = 0;
  private currentCount = 0;
  private updatedUnix = 0;
  retryAfter = 1;

  /** Notes one rejection at `unix` (whole seconds) and returns the Retry-After to send with it. */
  record(unix: number): number {
    if (unix === this.currentUnix) {
      this.currentCount++;
      return this.retryAfter;
    }
    if (this.currentCount > 0) this.history.push({ unix: this.currentUnix, count: this.currentCount });
    const keep = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER_SECONDS);
    this.history = this.history.filter((h) => unix - h.unix <= keep);
    this.currentUnix = unix;
    this.currentCount = 1;
    this.update(unix);
    return this.retryAfter;
  }

  private update(unix: number): void {
    let dropped = 0;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      if (unix - h.unix > this.retryAfter || h.unix < this.updatedUnix) break;
      dropped += h.count;
    }
    if (unix - this.updatedUnix >= this.retryAfter && dropped < this.retryAfter && this.retryAfter > 1) {
      this.retryAfter = Math.max(1, Math.floor(this.retryAfter / 2));
      this.updatedUnix = unix;
    } else if (dropped >= 3 * this.retryAfter && this.retryAfter < MAX_RETRY_AFTER_SECONDS) {
      this.retryAfter = Math.min(MAX_RETRY_AFTER_SECONDS, 2 * this.retryAfter);
      this.updatedUnix = unix;
    }
  }
}

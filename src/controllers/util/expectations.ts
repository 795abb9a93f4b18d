// Upstream's ControllerExpectations: how many creates/deletes a controller is waiting to see, so a slow watch never causes a duplicate.

/** Expectations older than this are treated as satisfied (upstream ExpectationsTimeout, 5 min). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Entry {
  add: number;
  del: number;
  at: number;
}

/**
 * Per controller key (`namespace/name`): `expectCreations(key, n)` before issuing n creates, `creationObserved`
 * from the informer's add handler (or when a create failed), likewise for deletes. `satisfied(key)` is true when
 * nothing is pending, when the expectations expired, or when none were ever set; a sync must not act on a key whose
 * expectations are unsatisfied. Single-threaded (Node), so no locks.
 */
export class ControllerExpectations {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  expectCreations(key: string, n: number): void {
    this.entries.set(key, { add: n, del: 0, at: this.now() });
  }

  expectDeletions(key: string, n: number): void {
    this.entries.set(key, { add: 0, del: n, at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.entries.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.entries.get(key);
    if (e) e.del--;
  }

  /** Raises the pending counts (e.g. more creates issued by the same sync). */
  raise(key: string, add: number, del: number): void {
    const e = this.entries.get(key);
    if (!e) this.entries.set(key, { add, del, at: this.now() });
    else {
      e.add += add;
      e.del += del;
    }
  }

  satisfied(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * Upstream's UIDTrackingControllerExpectations for deletes: remembers which pod keys a controller is deleting so
 * a delete observed twice (update with deletionTimestamp, then the delete) is counted once.
 */
export class UIDTrackingExpectations extends ControllerExpectations {
  private readonly deleting = new Map<string, Set<string>>();

  expectDeletionsOf(key: string, podKeys: readonly string[]): void {
    this.deleting.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  /** Call from update (deletionTimestamp set) and delete handlers; counts each pod once. */
  deletionObservedOf(key: string, podKey: string): void {
    const set = this.deleting.get(key);
    if (set?.delete(podKey)) this.deletionObserved(key);
  }

  override delete(key: string): void {
    super.delete(key);
    this.deleting.delete(key);
  }
}

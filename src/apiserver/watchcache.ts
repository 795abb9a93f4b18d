// The apiserver's watch cache: one store watch per storage prefix feeds an in-memory copy and a window of history.
import type { Backend, Watch, WatchEvent } from '../storage/index.js';
import { resourceExpired, timeout } from '../apimachinery/index.js';

/** A decoded stored object with its key and the revision it was last written at. */
export interface CachedObject {
  readonly key: string;
  /** The object as stored, with `metadata.resourceVersion` set to `rev`. Shared and frozen: copy before changing. */
  readonly obj: Record<string, any>;
  readonly rev: number;
}

/** One change as the cache saw it. For DELETED, `obj` is the last state with resourceVersion = the delete's revision. */
export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  readonly obj: Record<string, any>;
  /** The state before (undefined for ADDED). Watchers with filters use it to turn changes into ADDED/DELETED. */
  readonly prev?: Record<string, any>;
  readonly rev: number;
}

/** What a cache watcher receives: a batch of events, or a bookmark at a revision (no events up to there remain). */
export type CacheWatchItem = { events: CacheEvent[] } | { bookmark: number };

/** A live subscription to the cache. */
export interface CacheWatcher {
  /** Called for each batch in revision order; must not throw. */
  readonly push: (item: CacheWatchItem) => void;
  /** Called once when the cache ends this watcher (store failure, relist or shutdown). */
  readonly end: (err?: Error) => void;
}

/** Decodes a stored value into an object; throws on corrupt data. */
export type Decoder = (key: string, value: Uint8Array, rev: number) => Record<string, any>;

/** Options of the cache; defaults in brackets. */
export interface WatchCacheOptions {
  /** Events kept for resuming watches [10000]. */
  historySize?: number;
  /** How long `waitFresh` waits before a 504 Timeout [3000 ms]. */
  freshTimeoutMs?: number;
}

/**
 * A cache of every object under one storage prefix, kept current by a single store watch.
 *
 * Contract:
 * - `start()` lists the prefix and begins watching; until it resolves, reads wait.
 * - `revision` is the store revision up to which the cache has applied every change under the prefix (it
 *   advances on events and on the store's progress notifications, so an idle prefix still moves forward).
 * - `list()` returns a consistent snapshot at `revision`; `waitFresh(rev)` resolves once `revision >= rev`
 *   (asking the store for a progress notification) or rejects with a 504 Timeout.
 * - `watch(fromRev, w)` delivers, in revision order and exactly once, every event with revision > fromRev;
 *   it throws 410 Expired when `fromRev` is older than the retained history. A watcher that is slow does not
 *   slow others: delivery is synchronous into the watcher's own queue (the HTTP layer bounds it).
 * - When the store watch fails (e.g. compaction overtook it), the cache relists and ends every watcher;
 *   clients resume and may get 410 then relist, as with kube-apiserver.
 */
export class WatchCache {
  private objects = new Map<string, CachedObject>();
  private history: CacheEvent[] = [];
  /** Every event with rev > historyStart is in `history`. */
  private historyStart = 0;
  private rev = 0;
  private watchers = new Set<CacheWatcher>();
  private storeWatch: Watch | undefined;
  private waiters: Array<{ rev: number; resolve: () => void }> = [];
  private ready: Promise<void> | undefined;
  private isLoaded = false;
  /** Memoised `list` results by prefix; cleared whenever an object changes. */
  private lists = new Map<string, readonly CachedObject[]>();
  private closed = false;
  private readonly historySize: number;
  private readonly freshTimeoutMs: number;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    private readonly decode: Decoder,
    opts: WatchCacheOptions = {},
  ) {
    this.historySize = opts.historySize ?? 10000;
    this.freshTimeoutMs = opts.freshTimeoutMs ?? 3000;
  }

  /** Lists and starts watching; idempotent (returns the same promise). */
  start(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  get revision(): number {
    return this.rev;
  }

  /** True once the initial list has been loaded (and until close): `get` answers from a complete copy. */
  get loaded(): boolean {
    return this.isLoaded && !this.closed;
  }

  get size(): number {
    return this.objects.size;
  }

  private async load(): Promise<void> {
    const objects = new Map<string, CachedObject>();
    let revision = 0;
    let continueFrom: string | undefined;
    for (;;) {
      const page = await this.backend.list(this.prefix, { limit: 5000, ...(revision ? { revision } : {}), ...(continueFrom ? { continueFrom } : {}) });
      revision = page.revision;
      for (const kv of page.kvs) {
        try {
          objects.set(kv.key, { key: kv.key, obj: deepFreeze(this.decode(kv.key, kv.value, kv.modRevision)), rev: kv.modRevision });
        } catch {
          // An undecodable value stays out of the cache; a direct get reports it.
        }
      }
      if (!page.more || page.kvs.length === 0) break;
      continueFrom = page.kvs[page.kvs.length - 1]!.key;
    }
    this.objects = objects;
    this.lists.clear();
    this.isLoaded = true;
    this.history = [];
    this.historyStart = revision;
    this.setRevision(revision);
    const watch = this.backend.watch(this.prefix, revision + 1, { progressNotifyIntervalMs: 5000, prevKv: false });
    this.storeWatch = watch;
    void this.pump(watch);
  }

  private async pump(watch: Watch): Promise<void> {
    try {
      for await (const batch of watch) {
        if (batch.events.length > 0) this.apply(batch.events);
        if (batch.revision > this.rev) {
          this.setRevision(batch.revision);
          if (batch.progress) for (const w of this.watchers) w.push({ bookmark: batch.revision });
        }
      }
      if (this.closed) return;
    } catch {
      if (this.closed) return;
    }
    // The store watch ended without close(): relist and drop every watcher so clients resume.
    for (const w of [...this.watchers]) w.end(new Error('watch cache reinitialised'));
    this.watchers.clear();
    await new Promise((r) => setTimeout(r, 200));
    if (this.closed) return;
    this.ready = this.load().catch(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      if (!this.closed) return this.load();
    });
  }

  private apply(events: readonly WatchEvent[]): void {
    if (events.length > 0) this.lists.clear();
    const out: CacheEvent[] = [];
    for (const e of events) {
      const key = e.kv.key;
      const rev = e.kv.modRevision;
      if (e.type === 'PUT') {
        let obj: Record<string, any>;
        try {
          obj = deepFreeze(this.decode(key, e.kv.value, rev));
        } catch {
          continue;
        }
        const prev = this.objects.get(key);
        this.objects.set(key, { key, obj, rev });
        out.push(prev ? { type: 'MODIFIED', key, obj, prev: prev.obj, rev } : { type: 'ADDED', key, obj, rev });
      } else {
        const prev = this.objects.get(key);
        this.objects.delete(key);
        if (!prev) continue;
        const obj = deepFreeze(withResourceVersion(prev.obj, rev));
        out.push({ type: 'DELETED', key, obj, prev: prev.obj, rev });
      }
    }
    if (out.length === 0) return;
    for (const ev of out) this.history.push(ev);
    if (this.history.length > this.historySize) {
      const drop = this.history.length - this.historySize;
      this.historyStart = this.history[drop - 1]!.rev;
      this.history.splice(0, drop);
    }
    for (const w of this.watchers) w.push({ events: out });
  }

  private setRevision(rev: number): void {
    this.rev = rev;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.rev <= rev ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /** Resolves when the cache has applied every change up to `rev`; 504 Timeout after `freshTimeoutMs`. */
  async waitFresh(rev: number): Promise<void> {
    await this.start();
    if (this.rev >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const entry = { rev, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        reject(timeout(`Too large resource version: ${rev}, current: ${this.rev}`, 1));
      }, this.freshTimeoutMs);
      this.waiters.push(entry);
      this.storeWatch?.requestProgress();
    });
  }

  /** The object at `key`, or undefined. */
  get(key: string): CachedObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Every object whose key starts with `keyPrefix`, in key order, and the revision of the snapshot. The array is
   * shared and must not be changed: until the cache's contents change, the same prefix returns the same array
   * (consumers such as RBAC's binding index rely on that identity to skip work).
   */
  list(keyPrefix: string): { items: readonly CachedObject[]; revision: number } {
    let items = this.lists.get(keyPrefix);
    if (!items) {
      const out: CachedObject[] = [];
      for (const [k, v] of this.objects) if (k.startsWith(keyPrefix)) out.push(v);
      out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      items = Object.freeze(out);
      if (this.lists.size > 1000) this.lists.clear();
      this.lists.set(keyPrefix, items);
    }
    return { items, revision: this.rev };
  }

  /**
   * Subscribes `w` to every event with revision > `fromRev` (history first, synchronously, then live).
   * `fromRev` 0 means "from now". Throws 410 Expired when history no longer reaches back to `fromRev`.
   * Returns the unsubscribe function.
   */
  watch(fromRev: number, w: CacheWatcher): () => void {
    if (fromRev > 0 && fromRev < this.historyStart) {
      throw resourceExpired(`too old resource version: ${fromRev} (${this.historyStart})`);
    }
    if (fromRev > 0) {
      const backlog = this.history.filter((e) => e.rev > fromRev);
      if (backlog.length > 0) w.push({ events: backlog });
    }
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }

  /** Stops the store watch and ends every watcher. */
  close(): void {
    this.closed = true;
    this.storeWatch?.close();
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}

/** A copy of `obj` whose metadata.resourceVersion is `rev`. */
export function withResourceVersion(obj: Record<string, any>, rev: number): Record<string, any> {
  return { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: String(rev) } };
}

/** Freezes an object graph (cache entries are shared between readers). */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

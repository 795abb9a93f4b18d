// Informers (client-go's Reflector + SharedIndexInformer): list-then-watch into a frozen cache, with event handlers.
import { isGone, resourceRef, type ObjectList, type ResourceClient, type ResourceRef, type RestClient, type WatchEvent } from './rest.js';
import { Store, deepFreeze, metaKey, type DeepReadonly, type IndexFunc, type Lister } from './store.js';

/** Callbacks for cache changes. Handlers run synchronously, in registration order; a throwing handler is logged. */
export interface EventHandler<T> {
  add?(obj: DeepReadonly<T>, isInInitialList: boolean): void;
  update?(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>): void;
  /** Gets the final state known (from the DELETED event, or the cached object when a relist finds it gone). */
  delete?(obj: DeepReadonly<T>): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as update(obj, obj) this often; 0 = never [0]. */
  resyncMs?: number;
  /** List page size [500]. */
  pageSize?: number;
}

const BACKOFF_MIN_MS = 800;
const BACKOFF_MAX_MS = 30_000;
const LOG_INTERVAL_MS = 5_000;

class Gone extends Error {}

/** Resolves after `ms` or when `signal` aborts (never rejects). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Keeps a local cache of one resource (optionally filtered) in sync with the apiserver: a paged consistent list,
 * then a watch from the list's resourceVersion (bookmarks on), re-watching from the last seen resourceVersion when
 * a watch ends and relisting on 410 Gone/Expired. Failures back off 800 ms doubling to 30 s with jitter.
 */
export class Informer<T extends { metadata?: any }> {
  private readonly store = new Store<T>();
  private readonly handlers: EventHandler<T>[] = [];
  private synced = false;
  private started = false;
  private rv = '';
  private backoffMs = 0;
  private lastLog = 0;
  private suppressed = 0;
  readonly lister: Lister<T>;

  constructor(readonly client: ResourceClient<T>, readonly opts: InformerOptions = {}) {
    this.lister = this.store;
  }

  /** Registers a handler; when the cache already holds objects they are delivered to it as adds (isInInitialList true). */
  addEventHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    if (h.add) for (const o of this.store.list()) this.call(() => h.add!(o, true));
  }

  /** Adds indexers (call before start). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  /** Starts listing and watching until `signal` aborts. Idempotent; never throws (errors go to stderr, rate-limited). */
  start(signal: AbortSignal): void {
    if (this.started) return;
    this.started = true;
    void this.run(signal);
    const resync = this.opts.resyncMs ?? 0;
    if (resync > 0) {
      const t = setInterval(() => this.resync(), resync);
      t.unref?.();
      signal.addEventListener('abort', () => clearInterval(t), { once: true });
    }
  }

  /** Whether the initial list has been stored. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion of the last list or watch event seen. */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  private resync(): void {
    if (!this.synced) return;
    for (const o of this.store.list()) this.emitUpdate(o, o);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
          this.backoffMs = 0;
        }
        await this.watchOnce(signal);
        // The watch ended normally (server timeout): re-watch from the last RV right away.
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof Gone || isGone(e)) {
          // Our resourceVersion is too old: relist immediately (as the reflector does on 410).
          needList = true;
          continue;
        }
        this.log(e);
        await pause(this.nextBackoff(), signal);
      }
    }
  }

  private nextBackoff(): number {
    this.backoffMs = this.backoffMs === 0 ? BACKOFF_MIN_MS : Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
    return this.backoffMs * (1 + Math.random());
  }

  private listOpts() {
    const o = this.opts;
    return {
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
      ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
    };
  }

  /** Lists every page (consistent read), then replaces the cache and emits the diff. */
  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let page: ObjectList<T>;
    do {
      page = await this.client.list({ ...this.listOpts(), limit: this.opts.pageSize ?? 500, ...(cont ? { continue: cont } : {}) });
      if (signal.aborted) return;
      // List items come without apiVersion/kind (as upstream's); the cache gives every object its type, as watch
      // events have it, so event recorders and owner references can name the kind.
      const kind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
      for (const it of page.items) {
        const o = it as { apiVersion?: string; kind?: string };
        if (kind && o.kind === undefined) items.push({ apiVersion: page.apiVersion, kind, ...it } as T);
        else items.push(it);
      }
      cont = page.metadata?.continue || undefined;
    } while (cont);
    this.replace(items, page.metadata?.resourceVersion ?? '');
  }

  /** client-go's Replace: the store becomes `items`; adds/updates/deletes are emitted for the differences. */
  replace(items: T[], resourceVersion: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const it of items) {
      const { key, old, obj } = this.store.put(it);
      seen.add(key);
      if (old === undefined) this.emitAdd(obj, initial);
      else this.emitUpdate(old, obj);
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key);
      if (old !== undefined) this.emitDelete(old);
    }
    this.rv = resourceVersion;
    this.synced = true;
  }

  private async watchOnce(signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const events = this.client.watch({
        ...this.listOpts(),
        resourceVersion: this.rv,
        allowWatchBookmarks: true,
        // client-go: a random timeout in [5, 10) minutes spreads re-watches.
        timeoutSeconds: Math.floor(300 * (1 + Math.random())),
        signal: ac.signal,
      });
      const began = Date.now();
      let n = 0;
      for await (const ev of events) {
        if (signal.aborted) return;
        this.handle(ev);
        this.backoffMs = 0;
        n++;
      }
      // As the reflector: a watch the server closes at once without events is treated as an error (back off).
      if (n === 0 && Date.now() - began < 1000 && !signal.aborted) throw new Error('very short watch: the server closed the watch immediately');
    } finally {
      signal.removeEventListener('abort', onAbort);
      ac.abort();
    }
  }

  private handle(ev: WatchEvent<T>): void {
    const obj = ev.object as any;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const { old, obj: cur } = this.store.put(ev.object);
        if (old === undefined) this.emitAdd(cur, false);
        else this.emitUpdate(old, cur);
        break;
      }
      case 'DELETED': {
        const key = metaKey(obj);
        this.store.remove(key);
        this.emitDelete(deepFreeze(obj) as DeepReadonly<T>);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const code = obj?.code as number | undefined;
        if (code === 410 || obj?.reason === 'Expired' || obj?.reason === 'Gone') throw new Gone(obj?.message ?? 'resource version too old');
        throw new Error(`watch error: ${obj?.message ?? JSON.stringify(obj)}`);
      }
    }
    const rv = obj?.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.rv = rv;
  }

  private emitAdd(o: DeepReadonly<T>, initial: boolean): void {
    for (const h of this.handlers) if (h.add) this.call(() => h.add!(o, initial));
  }

  private emitUpdate(a: DeepReadonly<T>, b: DeepReadonly<T>): void {
    for (const h of this.handlers) if (h.update) this.call(() => h.update!(a, b));
  }

  private emitDelete(o: DeepReadonly<T>): void {
    for (const h of this.handlers) if (h.delete) this.call(() => h.delete!(o));
  }

  private call(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log(e, 'event handler');
    }
  }

  private log(e: unknown, what = 'list/watch'): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_INTERVAL_MS) {
      this.suppressed++;
      return;
    }
    const r = this.client.ref;
    const more = this.suppressed > 0 ? ` (${this.suppressed} similar errors suppressed)` : '';
    this.lastLog = now;
    this.suppressed = 0;
    process.stderr.write(`informer ${r.group ? `${r.resource}.${r.group}` : r.resource}: ${what} failed: ${e instanceof Error ? e.message : String(e)}${more}\n`);
  }
}

/** Resolves true once every informer has synced, false if `signal` aborts first (polls every 100 ms). */
export async function waitForCacheSync(signal: AbortSignal, ...informers: { hasSynced(): boolean }[]): Promise<boolean> {
  while (!informers.every((i) => i.hasSynced())) {
    if (signal.aborted) return false;
    await pause(100, signal);
  }
  return !signal.aborted || informers.every((i) => i.hasSynced());
}

/** Hands out one shared informer per (resource, namespace, selectors, page size) and starts them together. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private signal: AbortSignal | undefined;

  constructor(readonly client: RestClient, readonly opts: { resyncMs?: number; namespace?: string } = {}) {}

  /** One informer per (resource, namespace, selectors) per factory; started at once if the factory is started. */
  informerFor<T extends { metadata?: any } = any>(ref: ResourceRef | string, opts: Omit<InformerOptions, 'resyncMs'> = {}): Informer<T> {
    const r = typeof ref === 'string' ? resourceRef(ref) : ref;
    const ns = r.namespaced ? (opts.namespace ?? this.opts.namespace ?? '') : '';
    const key = [r.group, r.version, r.resource, ns, opts.labelSelector ?? '', opts.fieldSelector ?? '', opts.pageSize ?? ''].join('|');
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<T>(this.client.resource<T>(r), {
        ...opts,
        ...(ns ? { namespace: ns } : {}),
        ...(this.opts.resyncMs ? { resyncMs: this.opts.resyncMs } : {}),
      });
      this.informers.set(key, inf);
      if (this.signal) inf.start(this.signal);
    }
    return inf as Informer<T>;
  }

  /** Starts the informers created so far and, from now on, each one as it is created. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) inf.start(signal);
  }

  /** Waits until every informer created so far has synced; false if `signal` aborts. */
  waitForCacheSync(signal: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...this.informers.values());
  }
}

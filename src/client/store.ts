// The informer cache: a keyed store of frozen objects with secondary indexes and a read-only lister view.

/** Deeply read-only view of T (cached objects are shared: never mutate them, copy first). */
export type DeepReadonly<T> = T extends (...args: any[]) => any
  ? T
  : T extends ReadonlyArray<infer R>
    ? ReadonlyArray<DeepReadonly<R>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Computes the index values of an object (cache.IndexFunc). */
export type IndexFunc<T> = (obj: T) => string[];

/** The name of the index every store carries: objects by metadata.namespace ('' for cluster-scoped). */
export const NAMESPACE_INDEX = 'namespace';

/** `namespace/name`, or `name` for cluster-scoped objects (cache.MetaNamespaceKeyFunc). */
export function metaKey(obj: { metadata?: { name?: string; namespace?: string } | undefined } | DeepReadonly<{ metadata?: any }>): string {
  const md = (obj as { metadata?: { name?: string; namespace?: string } }).metadata;
  const name = md?.name ?? '';
  return md?.namespace ? `${md.namespace}/${name}` : name;
}

/** Splits a {@link metaKey} back into namespace ('' when none) and name. */
export function splitMetaKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Read access to a cache (client-go's Lister + Indexer reads). */
export interface Lister<T> {
  /** The object with {@link metaKey} `key`. */
  get(key: string): DeepReadonly<T> | undefined;
  list(): DeepReadonly<T>[];
  /** Objects whose index `index` yields `value`; throws on an unknown index. */
  byIndex(index: string, value: string): DeepReadonly<T>[];
  keys(): string[];
}

/** Freezes `o` and everything reachable from it; returns it. */
export function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return o;
  Object.freeze(o);
  for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
  return o;
}

/**
 * A thread-safe-ish (single-threaded JS: every method is atomic) keyed store with indexes. Objects put in are
 * deep-frozen. The namespace index is always present.
 */
export class Store<T extends { metadata?: any }> implements Lister<T> {
  private readonly items = new Map<string, DeepReadonly<T>>();
  private readonly indexers = new Map<string, IndexFunc<DeepReadonly<T>>>();
  /** index name -> value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: (o) => [o.metadata?.namespace ?? ''] } as Record<string, IndexFunc<T>>);
    this.addIndexers(indexers);
  }

  /** Adds indexers; existing objects are indexed immediately. Throws if a name is already taken (except the built-in namespace index, redefined silently). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name) && name !== NAMESPACE_INDEX) throw new Error(`indexer conflict: ${name}`);
      const f = fn as unknown as IndexFunc<DeepReadonly<T>>;
      this.indexers.set(name, f);
      const idx = new Map<string, Set<string>>();
      this.indices.set(name, idx);
      for (const [key, obj] of this.items) for (const v of f(obj)) addTo(idx, v, key);
    }
  }

  /** Inserts or replaces the object under its key (deep-frozen); returns the previous one. */
  put(obj: T | DeepReadonly<T>): { key: string; old: DeepReadonly<T> | undefined; obj: DeepReadonly<T> } {
    const frozen = deepFreeze(obj) as DeepReadonly<T>;
    const key = metaKey(frozen);
    const old = this.items.get(key);
    this.items.set(key, frozen);
    this.reindex(key, old, frozen);
    return { key, old, obj: frozen };
  }

  /** Removes the object with `key`; returns it. */
  remove(key: string): DeepReadonly<T> | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    this.reindex(key, old, undefined);
    return old;
  }

  private reindex(key: string, old: DeepReadonly<T> | undefined, obj: DeepReadonly<T> | undefined): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      const before = old === undefined ? [] : fn(old);
      const after = obj === undefined ? [] : fn(obj);
      for (const v of before) if (!after.includes(v)) removeFrom(idx, v, key);
      for (const v of after) addTo(idx, v, key);
    }
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.items.get(key);
  }

  list(): DeepReadonly<T>[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  byIndex(index: string, value: string): DeepReadonly<T>[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`Index with name ${index} does not exist`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: DeepReadonly<T>[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** Keys whose index `index` yields `value`. */
  indexKeys(index: string, value: string): string[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`Index with name ${index} does not exist`);
    return [...(idx.get(value) ?? [])];
  }
}

function addTo(idx: Map<string, Set<string>>, v: string, key: string): void {
  let s = idx.get(v);
  if (!s) idx.set(v, (s = new Set()));
  s.add(key);
}

function removeFrom(idx: Map<string, Set<string>>, v: string, key: string): void {
  const s = idx.get(v);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) idx.delete(v);
}

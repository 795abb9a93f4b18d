// ObjectAccess over the apiserver's resource stores: reads from the watch caches, trusted writes through the registry.
import { notFound, StatusError } from '../apimachinery/index.js';
import type { Obj, ObjectAccess } from './access.js';
import type { ResourceStore } from './registry.js';

/**
 * The apiserver's `ObjectAccess`. `storeOf(group, resource)` returns the resource's store or undefined when the
 * resource is not served (reads then see nothing; writes throw 404).
 *
 * Reads need the caches started (the server starts all of them before it serves); before that they see nothing.
 * Writes skip admission and validation but keep system metadata (uid, creationTimestamp, generation) as the
 * registry does for API writes; defaults are the caller's business.
 */
export class StoreObjects implements ObjectAccess {
  constructor(
    private readonly storeOf: (group: string, resource: string) => ResourceStore | undefined,
    private readonly applyDefaults: (store: ResourceStore, obj: Obj) => void = () => {},
  ) {}

  get(group: string, resource: string, namespace: string, name: string): Obj | undefined {
    const s = this.storeOf(group, resource);
    if (!s) return undefined;
    return s.cache.get(s.key(s.info.namespaced ? namespace : '', name))?.obj as Obj | undefined;
  }

  list(group: string, resource: string, namespace?: string): Obj[] {
    const s = this.storeOf(group, resource);
    if (!s) return [];
    const items = s.cache.list(s.keyPrefix(s.info.namespaced ? (namespace ?? '') : '')).items;
    // The same cache snapshot gives the same array, so consumers can detect "unchanged" by identity.
    let objs = this.objLists.get(items);
    if (!objs) {
      objs = Object.freeze(items.map((c) => c.obj as Obj)) as Obj[];
      this.objLists.set(items, objs);
    }
    return objs;
  }

  private readonly objLists = new WeakMap<readonly unknown[], Obj[]>();

  async update(group: string, resource: string, namespace: string, name: string, fn: (cur: Obj) => Obj | undefined, subresource?: 'status'): Promise<Obj> {
    const s = this.mustStore(group, resource, name);
    const ns = s.info.namespaced ? namespace : '';
    const r = await s.update(ns, name, (cur) => {
      if (!cur) throw notFound(s.gr, name);
      const next = fn(structuredClone(cur));
      if (next === undefined) return cur;
      return s.prepareUpdate(next, cur, subresource === 'status' ? 'status' : '');
    });
    return r.obj;
  }

  async create(group: string, resource: string, obj: Obj): Promise<Obj> {
    const s = this.mustStore(group, resource, obj.metadata?.name ?? '');
    const o = structuredClone(obj);
    o.apiVersion = s.storageVersion;
    o.kind = s.kind;
    if (!s.info.namespaced && o.metadata) delete o.metadata.namespace;
    s.prepareCreate(o);
    this.applyDefaults(s, o);
    return s.create(o);
  }

  async delete(group: string, resource: string, namespace: string, name: string): Promise<void> {
    const s = this.mustStore(group, resource, name);
    try {
      await s.delete(s.info.namespaced ? namespace : '', name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }

  private mustStore(group: string, resource: string, name: string): ResourceStore {
    const s = this.storeOf(group, resource);
    if (!s) throw notFound({ group, resource }, name);
    return s;
  }
}

// The garbage collector (upstream pkg/controller/garbagecollector): deletes objects whose owners are gone, and runs foreground and orphan deletion.
import {
  WorkQueue,
  isConflict,
  isNotFound,
  runWorkers,
  type EventRecorder,
  type ResourceRef,
  type RestClient,
  type SharedInformerFactory,
} from '../../client/index.js';
import {
  DependencyGraph,
  FINALIZER_DELETE_DEPENDENTS,
  FINALIZER_ORPHAN,
  identityString,
  type GraphNode,
  type ObjectIdentity,
  type ObservedMeta,
  type OwnerReference,
} from './graph.js';
import {
  LruSet,
  RestMappingError,
  apiVersionOf,
  classifyReferences,
  deletableResources,
  deleteOwnerRefsPatch,
  propagationFor,
  refOf,
  removeFinalizerPatch,
  resolveKind,
  unblockOwnerRefsPatch,
  type OwnerMeta,
} from './patches.js';

/** An object's metadata as a live GET returns it. */
interface LiveMeta extends ObservedMeta {
  uid?: string;
  resourceVersion?: string;
  ownerReferences?: OwnerReference[];
}
interface LiveObject {
  apiVersion?: string;
  kind?: string;
  metadata?: LiveMeta;
}

/** Thrown by a sync to requeue with back-off without logging (upstream requeueItem). */
class Requeue extends Error {}
/** A cluster-scoped object names a namespaced owner: no retry will help (upstream namespacedOwnerOfClusterScopedObjectErr). */
class NamespacedOwnerOfClusterScopedObject extends Error {}

const CONFLICT_RETRIES = 5;

/**
 * Keeps a dependency graph of every deletable resource (one shared informer per resource) and works two queues:
 * attemptToDelete (verify virtual owners, collect dependents whose owners are all gone, finish foreground
 * deletions) and attemptToOrphan (strip an orphaning owner's references from its dependents, then its finalizer).
 * Owner existence is always confirmed with a live GET (by name, compared by uid) before anything is deleted.
 */
export class GarbageCollector {
  readonly graph: DependencyGraph;
  private readonly attemptToDelete = new WorkQueue<string>({ name: 'garbage_collector_attempt_to_delete' });
  private readonly attemptToOrphan = new WorkQueue<string>({ name: 'garbage_collector_attempt_to_orphan' });
  private readonly absentOwners = new LruSet(500);

  /** Registers the monitors (informers + handlers) synchronously. */
  constructor(
    private readonly client: RestClient,
    informers: SharedInformerFactory,
    private readonly recorder?: EventRecorder,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.graph = new DependencyGraph({
      attemptToDelete: (n) => this.attemptToDelete.add(n.identity.uid),
      attemptToOrphan: (n) => this.attemptToOrphan.add(n.identity.uid),
      absent: (id) => this.absentOwners.add(absentKey(id)),
      invalidNamespace: (dep, ref) => this.reportInvalidNamespace(dep.identity, ref),
    });
    for (const info of deletableResources()) {
      const ref = refOf(info);
      const apiVersion = apiVersionOf(ref.group, ref.version);
      const identity = (o: { metadata?: any }): ObjectIdentity | undefined => {
        const m = o.metadata;
        if (!m?.uid) return undefined;
        return { apiVersion, kind: info.kind, name: m.name ?? '', uid: m.uid, namespace: m.namespace ?? '' };
      };
      informers.informerFor(ref).addEventHandler({
        add: (o) => {
          const id = identity(o);
          if (id) this.graph.observe(id, o.metadata as ObservedMeta);
        },
        update: (old, o) => {
          const id = identity(o);
          if (id) this.graph.observe(id, o.metadata as ObservedMeta, old.metadata as ObservedMeta);
        },
        delete: (o) => {
          const id = identity(o);
          if (id) this.graph.observeDeleted(id);
        },
      });
    }
  }

  /** Runs `workers` workers on each queue until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    const onError = (what: string) => (uid: string, err: unknown) => {
      // Unknown kinds are retried quietly (upstream logs them at V(5)).
      if (err instanceof Requeue || err instanceof RestMappingError) return;
      const n = this.graph.get(uid);
      this.log(`${what} ${n ? identityString(n.identity) : uid}: ${err instanceof Error ? err.message : String(err)}`);
    };
    await Promise.all([
      runWorkers(this.attemptToDelete, workers, (uid) => this.attemptToDeleteWorker(uid), signal, onError('error syncing item')),
      runWorkers(this.attemptToOrphan, workers, (uid) => this.attemptToOrphanWorker(uid), signal, onError('error orphaning dependents of')),
    ]);
  }

  /** One attemptToDelete item. Throws to requeue with back-off. */
  async attemptToDeleteWorker(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    try {
      const virtuallyDeleted = await this.attemptToDeleteItem(node);
      if (virtuallyDeleted) return;
    } catch (err) {
      if (err instanceof NamespacedOwnerOfClusterScopedObject) return;
      throw err;
    }
    // A virtual node that exists but has not been seen by an informer yet is checked again later (issue 56121).
    const cur = this.graph.get(uid);
    if (cur && !cur.observed) throw new Requeue();
  }

  /**
   * Decides the fate of one node (upstream attemptToDeleteItem). Returns true when the node turned out not to exist
   * (a virtual delete was applied to the graph).
   */
  private async attemptToDeleteItem(item: GraphNode): Promise<boolean> {
    if (item.beingDeleted && !item.deletingDependents) return false;
    const latest = await this.getObject(item.identity);
    if (!latest || latest.metadata?.uid !== item.identity.uid) {
      this.graph.virtualDelete(item.identity);
      return true;
    }
    if (item.deletingDependents) {
      await this.processDeletingDependentsItem(item);
      return false;
    }
    const refs = latest.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return false;
    const owners: (OwnerMeta | undefined)[] = [];
    for (const ref of refs) owners.push(await this.liveOwner(ref, item.identity));
    const { solid, dangling, waiting } = classifyReferences(refs, owners);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return false;
      // Waiting references must go too, or their owners would wait on this object forever.
      await this.removeOwnerRefs(item.identity, [...dangling, ...waiting].map((r) => r.uid));
      return false;
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      for (const dep of item.dependents) {
        if (dep.deletingDependents) {
          // A cycle of foreground deletions: stop blocking our owners so they can go.
          const patch = unblockOwnerRefsPatch(refs, latest.metadata?.resourceVersion);
          if (patch) await this.patch(item.identity, patch);
          break;
        }
      }
      await this.deleteObject(item.identity, 'Foreground');
      return false;
    }
    await this.deleteObject(item.identity, propagationFor(latest.metadata?.finalizers));
    return false;
  }

  /** An owner in foreground deletion: drop the finalizer once no blocking dependent is left, else push them along. */
  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(item.identity, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.add(dep.identity.uid);
  }

  /** One attemptToOrphan item: remove the owner's reference from each dependent, then the orphan finalizer. */
  async attemptToOrphanWorker(uid: string): Promise<void> {
    const owner = this.graph.get(uid);
    if (!owner) return;
    const deps = [...owner.dependents];
    const results = await Promise.allSettled(deps.map((d) => this.removeOwnerRefs(d.identity, [owner.identity.uid])));
    const errs = results.flatMap((r, i) => (r.status === 'rejected' ? [`orphaning ${identityString(deps[i]!.identity)} failed, ${String(r.reason)}`] : []));
    if (errs.length > 0) throw new Error(`failed to orphan dependents of owner ${identityString(owner.identity)}, got errors: ${errs.join('; ')}`);
    await this.removeFinalizer(owner.identity, FINALIZER_ORPHAN);
  }

  /** The owner `ref` of `dependent` as the apiserver has it now (`undefined` = absent), consulting the absent-owner cache. */
  private async liveOwner(ref: OwnerReference, dependent: ObjectIdentity): Promise<OwnerMeta | undefined> {
    const coords = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
    if (this.absentOwners.has(absentKey({ ...coords, namespace: '' }))) return undefined;
    if (this.absentOwners.has(absentKey({ ...coords, namespace: dependent.namespace }))) return undefined;
    const res = resolveKind(ref.apiVersion, ref.kind);
    if (dependent.namespace === '' && res.namespaced) {
      this.reportInvalidNamespace(dependent, ref);
      throw new NamespacedOwnerOfClusterScopedObject(`cluster-scoped ${identityString(dependent)} refers to a namespaced owner`);
    }
    const key = absentKey({ ...coords, namespace: res.namespaced ? dependent.namespace : '' });
    let owner: LiveObject;
    try {
      owner = await this.client.resource<LiveObject>(res).get(ref.name, res.namespaced ? { namespace: dependent.namespace } : {});
    } catch (err) {
      if (isNotFound(err)) {
        this.absentOwners.add(key);
        return undefined;
      }
      throw err;
    }
    if (owner.metadata?.uid !== ref.uid) {
      this.absentOwners.add(key);
      return undefined;
    }
    return owner.metadata;
  }

  /** Live GET of an identity; undefined when not found. Throws RestMappingError for an unserved kind. */
  private async getObject(id: ObjectIdentity): Promise<LiveObject | undefined> {
    const res = resolveKind(id.apiVersion, id.kind);
    try {
      return await this.client.resource<LiveObject>(res).get(id.name, res.namespaced ? { namespace: id.namespace } : {});
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private resource(id: ObjectIdentity): { res: ResourceRef; ns: { namespace?: string } } {
    const res = resolveKind(id.apiVersion, id.kind);
    return { res, ns: res.namespaced ? { namespace: id.namespace } : {} };
  }

  private async patch(id: ObjectIdentity, patch: object): Promise<void> {
    const { res, ns } = this.resource(id);
    await this.client.resource(res).patch(id.name, patch, 'merge', ns);
  }

  /** Deletes the object with a uid precondition and `policy`; an object already gone is fine. */
  private async deleteObject(id: ObjectIdentity, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    const { res, ns } = this.resource(id);
    try {
      await this.client.resource(res).delete(id.name, { ...ns, propagationPolicy: policy, preconditions: { uid: id.uid } });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Removes references to `ownerUids` from the live object (read, patch pinned to its resourceVersion, retry on conflict). */
  private async removeOwnerRefs(id: ObjectIdentity, ownerUids: readonly string[]): Promise<void> {
    await this.retryOnConflict(async () => {
      const cur = await this.getObject(id);
      if (!cur || cur.metadata?.uid !== id.uid) return;
      const patch = deleteOwnerRefsPatch(cur.metadata?.ownerReferences ?? [], ownerUids, cur.metadata?.resourceVersion);
      if (patch) await this.patch(id, patch);
    });
  }

  /** Removes finalizer `f` from the live object (upstream removeFinalizer). */
  private async removeFinalizer(id: ObjectIdentity, f: string): Promise<void> {
    await this.retryOnConflict(async () => {
      const cur = await this.getObject(id);
      if (!cur || cur.metadata?.uid !== id.uid) return;
      const patch = removeFinalizerPatch(cur.metadata?.finalizers, f, cur.metadata?.resourceVersion);
      if (patch) await this.patch(id, patch);
    });
  }

  private async retryOnConflict(f: () => Promise<void>): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await f();
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || i >= CONFLICT_RETRIES - 1) throw err;
        await new Promise((r) => setTimeout(r, 10 * 2 ** i));
      }
    }
  }

  /** Warning event OwnerRefInvalidNamespace on the dependent, as upstream reports it. */
  private reportInvalidNamespace(dep: ObjectIdentity, ref: OwnerReference): void {
    const invalid: ObjectIdentity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: dep.namespace };
    this.recorder?.event(
      { apiVersion: dep.apiVersion, kind: dep.kind, metadata: { name: dep.name, namespace: dep.namespace || undefined, uid: dep.uid } },
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef ${identityString(invalid)} does not exist in namespace ${JSON.stringify(dep.namespace)}`,
    );
  }
}

function absentKey(id: ObjectIdentity): string {
  return `${id.apiVersion}|${id.kind}|${id.namespace}|${id.name}|${id.uid}`;
}

export { RestMappingError };

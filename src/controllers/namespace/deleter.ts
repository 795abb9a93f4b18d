// Deletes everything in a terminating namespace, then removes the `kubernetes` finalizer (upstream deletion/namespaced_resources_deleter.go).
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { ApiError, isConflict, isNotFound, type RestClient } from '../../client/index.js';
import { NamespaceConditionUpdater, type ContentTotals } from './conditions.js';

/** The finalizer token this controller owns on namespaces' spec.finalizers. */
export const FINALIZER_KUBERNETES = 'kubernetes';
/** Seconds assumed for finalizers on remaining items to complete (upstream finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** Namespaced resources that can be deleted (preferred version of each group; upstream discovery filtered by "delete"). */
export function namespacedDeletableResources(resources: readonly ResourceInfo[] = RESOURCES): ResourceInfo[] {
  return resources.filter((r) => r.namespaced && r.storage !== undefined && r.verbs.includes('delete'));
}

/** Go's `%v` of a schema.GroupVersionResource: `{group version resource}`. */
export function gvrString(info: ResourceInfo): string {
  return `{${info.group} ${info.versions[0] ?? ''} ${info.resource}}`;
}

/**
 * Upstream's pod estimate: the longest terminationGracePeriodSeconds of non-terminal pods, or 0 once that long has
 * passed since the namespace's deletionTimestamp.
 */
export function estimateForPods(pods: readonly Pod[], deletedAt: Date, now: Date = new Date()): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const g = p.spec?.terminationGracePeriodSeconds;
    if (g !== undefined && g !== null && g > estimate) estimate = g;
  }
  if (now.getTime() - deletedAt.getTime() >= estimate * 1000) return 0;
  return estimate;
}

/** What one resource's deletion left (upstream gvrDeletionMetadata). */
export interface ResourceDeletionResult {
  estimateSeconds: number;
  remaining: number;
  finalizers: Map<string, number>;
  error?: string;
}

/**
 * Judges a resource's leftovers after deleting: none → done; an estimate → wait; finalizers → wait the default
 * finalizer estimate; otherwise leftovers are unexpected (an error, as upstream).
 */
export function judgeRemaining(info: ResourceInfo, namespace: string, items: readonly { metadata?: { finalizers?: readonly string[] } }[], estimate: number): ResourceDeletionResult {
  if (items.length === 0) return { estimateSeconds: 0, remaining: 0, finalizers: new Map() };
  const finalizers = new Map<string, number>();
  for (const it of items) for (const f of it.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
  if (estimate !== 0) return { estimateSeconds: estimate, remaining: items.length, finalizers };
  if (finalizers.size > 0) return { estimateSeconds: FINALIZER_ESTIMATE_SECONDS, remaining: items.length, finalizers };
  return { estimateSeconds: estimate, remaining: items.length, finalizers: new Map(), error: `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(info)}` };
}

/** Thrown when content remains: the caller requeues after about half the estimate (upstream ResourcesRemainingError). */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
    this.name = 'ResourcesRemainingError';
  }
}

const isMethodNotSupported = (e: unknown): boolean => e instanceof ApiError && (e.code === 405 || e.reason === 'MethodNotAllowed');

/** Deletes namespaces' content through the API and finalizes them. */
export class NamespacedResourcesDeleter {
  /** Operations the server answered 405/404 for, per `verb|group|resource` (upstream opCache). */
  private readonly notSupported = new Set<string>();

  constructor(
    private readonly client: RestClient,
    private readonly log: (line: string) => void = () => {},
    private readonly resources: readonly ResourceInfo[] = namespacedDeletableResources(),
  ) {
    for (const r of resources) {
      if (!r.verbs.includes('list')) this.notSupported.add(opKey('list', r));
      if (!r.verbs.includes('deletecollection')) this.notSupported.add(opKey('deletecollection', r));
    }
  }

  /**
   * One pass over namespace `name`: nothing unless it is being deleted; marks it Terminating; deletes its content;
   * throws {@link ResourcesRemainingError} while content remains (and other errors to retry); once empty, removes
   * the `kubernetes` finalizer through `namespaces/NAME/finalize`.
   */
  async delete(name: string): Promise<void> {
    let ns: Namespace;
    try {
      ns = await this.client.resource<Namespace>('namespaces').get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    try {
      ns = await this.retryOnConflict(ns, (cur) => this.ensureTerminating(cur));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if ((ns.spec?.finalizers ?? []).length === 0) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    try {
      await this.retryOnConflict(ns, (cur) => this.finalize(cur));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async ensureTerminating(ns: Namespace): Promise<Namespace> {
    if (!ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    (next.status ??= {}).phase = 'Terminating';
    return this.client.resource<Namespace>('namespaces').updateStatus(next);
  }

  /** PUT namespaces/NAME/finalize without our token (the rest sorted, as upstream's string set). */
  private async finalize(ns: Namespace): Promise<Namespace> {
    const rest = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES))].sort();
    const body: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: ns.metadata!, spec: { ...(ns.spec ?? {}), finalizers: rest } };
    return this.client.request<Namespace>({ method: 'PUT', path: `/api/v1/namespaces/${encodeURIComponent(ns.metadata!.name!)}/finalize`, body });
  }

  private async retryOnConflict(ns: Namespace, f: (cur: Namespace) => Promise<Namespace>): Promise<Namespace> {
    let cur = ns;
    for (;;) {
      try {
        return await f(cur);
      } catch (err) {
        if (!isConflict(err)) throw err;
        const latest = await this.client.resource<Namespace>('namespaces').get(cur.metadata!.name!);
        if (latest.metadata?.uid !== cur.metadata?.uid) throw new Error('namespace uid has changed across retries');
        cur = latest;
      }
    }
  }

  /** Deletes every resource's content; updates the deletion conditions; returns the largest estimate (seconds). */
  async deleteAllContent(ns: Namespace): Promise<number> {
    const name = ns.metadata!.name!;
    const deletedAt = new Date(ns.metadata!.deletionTimestamp!);
    const updater = new NamespaceConditionUpdater();
    const errors: string[] = [];
    let estimate = 0;
    const byResource = new Map<string, number>();
    const byFinalizer = new Map<string, number>();
    for (const info of this.resources) {
      let r: ResourceDeletionResult;
      try {
        r = await this.deleteAllContentForResource(info, name, deletedAt);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        r = { estimateSeconds: 0, remaining: 0, finalizers: new Map(), error: msg };
      }
      if (r.error !== undefined) {
        errors.push(r.error);
        updater.processDeleteContentErr(r.error);
      }
      if (r.estimateSeconds > estimate) estimate = r.estimateSeconds;
      if (r.remaining > 0) {
        byResource.set(`${info.resource}.${info.group}`, r.remaining);
        for (const [f, n] of r.finalizers) if (n > 0) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
      }
    }
    const totals: ContentTotals = { remainingByResource: byResource, remainingByFinalizer: byFinalizer };
    updater.processContentTotals(totals);
    const next = structuredClone(ns);
    if (updater.update((next.status ??= {}))) {
      try {
        await this.client.resource<Namespace>('namespaces').updateStatus(next);
      } catch (err) {
        this.log(`couldn't update status condition for namespace "${name}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errors.length > 0) throw new Error(errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`);
    return estimate;
  }

  private async deleteAllContentForResource(info: ResourceInfo, ns: string, deletedAt: Date): Promise<ResourceDeletionResult> {
    let estimate = 0;
    if (info.group === '' && info.resource === 'pods') {
      const pods = await this.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods', namespaced: true }).listAll({ namespace: ns });
      estimate = estimateForPods(pods.items, deletedAt);
    }
    const fail = (e: unknown): ResourceDeletionResult => ({ estimateSeconds: estimate, remaining: 0, finalizers: new Map(), error: e instanceof Error ? e.message : String(e) });
    let collectionDone = false;
    try {
      collectionDone = await this.deleteCollection(info, ns);
    } catch (e) {
      return fail(e);
    }
    if (!collectionDone) {
      try {
        await this.deleteEachItem(info, ns);
      } catch (e) {
        return fail(e);
      }
    }
    let items: { metadata?: { finalizers?: string[] } }[] | undefined;
    try {
      items = await this.listCollection(info, ns);
    } catch (e) {
      return fail(e);
    }
    if (items === undefined) return { estimateSeconds: estimate, remaining: 0, finalizers: new Map() };
    return judgeRemaining(info, ns, items, estimate);
  }

  private path(info: ResourceInfo, ns: string): string {
    const v = info.versions[0] ?? 'v1';
    return `${info.group === '' ? `/api/${v}` : `/apis/${info.group}/${v}`}/namespaces/${encodeURIComponent(ns)}/${info.resource}`;
  }

  /** DELETE on the collection with Background propagation; false when the server does not support it. */
  private async deleteCollection(info: ResourceInfo, ns: string): Promise<boolean> {
    const key = opKey('deletecollection', info);
    if (this.notSupported.has(key)) return false;
    try {
      await this.client.request({ method: 'DELETE', path: this.path(info, ns), body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
      return true;
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.notSupported.add(key);
        return false;
      }
      throw err;
    }
  }

  /** The collection's items, or undefined when listing is not supported. */
  private async listCollection(info: ResourceInfo, ns: string): Promise<{ metadata?: { name?: string; finalizers?: string[] } }[] | undefined> {
    const key = opKey('list', info);
    if (this.notSupported.has(key)) return undefined;
    try {
      const ref = { group: info.group, version: info.versions[0] ?? 'v1', resource: info.resource, namespaced: true };
      return (await this.client.resource(ref).listAll({ namespace: ns })).items;
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.notSupported.add(key);
        return undefined;
      }
      throw err;
    }
  }

  private async deleteEachItem(info: ResourceInfo, ns: string): Promise<void> {
    const items = await this.listCollection(info, ns);
    if (!items) return;
    const ref = { group: info.group, version: info.versions[0] ?? 'v1', resource: info.resource, namespaced: true };
    for (const it of items) {
      try {
        await this.client.resource(ref).delete(it.metadata!.name!, { namespace: ns, propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err) && !isMethodNotSupported(err)) throw err;
      }
    }
  }
}

function opKey(verb: string, info: ResourceInfo): string {
  return `${verb}|${info.group}|${info.resource}`;
}

// The ReplicaSet controller (upstream pkg/controller/replicaset), run over ReplicaSets or, as the replication manager, ReplicationControllers.
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isDeepStrictEqual } from 'node:util';
import { selectorFromLabelSelector, type LabelSelector } from '../../apimachinery/index.js';
import { ApiError, isNotFound, NAMESPACE_INDEX, runWorkers, WorkQueue, type Informer } from '../../client/index.js';
import type { ControllerContext } from '../context.js';
import {
  claimObjects,
  controllerOf,
  isPodActive,
  isPodReady,
  keyOf,
  newControllerRef,
  podFromTemplate,
  splitKey,
  UIDTrackingExpectations,
} from '../util/index.js';
import type { Flavor, ReplicaSetView } from './adapter.js';
import { getPodsToDelete } from './ranking.js';
import { BURST_REPLICAS, calculateStatus, podsPrefix, SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch, statusUpToDate } from './utils.js';

/** The owner objects this controller manages: a ReplicaSet or a ReplicationController. */
export type ReplicaOwner = { apiVersion?: string; kind?: string; metadata?: ObjectMeta; status?: ReplicaSetStatus | object };

/** Status writes retried once after re-reading the object (upstream statusUpdateRetries). */
const STATUS_UPDATE_RETRIES = 1;

/** Whether an API error carries a StatusCause with `reason` (upstream errors.HasStatusCause). */
function hasStatusCause(err: unknown, reason: string): boolean {
  return err instanceof ApiError && (err.status.details?.causes ?? []).some((c) => c.reason === reason);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function podKey(p: { metadata?: { namespace?: string; name?: string } }): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}

/** Tuning of {@link ReplicaSetController} (tests shrink or fake these). */
export interface ReplicaSetControllerOptions {
  /** Most creates/deletes per sync [500]. */
  burstReplicas?: number;
  /** The clock (ms) for availability and ranking. */
  now?: () => number;
}

/**
 * Upstream ReplicaSetController. Handlers enqueue the `namespace/name` of the owning (or, for orphans, every
 * selecting) owner and count observed creates/deletes against expectations. `sync` claims pods (adopts orphans,
 * releases pods that stop matching), creates pods in slow-start batches or deletes the lowest-ranked ones to reach
 * spec.replicas (at most `burstReplicas` per sync, only when expectations are satisfied), then writes status.
 */
export class ReplicaSetController<T extends ReplicaOwner> {
  readonly queue: WorkQueue<string>;
  readonly expectations = new UIDTrackingExpectations();
  private readonly owners: Informer<T>;
  private readonly pods: Informer<Pod>;
  private readonly burstReplicas: number;
  private readonly now: () => number;

  /** Registers the informers and handlers (synchronously); call {@link run} once the caches synced. */
  constructor(private readonly ctx: ControllerContext, private readonly flavor: Flavor<T>, opts: ReplicaSetControllerOptions = {}) {
    this.queue = new WorkQueue<string>({ name: flavor.name });
    this.burstReplicas = opts.burstReplicas ?? BURST_REPLICAS;
    this.now = opts.now ?? Date.now;
    this.owners = ctx.informers.informerFor<T>(flavor.resource);
    this.pods = ctx.informers.informerFor<Pod>('pods');
    this.owners.addEventHandler({
      add: (o) => this.queue.add(keyOf(o as T)),
      update: (o, n) => {
        if ((o as T).metadata?.uid !== (n as T).metadata?.uid) this.ownerDeleted(o as T);
        this.queue.add(keyOf(n as T));
      },
      delete: (o) => this.ownerDeleted(o as T),
    });
    this.pods.addEventHandler({
      add: (p) => this.podAdded(p as Pod),
      update: (o, n) => this.podUpdated(o as Pod, n as Pod),
      delete: (p) => this.podDeleted(p as Pod),
    });
  }

  /** Runs the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.ctx.options.workers, (k) => this.sync(k), signal, (k, err) => this.ctx.log(`sync "${k}" failed with ${message(err)}`));
  }

  private ownerDeleted(o: T): void {
    const key = keyOf(o);
    // A new owner with the same name starts with clean expectations.
    this.expectations.delete(key);
    this.queue.add(key);
  }

  /** The owner a controller reference points to, when it is of our kind and the uid matches. */
  private resolveControllerRef(namespace: string, ref: Readonly<OwnerReference>): T | undefined {
    if (ref.kind !== this.flavor.kind) return undefined;
    const o = this.owners.lister.get(`${namespace}/${ref.name}`) as T | undefined;
    return o && o.metadata?.uid === ref.uid ? o : undefined;
  }

  /** Owners in the pod's namespace whose non-empty selector matches the pod (upstream GetPodReplicaSets). */
  private ownersSelecting(pod: Pod): T[] {
    const out: T[] = [];
    for (const o of this.owners.lister.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '') as T[]) {
      let sel: LabelSelector;
      try {
        sel = selectorFromLabelSelector(this.flavor.view(o).selector as never);
      } catch {
        continue;
      }
      if (sel.empty() || !sel.matches(pod.metadata?.labels ?? {})) continue;
      out.push(o);
    }
    if (out.length > 1) this.ctx.log(`user error! more than one ${this.flavor.kind} is selecting pods with labels: ${JSON.stringify(pod.metadata?.labels ?? {})}`);
    return out;
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod already being deleted (seen after a restart) must not count as a creation.
      this.podDeleted(pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const owner = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!owner) return;
      const key = keyOf(owner);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const o of this.ownersSelecting(pod)) this.queue.add(keyOf(o));
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // resync
    const labelChanged = !isDeepStrictEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Replace a gracefully deleted pod right away rather than when the kubelet removes it.
      this.podDeleted(cur);
      if (labelChanged) this.podDeleted(old);
      return;
    }
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const o = this.resolveControllerRef(old.metadata?.namespace ?? '', oldRef);
      if (o) this.queue.add(keyOf(o));
    }
    if (curRef) {
      const o = this.resolveControllerRef(cur.metadata?.namespace ?? '', curRef);
      if (!o) return;
      this.queue.add(keyOf(o));
      const minReady = this.flavor.view(o).minReadySeconds;
      // No pod condition says "available": look again once minReadySeconds passed (plus a second of skew).
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(keyOf(o), minReady * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const o of this.ownersSelecting(cur)) this.queue.add(keyOf(o));
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerOf(pod);
    if (!ref) return;
    const owner = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!owner) return;
    const key = keyOf(owner);
    this.expectations.deletionObservedOf(key, podKey(pod));
    this.queue.add(key);
  }

  /**
   * One reconciliation of the owner `key` (upstream syncReplicaSet): claims active pods, manages replicas when
   * expectations are satisfied and the owner is not being deleted, writes status when it changed, and requeues
   * after minReadySeconds while ready pods are not yet available. Throws (to be retried) on create/delete or API errors.
   */
  async sync(key: string): Promise<void> {
    const owner = this.owners.lister.get(key) as T | undefined;
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const view = this.flavor.view(owner);
    const needsSync = this.expectations.satisfied(key);
    let selector: LabelSelector;
    try {
      selector = selectorFromLabelSelector(view.selector as never);
    } catch (err) {
      this.ctx.log(`error converting pod selector to selector: ${message(err)}`);
      return;
    }
    const { namespace } = splitKey(key);
    const active = (this.pods.lister.byIndex(NAMESPACE_INDEX, namespace) as Pod[]).filter(isPodActive);
    const pods = await this.claimPods(owner, view, selector, active);

    let manageErr: unknown;
    if (needsSync && !owner.metadata?.deletionTimestamp) manageErr = await this.manageReplicas(key, owner, view, pods);

    const next = calculateStatus({ replicas: view.replicas, minReadySeconds: view.minReadySeconds, templateLabels: view.template?.metadata?.labels, status: view.status }, pods, manageErr, this.now());
    const updated = this.flavor.view(await this.updateStatus(owner, view, next));
    if (
      manageErr === undefined &&
      updated.minReadySeconds > 0 &&
      (updated.status?.readyReplicas ?? 0) === updated.replicas &&
      (updated.status?.availableReplicas ?? 0) !== updated.replicas
    ) {
      this.queue.addAfter(key, updated.minReadySeconds * 1000);
    }
    if (manageErr !== undefined) throw manageErr;
  }

  /** Adopts matching orphans (after re-reading the owner to be sure it is not being deleted) and releases non-matching pods. */
  private async claimPods(owner: T, view: ReplicaSetView, selector: LabelSelector, pods: Pod[]): Promise<Pod[]> {
    const meta = owner.metadata ?? {};
    const adopting = !meta.deletionTimestamp && pods.some((p) => !controllerOf(p) && !p.metadata?.deletionTimestamp && selector.matches(p.metadata?.labels ?? {}));
    if (adopting) {
      // An uncached read, so a just-deleted owner adopts nothing (upstream RecheckDeletionTimestamp).
      const fresh = await this.ctx.client.resource<T>(this.flavor.resource).get(meta.name!, { namespace: meta.namespace! });
      if (fresh.metadata?.uid !== meta.uid) {
        throw new Error(`original ${this.flavor.kind} ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`);
      }
      if (fresh.metadata?.deletionTimestamp) throw new Error(`${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
    return claimObjects(this.ctx.client.resource<Pod>('pods'), owner as never, this.flavor.apiVersion, this.flavor.kind, view.selector, pods);
  }

  /** Upstream manageReplicas: creates or deletes pods towards spec.replicas; resolves to the error to report, if any. */
  private async manageReplicas(key: string, owner: T, view: ReplicaSetView, pods: Pod[]): Promise<unknown> {
    const diff = pods.length - view.replicas;
    if (diff < 0) {
      const n = Math.min(-diff, this.burstReplicas);
      this.expectations.expectCreations(key, n);
      const ref = newControllerRef(owner as never, this.flavor.apiVersion, this.flavor.kind);
      const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(owner, view, ref));
      // Creates never attempted (or failed) will not be observed by the informer.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      return error;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burstReplicas);
      const doomed = getPodsToDelete(pods, this.indirectlyRelatedPods(owner), n, this.now());
      this.expectations.expectDeletionsOf(key, doomed.map(podKey));
      const errors = await Promise.all(
        doomed.map(async (p) => {
          try {
            await this.deletePod(owner, p);
            return undefined;
          } catch (err) {
            // The informer will not observe this deletion.
            this.expectations.deletionObservedOf(key, podKey(p));
            return isNotFound(err) ? undefined : err;
          }
        }),
      );
      return errors.find((e) => e !== undefined);
    }
    return undefined;
  }

  /** Pods of every owner controlled by the same controller as `owner` (e.g. a Deployment's ReplicaSets); none when it has no controller. */
  private indirectlyRelatedPods(owner: T): Pod[] {
    const ref = controllerOf(owner as never);
    if (!ref) return [];
    const ns = owner.metadata?.namespace ?? '';
    const all = this.pods.lister.byIndex(NAMESPACE_INDEX, ns) as Pod[];
    const seen = new Set<string>();
    const out: Pod[] = [];
    for (const o of this.owners.lister.byIndex(NAMESPACE_INDEX, ns) as T[]) {
      if (controllerOf(o as never)?.uid !== ref.uid) continue;
      let sel: LabelSelector;
      try {
        sel = selectorFromLabelSelector(this.flavor.view(o).selector as never);
      } catch {
        continue;
      }
      for (const p of all) {
        const uid = p.metadata?.uid ?? '';
        if (seen.has(uid) || !sel.matches(p.metadata?.labels ?? {})) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  /** Upstream RealPodControl.CreatePods: a pod from the template with our controller ref; events SuccessfulCreate/FailedCreate. */
  private async createPod(owner: T, view: ReplicaSetView, ref: OwnerReference): Promise<void> {
    const template = view.template;
    if (!template || Object.keys(template.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    const meta = owner.metadata ?? {};
    const pod = podFromTemplate(template, meta.namespace!, meta.name!, ref);
    pod.metadata!.generateName = podsPrefix(meta.name!);
    let created: Pod;
    try {
      created = await this.ctx.client.resource<Pod>('pods').create(pod);
    } catch (err) {
      // A terminating namespace refuses every create: nothing to report, nothing to retry.
      if (hasStatusCause(err, 'NamespaceTerminating')) return;
      this.ctx.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
      throw err;
    }
    this.ctx.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  /** Upstream RealPodControl.DeletePod: rethrows 404 as is (no event), other errors as `unable to delete pods: ...` after FailedDelete. */
  private async deletePod(owner: T, pod: Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.ctx.client.resource<Pod>('pods').delete(name, { namespace: pod.metadata?.namespace ?? '' });
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.ctx.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${message(err)}`);
      throw new Error(`unable to delete pods: ${message(err)}`);
    }
    this.ctx.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /** Writes `next` through the status subresource unless it is already there (upstream updateReplicaSetStatus). */
  private async updateStatus(owner: T, view: ReplicaSetView, next: ReplicaSetStatus): Promise<T> {
    if (statusUpToDate(view.generation, view.status, next)) return owner;
    next.observedGeneration = view.generation;
    const client = this.ctx.client.resource<T>(this.flavor.resource);
    const meta = owner.metadata ?? {};
    let cur: T = owner;
    for (let i = 0; ; i++) {
      const obj = structuredClone(cur) as T;
      obj.status = structuredClone(next);
      try {
        return await client.updateStatus(obj);
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
        cur = await client.get(meta.name!, { namespace: meta.namespace! });
      }
    }
  }
}

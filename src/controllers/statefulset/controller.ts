// The StatefulSet controller (upstream pkg/controller/statefulset): ordered, stable pods and claims, revisions, rolling updates.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../apimachinery/index.js';
import { isAlreadyExists, isConflict, isNotFound, runWorkers, WorkQueue, type Informer } from '../../client/index.js';
import type { ControllerContext } from '../context.js';
import {
  createControllerRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  revisionsToTruncate,
  sortControllerRevisions,
  templateFromRevision,
  templatePatch,
} from '../history/index.js';
import { claimObjects, controllerOf, keyOf, newControllerRef, splitKey } from '../util/index.js';
import {
  allowsBurst,
  claimsForPod,
  completeRollingUpdate,
  countReplicas,
  desiredClaimOwnerRefs,
  endOrdinal,
  getOrdinal,
  hasStaleOwnerRef,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isMemberOf,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  podRevision,
  retentionPolicy,
  startOrdinal,
  statusChanged,
  storageMatches,
  updateIdentity,
} from './utils.js';

type Obj = { metadata?: any };

/** Raised to stop the current pass (upstream: processReplica returning shouldExit). */
class Blocked extends Error {}

/**
 * Upstream StatefulSetController + defaultStatefulSetControl. Handlers enqueue `namespace/name` of the owning (or,
 * for orphans, every matching) StatefulSet; `sync` builds the current and update revisions, creates missing pods
 * (and their claims) in ordinal order, deletes condemned pods in reverse order, rolls pods to the update revision
 * highest ordinal first down to the partition, writes status and truncates history.
 */
export class StatefulSetController {
  readonly queue = new WorkQueue<string>({ name: 'statefulset' });
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly claims: Informer<PersistentVolumeClaim>;

  constructor(private readonly ctx: ControllerContext, private readonly now: () => number = Date.now) {
    this.sets = ctx.informers.informerFor<StatefulSet>('statefulsets');
    this.pods = ctx.informers.informerFor<Pod>('pods');
    this.revisions = ctx.informers.informerFor<ControllerRevision>('controllerrevisions');
    this.claims = ctx.informers.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    this.sets.addEventHandler({
      add: (s) => this.queue.add(keyOf(s as Obj)),
      update: (_o, s) => this.queue.add(keyOf(s as Obj)),
      delete: (s) => this.queue.add(keyOf(s as Obj)),
    });
    this.pods.addEventHandler({
      add: (p) => this.enqueueForPod(p as Pod),
      update: (o, p) => {
        const oldRef = controllerOf(o as Pod);
        const newRef = controllerOf(p as Pod);
        if (oldRef && oldRef.uid !== newRef?.uid) this.enqueueForPod(o as Pod);
        this.enqueueForPod(p as Pod);
      },
      delete: (p) => this.enqueueForPod(p as Pod),
    });
  }

  /** Runs the workers until `signal` aborts (informers must be synced). */
  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.ctx.options.workers, (k) => this.sync(k), signal, (k, err) => this.ctx.log(`syncing ${k}: ${err instanceof Error ? err.message : String(err)}`));
  }

  private enqueueForPod(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== 'StatefulSet') return;
      const set = this.sets.lister.get(`${ns}/${ref.name}`) as StatefulSet | undefined;
      if (set && set.metadata?.uid === ref.uid) this.queue.add(keyOf(set));
      return;
    }
    // An orphan: every set whose selector matches may adopt it.
    for (const s of this.sets.lister.list() as StatefulSet[]) {
      if (s.metadata?.namespace !== ns) continue;
      const sel = s.spec?.selector;
      if (!sel || (!sel.matchLabels && !sel.matchExpressions)) continue;
      try {
        if (selectorFromLabelSelector(sel as never).matches(pod.metadata?.labels ?? {})) this.queue.add(keyOf(s));
      } catch {
        // invalid selector: never matches
      }
    }
  }

  /** One reconciliation of the StatefulSet `key`; throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.lister.get(key) as StatefulSet | undefined;
    if (!cached) return;
    const set = structuredClone(cached) as StatefulSet;
    let selector;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector as never);
    } catch (err) {
      this.ctx.log(`error converting StatefulSet ${key} selector: ${String(err)}`);
      return;
    }
    const revisions = await this.listRevisions(set, (labels) => selector.matches(labels));
    const candidates = (this.pods.lister.list() as Pod[]).filter((p) => p.metadata?.namespace === namespace && isMemberOf(set, p));
    const pods = await claimObjects(this.ctx.client.resource<Pod>('pods'), set, 'apps/v1', 'StatefulSet', set.spec?.selector as never, candidates);
    const status = await this.updateStatefulSet(set, revisions, pods);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status && (status.availableReplicas ?? 0) !== (set.spec?.replicas ?? 1)) this.queue.addAfter(`${namespace}/${name}`, minReady * 1000);
  }

  /** Revisions of the set (owned, or orphans matching the selector, which are adopted), oldest first. */
  private async listRevisions(set: StatefulSet, matches: (labels: Record<string, string>) => boolean): Promise<ControllerRevision[]> {
    const ns = set.metadata?.namespace;
    const uid = set.metadata?.uid;
    const out: ControllerRevision[] = [];
    for (const r of this.revisions.lister.list() as ControllerRevision[]) {
      if (r.metadata?.namespace !== ns || !matches(r.metadata?.labels ?? {})) continue;
      const ref = controllerOf(r);
      if (ref && ref.uid !== uid) continue;
      if (!ref) {
        if (set.metadata?.deletionTimestamp) continue;
        try {
          out.push(
            await this.ctx.client
              .resource<ControllerRevision>('controllerrevisions')
              .patch(r.metadata!.name!, { metadata: { uid: r.metadata?.uid, ownerReferences: [...(r.metadata?.ownerReferences ?? []), newControllerRef(set, 'apps/v1', 'StatefulSet')] } }, 'merge', { namespace: ns! }),
          );
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        continue;
      }
      out.push(structuredClone(r) as ControllerRevision);
    }
    return sortControllerRevisions(out);
  }

  /** Upstream getStatefulSetRevisions: the current and update revisions, creating or re-numbering the update revision. */
  private async getRevisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    const collision = { count: set.status?.collisionCount ?? 0 };
    const data = templatePatch(set);
    const candidate = newControllerRevision(set, newControllerRef(set, 'apps/v1', 'StatefulSet'), set.spec?.template?.metadata?.labels, data, nextRevision(revisions), collision.count);
    const equal = findEqualRevisions(revisions, candidate);
    const latest = revisions[revisions.length - 1];
    let update: ControllerRevision;
    if (equal.length > 0 && latest && equal[equal.length - 1] === latest) {
      update = latest;
    } else if (equal.length > 0) {
      // A rollback to an earlier template: renumber that revision as the newest.
      const prior = equal[equal.length - 1]!;
      update = await this.ctx.client.resource<ControllerRevision>('controllerrevisions').update({ ...prior, revision: candidate.revision }, { namespace: set.metadata!.namespace! });
    } else {
      update = await createControllerRevision(this.ctx.client, set, candidate, collision);
    }
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount: collision.count };
  }

  private async updateStatefulSet(set: StatefulSet, revisions: ControllerRevision[], pods: Pod[]): Promise<StatefulSetStatus | undefined> {
    const { current, update, collisionCount } = await this.getRevisions(set, revisions);
    const currentName = current.metadata!.name!;
    const updateName = update.metadata!.name!;
    const currentSet = applyRevision(set, current);
    const updateSet = applyRevision(set, update);
    const replicaCount = set.spec?.replicas ?? 1;
    const start = startOrdinal(set);
    const replicas: Pod[] = new Array<Pod>(Math.max(0, replicaCount));
    const condemned: Pod[] = [];
    for (const p of pods) {
      if (podInOrdinalRange(p, set)) replicas[getOrdinal(p) - start] = p;
      else if (getOrdinal(p) >= 0) condemned.push(p);
    }
    for (let ord = start; ord <= endOrdinal(set); ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, ord);
    }
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    let firstUnhealthy: Pod | undefined = replicas.find((p) => !isHealthy(p));
    if (!firstUnhealthy) for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i]!)) (firstUnhealthy ??= condemned[i]);

    const status: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation ?? 0,
      replicas: 0,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
    };
    const finish = () => {
      Object.assign(status, countReplicas([...replicas, ...condemned], set.spec?.minReadySeconds ?? 0, currentName, updateName, this.now()));
    };
    let failure: unknown;
    try {
      if (!set.metadata?.deletionTimestamp) await this.converge(set, currentSet, updateSet, current, update, replicas, condemned, firstUnhealthy);
    } catch (err) {
      if (!(err instanceof Blocked)) failure = err;
    }
    finish();
    if (failure === undefined && !set.metadata?.deletionTimestamp && (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      try {
        await this.rollingUpdate(set, replicas, updateName, status);
      } catch (err) {
        failure = err;
      }
    }
    await this.writeStatus(set, status);
    await this.truncateHistory(set, pods, revisions, currentName, updateName);
    if (failure !== undefined) throw failure;
    return status;
  }

  /** Creates/repairs replicas in order, fixes claims of condemned pods, then deletes condemned pods highest first. */
  private async converge(
    set: StatefulSet,
    currentSet: StatefulSet,
    updateSet: StatefulSet,
    current: ControllerRevision,
    update: ControllerRevision,
    replicas: Pod[],
    condemned: Pod[],
    firstUnhealthy: Pod | undefined,
  ): Promise<void> {
    const monotonic = !allowsBurst(set);
    const minReady = set.spec?.minReadySeconds ?? 0;
    const processReplica = async (i: number): Promise<boolean> => {
      let pod = replicas[i]!;
      if (isFailed(pod) || isSucceeded(pod)) {
        if (isFailed(pod)) this.ctx.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata!.namespace}/${set.metadata!.name} is recreating failed Pod ${pod.metadata!.name}`);
        else this.ctx.recorder.event(set, 'Normal', 'RecreatingTerminatedPod', `StatefulSet ${set.metadata!.namespace}/${set.metadata!.name} is recreating terminated Pod ${pod.metadata!.name}`);
        await this.deletePod(set, pod);
        pod = replicas[i] = newVersionedStatefulSetPod(currentSet, updateSet, current.metadata!.name!, update.metadata!.name!, i + startOrdinal(set));
      }
      if (!isCreated(pod)) {
        if (await this.claimIsStale(set, pod)) return true;
        await this.createPod(set, pod);
        return monotonic;
      }
      if (isPending(pod)) await this.createMissingClaims(set, pod);
      if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, this.now()))) return true;
      if (!identityMatches(set, pod) || !storageMatches(set, pod) || !(await this.claimsMatchRetention(updateSet, pod))) await this.updatePod(updateSet, pod);
      return false;
    };
    await runForAll(replicas.length, processReplica, monotonic);
    await runForAll(condemned.length, async (i) => {
      const pod = condemned[i]!;
      if (!(await this.claimsMatchRetention(updateSet, pod))) await this.updateClaimsForRetention(updateSet, pod);
      return false;
    }, monotonic);
    await runForAll(condemned.length, async (i) => {
      const pod = condemned[i]!;
      if (isTerminating(pod)) return monotonic;
      if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, this.now()))) return true;
      await this.deletePod(set, pod);
      return true;
    }, monotonic);
  }

  /** Upstream's RollingUpdate: delete the highest-ordinal pod (down to the partition) not at the update revision, one at a time. */
  private async rollingUpdate(set: StatefulSet, replicas: Pod[], updateName: string, status: StatefulSetStatus): Promise<void> {
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target]!;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  private podEvent(verb: 'create' | 'update' | 'delete', set: StatefulSet, pod: Pod, err?: unknown): void {
    const Verb = verb[0]!.toUpperCase() + verb.slice(1);
    if (err === undefined) this.ctx.recorder.event(set, 'Normal', `Successful${Verb}`, `${verb} Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
    else this.ctx.recorder.event(set, 'Warning', `Failed${Verb}`, `${verb} Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${err instanceof Error ? err.message : String(err)}`);
  }

  private claimEvent(verb: 'create' | 'update', set: StatefulSet, pod: Pod, claim: string, err?: unknown): void {
    const Verb = verb[0]!.toUpperCase() + verb.slice(1);
    if (err === undefined) this.ctx.recorder.event(set, 'Normal', `Successful${Verb}`, `${verb} Claim ${claim} Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} success`);
    else this.ctx.recorder.event(set, 'Warning', `Failed${Verb}`, `${verb} Claim ${claim} for Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Upstream createPersistentVolumeClaims: creates the pod's claims that do not exist; a claim being deleted is an error. */
  private async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errs: string[] = [];
    for (const claim of claimsForPod(set, getOrdinal(pod)).values()) {
      const existing = this.claims.lister.get(`${claim.metadata!.namespace}/${claim.metadata!.name}`) as PersistentVolumeClaim | undefined;
      if (existing) {
        if (existing.metadata?.deletionTimestamp) errs.push(`pvc ${claim.metadata!.name} is being deleted`);
        continue;
      }
      try {
        await this.ctx.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').create(claim);
        this.claimEvent('create', set, pod, claim.metadata!.name!);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.claimEvent('create', set, pod, claim.metadata!.name!, err);
        errs.push(`failed to create PVC ${claim.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errs.length > 0) throw new Error(errs.join('; '));
  }

  /** Upstream CreateStatefulPod: claims first, then the pod, then the claims' retention owner references. */
  private async createPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createMissingClaims(set, pod);
    } catch (err) {
      this.podEvent('create', set, pod, err);
      throw err;
    }
    let created: Pod;
    try {
      created = await this.ctx.client.resource<Pod>('pods').create(pod);
    } catch (err) {
      if (isAlreadyExists(err)) throw err;
      this.podEvent('create', set, pod, err);
      throw err;
    }
    this.podEvent('create', set, pod);
    await this.updateClaimsForRetention(set, created);
  }

  /** Upstream UpdateStatefulPod: identity labels and claim retention, committed with retries on conflict. */
  private async updatePod(set: StatefulSet, cached: Pod): Promise<void> {
    let pod = structuredClone(cached) as Pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      let consistent = true;
      if (!identityMatches(set, pod)) {
        updateIdentity(set, pod, getOrdinal(pod));
        consistent = false;
      }
      if (!storageMatches(set, pod)) await this.createMissingClaims(set, pod);
      if (!(await this.claimsMatchRetention(set, pod))) await this.updateClaimsForRetention(set, pod);
      if (consistent) return;
      try {
        await this.ctx.client.resource<Pod>('pods').update(pod);
        this.podEvent('update', set, pod);
        return;
      } catch (err) {
        if (!isConflict(err)) {
          this.podEvent('update', set, pod, err);
          throw err;
        }
        pod = await this.ctx.client.resource<Pod>('pods').get(pod.metadata!.name!, { namespace: pod.metadata!.namespace! });
      }
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.ctx.client.resource<Pod>('pods').delete(pod.metadata!.name!, { namespace: pod.metadata!.namespace! });
      this.podEvent('delete', set, pod);
    } catch (err) {
      if (isNotFound(err)) return;
      this.podEvent('delete', set, pod, err);
      throw err;
    }
  }

  /** Upstream PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of this name blocks creation. */
  private async claimIsStale(set: StatefulSet, pod: Pod): Promise<boolean> {
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of claimsForPod(set, getOrdinal(pod)).values()) {
      const existing = this.claims.lister.get(`${claim.metadata!.namespace}/${claim.metadata!.name}`) as PersistentVolumeClaim | undefined;
      if (existing && hasStaleOwnerRef(existing, pod)) return true;
    }
    return false;
  }

  /** Upstream ClaimsMatchRetentionPolicy: every existing claim has the owner references the policy wants (a missing one matches). */
  private async claimsMatchRetention(set: StatefulSet, pod: Pod): Promise<boolean> {
    for (const claim of claimsForPod(set, getOrdinal(pod)).values()) {
      const existing = this.claims.lister.get(`${claim.metadata!.namespace}/${claim.metadata!.name}`) as PersistentVolumeClaim | undefined;
      if (!existing) continue;
      if (desiredClaimOwnerRefs(existing, set, pod) !== undefined) return false;
    }
    return true;
  }

  /** Upstream UpdatePodClaimForRetentionPolicy: sets the claims' owner references per the retention policy. */
  private async updateClaimsForRetention(set: StatefulSet, pod: Pod): Promise<void> {
    const pvcs = this.ctx.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
    for (const claim of claimsForPod(set, getOrdinal(pod)).values()) {
      let existing = this.claims.lister.get(`${claim.metadata!.namespace}/${claim.metadata!.name}`) as PersistentVolumeClaim | undefined;
      if (!existing) {
        try {
          existing = await pvcs.get(claim.metadata!.name!, { namespace: claim.metadata!.namespace! });
        } catch (err) {
          if (isNotFound(err)) continue;
          throw err;
        }
      }
      const refs = desiredClaimOwnerRefs(existing, set, pod);
      if (!refs) continue;
      const next = structuredClone(existing) as PersistentVolumeClaim;
      next.metadata!.ownerReferences = refs;
      try {
        await pvcs.update(next);
      } catch (err) {
        this.claimEvent('update', set, pod, claim.metadata!.name!, err);
        throw err;
      }
    }
  }

  /** Writes status (completing a finished rolling update) through the status subresource when it changed. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!statusChanged(set, status)) return;
    const client = this.ctx.client.resource<StatefulSet>('statefulsets');
    let target = set;
    for (let attempt = 0; attempt < 2; attempt++) {
      const next = structuredClone(target);
      next.status = { ...(target.status?.conditions ? { conditions: target.status.conditions } : {}), ...status };
      try {
        await client.updateStatus(next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
        target = await client.get(set.metadata!.name!, { namespace: set.metadata!.namespace! });
      }
    }
  }

  /** Upstream truncateHistory: deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
  private async truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], current: string, update: string): Promise<void> {
    const live = new Set<string>([current, update, ...pods.map(podRevision)]);
    for (const r of revisionsToTruncate(revisions, live, set.spec?.revisionHistoryLimit ?? 10)) {
      try {
        await this.ctx.client.resource('controllerrevisions').delete(r.metadata!.name!, { namespace: r.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/** The set with its pod template replaced by the revision's (upstream ApplyRevision). */
export function applyRevision(set: StatefulSet, rev: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  clone.spec = { ...clone.spec!, template: templateFromRevision(rev) };
  return clone;
}

/**
 * Upstream runForAll: in monotonic mode, `fn` runs in order and the first `true` (or error) stops the pass
 * (throws Blocked / the error); otherwise all run concurrently and the first error is thrown.
 */
async function runForAll(n: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<void> {
  if (monotonic) {
    for (let i = 0; i < n; i++) if (await fn(i)) throw new Blocked();
    return;
  }
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => fn(i)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

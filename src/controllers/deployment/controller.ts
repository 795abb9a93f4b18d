// The Deployment controller (upstream pkg/controller/deployment): ReplicaSets per template, rolling/recreate rollouts, scaling, rollback, progress and status.
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../apimachinery/index.js';
import { isAlreadyExists, isNotFound, runWorkers, WorkQueue, type Informer, type ResourceClient } from '../../client/index.js';
import type { ControllerContext } from '../context.js';
import { claimObjects, controllerOf, keyOf, newControllerRef, splitKey } from '../util/index.js';
import {
  DEPRECATED_ROLLBACK_TO,
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  NEW_REPLICA_SET_REASON,
  NEW_RS_AVAILABLE_REASON,
  PAUSED_DEPLOY_REASON,
  POD_TEMPLATE_HASH_LABEL,
  REPLICA_SET_UPDATED_REASON,
  RESUMED_DEPLOY_REASON,
  REVISION_ANNOTATION,
  ROLLBACK_DONE,
  ROLLBACK_REVISION_NOT_FOUND,
  ROLLBACK_TEMPLATE_UNCHANGED,
  TIMED_OUT_REASON,
  actualReplicaCount,
  byRevision,
  calculateStatus,
  computeHash,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  filterActive,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  lastRevision,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  planOldScaleDown,
  proportionalScale,
  removeCondition,
  replicaSetToDeploymentCondition,
  replicasAnnotationsNeedUpdate,
  revisionOf,
  setCondition,
  setDeploymentAnnotationsTo,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  statusEqual,
} from './util.js';

type Obj = { metadata?: any };
const APPS_V1 = 'apps/v1';

/**
 * Upstream DeploymentController. Handlers enqueue `namespace/name` of deployments (for a ReplicaSet: its controller,
 * or every deployment selecting an orphan; for a deleted pod: its ReplicaSet's deployment). `sync(key)` claims the
 * deployment's ReplicaSets, then, as upstream's syncDeployment: status only while deleting; proportional scaling
 * when paused or on a scaling event; the deprecated rollbackTo annotation; otherwise a Recreate or RollingUpdate
 * step, followed by the rollout status (Progressing/Available conditions, requeue at the progress deadline).
 */
export class DeploymentController {
  readonly queue = new WorkQueue<string>({ name: 'deployment' });
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly dClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;

  constructor(private readonly ctx: ControllerContext, private readonly now: () => number = Date.now) {
    this.deployments = ctx.informers.informerFor<Deployment>('deployments');
    this.replicaSets = ctx.informers.informerFor<ReplicaSet>('replicasets');
    this.pods = ctx.informers.informerFor<Pod>('pods');
    this.dClient = ctx.client.resource<Deployment>('deployments');
    this.rsClient = ctx.client.resource<ReplicaSet>('replicasets');
    this.deployments.addEventHandler({
      add: (d) => this.queue.add(keyOf(d as Obj)),
      update: (_o, d) => this.queue.add(keyOf(d as Obj)),
      delete: (d) => this.queue.add(keyOf(d as Obj)),
    });
    this.replicaSets.addEventHandler({
      add: (rs) => this.onReplicaSet(rs as ReplicaSet),
      update: (o, rs) => this.onReplicaSetUpdate(o as ReplicaSet, rs as ReplicaSet),
      delete: (rs) => this.enqueueController(rs as ReplicaSet),
    });
    this.pods.addEventHandler({ delete: (p) => this.onPodDelete(p as Pod) });
  }

  /** Waits for the caches, then runs the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.ctx.informers.waitForCacheSync(signal))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (k) => this.sync(k), signal, (k, err) =>
      this.ctx.log(`error syncing deployment ${k}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  // ---- event handlers -------------------------------------------------------------------------------------------

  private deploymentFor(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.lister.get(`${rs.metadata?.namespace}/${ref.name}`) as Deployment | undefined;
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private enqueueController(rs: ReplicaSet): void {
    const d = this.deploymentFor(rs);
    if (d) this.queue.add(keyOf(d));
  }

  /** Deployments in the ReplicaSet's namespace whose selector matches its labels (upstream getDeploymentsForReplicaSet). */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels ?? {};
    return (this.deployments.lister.list() as Deployment[]).filter((d) => {
      if (d.metadata?.namespace !== rs.metadata?.namespace) return false;
      const sel = selectorFromLabelSelector(d.spec?.selector as never);
      return !sel.empty() && sel.matches(labels);
    });
  }

  private onReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp || controllerOf(rs)) return this.enqueueController(rs);
    for (const d of this.deploymentsSelecting(rs)) this.queue.add(keyOf(d));
  }

  private onReplicaSetUpdate(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = controllerOf(old);
    const curRef = controllerOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) this.enqueueController(old);
    if (curRef) return this.enqueueController(cur);
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsSelecting(cur)) this.queue.add(keyOf(d));
  }

  private onPodDelete(p: Pod): void {
    const ref = controllerOf(p);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.lister.get(`${p.metadata?.namespace}/${ref.name}`) as ReplicaSet | undefined;
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.deploymentFor(rs);
    // Only Recreate waits for old pods to be gone.
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }

  // ---- sync -----------------------------------------------------------------------------------------------------

  /** Reconciles one deployment (`namespace/name`); idempotent, throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.lister.get(key) as Deployment | undefined;
    if (!cached) return;
    const d = structuredClone(cached) as Deployment;
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.ctx.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata!.generation! };
        await this.dClient.updateStatus(d, { namespace });
      }
      return;
    }
    const rsList = await this.replicaSetsFor(d);
    if (d.metadata?.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.syncScale(d, rsList);
    if (rollbackTo(d) !== undefined) return this.rollback(d, rsList);
    if (this.isScalingEvent(d, rsList)) return this.syncScale(d, rsList);
    const type = d.spec?.strategy?.type ?? 'RollingUpdate';
    if (type === 'Recreate') return this.rolloutRecreate(d, rsList);
    if (type === 'RollingUpdate') return this.rolloutRolling(d, rsList);
    throw new Error(`unexpected deployment strategy type: ${type} (${name})`);
  }

  /** Upstream getReplicaSetsForDeployment: claims (adopts/releases) the namespace's ReplicaSets by selector. */
  private async replicaSetsFor(d: Deployment): Promise<ReplicaSet[]> {
    const ns = d.metadata!.namespace!;
    const candidates = (this.replicaSets.lister.byIndex('namespace', ns) as ReplicaSet[]);
    const claimed = await claimObjects(this.rsClient, d, APPS_V1, 'Deployment', d.spec?.selector as never, candidates);
    return claimed.map((rs) => structuredClone(rs) as ReplicaSet);
  }

  /** Upstream getPodMapForDeployment: active-or-not pods by the uid of their controlling ReplicaSet (of `rsList`). */
  private podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const m = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata!.uid!, []]));
    const sel = selectorFromLabelSelector(d.spec?.selector as never);
    for (const p of this.pods.lister.byIndex('namespace', d.metadata!.namespace!) as Pod[]) {
      if (!sel.matches(p.metadata?.labels ?? {})) continue;
      const ref = controllerOf(p);
      if (ref && m.has(ref.uid)) m.get(ref.uid)!.push(p);
    }
    return m;
  }

  /** Writes `d.status` through the status subresource (with annotations); `d` takes the new resourceVersion. */
  private async writeStatus(d: Deployment): Promise<void> {
    const updated = await this.dClient.updateStatus(d, { namespace: d.metadata!.namespace! });
    (d.metadata as { resourceVersion?: string }).resourceVersion = updated.metadata?.resourceVersion;
  }

  /**
   * Upstream getAllReplicaSetsAndSyncRevision + getNewReplicaSet: the new ReplicaSet (created when
   * `create` and missing, with revision max(old)+1) and all old ones; an existing new ReplicaSet gets its
   * annotations/minReadySeconds synced and the deployment its revision and FoundNewReplicaSet condition.
   */
  private async getAllAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const { all: oldRSs } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const ns = d.metadata!.namespace!;
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    if (existing) {
      const rs = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReadyChanged = (rs.spec!.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyChanged) {
        rs.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        return await this.rsClient.update(rs, { namespace: ns });
      }
      let needsUpdate = setDeploymentRevision(d, rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        d.status ??= {};
        setCondition(d.status, newCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set "${rs.metadata!.name}"`, this.now()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus(d);
      return rs;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec!.template);
    const hash = computeHash(template, d.status?.collisionCount ?? undefined);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: APPS_V1,
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata!.name}-${hash}`, namespace: ns, ownerReferences: [newControllerRef(d, APPS_V1, 'Deployment')], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = count;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let createdRS: ReplicaSet;
    let alreadyExists = false;
    try {
      createdRS = await this.rsClient.create(rs, { namespace: ns });
    } catch (err) {
      if (isAlreadyExists(err)) {
        alreadyExists = true;
        const found = (this.replicaSets.lister.get(`${ns}/${rs.metadata!.name}`) as ReplicaSet | undefined) ?? (await this.rsClient.get(rs.metadata!.name!, { namespace: ns }));
        const ref = controllerOf(found);
        if (ref && ref.uid === d.metadata!.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          createdRS = structuredClone(found) as ReplicaSet;
        } else {
          // A hash collision: bump collisionCount and retry with the next hash.
          d.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
          try {
            await this.writeStatus(d);
            this.ctx.log(`found a hash collision for deployment ${keyOf(d)} - bumping collisionCount to ${d.status.collisionCount} to resolve it`);
          } catch {
            // retried with the next sync
          }
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${rs.metadata!.name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg, this.now()));
          await this.writeStatus(d).catch(() => undefined);
        }
        this.ctx.recorder.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    if (!alreadyExists && count > 0) {
      this.ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata!.name} from 0 to ${count}`);
    }
    let needsUpdate = setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition('Progressing', 'True', NEW_REPLICA_SET_REASON, `Created new replica set "${createdRS.metadata!.name}"`, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d);
    return createdRS;
  }

  /** Upstream scaleReplicaSet: sets size and desired/max annotations; records ScalingReplicaSet. True when resized. */
  private async scaleReplicaSet(rs: ReplicaSet, size: number, d: Deployment, op?: 'up' | 'down' | ''): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const desired = d.spec?.replicas ?? 1;
    const max = desired + maxSurge(d);
    const sizeChanged = specReplicas(rs) !== size;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const from = specReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec!, replicas: size };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.rsClient.update(copy, { namespace: rs.metadata!.namespace! });
    if (sizeChanged) {
      const dir = op || (from < size ? 'up' : 'down');
      this.ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${dir} replica set ${rs.metadata!.name} from ${from} to ${size}`);
    }
    return { scaled: sizeChanged, rs: updated };
  }

  /** Upstream scaleReplicaSetAndRecordEvent: no-op when the size already matches. */
  private async scaleAndRecord(rs: ReplicaSet, size: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === size) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, size, d, specReplicas(rs) < size ? 'up' : 'down');
  }

  // ---- paused / scaling ------------------------------------------------------------------------------------------

  /** Upstream checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed (unless timed out). */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCond = cond?.reason === PAUSED_DEPLOY_REASON;
    d.status ??= {};
    if (d.spec?.paused && !pausedCond) setCondition(d.status, newCondition('Progressing', 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.now()));
    else if (!d.spec?.paused && pausedCond) setCondition(d.status, newCondition('Progressing', 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.now()));
    else return;
    await this.writeStatus(d);
  }

  /** Upstream isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  private isScalingEvent(d: Deployment, rsList: readonly ReplicaSet[]): boolean {
    const newRS = findNewReplicaSet(d, rsList);
    const { all } = findOldReplicaSets(d, rsList);
    for (const rs of filterActive([...all, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired === undefined) continue;
      if (desired !== (d.spec?.replicas ?? 1)) return true;
    }
    return false;
  }

  /** Upstream sync: scaling events and paused deployments (no new ReplicaSet is created). */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused && rollbackTo(d) === undefined) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** Upstream scale: one active RS takes spec.replicas; a saturated new RS empties the old; else proportional. */
  private async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const replicas = d.spec?.replicas ?? 1;
    const one = findActiveOrLatest(newRS, oldRSs);
    if (one) {
      if (specReplicas(one) === replicas) return;
      await this.scaleAndRecord(one, replicas, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleAndRecord(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const plan = proportionalScale(d, filterActive([...oldRSs, newRS]));
    for (const { rs, size } of plan.sizes) await this.scaleReplicaSet(rs, size, d, plan.op);
  }

  /** Upstream cleanupDeployment: deletes the oldest (by revision) idle old ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(oldRSs: readonly ReplicaSet[], d: Deployment): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
      try {
        await this.rsClient.delete(rs.metadata!.name!, { namespace: rs.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Upstream syncDeploymentStatus: calculateStatus, written when it changed. */
  private async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const s = calculateStatus(allRSs, newRS, d, this.now());
    if (statusEqual(d.status, s)) return;
    d.status = s;
    await this.writeStatus(d);
  }

  // ---- rollouts -------------------------------------------------------------------------------------------------

  /** Upstream rolloutRolling: scale the new RS up within maxSurge, else old RSs down within maxUnavailable. */
  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(allRSs, newRS!, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    if (await this.reconcileOldReplicaSets(oldRSs, newRS!, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  private async reconcileNewReplicaSet(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const replicas = d.spec?.replicas ?? 1;
    if (specReplicas(newRS) === replicas) return false;
    if (specReplicas(newRS) > replicas) return (await this.scaleAndRecord(newRS, replicas, d)).scaled;
    return (await this.scaleAndRecord(newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
  }

  private async reconcileOldReplicaSets(oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    let scaled = false;
    for (const { rs, size } of planOldScaleDown(d, oldRSs, newRS)) {
      if (size > specReplicas(rs)) throw new Error(`when scaling down old replica sets, got invalid request to scale down ${keyOf(rs)} ${specReplicas(rs)} -> ${size}`);
      const r = await this.scaleAndRecord(rs, size, d);
      scaled ||= r.scaled;
    }
    return scaled;
  }

  /** Upstream rolloutRecreate: old RSs to 0, wait for their pods to stop, then the new RS to spec.replicas. */
  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, false);
    let allRSs = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) if ((await this.scaleAndRecord(rs, 0, d)).scaled) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus(allRSs, newRS, d);
    if (this.oldPodsRunning(newRS, oldRSs, this.podMap(d, rsList))) return this.syncRolloutStatus(allRSs, newRS, d);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.scaleAndRecord(newRS!, d.spec?.replicas ?? 1, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  /** Upstream oldPodsRunning: old RSs report pods, or a pod of an old RS is not Succeeded/Failed. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
    if (actualReplicaCount(oldRSs) > 0) return true;
    for (const [uid, pods] of podMap) {
      if (newRS && newRS.metadata?.uid === uid) continue;
      for (const p of pods) {
        const phase = p.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  /** Upstream syncRolloutStatus: status plus the Progressing condition; requeues at the progress deadline. */
  private async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const now = this.now();
    const s = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
    const cur = getCondition(d.status, 'Progressing');
    const complete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && cur?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata?.name;
      if (deploymentComplete(d, s)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
        setCondition(s, newCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg, now));
      } else if (deploymentProgressing(d, s)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
        const c = newCondition('Progressing', 'True', REPLICA_SET_UPDATED_REASON, msg, now);
        if (cur) {
          if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(s, 'Progressing');
        }
        setCondition(s, c);
      } else if (deploymentTimedOut(d, s, now)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
        setCondition(s, newCondition('Progressing', 'False', TIMED_OUT_REASON, msg, now));
      }
    }
    const failure = replicaFailure(allRSs, newRS);
    if (failure) setCondition(s, failure);
    else removeCondition(s, 'ReplicaFailure');
    if (statusEqual(d.status, s)) {
      this.requeueStuck(d, s, now);
      return;
    }
    d.status = s;
    await this.writeStatus(d);
  }

  /** Upstream requeueStuckDeployment: look again one second after the progress deadline would pass. */
  private requeueStuck(d: Deployment, s: DeploymentStatus, now: number): void {
    const cur = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, s) || cur.reason === TIMED_OUT_REASON) return;
    const after = Date.parse(cur.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - now;
    if (!Number.isFinite(after)) return;
    if (after < 1000) this.queue.addRateLimited(keyOf(d));
    else this.queue.addAfter(keyOf(d), after + 1000);
  }

  // ---- rollback (deprecated rollbackTo annotation) ----------------------------------------------------------------

  /** Upstream rollback: copies the template of the requested revision (0: the previous one) and clears the request. */
  private async rollback(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
    let to = rollbackTo(d)!;
    if (to === 0) {
      to = lastRevision(allRSs);
      if (to === 0) {
        this.ctx.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find last revision.');
        return this.updateAndClearRollbackTo(d);
      }
    }
    for (const rs of allRSs) {
      if (revisionOf(rs) !== to) continue;
      let performed = false;
      if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        const t = structuredClone(rs.spec!.template!);
        if (t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH_LABEL];
        d.spec!.template = t;
        setDeploymentAnnotationsTo(d, rs);
        performed = true;
      } else {
        this.ctx.recorder.event(d, 'Warning', ROLLBACK_TEMPLATE_UNCHANGED, `The rollback revision contains the same template as current deployment "${d.metadata!.name}"`);
      }
      await this.updateAndClearRollbackTo(d);
      if (performed) this.ctx.recorder.event(d, 'Normal', ROLLBACK_DONE, `Rolled back deployment "${d.metadata!.name}" to revision ${to}`);
      return;
    }
    this.ctx.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find the revision to rollback to.');
    return this.updateAndClearRollbackTo(d);
  }

  private async updateAndClearRollbackTo(d: Deployment): Promise<void> {
    if (d.metadata?.annotations) delete d.metadata.annotations[DEPRECATED_ROLLBACK_TO];
    await this.dClient.update(d, { namespace: d.metadata!.namespace! });
  }
}

/** Upstream getRollbackTo: the deprecated rollbackTo annotation's revision, or undefined (absent or unparsable). */
export function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (!v || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Upstream getReplicaFailures: the new RS's ReplicaFailure condition, else the first old RS's, as a deployment condition. */
function replicaFailure(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const order = newRS ? [newRS, ...allRSs.filter((r) => r && r !== newRS)] : allRSs;
  for (const rs of order) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c) return replicaSetToDeploymentCondition(c);
  }
  return undefined;
}

// The Job controller (upstream pkg/controller/job): runs pods to completion, tracks them with a finalizer, sets Job status and conditions.
import type { Job, JobCondition, UncountedTerminatedPods } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  isNotFound,
  NAMESPACE_INDEX,
  runWorkers,
  WorkQueue,
  type EventRecorder,
  type Informer,
  type RestClient,
} from '../../client/index.js';
import { claimObjects, controllerOf, createPod, deletePod, isPodActive, isPodReady, keyOf, newControllerRef, podFromTemplate, UIDTrackingExpectations } from '../util/index.js';
import {
  activePodsForRemoval,
  addCompletionIndexEnv,
  backoffRemaining,
  completionIndexOf,
  countTerminating,
  ensureCondition,
  findCondition,
  firstPendingIndexes,
  formatIndexes,
  generateNameWithIndex,
  hasTrackingFinalizer,
  isComplete,
  isIndexedJob,
  isJobFinished,
  isPodFailed,
  jobSuspended,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  MAX_UNCOUNTED_PODS,
  newCondition,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  parseIndexes,
  pastBackoffLimitOnFailure,
  wantActive,
  type BackoffRecord,
} from './utils.js';

/** Upstream syncJobBatchPeriod: pod events and status-only job updates sync a job at most this often. */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;
/** Upstream SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH_SIZE = 1;

const nowIso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Pod UIDs whose tracking-finalizer removal this controller is waiting to observe, per job key. */
class FinalizerExpectations {
  private readonly m = new Map<string, Set<string>>();
  expect(key: string, uids: readonly string[]): void {
    const s = this.m.get(key) ?? new Set<string>();
    for (const u of uids) s.add(u);
    this.m.set(key, s);
  }
  observed(key: string, uid: string): void {
    this.m.get(key)?.delete(uid);
  }
  get(key: string): ReadonlySet<string> {
    return this.m.get(key) ?? new Set();
  }
  delete(key: string): void {
    this.m.delete(key);
  }
}

interface SyncCtx {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  finished?: JobCondition;
  succeeded: number;
  ready: number;
  terminating: number;
  prevSucceededIndexes: number[];
  succeededIndexes: number[];
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRm: ReadonlySet<string>;
  newBackoff: BackoffRecord;
}

/**
 * Keeps each Job's pods running until it completes or fails, as upstream's controller with finalizer-based
 * tracking: pods carry `batch.kubernetes.io/job-tracking` until counted through status.uncountedTerminatedPods,
 * failures are retried with back-off up to backoffLimit, activeDeadlineSeconds and suspend are honoured, Indexed
 * jobs get one pod per index, and the terminal conditions go through SuccessCriteriaMet / FailureTarget first.
 */
export class JobController {
  readonly queue = new WorkQueue<string>({ name: 'job' });
  private readonly orphanQueue = new WorkQueue<string>({ name: 'job_orphan_pod' });
  private readonly expectations = new UIDTrackingExpectations();
  private readonly finalizerExpectations = new FinalizerExpectations();
  private readonly backoff = new Map<string, BackoffRecord>();

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly jobs: Informer<Job>,
    private readonly pods: Informer<Pod>,
    private readonly now: () => number = Date.now,
    private readonly log: (line: string) => void = () => {},
  ) {
    jobs.addEventHandler({
      add: (j) => this.queue.add(keyOf(j)),
      update: (o, n) => this.updateJob(o as Job, n as Job),
      delete: (j) => {
        this.queue.add(keyOf(j));
        this.cleanupPodFinalizers(j as Job);
      },
    });
    pods.addEventHandler({
      add: (p) => this.addPod(p as Pod),
      update: (o, n) => this.updatePod(o as Pod, n as Pod),
      delete: (p) => this.deletePod(p as Pod, true),
    });
  }

  /** Runs `workers` job workers and one orphan-pod worker until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    const onErr = (k: string, e: unknown) => this.log(`syncing ${k}: ${errMsg(e)}`);
    await Promise.all([runWorkers(this.queue, workers, (k) => this.sync(k), signal, onErr), runWorkers(this.orphanQueue, 1, (k) => this.syncOrphanPod(k), signal, onErr)]);
  }

  // ---- event handlers -------------------------------------------------------------------------------------------

  private updateJob(old: Job, cur: Job): void {
    const key = keyOf(cur);
    if (cur.metadata?.generation === old.metadata?.generation) this.queue.addAfter(key, SYNC_JOB_BATCH_PERIOD_MS);
    else this.queue.add(key);
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const ads = cur.spec?.activeDeadlineSeconds;
    if (cur.status?.startTime && ads !== undefined && ads !== null && old.spec?.activeDeadlineSeconds !== ads) {
      this.queue.addAfter(key, Date.parse(cur.status.startTime) + ads * 1000 - this.now());
    }
  }

  private resolveJob(namespace: string, pod: Pod): Job | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.lister.get(`${namespace}/${ref.name}`) as Job | undefined;
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod, false);
    const ns = pod.metadata!.namespace!;
    if (controllerOf(pod)) {
      const job = this.resolveJob(ns, pod);
      if (!job) return;
      this.expectations.creationObserved(keyOf(job));
      this.queue.addAfter(keyOf(job), SYNC_JOB_BATCH_PERIOD_MS);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(keyOf(pod));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) return this.deletePod(cur, false);
    const ns = cur.metadata!.namespace!;
    const oldRef = controllerOf(old);
    const curRef = controllerOf(cur);
    const removed = !hasTrackingFinalizer(cur);
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const job = this.resolveJob(ns, old);
      if (job) {
        if (removed) this.finalizerExpectations.observed(keyOf(job), cur.metadata!.uid!);
        this.queue.addAfter(keyOf(job), SYNC_JOB_BATCH_PERIOD_MS);
      }
    }
    if (curRef) {
      const job = this.resolveJob(ns, cur);
      if (!job) return;
      if (removed) this.finalizerExpectations.observed(keyOf(job), cur.metadata!.uid!);
      this.queue.addAfter(keyOf(job), SYNC_JOB_BATCH_PERIOD_MS);
      return;
    }
    if (hasTrackingFinalizer(cur)) this.orphanQueue.add(keyOf(cur));
  }

  private deletePod(pod: Pod, final: boolean): void {
    const ns = pod.metadata!.namespace!;
    const hasFin = hasTrackingFinalizer(pod);
    if (!controllerOf(pod)) {
      if (hasFin && !final) this.orphanQueue.add(keyOf(pod));
      return;
    }
    const job = this.resolveJob(ns, pod);
    if (!job || isJobFinished(job)) {
      if (hasFin && !final) this.orphanQueue.add(keyOf(pod));
      return;
    }
    const key = keyOf(job);
    this.expectations.deletionObservedOf(key, keyOf(pod));
    if (final || !hasFin) this.finalizerExpectations.observed(key, pod.metadata!.uid!);
    this.queue.addAfter(key, SYNC_JOB_BATCH_PERIOD_MS);
  }

  /** Queues the job's pods that still carry the tracking finalizer for removal (finished or deleted jobs). */
  private cleanupPodFinalizers(job: Job): void {
    for (const p of this.pods.lister.byIndex(NAMESPACE_INDEX, job.metadata!.namespace!) as Pod[]) {
      if (controllerOf(p)?.uid === job.metadata?.uid && hasTrackingFinalizer(p)) this.orphanQueue.add(keyOf(p));
    }
  }

  /** Removes the tracking finalizer of a pod whose job is gone or finished (upstream syncOrphanPod). */
  async syncOrphanPod(key: string): Promise<void> {
    const pod = this.pods.lister.get(key) as Pod | undefined;
    if (!pod) return;
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolveJob(pod.metadata!.namespace!, pod);
      if (job && !isJobFinished(job)) return;
    }
    await this.removeFinalizer(pod);
  }

  private async removeFinalizer(pod: Pod): Promise<void> {
    if (!hasTrackingFinalizer(pod)) return;
    try {
      await this.client
        .resource<Pod>('pods')
        .patch(pod.metadata!.name!, { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } }, 'strategic', { namespace: pod.metadata!.namespace! });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- sync -----------------------------------------------------------------------------------------------------

  /** One reconciliation of the Job `namespace/name` (upstream syncJob); throws to be retried with back-off. */
  async sync(key: string): Promise<void> {
    const shared = this.jobs.lister.get(key) as Job | undefined;
    if (!shared) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      this.backoff.delete(key);
      return;
    }
    if (isJobFinished(shared)) {
      this.backoff.delete(key);
      return;
    }
    const mode = shared.spec?.completionMode;
    if (mode !== undefined && mode !== null && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const job = structuredClone(shared) as Job;
    job.status ??= {};
    job.status.uncountedTerminatedPods ??= {};
    const now = this.now();
    const satisfied = this.expectations.satisfied(key);
    const pods = await this.podsForJob(job);
    const activePods = pods.filter(isPodActive);
    const expectedRm = this.finalizerExpectations.get(key);
    const uncounted = job.status.uncountedTerminatedPods;
    const ctx: SyncCtx = {
      job,
      pods,
      activePods,
      succeeded: 0,
      ready: activePods.filter(isPodReady).length,
      terminating: countTerminating(pods),
      prevSucceededIndexes: [],
      succeededIndexes: [],
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      expectedRm,
      newBackoff: { failuresAfterLastSuccess: 0 },
    };
    let active = activePods.length;
    const completions = job.spec?.completions ?? 0;
    const valid = (p: Pod, uncountedSet: Set<string>) => {
      const uid = p.metadata!.uid!;
      if (!hasTrackingFinalizer(p) || uncountedSet.has(uid) || expectedRm.has(uid)) return false;
      if (isIndexedJob(job)) {
        const ix = completionIndexOf(p);
        if (ix < 0 || ix >= completions) return false;
      }
      return true;
    };
    const newSucceeded = pods.filter((p) => valid(p, ctx.uncountedSucceeded) && p.status?.phase === 'Succeeded');
    const newFailed = pods.filter((p) => valid(p, ctx.uncountedFailed) && isPodFailed(p, job));
    ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncountedSucceeded.size;
    const failed = (job.status.failed ?? 0) + newFailed.length + ctx.uncountedFailed.size;

    if (!job.status.startTime && !jobSuspended(job)) job.status.startTime = nowIso(now);
    ctx.newBackoff = nextBackoffRecord(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, newSucceeded, newFailed, now);

    const stamp = nowIso(now);
    const scm = findCondition(job, 'SuccessCriteriaMet');
    if (scm?.status === 'True') ctx.finished = scm;
    if (!ctx.finished) {
      const ft = findCondition(job, 'FailureTarget');
      if (ft?.status === 'True') ctx.finished = newCondition('Failed', 'True', ft.reason ?? '', ft.message ?? '', stamp);
    }
    if (!ctx.finished) {
      const ads = job.spec?.activeDeadlineSeconds;
      if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
        ctx.finished = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', stamp);
      } else if (ads !== undefined && ads !== null && job.status.startTime && !jobSuspended(job)) {
        const left = Date.parse(job.status.startTime) + ads * 1000 - now;
        if (left <= 0) ctx.finished = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', stamp);
        else this.queue.addAfter(key, left);
      }
    }
    if (isIndexedJob(job)) {
      ctx.prevSucceededIndexes = parseIndexes(job.status.completedIndexes, completions);
      const fresh = pods.filter((p) => p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p)).map(completionIndexOf).filter((ix) => ix >= 0 && ix < completions);
      ctx.succeededIndexes = [...new Set([...ctx.prevSucceededIndexes, ...fresh])].sort((a, b) => a - b);
      ctx.succeeded = ctx.succeededIndexes.length;
    }

    let manageErr: unknown;
    let suspendChanged = false;
    if (ctx.finished) {
      const { deleted, deletedReady, err } = await this.deleteActivePods(job, activePods);
      if (deleted !== active || !satisfied) ctx.finished = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageErr = err;
    } else {
      let managed = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        try {
          active = await this.manageJob(key, ctx, active);
        } catch (err) {
          manageErr = err;
          active = ctx.activePods.length;
        }
        managed = true;
      }
      if (isComplete(job, ctx.succeeded, active)) {
        ctx.finished = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', stamp);
      } else if (managed) {
        job.status.conditions ??= [];
        if (jobSuspended(job)) {
          if (ensureCondition(job.status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', stamp)) {
            suspendChanged = true;
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(job.status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', stamp)) {
          suspendChanged = true;
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          job.status.startTime = stamp;
        }
        if (job.status.conditions.length === 0) delete job.status.conditions;
      }
    }
    const needsUpdate = suspendChanged || active !== (job.status.active ?? 0) || ctx.ready !== job.status.ready || ctx.terminating !== job.status.terminating;
    if (active > 0) job.status.active = active;
    else delete job.status.active;
    job.status.ready = ctx.ready;
    job.status.terminating = ctx.terminating;
    await this.trackStatusAndRemoveFinalizers(key, ctx, needsUpdate);
    if (manageErr) throw manageErr;
  }

  /** The job's pods: those it controls, adopting matching orphans and releasing non-matching ones. */
  private async podsForJob(job: Job): Promise<Pod[]> {
    const candidates = (this.pods.lister.byIndex(NAMESPACE_INDEX, job.metadata!.namespace!) as Pod[]).filter((p) => {
      const ref = controllerOf(p);
      return !ref || ref.uid === job.metadata!.uid;
    });
    return claimObjects(this.client.resource<Pod>('pods'), job, 'batch/v1', 'Job', job.spec?.selector as never, candidates);
  }

  /** Upstream manageJob: deletes extra or suspended pods, or creates missing ones (slow start, back-off). Returns active. */
  private async manageJob(key: string, ctx: SyncCtx, active: number): Promise<number> {
    const job = ctx.job;
    if (jobSuspended(job)) {
      const rm = activePodsForRemoval(job, ctx.activePods, active);
      const { deleted, deletedReady, err } = await this.deleteJobPods(key, job, rm);
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      if (err) throw err;
      return active - deleted;
    }
    const want = wantActive(job, ctx.succeeded, active);
    const rmAtLeast = Math.max(0, active - want);
    const toDelete = activePodsForRemoval(job, ctx.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      const { deleted, deletedReady, err } = await this.deleteJobPods(key, job, toDelete);
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      if (err) throw err;
      return active - deleted;
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = want - terminating - active;
    if (diff <= 0) return active;
    const remaining = backoffRemaining(ctx.newBackoff, this.now());
    if (remaining > 0) {
      this.queue.addAfter(key, Math.max(remaining, SYNC_JOB_BATCH_PERIOD_MS));
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexedJob(job)) {
      indexes = firstPendingIndexes(ctx.activePods, ctx.succeededIndexes, diff, job.spec?.completions ?? 0);
      diff = indexes.length;
    }
    if (diff === 0) return active;
    this.expectations.expectCreations(key, diff);
    const template = structuredClone(job.spec!.template);
    if (isIndexedJob(job)) addCompletionIndexEnv(template);
    template.metadata ??= {};
    const fins = template.metadata.finalizers ?? [];
    if (!fins.includes(JOB_TRACKING_FINALIZER)) template.metadata.finalizers = [...fins, JOB_TRACKING_FINALIZER];
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    const ns = job.metadata!.namespace!;
    let firstErr: unknown;
    let remainingToCreate = diff;
    for (let batch = Math.min(diff, SLOW_START_INITIAL_BATCH_SIZE); remainingToCreate > 0; batch = Math.min(2 * batch, remainingToCreate)) {
      const results = await Promise.all(
        Array.from({ length: batch }, async () => {
          const ix = indexes.shift();
          let pod;
          if (ix !== undefined) {
            const t = structuredClone(template);
            t.metadata!.annotations = { ...(t.metadata!.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
            t.metadata!.labels = { ...(t.metadata!.labels ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
            t.spec!.hostname = `${job.metadata!.name}-${ix}`;
            pod = podFromTemplate(t, ns, generateNameWithIndex(job.metadata!.name!, ix), ref);
          } else {
            pod = podFromTemplate(template, ns, job.metadata!.name!, ref);
          }
          try {
            await createPod(this.client, this.recorder, job, pod);
            return true;
          } catch (err) {
            this.expectations.creationObserved(key);
            firstErr ??= err;
            return false;
          }
        }),
      );
      const failures = results.filter((ok) => !ok).length;
      active += batch - failures;
      remainingToCreate -= batch;
      if (failures > 0 && remainingToCreate > 0) {
        for (let i = 0; i < remainingToCreate; i++) this.expectations.creationObserved(key);
        break;
      }
    }
    if (firstErr) throw firstErr;
    return active;
  }

  /** Deletes pods of a scale-down or suspend: finalizer removed first, expectations raised (upstream deleteJobPods). */
  private async deleteJobPods(key: string, job: Job, pods: Pod[]): Promise<{ deleted: number; deletedReady: number; err?: unknown }> {
    if (pods.length === 0) return { deleted: 0, deletedReady: 0 };
    this.expectations.expectDeletionsOf(key, pods.map(keyOf));
    let deleted = 0;
    let deletedReady = 0;
    let err: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.removeFinalizer(p);
          await deletePod(this.client, this.recorder, job, p.metadata!.namespace!, p.metadata!.name!);
          deleted++;
          if (isPodReady(p)) deletedReady++;
        } catch (e) {
          this.expectations.deletionObservedOf(key, keyOf(p));
          err ??= e;
        }
      }),
    );
    return { deleted, deletedReady, ...(err ? { err } : {}) };
  }

  /** Deletes active pods of a finishing job keeping their finalizers (upstream deleteActivePods). */
  private async deleteActivePods(job: Job, pods: Pod[]): Promise<{ deleted: number; deletedReady: number; err?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let err: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          await deletePod(this.client, this.recorder, job, p.metadata!.namespace!, p.metadata!.name!);
          deleted++;
          if (isPodReady(p)) deletedReady++;
        } catch (e) {
          err ??= e;
        }
      }),
    );
    return { deleted, deletedReady, ...(err ? { err } : {}) };
  }

  private async updateStatus(job: Job): Promise<Job> {
    return this.client.resource<Job>('jobs').updateStatus(job);
  }

  /**
   * Upstream trackJobStatusAndRemoveFinalizers: records finished pods in uncountedTerminatedPods, flushes, removes
   * their finalizers, moves them into the counters, and adds the terminal condition once nothing is uncounted or
   * terminating.
   */
  private async trackStatusAndRemoveFinalizers(key: string, ctx: SyncCtx, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    let job = ctx.job;
    const indexed = isIndexedJob(job);
    const completions = job.spec?.completions ?? 0;
    const uncounted = job.status!.uncountedTerminatedPods as UncountedTerminatedPods;
    const pods = indexed ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : ctx.pods;
    const withFinalizer = new Set<string>();
    for (const p of pods) if (hasTrackingFinalizer(p) && !ctx.expectedRm.has(p.metadata!.uid!)) withFinalizer.add(p.metadata!.uid!);
    if (cleanUncounted(job, withFinalizer)) needsFlush = true;
    const toRemove: Pod[] = [];
    const newIndexes: number[] = [];
    const prev = new Set(ctx.prevSucceededIndexes);
    let reachedMax = false;
    for (const p of pods) {
      const uid = p.metadata!.uid!;
      if (!hasTrackingFinalizer(p) || ctx.expectedRm.has(uid)) continue;
      const failed = isPodFailed(p, job);
      if (!(job.metadata?.deletionTimestamp || ctx.finished || p.status?.phase === 'Succeeded' || failed)) continue;
      toRemove.push(p);
      if (p.status?.phase === 'Succeeded' && !ctx.uncountedFailed.has(uid)) {
        if (indexed) {
          const ix = completionIndexOf(p);
          if (ix >= 0 && ix < completions && !prev.has(ix)) {
            newIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncountedSucceeded.has(uid)) {
          uncounted.succeeded = [...(uncounted.succeeded ?? []), uid];
          needsFlush = true;
        }
      } else if (failed || (ctx.finished && ctx.finished.type !== 'SuccessCriteriaMet')) {
        const ix = completionIndexOf(p);
        if (!ctx.uncountedFailed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
          uncounted.failed = [...(uncounted.failed ?? []), uid];
          needsFlush = true;
        }
      }
      if (newIndexes.length + (uncounted.succeeded ?? []).length + (uncounted.failed ?? []).length >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const all = [...new Set([...ctx.succeededIndexes, ...newIndexes])].sort((a, b) => a - b);
      const str = formatIndexes(all);
      if (str !== (job.status!.completedIndexes ?? '')) needsFlush = true;
      if (all.length > 0) job.status!.succeeded = all.length;
      else delete job.status!.succeeded;
      job.status!.completedIndexes = str;
    }
    const stamp = nowIso(this.now());
    if (ctx.finished?.type === 'FailureTarget') {
      job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished];
      needsFlush = true;
      ctx.finished = newCondition('Failed', 'True', ctx.finished.reason ?? '', ctx.finished.message ?? '', stamp);
    }
    if (ctx.finished?.type === 'SuccessCriteriaMet') {
      if (findCondition(job, 'SuccessCriteriaMet')?.status !== 'True') {
        job.status!.conditions = [...(job.status!.conditions ?? []), ctx.finished];
        needsFlush = true;
      }
      ctx.finished = newCondition('Complete', 'True', ctx.finished.reason ?? '', ctx.finished.message ?? '', stamp);
    }
    // Flush the uncounted pods before removing finalizers, so no pod is lost if this process dies in between.
    if (needsFlush) {
      job = await this.updateStatus(job);
      ctx.job = job;
      this.backoff.set(key, ctx.newBackoff);
      needsFlush = false;
    }
    let rmErr: unknown;
    if (toRemove.length > 0) {
      this.finalizerExpectations.expect(key, toRemove.map((p) => p.metadata!.uid!));
      await Promise.all(
        toRemove.map(async (p) => {
          try {
            await this.removeFinalizer(p);
            withFinalizer.delete(p.metadata!.uid!);
          } catch (err) {
            this.finalizerExpectations.observed(key, p.metadata!.uid!);
            rmErr ??= err;
          }
        }),
      );
    }
    if (cleanUncounted(job, withFinalizer)) needsFlush = true;
    if (rmErr) {
      if (needsFlush) await this.updateStatus(job);
      throw rmErr;
    }
    let finished = false;
    if (!reachedMax && ctx.finished) {
      const u = job.status!.uncountedTerminatedPods ?? {};
      if ((u.succeeded ?? []).length + (u.failed ?? []).length === 0 && ctx.terminating === 0) {
        job.status!.conditions ??= [];
        ensureCondition(job.status!.conditions, ctx.finished.type, ctx.finished.status, ctx.finished.reason ?? '', ctx.finished.message ?? '', stamp);
        if (ctx.finished.type === 'Complete') job.status!.completionTime = stamp;
        finished = true;
        needsFlush = true;
      }
    }
    if (needsFlush) {
      await this.updateStatus(job);
      if (finished) this.recordFinished(job, ctx.finished!);
    }
  }

  private recordFinished(job: Job, cond: JobCondition): void {
    if (cond.type === 'Complete') {
      const completions = job.spec?.completions;
      if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
        this.recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.recorder.event(job, 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }
}

/**
 * Upstream cleanUncountedPodsWithoutFinalizers: pods in uncountedTerminatedPods whose finalizer is gone move into
 * the succeeded/failed counters. Returns whether the status changed.
 */
export function cleanUncounted(job: Job, withFinalizer: ReadonlySet<string>): boolean {
  const st = job.status!;
  const u = (st.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((x) => withFinalizer.has(x));
  if (keepS.length !== (u.succeeded ?? []).length) {
    st.succeeded = (st.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    changed = true;
  }
  if (keepS.length > 0) u.succeeded = keepS;
  else delete u.succeeded;
  const keepF = (u.failed ?? []).filter((x) => withFinalizer.has(x));
  if (keepF.length !== (u.failed ?? []).length) {
    st.failed = (st.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    changed = true;
  }
  if (keepF.length > 0) u.failed = keepF;
  else delete u.failed;
  return changed;
}


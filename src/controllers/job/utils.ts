// Pure helpers of the Job controller (upstream job_controller.go, indexed_job_utils.go, backoff_utils.go): counts, indexes, back-off, conditions.
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../util/index.js';

/** The finalizer the Job controller puts on its pods until it has counted them. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation (and label) carrying an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** The env var the controller adds to Indexed Job containers. */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** Pod failure back-off: 10 s doubling up to 10 min (upstream DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff). */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;
/** At most this many pod UIDs in status.uncountedTerminatedPods, and creates/deletes per sync (upstream 500). */
export const MAX_UNCOUNTED_PODS = 500;
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Upstream MaxGeneratedNameLength (63 - 5 random characters). */
const MAX_GENERATED_NAME_LENGTH = 58;

export const hasTrackingFinalizer = (p: Pod): boolean => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
export const isIndexedJob = (j: Job): boolean => j.spec?.completionMode === 'Indexed';
export const jobSuspended = (j: Job): boolean => j.spec?.suspend === true;
/** podReplacementPolicy Failed: terminating pods are not replaced (nor counted as failed until they fail). */
export const onlyReplaceFailedPods = (j: Job): boolean => j.spec?.podReplacementPolicy === 'Failed' || !!j.spec?.podFailurePolicy;

/** The condition of `type`, or undefined. */
export function findCondition(job: Job, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type);
}

/** Whether the job has Complete or Failed = True (upstream IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** A condition stamped `now` (lastProbeTime = lastTransitionTime). */
export function newCondition(type: string, status: string, reason: string, message: string, now: string): JobCondition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/**
 * Upstream ensureJobConditionStatus: updates the condition of `type` when its status, reason or message differ, or
 * appends it unless the new status is False. Returns whether `conditions` changed (mutated in place).
 */
export function ensureCondition(conditions: JobCondition[], type: string, status: string, reason: string, message: string, now: string): boolean {
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i]!;
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      conditions[i] = newCondition(type, status, reason, message, now);
      return true;
    }
    return false;
  }
  if (status !== 'False') {
    conditions.push(newCondition(type, status, reason, message, now));
    return true;
  }
  return false;
}

/** Upstream isPodFailed: phase Failed, or (unless only failed pods are replaced) deleted without succeeding. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/** Pods being deleted that have not reached a terminal phase (upstream CountTerminatingPods). */
export function countTerminating(pods: readonly Pod[]): number {
  return pods.filter((p) => !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
}

/** The pod's completion index from its annotation, or -1 when missing or invalid. */
export function completionIndexOf(p: Pod): number {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/**
 * Parses `status.completedIndexes` (`1,3-5,7`) into sorted distinct indexes below `completions` (invalid parts are
 * skipped, as upstream parseIndexesFromString does).
 */
export function parseIndexes(s: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  if (!s) return [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let i = a; i <= Math.min(b, completions - 1); i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** Formats sorted distinct indexes as intervals (`0-2,5`), as upstream orderedIntervals.String. */
export function formatIndexes(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The lowest `count` indexes below `completions` that are neither succeeded nor held by an active pod
 * (upstream firstPendingIndexes).
 */
export function firstPendingIndexes(activePods: readonly Pod[], succeeded: readonly number[], count: number, completions: number): number[] {
  const taken = new Set<number>(succeeded);
  for (const p of activePods) {
    const ix = completionIndexOf(p);
    if (ix >= 0) taken.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}

/**
 * How many pods should be active (upstream manageJob): without completions, parallelism until the first success
 * (then whatever runs); with completions, the remaining completions capped at parallelism.
 */
export function wantActive(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** Whether the job reached its completions with nothing active (upstream `complete`). */
export function isComplete(job: Job, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions && active === 0;
}

/** The pod's generateName for an index (upstream podGenerateNameWithIndex), without the trailing dash. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const appendix = `-${index}-`;
  const prefix = jobName + appendix;
  if (prefix.length <= MAX_GENERATED_NAME_LENGTH) return prefix.slice(0, -1);
  return (jobName.slice(0, MAX_GENERATED_NAME_LENGTH - appendix.length) + appendix).slice(0, -1);
}

/** Adds JOB_COMPLETION_INDEX (from the index annotation) to every container and init container lacking it. */
export function addCompletionIndexEnv(template: PodTemplateSpec): void {
  const add = (c: Container) => {
    if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
    c.env = [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }];
  };
  for (const c of template.spec?.initContainers ?? []) add(c);
  for (const c of template.spec?.containers ?? []) add(c);
}

/** When a terminated pod finished: its containers' latest finishedAt, else its deletion or creation time (ms). */
export function finishedTime(p: Pod, now: number): number {
  let t = 0;
  for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
    const f = s.state?.terminated?.finishedAt;
    if (f) t = Math.max(t, Date.parse(f));
  }
  if (t > 0) return t;
  if (p.metadata?.deletionTimestamp) return Date.parse(p.metadata.deletionTimestamp);
  return now;
}

/** Upstream backoffRecord: failures since the last success and when the last of them finished. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/**
 * The next back-off record from the previous one and newly finished pods (upstream newBackoffRecord): a new
 * success resets the count to the failures that finished after it; otherwise new failures add up.
 */
export function nextBackoffRecord(prev: BackoffRecord, newSucceeded: readonly Pod[], newFailed: readonly Pod[], now: number): BackoffRecord {
  const failedTimes = newFailed.map((p) => finishedTime(p, now)).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1]! };
  }
  const lastSuccess = Math.max(...newSucceeded.map((p) => finishedTime(p, now)));
  const after = failedTimes.filter((t) => t > lastSuccess);
  if (after.length === 0) return { failuresAfterLastSuccess: 0 };
  return { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1]! };
}

/** Milliseconds until a replacement pod may be created (upstream getRemainingTime); 0 when now. */
export function backoffRemaining(rec: BackoffRecord, now: number, baseMs = DEFAULT_POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  const backoff = Math.min(baseMs * 2 ** (rec.failuresAfterLastSuccess - 1), maxMs);
  const elapsed = now - rec.lastFailureTime;
  return elapsed >= backoff ? 0 : backoff - elapsed;
}

/** Upstream pastBackoffLimitOnFailure: restartPolicy OnFailure and container restarts of running pods reach the limit. */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Upstream controller.ActivePods ordering: pods to delete first come first: unassigned < assigned, Pending <
 * Unknown < Running, not ready < ready, ready more recently < longer, more restarts first, newer first.
 */
export function compareForRemoval(a: Pod, b: Pod): number {
  const na = a.spec?.nodeName ? 1 : 0;
  const nb = b.spec?.nodeName ? 1 : 0;
  if (na !== nb) return na - nb;
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const cb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  return cb - ca;
}

/**
 * Active pods to delete (upstream activePodsForRemoval): for Indexed jobs first those with an invalid or
 * out-of-range index and all but one pod per repeated index, then the first by {@link compareForRemoval} until
 * at least `rmAtLeast` are chosen.
 */
export function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left: Pod[] = [...pods];
  if (isIndexedJob(job)) {
    const completions = job.spec?.completions ?? 0;
    const byIndex = new Map<number, Pod[]>();
    left = [];
    for (const p of pods) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const group of byIndex.values()) {
      group.sort(compareForRemoval);
      rm.push(...group.slice(0, -1));
      left.push(group[group.length - 1]!);
    }
  }
  if (rm.length < rmAtLeast) {
    left.sort(compareForRemoval);
    rm.push(...left.slice(0, rmAtLeast - rm.length));
  }
  return rm;
}

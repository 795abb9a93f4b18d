// Pure helpers of the CronJob controller (upstream cronjob/utils.go): schedule math, job names, job from template, history.
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { parseSchedule, type Schedule } from './cron.js';

/** Annotation with the scheduled time of a CronJob's job (RFC 3339 in the CronJob's time zone). */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream's nextScheduleDelta: requeue this long after the next schedule time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More than this many missed start times is reported as too many (upstream's 100). */
export const MAX_MISSED_SCHEDULES = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

/**
 * Upstream's formatSchedule: a `spec.timeZone` is applied as a `TZ=` prefix unless the schedule already carries
 * one (validation forbids both). Returns the spec string the parser gets.
 */
export function formatSchedule(cj: CronJob): string {
  const spec = cj.spec?.schedule ?? '';
  const tz = cj.spec?.timeZone;
  if (tz && !spec.includes('TZ=')) return `TZ=${tz} ${spec}`;
  return spec;
}

/** Parses the CronJob's schedule with its time zone (throws with the parser's message). */
export function scheduleOf(cj: CronJob): Schedule {
  return parseSchedule(formatSchedule(cj));
}

/**
 * Upstream's mostRecentScheduleTime: from the earliest relevant time (lastScheduleTime, else creation, moved up to
 * now - startingDeadlineSeconds when `includeDeadline`), the most recent activation at or before `now`, the
 * earliest time used, and how many activations were missed ('many' beyond {@link MAX_MISSED_SCHEDULES}).
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  schedule: Schedule,
  includeDeadline: boolean,
): { earliest: number; mostRecent: number | undefined; missed: MissedSchedules } {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeDeadline && deadline !== undefined && deadline !== null) {
    const d = now - deadline * 1000;
    if (d > earliest) earliest = d;
  }
  const t1 = schedule.next(earliest);
  if (t1 === undefined || t1 > now) return { earliest, mostRecent: undefined, missed: 'none' };
  const t2 = schedule.next(t1);
  if (t2 === undefined) return { earliest, mostRecent: t1, missed: 'few' };
  // As upstream: estimate the missed count from the interval between the first two activations, jump close to now
  // (one interval early, for irregular schedules) and step to the most recent activation.
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const missedCount = Math.floor(Math.floor((now - t1) / 1000) / between) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest); t !== undefined && t <= now; t = schedule.next(t)) mostRecent = t;
  return { earliest, mostRecent, missed: missedCount > MAX_MISSED_SCHEDULES ? 'many' : 'few' };
}

/** Milliseconds from `now` until the sync after the next activation (upstream nextScheduleTimeDuration), or undefined. */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: Schedule): number | undefined {
  const { earliest, mostRecent } = mostRecentScheduleTime(cj, now, schedule, false);
  const next = schedule.next(mostRecent ?? earliest);
  if (next === undefined) return undefined;
  return Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - now);
}

/** `<cronjob>-<scheduled time in minutes since the epoch>` (upstream getJobName). */
export function jobName(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata!.name}-${Math.floor(scheduledMs / 60_000)}`;
}

/** RFC 3339 (seconds) of `ms` in `zone` with its numeric offset, as Go's time.Format(time.RFC3339). */
export function rfc3339InZone(ms: number, zone: string | undefined): string {
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  const wallUtc = Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']), Number(p['hour']) % 24, Number(p['minute']), Number(p['second']));
  const off = Math.round((wallUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  const hour = String(Number(p['hour']) % 24).padStart(2, '0');
  const base = `${p['year']}-${p['month']}-${p['day']}T${hour}:${p['minute']}:${p['second']}`;
  if (off === 0) return `${base}Z`;
  const a = Math.abs(off);
  return `${base}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Go's time.RFC1123Z of `ms` in UTC (`Mon, 02 Jan 2006 15:04:05 +0000`), used in the MissSchedule event. */
export function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/**
 * The Job for the activation at `scheduledMs` (upstream getJobFromTemplate2): the job template's labels, annotations
 * plus {@link SCHEDULED_TIMESTAMP_ANNOTATION}, name from {@link jobName}, the controller reference, the template spec.
 */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, ref: OwnerReference): Job {
  const tmpl = cj.spec?.jobTemplate;
  const labels = { ...(tmpl?.metadata?.labels ?? {}) };
  const annotations = { ...(tmpl?.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(scheduledMs, cj.spec?.timeZone) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledMs),
      namespace: cj.metadata!.namespace!,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      annotations,
      ownerReferences: [ref],
    },
    spec: structuredClone(tmpl?.spec ?? { template: {} }) as Job['spec'],
  };
}

/** The Complete or Failed condition (status True) of a finished job, else undefined (upstream getFinishedStatus). */
export function finishedCondition(job: Job): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/**
 * Which finished jobs exceed the history limits (upstream cleanupFinishedJobs/removeOldestJobs): per outcome, the
 * oldest by status.startTime (jobs without a start time count as newest, ties by name) beyond the limit.
 */
export function jobsBeyondHistoryLimits(cj: CronJob, jobs: readonly Job[]): Job[] {
  const succLimit = cj.spec?.successfulJobsHistoryLimit;
  const failLimit = cj.spec?.failedJobsHistoryLimit;
  const out: Job[] = [];
  const pick = (type: string, limit: number | undefined | null) => {
    if (limit === undefined || limit === null) return;
    const finished = jobs.filter((j) => finishedCondition(j)?.type === type);
    if (finished.length <= limit) return;
    finished.sort(byStartTime);
    out.push(...finished.slice(0, finished.length - limit));
  };
  pick('Complete', succLimit);
  pick('Failed', failLimit);
  return out;
}

function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

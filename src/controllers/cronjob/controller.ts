// The CronJob controller (upstream cronjob_controllerv2.go): creates Jobs on schedule, tracks active ones, prunes history.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import {
  isAlreadyExists,
  isNotFound,
  NAMESPACE_INDEX,
  runWorkers,
  WorkQueue,
  type Clock,
  type EventRecorder,
  type Informer,
  type RestClient,
} from '../../client/index.js';
import { controllerOf, keyOf, newControllerRef, splitKey } from '../util/index.js';
import { isValidTimeZone, type Schedule } from './cron.js';
import {
  finishedCondition,
  jobFromTemplate,
  jobName,
  jobsBeyondHistoryLimits,
  mostRecentScheduleTime,
  nextScheduleDelay,
  rfc1123z,
  scheduleOf,
} from './utils.js';

/** Constructor options of {@link CronJobController}. */
export interface CronJobControllerOptions {
  /** The clock schedules are evaluated against and delayed requeues run on (a fake one in tests). Default: real time. */
  clock?: Clock;
  log?: (line: string) => void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: ((f: () => void, ms: number) => setTimeout(f, ms)) as typeof setTimeout,
  clearTimeout: (t) => clearTimeout(t),
} as Clock;

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Syncs each CronJob: reconciles `status.active` with the Jobs it controls (events SawCompletedJob, UnexpectedJob,
 * MissingJob), records lastSuccessfulTime, and when the most recent activation has no Job yet (and it is not too
 * late, suspended, or forbidden by concurrencyPolicy) creates `<name>-<minutes>`; Replace deletes the running ones.
 * Finished Jobs beyond the history limits are deleted. Requeues itself for the next activation.
 */
export class CronJobController {
  readonly queue: WorkQueue<string>;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly cronJobs: Informer<CronJob>,
    private readonly jobs: Informer<Job>,
    opts: CronJobControllerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => {});
    this.queue = new WorkQueue<string>({ name: 'cronjob', clock: this.clock });
    cronJobs.addEventHandler({
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) this.queue.add(keyOf(n));
      },
    });
    const onJob = (j: Job) => {
      const ref = controllerOf(j);
      if (ref?.kind !== 'CronJob') return;
      this.queue.add(`${j.metadata!.namespace}/${ref.name}`);
    };
    jobs.addEventHandler({
      add: (j) => onJob(j as Job),
      update: (o, n) => {
        if (o.metadata?.resourceVersion === n.metadata?.resourceVersion) return;
        const a = controllerOf(o as Job);
        const b = controllerOf(n as Job);
        if (a && b && a.uid !== b.uid) onJob(o as Job);
        onJob(n as Job);
      },
      delete: (j) => onJob(j as Job),
    });
  }

  /** Runs `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers(this.queue, workers, (k) => this.sync(k), signal, (k, err) => this.log(`syncing ${k}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** One reconciliation of the CronJob `namespace/name` (idempotent; throws to be retried). */
  async sync(key: string): Promise<void> {
    const shared = this.cronJobs.lister.get(key) as CronJob | undefined;
    if (!shared) return;
    const { namespace } = splitKey(key);
    const cj = structuredClone(shared) as CronJob;
    const uid = cj.metadata!.uid;
    const owned = (this.jobs.lister.byIndex(NAMESPACE_INDEX, namespace) as Job[]).filter((j) => controllerOf(j)?.uid === uid);
    const before = JSON.stringify(cj.status ?? {});
    let requeueAfter: number | undefined;
    let syncErr: unknown;
    try {
      requeueAfter = await this.syncCronJob(cj, owned);
    } catch (err) {
      syncErr = err;
    }
    if (!cj.metadata?.deletionTimestamp) await this.cleanupFinishedJobs(cj, owned);
    if (JSON.stringify(cj.status ?? {}) !== before) {
      await this.client.resource<CronJob>('cronjobs').updateStatus(cj);
    }
    if (syncErr) throw syncErr;
    if (requeueAfter !== undefined) this.queue.addAfter(key, requeueAfter);
  }

  private activeOf(cj: CronJob): ObjectReference[] {
    cj.status ??= {};
    return (cj.status.active ??= []);
  }

  private removeActive(cj: CronJob, uid: string | undefined): void {
    const rest = this.activeOf(cj).filter((r) => r.uid !== uid);
    if (rest.length > 0) cj.status!.active = rest;
    else delete cj.status!.active;
  }

  /** Upstream syncCronJob; returns the requeue delay (ms) or undefined for none. Mutates `cj.status`. */
  private async syncCronJob(cj: CronJob, owned: Job[]): Promise<number | undefined> {
    const now = this.clock.now();
    const children = new Set<string>();
    for (const j of owned) {
      const juid = j.metadata!.uid!;
      children.add(juid);
      const inActive = (cj.status?.active ?? []).some((r) => r.uid === juid);
      const fin = finishedCondition(j);
      if (!inActive && !fin) {
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
        this.activeOf(cj).push(jobRef(j));
      } else if (inActive && fin) {
        this.removeActive(cj, juid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${fin.type}`);
      }
      if (fin?.type === 'Complete' && j.status?.completionTime) {
        const last = cj.status?.lastSuccessfulTime;
        if (!last || Date.parse(j.status.completionTime) > Date.parse(last)) {
          cj.status ??= {};
          cj.status.lastSuccessfulTime = j.status.completionTime;
        }
      }
    }
    // Active references whose Job is not in the cache: confirm with a live read before dropping them.
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid!)) continue;
      try {
        await this.client.resource<Job>('jobs').get(ref.name!, { namespace: ref.namespace ?? cj.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        this.removeActive(cj, ref.uid);
      }
    }
    if (cj.metadata?.deletionTimestamp) return undefined;

    const tz = cj.spec?.timeZone;
    if (tz && !isValidTimeZone(tz)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return undefined;
    }
    let sched: Schedule;
    try {
      sched = scheduleOf(cj);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if ((cj.spec?.schedule ?? '').includes('TZ')) {
      this.recorder.event(
        cj,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(cj.spec?.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    if (cj.spec?.suspend) return undefined;

    const next = () => nextScheduleDelay(cj, now, sched);
    const { mostRecent, missed } = mostRecentScheduleTime(cj, now, sched, true);
    if (missed === 'many') {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (mostRecent === undefined) return next();
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && mostRecent + deadline * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(mostRecent)}`);
      return next();
    }
    const name = jobName(cj, mostRecent);
    if ((cj.status?.active ?? []).some((r) => r.name === name)) return next();
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.client.resource<Job>('jobs').get(ref.name!, { namespace: ref.namespace ?? cj.metadata!.namespace! });
        } catch (err) {
          if (isNotFound(err)) {
            this.removeActive(cj, ref.uid);
            continue;
          }
          this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
        await this.deleteJob(cj, job);
      }
    }
    const req = jobFromTemplate(cj, mostRecent, newControllerRef(cj, 'batch/v1', 'CronJob'));
    let created: Job;
    try {
      created = await this.client.resource<Job>('jobs').create(req);
    } catch (err) {
      if (!isAlreadyExists(err)) this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata!.name}`);
    this.activeOf(cj).push(jobRef(created));
    cj.status!.lastScheduleTime = iso(mostRecent);
    return next();
  }

  /** Deletes a job of `cj` (background propagation), drops it from active and records the events; false on failure. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.client.resource<Job>('jobs').delete(job.metadata!.name!, { namespace: job.metadata!.namespace!, propagationPolicy: 'Background' });
    } catch (err) {
      if (!isNotFound(err)) {
        this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    }
    this.removeActive(cj, job.metadata!.uid);
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata!.name}`);
    return true;
  }

  private async cleanupFinishedJobs(cj: CronJob, owned: Job[]): Promise<void> {
    for (const j of jobsBeyondHistoryLimits(cj, owned)) await this.deleteJob(cj, j);
  }
}

function jobRef(j: Job): ObjectReference {
  return { kind: 'Job', namespace: j.metadata!.namespace!, name: j.metadata!.name!, uid: j.metadata!.uid!, apiVersion: 'batch/v1', resourceVersion: j.metadata!.resourceVersion! };
}

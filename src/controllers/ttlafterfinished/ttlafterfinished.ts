// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes finished Jobs ttlSecondsAfterFinished after they finish.
import type { Job } from 'kubernetes-types/batch/v1.js';
import { isNotFound, runWorkers, WorkQueue, type Informer, type RestClient } from '../../client/index.js';
import { keyOf, splitKey } from '../util/index.js';

/** When the job finished (ms): completionTime, else the Complete/Failed condition's lastTransitionTime; undefined if not finished. */
export function jobFinishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = job.status?.completionTime ?? c.lastTransitionTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Whether the job has a TTL, is finished and is not being deleted (upstream needsCleanup). */
export function needsCleanup(job: Job): boolean {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && !job.metadata?.deletionTimestamp && jobFinishTime(job) !== undefined;
}

/** Milliseconds until the job expires at `now` (<= 0: expired); undefined when it needs no cleanup. */
export function timeLeft(job: Job, now: number): number | undefined {
  if (!needsCleanup(job)) return undefined;
  return jobFinishTime(job)! + job.spec!.ttlSecondsAfterFinished! * 1000 - now;
}

/**
 * Watches Jobs; a finished Job with `ttlSecondsAfterFinished` is requeued until it expires, then re-read from the
 * apiserver (the TTL may have changed) and deleted with propagationPolicy Background and a UID precondition.
 */
export class TTLAfterFinishedController {
  readonly queue = new WorkQueue<string>({ name: 'ttl_jobs_to_delete' });

  constructor(
    private readonly client: RestClient,
    private readonly jobs: Informer<Job>,
    private readonly now: () => number = Date.now,
    private readonly log: (line: string) => void = () => {},
  ) {
    const enqueue = (j: Job) => {
      if (needsCleanup(j)) this.queue.add(keyOf(j));
    };
    jobs.addEventHandler({ add: (j) => enqueue(j as Job), update: (_o, n) => enqueue(n as Job) });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers(this.queue, workers, (k) => this.sync(k), signal, (k, e) => this.log(`processing ${k}: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Upstream processJob: requeue until expired, then delete the fresh object if it is still expired. */
  async sync(key: string): Promise<void> {
    const cached = this.jobs.lister.get(key) as Job | undefined;
    if (!cached) return;
    const left = timeLeft(cached, this.now());
    if (left === undefined) return;
    if (left > 0) {
      this.queue.addAfter(key, left);
      return;
    }
    const { namespace, name } = splitKey(key);
    let fresh: Job;
    try {
      fresh = await this.client.resource<Job>('jobs').get(name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshLeft = timeLeft(fresh, this.now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      this.queue.addAfter(key, freshLeft);
      return;
    }
    try {
      await this.client.resource<Job>('jobs').delete(name, { namespace, propagationPolicy: 'Background', preconditions: { uid: fresh.metadata!.uid! } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

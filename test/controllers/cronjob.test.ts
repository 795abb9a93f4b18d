// CronJob controller with a fake clock against a 2-node test cluster: jobs on schedule, Forbid, Replace, history limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/client/index.js';
import { cronJobDescriptor } from '../../src/controllers/cronjob/index.js';
import { job as jobController } from '../../src/controllers/job/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

/** A clock whose time moves only by advance(); timers fire when due, or after their real delay, whichever is first. */
class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; fired: boolean }> = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout = ((fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, fired: false };
    this.timers.push(timer);
    const fire = () => {
      if (timer.fired) return;
      timer.fired = true;
      fn();
    };
    const real = setTimeout(fire, ms);
    (timer as any).real = real;
    (timer as any).fire = fire;
    return timer as any;
  }) as typeof setTimeout;
  clearTimeout = ((timer: any) => {
    if (!timer) return;
    timer.fired = true;
    clearTimeout(timer.real);
  }) as typeof clearTimeout;
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => !x.fired && x.at <= this.t);
    this.timers = this.timers.filter((x) => !x.fired && x.at > this.t);
    for (const x of due) (x as any).fire();
  }
}

const START = Date.parse('2030-01-01T00:00:30Z');
const IMAGE = 'kubets.local/busybox:latest';

function cronJob(name: string, spec: Record<string, unknown>, annotations: Record<string, string>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      ...spec,
      jobTemplate: { spec: { template: { metadata: { annotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE }] } } } },
    },
  };
}

describe('cronjob controller', () => {
  let c: TestCluster;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [jobController, cronJobDescriptor({ clock })] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  const jobsOf = async (cj: string) =>
    ((await c.client.resource('jobs').list({ namespace: 'default' })).items as any[]).filter((j) => j.metadata.ownerReferences?.[0]?.name === cj);
  const getCj = async (name: string): Promise<any> => c.client.resource('cronjobs').get(name, { namespace: 'default' });

  it('creates jobs on schedule, records status, honours Forbid and the history limit', async () => {
    // The CronJob's creationTimestamp is real time, long before the fake clock's 2030: lastScheduleTime drives it.
    await c.client.resource('cronjobs').create(cronJob('tick', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1, startingDeadlineSeconds: 45 }, { 'simulated.kubets.io/exit-after': '1s' }));
    // startingDeadlineSeconds bounds the look-back, so the first activation is 2030-01-01T00:00:00Z.
    const first = Math.floor(START / 60_000);
    const j1: any = await c.until('first job', async () => (await jobsOf('tick')).find((j) => j.metadata.name === `tick-${first}`));
    expect(j1.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2030-01-01T00:00:00Z');
    expect(j1.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', controller: true });
    let cj = await c.until('status active', async () => {
      const x = await getCj('tick');
      return x.status?.active?.length === 1 ? x : undefined;
    });
    expect(cj.status.lastScheduleTime).toBe('2030-01-01T00:00:00Z');
    expect(cj.status.active[0]).toMatchObject({ kind: 'Job', name: `tick-${first}` });
    // The job completes; the controller notices and records lastSuccessfulTime.
    cj = await c.until('lastSuccessfulTime', async () => {
      const x = await getCj('tick');
      return x.status?.lastSuccessfulTime && !x.status?.active ? x : undefined;
    }, 20_000);
    // Next minute: a second job; the first is pruned by successfulJobsHistoryLimit 1 once the second completes.
    clock.advance(60_000);
    await c.until('second job', async () => (await jobsOf('tick')).some((j) => j.metadata.name === `tick-${first + 1}`));
    await c.until('history pruned to 1 successful job', async () => {
      const js = await jobsOf('tick');
      return js.length === 1 && js[0].metadata.name === `tick-${first + 1}` && js[0].status?.conditions?.some((x: any) => x.type === 'Complete');
    }, 20_000);
  }, 50_000);

  it('Forbid skips a run while one is active; Replace replaces it', async () => {
    clock.advance(60_000);
    const base = Math.floor(clock.now() / 60_000);
    // Long-running jobs (no exit-after).
    await c.client.resource('cronjobs').create(cronJob('forbid', { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 45 }, {}));
    await c.client.resource('cronjobs').create(cronJob('replace', { concurrencyPolicy: 'Replace', startingDeadlineSeconds: 45 }, {}));
    await c.until('first runs', async () => (await jobsOf('forbid')).length === 1 && (await jobsOf('replace')).length === 1);
    clock.advance(60_000);
    await c.until('replacement', async () => {
      const js = await jobsOf('replace');
      return js.length === 1 && js[0].metadata.name === `replace-${base + 1}`;
    }, 20_000);
    const f = await jobsOf('forbid');
    expect(f.map((j) => j.metadata.name)).toEqual([`forbid-${base}`]);
    const cj = await getCj('replace');
    expect(cj.status.active.map((r: any) => r.name)).toEqual([`replace-${base + 1}`]);
  }, 40_000);

  it('suspended cronjobs start nothing', async () => {
    await c.client.resource('cronjobs').create(cronJob('off', { suspend: true }, {}));
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await jobsOf('off')).toHaveLength(0);
  }, 20_000);
});

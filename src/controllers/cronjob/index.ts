// The cronjob controller as the controller-manager registers it (upstream `--controllers` name `cronjob`).
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { CronJobController, type CronJobControllerOptions } from './controller.js';

export { CronJobController, type CronJobControllerOptions } from './controller.js';
export { parseSchedule, type Schedule } from './cron.js';

/** A `cronjob` descriptor whose controller uses `opts` (an injected clock in tests). */
export function cronJobDescriptor(opts: CronJobControllerOptions = {}): ControllerDescriptor {
  return {
    name: 'cronjob',
    serviceAccount: 'cronjob-controller',
    defaultOn: true,
    async start(ctx, signal) {
      const c = new CronJobController(ctx.client, ctx.recorder, ctx.informers.informerFor<CronJob>('cronjobs'), ctx.informers.informerFor<Job>('jobs'), {
        log: (l) => ctx.log(l),
        ...opts,
      });
      if (!(await ctx.informers.waitForCacheSync(signal))) return;
      await c.run(signal, ctx.options.workers);
    },
  };
}

/** The `cronjob` controller (SA `cronjob-controller`, default on). */
export const cronJob: ControllerDescriptor = cronJobDescriptor();

// The job controller as the controller-manager registers it (upstream `--controllers` name `job`).
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { JobController } from './controller.js';

export { JobController, cleanUncounted, SYNC_JOB_BATCH_PERIOD_MS } from './controller.js';
export * from './utils.js';

/** The `job` controller (SA `job-controller`, default on). */
export const job: ControllerDescriptor = {
  name: 'job',
  serviceAccount: 'job-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new JobController(ctx.client, ctx.recorder, ctx.informers.informerFor<Job>('jobs'), ctx.informers.informerFor<Pod>('pods'), Date.now, (l) => ctx.log(l));
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, ctx.options.workers);
  },
};

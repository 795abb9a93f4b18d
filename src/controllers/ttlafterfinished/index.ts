// The ttl-after-finished controller as the controller-manager registers it.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { TTLAfterFinishedController } from './ttlafterfinished.js';

export { TTLAfterFinishedController, jobFinishTime, needsCleanup, timeLeft } from './ttlafterfinished.js';

/** The `ttl-after-finished` controller (SA `ttl-after-finished-controller`, default on). */
export const ttlAfterFinished: ControllerDescriptor = {
  name: 'ttl-after-finished',
  serviceAccount: 'ttl-after-finished-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new TTLAfterFinishedController(ctx.client, ctx.informers.informerFor<Job>('jobs'), Date.now, (l) => ctx.log(l));
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, ctx.options.workers);
  },
};

// The statefulset controller as the controller-manager registers it.
import type { ControllerDescriptor } from '../context.js';
import { StatefulSetController } from './controller.js';

export { StatefulSetController, applyRevision } from './controller.js';
export * from './utils.js';

/** Upstream `statefulset` (service account `statefulset-controller`), on by default. */
export const statefulSet: ControllerDescriptor = {
  name: 'statefulset',
  serviceAccount: 'statefulset-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new StatefulSetController(ctx);
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal);
  },
};

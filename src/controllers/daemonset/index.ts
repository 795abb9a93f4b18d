// The daemonset controller as the controller-manager registers it.
import type { ControllerDescriptor } from '../context.js';
import { DaemonSetController } from './controller.js';

export { DaemonSetController } from './controller.js';
export * from './utils.js';

/** Upstream `daemonset` (service account `daemon-set-controller`), on by default. */
export const daemonSet: ControllerDescriptor = {
  name: 'daemonset',
  serviceAccount: 'daemon-set-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new DaemonSetController(ctx);
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal);
  },
};

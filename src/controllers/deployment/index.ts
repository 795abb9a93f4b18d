// The deployment controller as the controller-manager registers it, and its helpers.
import type { ControllerDescriptor } from '../context.js';
import { DeploymentController } from './controller.js';

export { DeploymentController, rollbackTo } from './controller.js';
export * from './util.js';

/** Upstream `deployment` (service account `deployment-controller`), on by default. */
export const deployment: ControllerDescriptor = {
  name: 'deployment',
  serviceAccount: 'deployment-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new DeploymentController(ctx);
    await c.run(signal);
  },
};

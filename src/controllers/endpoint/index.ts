// The endpoint controller as the controller-manager registers it.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { EndpointController } from './controller.js';

export { EndpointController } from './controller.js';
export * from './subsets.js';

/** `endpoint` (service account endpoint-controller), default on. */
export const endpointController: ControllerDescriptor = {
  name: 'endpoint',
  serviceAccount: 'endpoint-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new EndpointController(
      ctx.client,
      ctx.informers.informerFor<Service>('services'),
      ctx.informers.informerFor<Pod>('pods'),
      ctx.informers.informerFor<Endpoints>('endpoints'),
      ctx.recorder,
      ctx.log,
    );
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, ctx.options.workers);
  },
};

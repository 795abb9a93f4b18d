// The endpointslice controller as the controller-manager registers it.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { EndpointSliceController } from './controller.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE } from './reconciler.js';

export { EndpointSliceController, EndpointSliceTracker } from './controller.js';
export * from './reconciler.js';
export * from './util.js';

/**
 * `endpointslice` (service account endpointslice-controller), default on. Reads `maxEndpointsPerSlice`
 * (`--max-endpoints-per-slice`, 1..1000, default 100) from the options when the manager provides it.
 */
export const endpointSliceController: ControllerDescriptor = {
  name: 'endpointslice',
  serviceAccount: 'endpointslice-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const max = (ctx.options as { maxEndpointsPerSlice?: number }).maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    const c = new EndpointSliceController(
      ctx.client,
      ctx.informers.informerFor<Service>('services'),
      ctx.informers.informerFor<Pod>('pods'),
      ctx.informers.informerFor<EndpointSlice>('endpointslices'),
      ctx.informers.informerFor<Node>('nodes'),
      Math.min(1000, Math.max(1, max)),
      ctx.recorder,
      ctx.log,
    );
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, ctx.options.workers);
  },
};

// The garbage-collector controller as the controller-manager registers it.
import type { ControllerDescriptor } from '../context.js';
import { GarbageCollector } from './garbagecollector.js';

export { GarbageCollector, RestMappingError } from './garbagecollector.js';
export * from './graph.js';
export * from './patches.js';

/** `garbage-collector` (service account generic-garbage-collector), default on. */
export const garbageCollector: ControllerDescriptor = {
  name: 'garbage-collector',
  serviceAccount: 'generic-garbage-collector',
  defaultOn: true,
  async start(ctx, signal) {
    const gc = new GarbageCollector(ctx.client, ctx.informers, ctx.recorder, ctx.log);
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    ctx.log('all resource monitors have synced, proceeding to collect garbage');
    await gc.run(signal, ctx.options.workers);
  },
};

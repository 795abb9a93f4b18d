// The namespace controller as the controller-manager registers it.
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { NamespaceController } from './controller.js';

export * from './conditions.js';
export * from './controller.js';
export * from './deleter.js';

/** `namespace` (service account namespace-controller), default on. */
export const namespaceController: ControllerDescriptor = {
  name: 'namespace',
  serviceAccount: 'namespace-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new NamespaceController(ctx.client, ctx.informers.informerFor<Namespace>('namespaces'), { log: ctx.log });
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, ctx.options.workers);
  },
};

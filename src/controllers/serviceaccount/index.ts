// The serviceaccount controller as the controller-manager registers it.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { ServiceAccountsController } from './controller.js';

export { DEFAULT_SERVICE_ACCOUNTS, ServiceAccountsController } from './controller.js';

/** `serviceaccount` (service account service-account-controller), default on. */
export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount',
  serviceAccount: 'service-account-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new ServiceAccountsController(
      ctx.client,
      ctx.informers.informerFor<Namespace>('namespaces'),
      ctx.informers.informerFor<ServiceAccount>('serviceaccounts'),
      undefined,
      ctx.log,
    );
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, 1);
  },
};

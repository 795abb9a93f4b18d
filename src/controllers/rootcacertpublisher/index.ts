// The root-ca-cert-publisher controller as the controller-manager registers it.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { RootCACertPublisher, ROOT_CA_CONFIGMAP } from './publisher.js';

export * from './publisher.js';

/** `root-ca-cert-publisher` (service account root-ca-cert-publisher), default on; idle without `rootCaPem`. */
export const rootCACertPublisher: ControllerDescriptor = {
  name: 'root-ca-cert-publisher',
  serviceAccount: 'root-ca-cert-publisher',
  defaultOn: true,
  async start(ctx, signal) {
    const ca = ctx.options.rootCaPem;
    if (!ca) {
      ctx.log('no root CA, not publishing kube-root-ca.crt');
      return;
    }
    const c = new RootCACertPublisher(
      ctx.client,
      ctx.informers.informerFor<Namespace>('namespaces'),
      ctx.informers.informerFor<ConfigMap>('configmaps', { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` }),
      ca,
      ctx.log,
    );
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal, 1);
  },
};

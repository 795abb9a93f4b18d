// The csrapproving and csrsigning controllers as the controller-manager registers them.
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { CSRApprovingController, CSRSigningController } from './controllers.js';

export const csrApproving: ControllerDescriptor = {
  name: 'csrapproving',
  serviceAccount: 'certificate-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new CSRApprovingController(ctx.client, ctx.informers.informerFor<CertificateSigningRequest>('certificatesigningrequests'));
    await ctx.informers.waitForCacheSync(signal);
    await c.run(signal);
  },
};

export const csrSigning: ControllerDescriptor = {
  name: 'csrsigning',
  serviceAccount: 'certificate-controller',
  defaultOn: true,
  async start(ctx, signal) {
    if (!ctx.options.clusterSigningCa) {
      ctx.log('no --cluster-signing-cert-file/--cluster-signing-key-file, not signing');
      return;
    }
    const c = new CSRSigningController(ctx.client, ctx.informers.informerFor<CertificateSigningRequest>('certificatesigningrequests'), ctx.options.clusterSigningCa, ctx.options.clusterSigningDurationSeconds);
    await ctx.informers.waitForCacheSync(signal);
    await c.run(signal);
  },
};

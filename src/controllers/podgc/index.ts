// The pod-garbage-collector controller as the controller-manager registers it.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { PodGCController, type PodGCOptions } from './podgc.js';

export { PodGCController, terminatedPodsToDelete, unscheduledTerminatingPods, isPodTerminated, GC_CHECK_PERIOD_MS, QUARANTINE_MS, type PodGCOptions } from './podgc.js';

/** A `pod-garbage-collector` descriptor with shorter periods (tests); the threshold comes from the controller options. */
export function podGcDescriptor(opts: Omit<PodGCOptions, 'terminatedPodThreshold'> = {}): ControllerDescriptor {
  return {
    name: 'pod-garbage-collector',
    serviceAccount: 'pod-garbage-collector',
    defaultOn: true,
    async start(ctx, signal) {
      const c = new PodGCController(ctx.client, ctx.informers.informerFor<Pod>('pods'), ctx.informers.informerFor<Node>('nodes'), {
        terminatedPodThreshold: ctx.options.terminatedPodGcThreshold,
        log: (l) => ctx.log(l),
        ...opts,
      });
      if (!(await ctx.informers.waitForCacheSync(signal))) return;
      await c.run(signal);
    },
  };
}

/** The `pod-garbage-collector` controller (SA `pod-garbage-collector`, default on). */
export const podGc: ControllerDescriptor = podGcDescriptor();

// The disruption controller as the controller-manager registers it.
import os from 'node:os';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { EventRecorder } from '../../client/index.js';
import type { ControllerDescriptor } from '../context.js';
import { DisruptionController } from './controller.js';

export { DisruptionController, type DisruptionInformers } from './controller.js';

/**
 * `disruption` (upstream names.DisruptionController), service account `disruption-controller`, default on. Events
 * are recorded as component `controllermanager`, as upstream's disruption controller does.
 */
export const disruption: ControllerDescriptor = {
  name: 'disruption',
  serviceAccount: 'disruption-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const recorder = new EventRecorder(ctx.client, { component: 'controllermanager', host: os.hostname() });
    const c = new DisruptionController(ctx.client, recorder, {
      pods: ctx.informers.informerFor<Pod>('pods'),
      pdbs: ctx.informers.informerFor<PodDisruptionBudget>('poddisruptionbudgets'),
      rcs: ctx.informers.informerFor<ReplicationController>('replicationcontrollers'),
      rss: ctx.informers.informerFor<ReplicaSet>('replicasets'),
      deployments: ctx.informers.informerFor<Deployment>('deployments'),
      statefulsets: ctx.informers.informerFor<StatefulSet>('statefulsets'),
    });
    try {
      if (!(await ctx.informers.waitForCacheSync(signal))) return;
      await c.run(signal);
    } finally {
      await recorder.flush().catch(() => undefined);
    }
  },
};

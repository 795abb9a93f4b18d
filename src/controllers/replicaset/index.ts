// The replicaset and replicationcontroller controllers as the controller-manager registers them, and their pure logic.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../context.js';
import { REPLICA_SET, REPLICATION_CONTROLLER } from './adapter.js';
import { ReplicaSetController } from './controller.js';

export { REPLICA_SET, REPLICATION_CONTROLLER, type Flavor, type ReplicaSetView } from './adapter.js';
export { ReplicaSetController, type ReplicaOwner, type ReplicaSetControllerOptions } from './controller.js';
export * from './ranking.js';
export * from './utils.js';

/** Upstream `replicaset` (service account `replicaset-controller`), on by default. */
export const replicaSet: ControllerDescriptor = {
  name: 'replicaset',
  serviceAccount: 'replicaset-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new ReplicaSetController<ReplicaSet>(ctx, REPLICA_SET);
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal);
  },
};

/** Upstream `replicationcontroller` (service account `replication-controller`), on by default. */
export const replicationController: ControllerDescriptor = {
  name: 'replicationcontroller',
  serviceAccount: 'replication-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new ReplicaSetController<ReplicationController>(ctx, REPLICATION_CONTROLLER);
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal);
  },
};

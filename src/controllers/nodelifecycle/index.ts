// The node-lifecycle and taint-eviction-controller controllers as the controller-manager registers them.
import os from 'node:os';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { EventRecorder } from '../../client/index.js';
import type { ControllerDescriptor } from '../context.js';
import { NodeLifecycleController } from './controller.js';
import { TaintEvictionController } from './tainteviction.js';

export { NodeLifecycleController, type NodeLifecycleOptions } from './controller.js';
export { TaintEvictionController, TimedWorkerQueue, evictionDecision } from './tainteviction.js';

/**
 * `node-lifecycle` (upstream names.NodeLifecycleController), as service account `node-controller`, default on:
 * node health, condition taints and rate-limited NoExecute tainting.
 */
export const nodeLifecycle: ControllerDescriptor = {
  name: 'node-lifecycle',
  serviceAccount: 'node-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const c = new NodeLifecycleController(
      ctx.client,
      ctx.recorder,
      ctx.informers.informerFor<Node>('nodes'),
      ctx.informers.informerFor<Lease>('leases', { namespace: 'kube-node-lease' }),
      ctx.informers.informerFor<Pod>('pods'),
      {
        nodeMonitorPeriodMs: ctx.options.nodeMonitorPeriodMs,
        nodeMonitorGracePeriodMs: ctx.options.nodeMonitorGracePeriodMs,
        evictionRate: ctx.options.nodeEvictionRate,
        workers: ctx.options.workers,
        log: (l) => ctx.log(l),
      },
    );
    if (!(await ctx.informers.waitForCacheSync(signal))) return;
    await c.run(signal);
  },
};

/**
 * `taint-eviction-controller` (upstream names.TaintEvictionController, SeparateTaintEvictionController on by
 * default), default on. Upstream runs it with the `node-controller` service account's client ("taint-manager uses
 * existing cluster role from node-controller") and records events as component `taint-eviction-controller`.
 */
export const taintEviction: ControllerDescriptor = {
  name: 'taint-eviction-controller',
  serviceAccount: 'node-controller',
  defaultOn: true,
  async start(ctx, signal) {
    const recorder = new EventRecorder(ctx.client, { component: 'taint-eviction-controller', host: os.hostname() });
    const c = new TaintEvictionController(ctx.client, recorder, ctx.informers.informerFor<Node>('nodes'), ctx.informers.informerFor<Pod>('pods'), (l) => ctx.log(l));
    try {
      if (!(await ctx.informers.waitForCacheSync(signal))) return;
      await c.run(signal);
    } finally {
      await recorder.flush().catch(() => undefined);
    }
  },
};

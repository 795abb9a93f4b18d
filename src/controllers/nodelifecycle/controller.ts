// The node lifecycle controller (upstream pkg/controller/nodelifecycle): node health from heartbeats, condition taints, NoExecute tainting by zone.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { isNotFound, runWorkers, WorkQueue, type DeepReadonly, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import {
  computeZoneState,
  isExcludedFromDisruptionChecks,
  observeNodeHealth,
  zoneEvictionRate,
  zoneKey,
  type NodeHealth,
  type ZoneState,
} from './health.js';
import { ensureNodeNameIndex, markPodsNotReady, NODE_NAME_INDEX, swapNodeTaints } from './nodeutil.js';
import { RateLimitedTimedQueue } from './ratelimitedqueue.js';
import { NOT_READY_TAINT, noScheduleTaintDiff, taintExists, UNREACHABLE_TAINT } from './taints.js';

/** Upstream NodeEvictionPeriod: how often the NoExecute tainting queues are worked (100 ms). */
export const NODE_EVICTION_PERIOD_MS = 100;
/** Upstream --node-startup-grace-period default (1 min): grace for a node that never posted Ready. */
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;
/** Upstream NodeHealthUpdateRetry. */
const NODE_HEALTH_UPDATE_RETRY = 5;
/** Upstream nodeUpdateWorkerSize: nodes checked concurrently per monitor pass. */
const NODE_UPDATE_WORKERS = 8;

/** Beta labels kept in step with the GA ones (upstream labelReconcileInfo). */
const LABEL_RECONCILE: readonly [primary: string, secondary: string][] = [
  ['kubernetes.io/os', 'beta.kubernetes.io/os'],
  ['kubernetes.io/arch', 'beta.kubernetes.io/arch'],
];

/** Options of {@link NodeLifecycleController}; durations in ms. */
export interface NodeLifecycleOptions {
  nodeMonitorPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeStartupGracePeriodMs?: number;
  /** Nodes per second that get a NoExecute taint, per zone (`--node-eviction-rate`). */
  evictionRate: number;
  /** Workers for the NoSchedule tainting and pod queues. */
  workers?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * Watches nodes, their Leases (kube-node-lease) and pods. Every monitor period each node's heartbeat is checked
 * (see observeNodeHealth); a node silent for the grace period gets its conditions set Unknown through
 * nodes/status and its pods' Ready condition set False. A node whose Ready is False/Unknown is queued, per zone and
 * rate-limited by the eviction rate, for the `not-ready`/`unreachable` NoExecute taint (the taint eviction
 * controller then evicts); a Ready node loses both at once. When every zone is fully disrupted, NoExecute taints
 * are removed and no new ones are added (upstream's "master disruption mode"). Node updates drive the NoSchedule
 * taints that mirror conditions and `spec.unschedulable`.
 */
export class NodeLifecycleController {
  private readonly nodeQueue = new WorkQueue<string>({ name: 'node_lifecycle_controller' });
  private readonly podQueue = new WorkQueue<string>({ name: 'node_lifecycle_controller_pods' });
  private readonly known = new Map<string, DeepReadonly<Node>>();
  private readonly health = new Map<string, NodeHealth>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly nodes: Informer<Node>,
    private readonly leases: Informer<Lease>,
    private readonly pods: Informer<Pod>,
    private readonly opts: NodeLifecycleOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => process.stderr.write(`node-lifecycle: ${l}\n`));
    ensureNodeNameIndex(pods);
    nodes.addEventHandler({
      add: (n) => this.nodeQueue.add(n.metadata!.name!),
      update: (_o, n) => this.nodeQueue.add(n.metadata!.name!),
      delete: (n) => this.nodesToRetry.delete(n.metadata!.name!),
    });
    const podChanged = (old: DeepReadonly<Pod> | undefined, cur: DeepReadonly<Pod>) => {
      if (cur.spec?.nodeName && (!old || old.spec?.nodeName !== cur.spec.nodeName)) this.podQueue.add(`${cur.metadata!.namespace}/${cur.metadata!.name}`);
    };
    pods.addEventHandler({ add: (p) => podChanged(undefined, p), update: (o, p) => podChanged(o, p) });
  }

  /** Runs the monitor loop, the tainting loop and the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const workers = this.opts.workers ?? 4;
    const loops = [
      this.every(this.opts.nodeMonitorPeriodMs, () => this.monitorNodeHealth(), signal),
      this.every(NODE_EVICTION_PERIOD_MS, () => this.doNoExecuteTaintingPass(), signal),
    ];
    await Promise.all([
      runWorkers(this.nodeQueue, workers, (n) => this.syncNode(n), signal, (n, e) => this.log(`node ${n}: ${errMessage(e)}`)),
      runWorkers(this.podQueue, workers, (k) => this.processPod(k), signal, (k, e) => this.log(`pod ${k}: ${errMessage(e)}`)),
      ...loops,
    ]);
  }

  /** Runs `f` now and then every `ms` (never overlapping itself) until `signal` aborts. */
  private async every(ms: number, f: () => Promise<void>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await f();
      } catch (err) {
        this.log(errMessage(err));
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  // ------------------------------------------------------------------------------------ node update queue

  /** Upstream doNoScheduleTaintingPass + reconcileNodeLabels for one node. */
  async syncNode(name: string): Promise<void> {
    const node = this.nodes.lister.get(name);
    if (!node) return;
    const { add, remove } = noScheduleTaintDiff(node as Node);
    if (add.length > 0 || remove.length > 0) await swapNodeTaints(this.client, name, node, add, remove);
    const labels = node.metadata?.labels;
    if (!labels) return;
    const update: Record<string, string> = {};
    for (const [primary, secondary] of LABEL_RECONCILE) {
      const v = labels[primary];
      if (v !== undefined && labels[secondary] !== v) update[secondary] = v;
    }
    if (Object.keys(update).length > 0) {
      try {
        await this.client.resource<Node>('nodes').patch(name, { metadata: { labels: update } }, 'merge');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ------------------------------------------------------------------------------------ pod queue

  /** Upstream processPod: a pod newly bound to a node that is not Ready gets its Ready condition set False. */
  async processPod(key: string): Promise<void> {
    const pod = this.pods.lister.get(key);
    if (!pod?.spec?.nodeName) return;
    const nodeName = pod.spec.nodeName;
    const h = this.health.get(nodeName);
    if (!h || !this.nodes.lister.get(nodeName)) return;
    const ready = h.status?.conditions?.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'True') return;
    await markPodsNotReady(this.client, this.recorder, [pod], nodeName);
  }

  // ------------------------------------------------------------------------------------ monitor

  /** One pass of upstream monitorNodeHealth over every node in the cache. */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.lister.list();
    const names = new Set(nodes.map((n) => n.metadata!.name!));
    for (const n of nodes) {
      const name = n.metadata!.name!;
      this.addZone(n);
      if (!this.known.has(name)) {
        this.known.set(name, n);
        this.recordNodeEvent(n, 'RegisteredNode', `Registered Node ${name} in Controller`);
        await this.markNodeAsReachable(n).catch((err) => this.log(`node ${name}: removing taints: ${errMessage(err)}`));
      }
    }
    for (const [name, n] of this.known) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.health.delete(name);
      this.recordNodeEvent(n, 'RemovingNode', `Removing Node ${name} from Controller`);
    }

    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < nodes.length; i = next++) {
        try {
          await this.checkNode(nodes[i]!, zoneConditions);
        } catch (err) {
          this.log(`node ${nodes[i]!.metadata?.name}: ${errMessage(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(NODE_UPDATE_WORKERS, nodes.length) }, worker));
    await this.handleDisruption(zoneConditions, nodes);
  }

  private async checkNode(cached: DeepReadonly<Node>, zoneConditions: Map<string, (NodeCondition | undefined)[]>): Promise<void> {
    const name = cached.metadata!.name!;
    let node: DeepReadonly<Node> | Node = cached;
    let obs: ReturnType<typeof observeNodeHealth> | undefined;
    for (let attempt = 0; attempt < NODE_HEALTH_UPDATE_RETRY; attempt++) {
      try {
        obs = await this.tryUpdateNodeHealth(node);
        break;
      } catch (err) {
        if (attempt === NODE_HEALTH_UPDATE_RETRY - 1) {
          this.log(`update health of node ${name}: ${errMessage(err)}; skipping, no pods will be evicted`);
          return;
        }
        try {
          node = await this.client.resource<Node>('nodes').get(name);
        } catch (e) {
          this.log(`failed while getting node ${name} to retry updating its health, probably deleted: ${errMessage(e)}`);
          return;
        }
      }
    }
    if (!obs) return;
    const { observedReady, currentReady } = obs;
    if (!isExcludedFromDisruptionChecks(node as Node)) {
      const z = zoneKey(node as Node);
      (zoneConditions.get(z) ?? zoneConditions.set(z, []).get(z)!).push(currentReady);
    }
    if (!currentReady) {
      this.nodesToRetry.delete(name);
      return;
    }
    const pods = this.pods.lister.byIndex(NODE_NAME_INDEX, name);
    await this.processTaintBasedEviction(node, observedReady);
    const transitioned = currentReady.status !== 'True' && observedReady.status === 'True';
    if (transitioned) this.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: node.metadata?.uid } }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    if (transitioned || (this.nodesToRetry.has(name) && observedReady.status !== 'True')) {
      try {
        await markPodsNotReady(this.client, this.recorder, pods, name);
      } catch (err) {
        this.log(`unable to mark all pods NotReady on node ${name}: ${errMessage(err)}; queuing for retry`);
        this.nodesToRetry.add(name);
        return;
      }
    }
    this.nodesToRetry.delete(name);
  }

  /** observeNodeHealth plus the nodes/status write; the bookkeeping is kept whatever happens. */
  private async tryUpdateNodeHealth(node: DeepReadonly<Node> | Node): Promise<ReturnType<typeof observeNodeHealth>> {
    const name = node.metadata!.name!;
    const lease = this.leases.lister.get(`kube-node-lease/${name}`);
    const now = this.now();
    const obs = observeNodeHealth(
      node as Node,
      this.health.get(name),
      lease as Lease | undefined,
      now,
      this.opts.nodeMonitorGracePeriodMs,
      this.opts.nodeStartupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS,
    );
    this.health.set(name, obs.health);
    if (obs.statusUpdate) {
      const written = await this.client.resource<Node>('nodes').updateStatus(obs.statusUpdate);
      this.health.set(name, {
        status: written.status ?? obs.statusUpdate.status,
        probeTimestamp: obs.health.probeTimestamp,
        readyTransitionTimestamp: now,
        leaseRenewTime: lease?.spec?.renewTime ?? obs.health.leaseRenewTime,
      });
    }
    return obs;
  }

  /** Upstream processTaintBaseEviction. */
  private async processTaintBasedEviction(node: DeepReadonly<Node> | Node, observedReady: NodeCondition): Promise<void> {
    const name = node.metadata!.name!;
    const taints = node.spec?.taints as Taint[] | undefined;
    switch (observedReady.status) {
      case 'False':
        if (taintExists(taints, UNREACHABLE_TAINT)) await swapNodeTaints(this.client, name, node, [{ ...NOT_READY_TAINT }], [{ ...UNREACHABLE_TAINT }]);
        else this.markNodeForTainting(node, 'False');
        break;
      case 'Unknown':
        if (taintExists(taints, NOT_READY_TAINT)) await swapNodeTaints(this.client, name, node, [{ ...UNREACHABLE_TAINT }], [{ ...NOT_READY_TAINT }]);
        else this.markNodeForTainting(node, 'Unknown');
        break;
      case 'True':
        await this.markNodeAsReachable(node);
        break;
    }
  }

  private markNodeForTainting(node: DeepReadonly<Node> | Node, status: 'False' | 'Unknown'): boolean {
    const q = this.tainterFor(node);
    const template = status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    if (!taintExists(node.spec?.taints as Taint[] | undefined, template)) q.remove(node.metadata!.name!);
    return q.add(node.metadata!.name!, node.metadata?.uid ?? '');
  }

  /** Removes both NoExecute taints and drops the node from its zone's tainting queue. */
  private async markNodeAsReachable(node: DeepReadonly<Node> | Node): Promise<boolean> {
    const taints = node.spec?.taints as Taint[] | undefined;
    if (taintExists(taints, UNREACHABLE_TAINT) || taintExists(taints, NOT_READY_TAINT)) {
      await swapNodeTaints(this.client, node.metadata!.name!, node, [], [{ ...UNREACHABLE_TAINT }, { ...NOT_READY_TAINT }]);
    }
    return this.tainterFor(node).remove(node.metadata!.name!);
  }

  private addZone(node: DeepReadonly<Node>): void {
    const z = zoneKey(node as Node);
    if (this.zoneStates.has(z)) return;
    this.zoneStates.set(z, 'Initial');
    this.tainters.set(z, new RateLimitedTimedQueue(this.opts.evictionRate, this.now));
  }

  private tainterFor(node: DeepReadonly<Node> | Node): RateLimitedTimedQueue {
    const z = zoneKey(node as Node);
    let q = this.tainters.get(z);
    if (!q) {
      this.addZone(node as DeepReadonly<Node>);
      q = this.tainters.get(z)!;
    }
    return q;
  }

  /** Upstream handleDisruption: zone states and their tainting rates; every zone fully disrupted stops tainting. */
  private async handleDisruption(zoneConditions: Map<string, (NodeCondition | undefined)[]>, nodes: readonly DeepReadonly<Node>[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const { state } = computeZoneState(conds);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      this.log('controller detected that all Nodes are not-Ready. Entering master disruption mode');
      for (const n of nodes) await this.markNodeAsReachable(n).catch((err) => this.log(`failed to remove taints from node ${n.metadata?.name}: ${errMessage(err)}`));
      for (const zone of this.zoneStates.keys()) {
        this.tainters.get(zone)?.swapLimiter(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.log('controller detected that some Nodes are Ready. Exiting master disruption mode');
      const now = this.now();
      for (const n of nodes) {
        const h = this.health.get(n.metadata!.name!);
        if (h) this.health.set(n.metadata!.name!, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        this.tainters.get(zone)?.swapLimiter(zoneEvictionRate(state, zoneConditions.get(zone)?.length ?? 0, this.opts.evictionRate));
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const ns = newStates.get(zone);
      if (!ns || ns === state) continue;
      this.log(`controller detected that zone ${JSON.stringify(zone)} is now in state ${ns}`);
      this.tainters.get(zone)?.swapLimiter(zoneEvictionRate(ns, zoneConditions.get(zone)?.length ?? 0, this.opts.evictionRate));
      this.zoneStates.set(zone, ns);
    }
  }

  /** Upstream doNoExecuteTaintingPass: works each zone's queue through its rate limiter. */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of [...this.tainters.values()]) {
      await q.tryEach(async (v) => {
        const node = this.nodes.lister.get(v.value);
        if (!node) return { done: true, waitMs: 0 };
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (!ready) return { done: false, waitMs: 50 };
        let add, remove;
        if (ready.status === 'False') [add, remove] = [NOT_READY_TAINT, UNREACHABLE_TAINT];
        else if (ready.status === 'Unknown') [add, remove] = [UNREACHABLE_TAINT, NOT_READY_TAINT];
        else return { done: true, waitMs: 0 };
        try {
          return { done: await swapNodeTaints(this.client, v.value, node, [{ ...add }], [{ ...remove }]), waitMs: 0 };
        } catch (err) {
          this.log(`unable to taint unresponsive node ${v.value}: ${errMessage(err)}`);
          return { done: false, waitMs: 0 };
        }
      });
    }
  }

  /** Upstream RecordNodeEvent: "Node X event: ..." on the node. */
  private recordNodeEvent(node: DeepReadonly<Node>, reason: string, event: string): void {
    this.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name, uid: node.metadata?.uid } }, 'Normal', reason, `Node ${node.metadata?.name} event: ${event}`);
  }

  /** The controller's view of a zone (tests). */
  zoneState(zone: string): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

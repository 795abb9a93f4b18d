// The scheduler (upstream pkg/scheduler): event handlers feeding cache and queue, the scheduling cycle (filter, score, select, assume, reserve, permit), the asynchronous binding cycle, failure handling, and runScheduler with informers and leader election.
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Node, NodeCondition, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { EventRecorder, LeaderElector, SharedInformerFactory, isNotFound, type Lister, type RestClient } from '../client/index.js';
import { SchedulerCache } from './cache.js';
import { parseGoDuration, resolveConfiguration, type KubeSchedulerConfiguration, type ResolvedConfiguration } from './config.js';
import { Code, CycleState, Status, type ClusterEvent, type QueuedPodInfo } from './framework.js';
import { Snapshot, newPodInfo, podKey, podUid, type NodeInfo } from './nodeinfo.js';
import { podPriority } from './plugins/basic.js';
import { UNIMPLEMENTED_PLUGINS, inTreeRegistry } from './plugins/registry.js';
import { SchedulingQueue } from './queue.js';
import { Framework, type Handle, type NodePluginScores, type Registry, type SchedulerListers } from './runtime.js';

/** Upstream minFeasibleNodesToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Upstream minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Upstream ErrNoNodesAvailable's message. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
const MAX_EVENT_MESSAGE = 1024;

/**
 * Upstream numFeasibleNodesToFind: every node below 100 nodes; otherwise `percentage` of them (adaptive
 * 50 - nodes/125, at least 5%, when 0), but never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Why no node fits (upstream framework.Diagnosis). */
export interface Diagnosis {
  nodeToStatus: Map<string, Status>;
  unschedulablePlugins: Set<string>;
  preFilterMsg?: string;
  postFilterMsg?: string;
}

/** No node fits the pod (upstream framework.FitError); the message is upstream's `0/N nodes are available: ...`. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super('');
    this.name = 'FitError';
    // The message follows the diagnosis (PostFilter adds to it after the error is made).
    Object.defineProperty(this, 'message', { get: () => fitErrorMessage(this.numAllNodes, this.diagnosis), configurable: true, enumerable: false });
  }
}

/**
 * Upstream FitError.Error(): `0/N nodes are available:` then the PreFilter message, or else the histogram of
 * per-node reasons (`<count> <reason>` sorted as strings, joined with ", "), each part ending in "."; then the
 * PostFilter message (e.g. `preemption: ...`).
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/** Upstream selectHost: the highest total score; ties broken uniformly at random (reservoir sampling). Throws on an empty list. */
export function selectHost(scores: readonly NodePluginScores[], rand: () => number = Math.random): string {
  if (scores.length === 0) throw new Error('empty priorityList');
  let best = scores[0]!;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i]!;
    if (s.totalScore > best.totalScore) {
      best = s;
      ties = 1;
    } else if (s.totalScore === best.totalScore) {
      ties++;
      if (Math.floor(rand() * ties) === 0) best = s;
    }
  }
  return best.name;
}

/** The outcome of one scheduling attempt's algorithm part. */
export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface SchedulerOptions {
  /** The API client (binding, status patches, events). Optional for unit tests of the algorithm. */
  client?: RestClient;
  /** The configuration (defaulted here). */
  config?: KubeSchedulerConfiguration;
  /** Out-of-tree plugins, merged over the in-tree registry. */
  registry?: Registry;
  /** Event recorder for every profile; default: one per profile on `client`, reporting as the profile's schedulerName (upstream). */
  recorder?: EventRecorder;
  /** Random source for tie-breaking [Math.random]. */
  rand?: () => number;
  now?: () => number;
  /** Assumed pods expire this long after their binding finished if never confirmed [30 s]. */
  assumedPodTtlMs?: number;
  log?: (line: string) => void;
}

function isAssigned(p: Pod): boolean {
  return !!p.spec?.nodeName;
}

function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

const stripHeartbeat = (cs: readonly NodeCondition[] | undefined) => JSON.stringify((cs ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason })));

/** Upstream nodeSchedulingPropertiesChange: allocatable, labels, taints, unschedulable, conditions (ignoring heartbeats), images. */
export function nodeSchedulingPropertiesChanged(a: Node, b: Node): boolean {
  return (
    !!a.spec?.unschedulable !== !!b.spec?.unschedulable ||
    JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {}) ||
    JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {}) ||
    JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []) ||
    stripHeartbeat(a.status?.conditions) !== stripHeartbeat(b.status?.conditions) ||
    JSON.stringify(a.metadata?.annotations ?? {}) !== JSON.stringify(b.metadata?.annotations ?? {})
  );
}

/**
 * The scheduler: profiles (one Framework each), the cache, the queue and the snapshot. Feed it with the
 * on* handlers (runScheduler wires informers), then {@link run} it.
 */
export class Scheduler {
  readonly config: ResolvedConfiguration;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly profiles = new Map<string, Framework>();
  readonly snapshot = new Snapshot();
  /** Listers shared with every profile's plugins (runScheduler fills them from its informers). */
  readonly listers: SchedulerListers = {};
  private nextStartNodeIndex = 0;
  /** PodScheduled condition writes in flight, per pod uid (chained so one pod's writes stay in order). */
  private readonly statusWrites = new Map<string, Promise<void>>();
  /** The nominator (upstream nominator in the scheduling queue): node -> pod key -> the pod nominated to it. */
  private readonly nominatedByNode = new Map<string, Map<string, Pod>>();
  /** Pod key -> the node it is nominated to. */
  private readonly nominatedNodeOf = new Map<string, string>();
  private readonly client: RestClient | undefined;
  /** Every profile's event recorder (one each unless `opts.recorder` was given), for flushing. */
  private readonly recorders = new Set<EventRecorder>();
  private readonly rand: () => number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  /** The latest version of unscheduled pods (for failure handling). */
  private podLister: Lister<Pod> | undefined;
  private readonly bindings = new Set<Promise<void>>();

  constructor(opts: SchedulerOptions = {}) {
    this.config = resolveConfiguration(opts.config);
    this.client = opts.client;
    this.rand = opts.rand ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => process.stderr.write(`scheduler: ${l}\n`));
    this.cache = new SchedulerCache({ ...(opts.assumedPodTtlMs !== undefined ? { assumedPodTtlMs: opts.assumedPodTtlMs } : {}), now: this.now });
    const registry: Registry = { ...inTreeRegistry(), ...(opts.registry ?? {}) };
    for (const p of this.config.profiles) {
      // Upstream: each profile's events are reported by its scheduler name (profile.newProfile's recorderFact).
      const recorder = opts.recorder ?? (opts.client ? new EventRecorder(opts.client, { component: p.schedulerName }) : undefined);
      if (recorder) this.recorders.add(recorder);
      const handle: Handle = {
        ...(this.client ? { client: this.client } : {}),
        ...(recorder ? { recorder } : {}),
        snapshot: () => this.snapshot,
        listers: this.listers,
        nominatedPodsForNode: (node) => this.nominatedPodsForNode(node),
        activate: (pods) => {
          for (const p of pods) this.queue.activate(p);
        },
      };
      this.profiles.set(p.schedulerName, new Framework(p, registry, handle, UNIMPLEMENTED_PLUGINS));
    }
    const first = this.profiles.values().next().value as Framework;
    // Upstream: every profile must use the same QueueSort; one queue serves them all.
    const pluginEvents = new Map<string, Set<ClusterEvent> | 'all'>();
    for (const f of this.profiles.values()) for (const [k, v] of f.eventsToRegister()) pluginEvents.set(k, v);
    this.queue = new SchedulingQueue({
      less: first.queueSortLess(),
      preEnqueue: (pod) => {
        const s = this.frameworkFor(pod)?.runPreEnqueuePlugins(pod);
        return s ? { plugin: s.plugin, message: s.message() } : undefined;
      },
      pluginEvents,
      podInitialBackoffMs: this.config.podInitialBackoffMs,
      podMaxBackoffMs: this.config.podMaxBackoffMs,
      now: this.now,
    });
  }

  /** The profile responsible for the pod (by spec.schedulerName), if any. */
  frameworkFor(pod: Pod): Framework | undefined {
    return this.profiles.get(pod.spec?.schedulerName || 'default-scheduler');
  }

  /** Gives failure handling access to the informer's latest pods. */
  setPodLister(l: Lister<Pod>): void {
    this.podLister = l;
  }

  // ---- event handlers (upstream eventhandlers.go) ----

  /** A pod appeared: assigned ones go to the cache, unassigned ones this scheduler is responsible for to the queue. */
  onPodAdd(pod: Pod): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
      return;
    }
    if (!this.frameworkFor(pod) || pod.metadata?.deletionTimestamp) return;
    if (pod.status?.nominatedNodeName) this.nominate(pod, pod.status.nominatedNodeName);
    this.queue.add(pod);
  }

  /** A pod changed (including unassigned -> assigned, and becoming terminal). */
  onPodUpdate(old: Pod, pod: Pod): void {
    if (isAssigned(pod)) {
      if (!isAssigned(old)) {
        this.queue.delete(pod);
        this.unnominate(pod);
      }
      if (isTerminal(pod)) {
        this.cache.removePod(pod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
        return;
      }
      if (isAssigned(old)) {
        this.cache.updatePod(old, pod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodUpdate');
      } else {
        this.cache.addPod(pod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
      }
      return;
    }
    if (!this.frameworkFor(pod)) return;
    if (pod.metadata?.deletionTimestamp) {
      this.queue.delete(pod);
      this.unnominate(pod);
      return;
    }
    if (this.cache.isAssumedPod(pod)) return;
    this.updateNomination(old, pod);
    this.queue.update(old, pod);
  }

  /** A pod was deleted. */
  onPodDelete(pod: Pod): void {
    if (isAssigned(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      return;
    }
    this.queue.delete(pod);
    this.unnominate(pod);
  }

  // ---- the nominator ----

  /** Pods nominated to `node` by preemption and not yet bound (upstream NominatedPodsForNode). */
  nominatedPodsForNode(node: string): Pod[] {
    const m = this.nominatedByNode.get(node);
    return m ? [...m.values()] : [];
  }

  /** Records that `pod` waits for room on `node` (replacing an earlier nomination). */
  private nominate(pod: Pod, node: string): void {
    const key = podKey(pod);
    const had = this.nominatedNodeOf.get(key);
    if (had !== undefined && had !== node) this.nominatedByNode.get(had)?.delete(key);
    this.nominatedNodeOf.set(key, node);
    let m = this.nominatedByNode.get(node);
    if (!m) this.nominatedByNode.set(node, (m = new Map()));
    m.set(key, pod);
  }

  private unnominate(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nominatedNodeOf.get(key);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(key);
    const m = this.nominatedByNode.get(node);
    m?.delete(key);
    if (m && m.size === 0) this.nominatedByNode.delete(node);
  }

  /**
   * Upstream updateNominatedPod: follows status.nominatedNodeName. An update without one that also had none
   * before keeps the in-memory nomination (the status patch that records it may not have arrived yet).
   */
  private updateNomination(old: Pod, pod: Pod): void {
    const want = pod.status?.nominatedNodeName ?? '';
    const key = podKey(pod);
    const had = this.nominatedNodeOf.get(key);
    if (want !== '') this.nominate(pod, want);
    else if (had !== undefined && (old.status?.nominatedNodeName ?? '') === '') this.nominate(pod, had);
    else this.unnominate(pod);
  }

  /**
   * Upstream RunFilterPluginsWithNominatedPods: on a node with nominated pods of equal or higher priority, the
   * filters run first as if those pods were already there, then (if that passed) without them, so a pod never
   * takes room that preemption freed for another pod, and nothing that only holds with them (affinity) is assumed.
   */
  private filterWithNominatedPods(fwk: Framework, state: CycleState, pod: Pod, ni: NodeInfo): Status | undefined {
    const nominated = this.nominatedByNode.get(ni.name);
    if (nominated !== undefined && nominated.size > 0) {
      const self = podKey(pod);
      const prio = podPriority(pod);
      let s2: CycleState | undefined;
      let n2: NodeInfo | undefined;
      for (const [k, np] of nominated) {
        if (k === self || podPriority(np) < prio) continue;
        if (!n2) {
          s2 = state.clone();
          n2 = ni.clone();
        }
        const placed: Pod = { ...np, spec: { ...np.spec!, nodeName: ni.name } };
        n2.addPod(newPodInfo(placed));
        const st = fwk.runPreFilterExtensionAddPod(s2!, pod, placed, n2);
        if (st && !st.isSuccess()) return st;
      }
      if (n2) {
        const st = fwk.runFilterPlugins(s2!, pod, n2);
        if (st !== undefined) return st;
      }
    }
    return fwk.runFilterPlugins(state, pod, ni);
  }

  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue('NodeAdd');
  }

  onNodeUpdate(old: Node, node: Node): void {
    this.cache.updateNode(old, node);
    if (nodeSchedulingPropertiesChanged(old, node)) this.queue.moveAllToActiveOrBackoffQueue('NodeUpdate');
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node);
  }

  // ---- the algorithm ----

  /**
   * Upstream findNodesThatFitPod: PreFilter (a rejection fails every node), then Filter over the nodes starting
   * at a rotating index, stopping once numFeasibleNodesToFind nodes passed. Yields to the event loop between
   * batches of nodes.
   */
  async findNodesThatFitPod(fwk: Framework, state: CycleState, pod: Pod): Promise<{ feasible: NodeInfo[]; diagnosis: Diagnosis }> {
    const all = this.snapshot.list();
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    const pre = fwk.runPreFilterPlugins(state, pod, all);
    if (pre.status && !pre.status.isSuccess()) {
      if (!pre.status.isRejected()) throw new Error(pre.status.message());
      diagnosis.preFilterMsg = pre.status.message();
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre.status);
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { feasible: [], diagnosis };
    }
    let nodes = all;
    const allowed = pre.result?.nodeNames;
    if (allowed) {
      const kept: NodeInfo[] = [];
      nodes = kept;
      for (const n of all) {
        if (allowed.has(n.name)) kept.push(n);
        else diagnosis.nodeToStatus.set(n.name, Status.unresolvable('node is filtered out by the prefilter result'));
      }
    }
    // Upstream evaluateNominatedNode: a pod that preemption made room for tries that node first.
    const nnn = pod.status?.nominatedNodeName;
    if (nnn) {
      const ni = this.snapshot.get(nnn);
      if (ni && (!allowed || allowed.has(nnn)) && this.filterWithNominatedPods(fwk, state, pod, ni) === undefined) return { feasible: [ni], diagnosis };
    }
    const feasible = await this.findNodesThatPassFilters(fwk, state, pod, diagnosis, nodes);
    return { feasible, diagnosis };
  }

  private async findNodesThatPassFilters(fwk: Framework, state: CycleState, pod: Pod, diagnosis: Diagnosis, nodes: readonly NodeInfo[]): Promise<NodeInfo[]> {
    const numAll = nodes.length;
    if (numAll === 0) return [];
    const toFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.config.percentageOfNodesToScore, numAll);
    const feasible: NodeInfo[] = [];
    if (!fwk.hasFilterPlugins()) {
      for (let i = 0; i < toFind; i++) feasible.push(nodes[(this.nextStartNodeIndex + i) % numAll]!);
      this.nextStartNodeIndex = (this.nextStartNodeIndex + toFind) % numAll;
      return feasible;
    }
    const batch = Math.max(64, this.config.parallelism * 16);
    let processed = 0;
    for (let i = 0; i < numAll; i++) {
      if (i > 0 && i % batch === 0) await new Promise((r) => setImmediate(r));
      const ni = nodes[(this.nextStartNodeIndex + i) % numAll]!;
      processed++;
      const s = this.filterWithNominatedPods(fwk, state, pod, ni);
      if (s === undefined) {
        feasible.push(ni);
        if (feasible.length >= toFind) break;
        continue;
      }
      if (s.code === Code.Error) throw new Error(s.message());
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % numAll;
    return feasible;
  }

  /** PreScore and Score (weighted, normalised) over the feasible nodes. */
  prioritizeNodes(fwk: Framework, state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodePluginScores[] {
    if (!fwk.hasScorePlugins()) return nodes.map((n) => ({ name: n.name, totalScore: 1, scores: [] }));
    const s = fwk.runPreScorePlugins(state, pod, nodes);
    if (s && !s.isSuccess()) throw new Error(s.message());
    return fwk.runScorePlugins(state, pod, nodes);
  }

  /**
   * Upstream schedulePod: updates the snapshot, finds feasible nodes (FitError when none; an Error when there are
   * no nodes at all), scores them unless only one is feasible, and selects the host.
   */
  async schedulePod(fwk: Framework, state: CycleState, pod: Pod): Promise<ScheduleResult> {
    this.cache.updateSnapshot(this.snapshot);
    if (this.snapshot.list().length === 0) throw new NoNodesAvailableError();
    const { feasible, diagnosis } = await this.findNodesThatFitPod(fwk, state, pod);
    if (feasible.length === 0) throw new FitError(pod, this.snapshot.list().length, diagnosis);
    if (feasible.length === 1) return { suggestedHost: feasible[0]!.name, evaluatedNodes: 1 + diagnosis.nodeToStatus.size, feasibleNodes: 1 };
    const scores = this.prioritizeNodes(fwk, state, pod, feasible);
    return { suggestedHost: selectHost(scores, this.rand), evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size, feasibleNodes: feasible.length };
  }

  /**
   * One scheduling attempt (upstream scheduleOne): pops a pod, runs the scheduling cycle and, on success, starts
   * the binding cycle without waiting for it. Resolves false once the queue is closed.
   */
  async scheduleOne(): Promise<boolean> {
    const qpi = await this.queue.pop();
    if (!qpi) return false;
    const pod = qpi.pod;
    const fwk = this.frameworkFor(pod);
    if (!fwk || pod.metadata?.deletionTimestamp || this.cache.isAssumedPod(pod)) {
      this.queue.done(pod);
      return true;
    }
    const cycle = this.queue.currentSchedulingCycle();
    const state = new CycleState();
    const start = this.now();
    let result: ScheduleResult;
    try {
      result = await this.schedulePod(fwk, state, pod);
    } catch (err) {
      if (err instanceof NoNodesAvailableError) {
        await this.handleSchedulingFailure(fwk, qpi, Status.unresolvable(NO_NODES_AVAILABLE), cycle, undefined);
        return true;
      }
      if (!(err instanceof FitError)) {
        await this.handleSchedulingFailure(fwk, qpi, Status.error(err as Error), cycle, undefined);
        return true;
      }
      let nominated: string | undefined;
      if (fwk.postFilterPlugins.length > 0) {
        const pf = await fwk.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
        if (pf.status.code === Code.Error) this.log(`status after running PostFilter plugins for pod ${podKey(pod)}: ${pf.status.message()}`);
        const msg = pf.status.message();
        if (msg) err.diagnosis.postFilterMsg = msg;
        nominated = pf.result?.nominatedNodeName;
      }
      qpi.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
      await this.handleSchedulingFailure(fwk, qpi, Status.unschedulable(err.message), cycle, nominated);
      return true;
    }
    // Assume: the next cycle sees this pod's resources used on the chosen node.
    const assumed: Pod = { ...pod, spec: { ...pod.spec!, nodeName: result.suggestedHost } };
    try {
      this.cache.assumePod(assumed);
      this.unnominate(pod);
    } catch (err) {
      await this.handleSchedulingFailure(fwk, qpi, Status.error(err as Error), cycle, undefined);
      return true;
    }
    const reserve = await fwk.runReservePluginsReserve(state, assumed, result.suggestedHost);
    if (reserve) {
      await fwk.runReservePluginsUnreserve(state, assumed, result.suggestedHost);
      this.cache.forgetPod(assumed);
      if (reserve.isRejected()) qpi.unschedulablePlugins = new Set([reserve.plugin]);
      await this.handleSchedulingFailure(fwk, qpi, reserve.isRejected() ? Status.unschedulable(fitErrorMessage(1, { nodeToStatus: new Map([[result.suggestedHost, reserve]]), unschedulablePlugins: new Set() })) : reserve, cycle, undefined);
      return true;
    }
    const permit = fwk.runPermitPlugins(state, assumed, result.suggestedHost);
    if (permit && permit.code !== Code.Wait) {
      await fwk.runReservePluginsUnreserve(state, assumed, result.suggestedHost);
      this.cache.forgetPod(assumed);
      if (permit.isRejected()) qpi.unschedulablePlugins = new Set([permit.plugin]);
      await this.handleSchedulingFailure(fwk, qpi, permit.isRejected() ? Status.unschedulable(fitErrorMessage(1, { nodeToStatus: new Map([[result.suggestedHost, permit]]), unschedulablePlugins: new Set() })) : permit, cycle, undefined);
      return true;
    }
    const b = this.bindingCycle(fwk, state, qpi, assumed, result.suggestedHost, cycle, start).catch((err) => this.log(`binding cycle of ${podKey(pod)} failed: ${(err as Error).message}`));
    this.bindings.add(b);
    void b.finally(() => this.bindings.delete(b));
    return true;
  }

  private async bindingCycle(fwk: Framework, state: CycleState, qpi: QueuedPodInfo, assumed: Pod, node: string, cycle: number, _start: number): Promise<void> {
    const fail = async (s: Status) => {
      await fwk.runReservePluginsUnreserve(state, assumed, node);
      this.cache.forgetPod(assumed);
      // The assumed pod's resources are free again: pods that did not fit may fit now.
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      if (s.isRejected()) qpi.unschedulablePlugins = new Set(s.plugin ? [s.plugin] : []);
      else qpi.unschedulablePlugins = new Set();
      await this.handleSchedulingFailure(fwk, qpi, s, cycle, undefined);
    };
    const permit = await fwk.waitOnPermit(assumed);
    if (permit && !permit.isSuccess()) return fail(permit);
    const pre = await fwk.runPreBindPlugins(state, assumed, node);
    if (pre) return fail(pre);
    const bound = await fwk.runBindPlugins(state, assumed, node);
    this.cache.finishBinding(assumed);
    if (bound) return fail(bound.isSkip() ? Status.error('no bind plugin bound the pod') : bound);
    this.queue.done(assumed);
    fwk.handle.recorder?.eventf(assumed, 'Normal', 'Scheduled', 'Successfully assigned %s/%s to %s', assumed.metadata?.namespace ?? '', assumed.metadata?.name ?? '', node);
    fwk.runPostBindPlugins(state, assumed, node);
  }

  /**
   * Upstream handleSchedulingFailure: records FailedScheduling, requeues the pod (unless it was deleted or got
   * assigned meanwhile), and sets its PodScheduled condition (False, `Unschedulable` for rejections, else
   * `SchedulerError`) and nominatedNodeName through a status patch.
   */
  async handleSchedulingFailure(fwk: Framework, qpi: QueuedPodInfo, status: Status, cycle: number, nominatedNodeName: string | undefined): Promise<void> {
    const pod = qpi.pod;
    if (nominatedNodeName) this.nominate(pod, nominatedNodeName);
    else if (nominatedNodeName === '') this.unnominate(pod);
    else if (pod.status?.nominatedNodeName) this.nominate(pod, pod.status.nominatedNodeName); // e.g. a failed binding of a nominated pod
    const reason = status.isRejected() ? 'Unschedulable' : 'SchedulerError';
    const msg = status.message();
    const latest = this.podLister?.get(podKey(pod)) as Pod | undefined;
    const gone = this.podLister !== undefined && (latest === undefined || latest.metadata?.uid !== pod.metadata?.uid);
    if (gone || (latest && isAssigned(latest))) {
      this.queue.done(pod);
      return;
    }
    if (latest) qpi.pod = latest;
    this.queue.addUnschedulableIfNotPresent(qpi, cycle);
    const eventMsg = msg.length > MAX_EVENT_MESSAGE ? `${msg.slice(0, MAX_EVENT_MESSAGE - 3)}...` : msg;
    fwk.handle.recorder?.event(qpi.pod, 'Warning', 'FailedScheduling', eventMsg);
    // The status write does not hold up the scheduling loop (a round trip per unschedulable pod); writes for one
    // pod stay in order.
    const target = qpi.pod;
    const uid = podUid(target);
    const prev = this.statusWrites.get(uid) ?? Promise.resolve();
    const next = prev.then(() => this.updatePodCondition(target, { type: 'PodScheduled', status: 'False', reason, message: msg }, nominatedNodeName));
    this.statusWrites.set(uid, next);
    void next.finally(() => {
      if (this.statusWrites.get(uid) === next) this.statusWrites.delete(uid);
    });
  }

  /** Resolves once every PodScheduled status write started so far is done. */
  async flushStatusWrites(): Promise<void> {
    while (this.statusWrites.size > 0) await Promise.all([...this.statusWrites.values()]);
  }

  private async updatePodCondition(pod: Pod, cond: PodCondition, nominatedNodeName: string | undefined): Promise<void> {
    if (!this.client) return;
    const old = (pod.status?.conditions ?? []).find((c) => c.type === cond.type);
    const nnnChanged = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    const nowIso = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const transition = old && old.status === cond.status ? old.lastTransitionTime : nowIso;
    const same = old && old.status === cond.status && (old.reason ?? '') === (cond.reason ?? '') && (old.message ?? '') === (cond.message ?? '') && !old.lastProbeTime;
    if (same && !nnnChanged) return;
    const status: Record<string, unknown> = { conditions: [{ ...cond, lastProbeTime: null, lastTransitionTime: transition }] };
    if (nnnChanged) status['nominatedNodeName'] = nominatedNodeName || null;
    try {
      await this.client.resource<Pod>('pods').patch(pod.metadata?.name ?? '', { metadata: { uid: pod.metadata?.uid }, status }, 'strategic', { namespace: pod.metadata?.namespace ?? 'default', subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.log(`error updating pod ${podKey(pod)}: ${(err as Error).message}`);
    }
  }

  /** Resolves once the recorded events have been written (best effort). */
  async flushEvents(): Promise<void> {
    await this.flushStatusWrites();
    await Promise.all([...this.recorders].map((r) => r.flush().catch(() => undefined)));
  }

  /** Schedules pods until `signal` aborts; also runs the queue's flushes and the cache's expiry of assumed pods. */
  async run(signal: AbortSignal): Promise<void> {
    this.queue.run(signal);
    const t = setInterval(() => {
      const expired = this.cache.cleanupExpiredAssumedPods();
      if (expired.length > 0) {
        for (const p of expired) this.log(`assumed pod ${podKey(p)} on node ${p.spec?.nodeName ?? ''} expired`);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      }
    }, 1000);
    t.unref?.();
    signal.addEventListener('abort', () => clearInterval(t), { once: true });
    while (!signal.aborted) {
      try {
        if (!(await this.scheduleOne())) break;
      } catch (err) {
        this.log(`scheduling cycle failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
    await Promise.allSettled([...this.bindings]);
  }
}

/** Upstream ErrNoNodesAvailable. */
export class NoNodesAvailableError extends Error {
  constructor() {
    super(NO_NODES_AVAILABLE);
  }
}

export interface RunSchedulerOptions extends Omit<SchedulerOptions, 'client'> {
  client: RestClient;
  /** Elect a leader on the configured Lease (default kube-system/kube-scheduler) first. Default: the config's leaderElection.leaderElect (true). */
  leaderElect?: boolean;
  /** Lease timings in ms (override the config's). */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called with the Scheduler once it is built (tests). */
  onStarted?: (s: Scheduler) => void;
}

/**
 * Runs kube-scheduler until `signal` aborts: informers on pods (non-terminal; unassigned ones of this scheduler's
 * profiles feed the queue, assigned ones the cache), nodes and namespaces; then the scheduling loop. With leader
 * election only the Lease holder schedules; losing the Lease stops scheduling and calls `onLost`.
 */
export async function runScheduler(opts: RunSchedulerOptions, signal: AbortSignal, onLost?: () => void): Promise<void> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`scheduler: ${l}\n`));
  const resolved = resolveConfiguration(opts.config);
  const run = async (leading: AbortSignal) => {
    // One abort listener per informer and watch on this signal: more than Node's default warning threshold of 10.
    setMaxListeners(0, leading);
    const sched = new Scheduler({ ...opts, log });
    const informers = new SharedInformerFactory(opts.client);
    const pods = informers.informerFor<Pod>('pods', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
    const nodes = informers.informerFor<Node>('nodes');
    const namespaces = informers.informerFor<Namespace>('namespaces');
    namespaces.addEventHandler({
      add: () => sched.queue.moveAllToActiveOrBackoffQueue('NamespaceAdd'),
      update: () => sched.queue.moveAllToActiveOrBackoffQueue('NamespaceUpdate'),
    });
    sched.listers.namespaces = namespaces.lister as Lister<Namespace>;
    sched.listers.services = informers.informerFor<Service>('services').lister as Lister<Service>;
    sched.listers.replicationControllers = informers.informerFor<ReplicationController>('replicationcontrollers').lister as Lister<ReplicationController>;
    sched.listers.replicaSets = informers.informerFor<ReplicaSet>('replicasets').lister as Lister<ReplicaSet>;
    sched.listers.statefulSets = informers.informerFor<StatefulSet>('statefulsets').lister as Lister<StatefulSet>;
    const pvcs = informers.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    pvcs.addEventHandler({
      add: () => sched.queue.moveAllToActiveOrBackoffQueue('PvcAdd'),
      update: () => sched.queue.moveAllToActiveOrBackoffQueue('PvcUpdate'),
    });
    sched.listers.persistentVolumeClaims = pvcs.lister as Lister<PersistentVolumeClaim>;
    const pvs = informers.informerFor<PersistentVolume>('persistentvolumes');
    pvs.addEventHandler({
      add: () => sched.queue.moveAllToActiveOrBackoffQueue('PvAdd'),
      update: () => sched.queue.moveAllToActiveOrBackoffQueue('PvUpdate'),
    });
    sched.listers.persistentVolumes = pvs.lister as Lister<PersistentVolume>;
    const classes = informers.informerFor<StorageClass>('storageclasses');
    classes.addEventHandler({
      add: () => sched.queue.moveAllToActiveOrBackoffQueue('StorageClassAdd'),
      update: () => sched.queue.moveAllToActiveOrBackoffQueue('StorageClassUpdate'),
    });
    sched.listers.storageClasses = classes.lister as Lister<StorageClass>;
    const pdbs = informers.informerFor<PodDisruptionBudget>('poddisruptionbudgets');
    sched.listers.podDisruptionBudgets = pdbs.lister as Lister<PodDisruptionBudget>;
    sched.setPodLister(pods.lister as Lister<Pod>);
    nodes.addEventHandler({
      add: (n) => sched.onNodeAdd(n as Node),
      update: (o, n) => sched.onNodeUpdate(o as Node, n as Node),
      delete: (n) => sched.onNodeDelete(n as Node),
    });
    pods.addEventHandler({
      add: (p) => sched.onPodAdd(p as Pod),
      update: (o, p) => sched.onPodUpdate(o as Pod, p as Pod),
      delete: (p) => sched.onPodDelete(p as Pod),
    });
    informers.start(leading);
    if (!(await informers.waitForCacheSync(leading))) return;
    opts.onStarted?.(sched);
    log(`started; profiles: ${[...sched.profiles.keys()].join(', ')}`);
    await sched.run(leading);
    await sched.flushEvents();
  };
  const leaderElect = opts.leaderElect ?? resolved.leaderElection.leaderElect;
  if (!leaderElect) return run(signal);
  const le = resolved.leaderElection;
  const identity = `${os.hostname()}_${randomUUID()}`;
  const elector = new LeaderElector({
    client: opts.client,
    namespace: le.resourceNamespace,
    name: le.resourceName,
    identity,
    leaseDurationMs: opts.leaseDurationMs ?? parseGoDuration(le.leaseDuration, 'leaderElection.leaseDuration'),
    renewDeadlineMs: opts.renewDeadlineMs ?? parseGoDuration(le.renewDeadline, 'leaderElection.renewDeadline'),
    retryPeriodMs: opts.retryPeriodMs ?? parseGoDuration(le.retryPeriod, 'leaderElection.retryPeriod'),
    releaseOnCancel: true,
    onStartedLeading: (leading) => {
      log(`${identity} became leader`);
      void run(leading).catch((err) => log(`stopped with an error: ${(err as Error).stack ?? String(err)}`));
    },
    onStoppedLeading: () => {
      log('leaderelection lost');
      if (!signal.aborted) onLost?.();
    },
  });
  await elector.run(signal);
}

/** The uid key the cache and queue use for a pod (re-exported for tests). */
export { podUid };

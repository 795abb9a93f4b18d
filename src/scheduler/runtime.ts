// The framework runtime (upstream framework/runtime): builds a profile's plugins from the registry and runs each extension point in order.
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { EventRecorder, Lister, RestClient } from '../client/index.js';
import type { ResolvedProfile } from './config.js';
import {
  Code,
  CycleState,
  EXTENSION_POINTS,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  Status,
  implementsPoint,
  type BindPlugin,
  type ClusterEvent,
  type EnqueueExtensions,
  type ExtensionPoint,
  type FilterPlugin,
  type NodeScore,
  type PermitPlugin,
  type Plugin,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type QueueSortPlugin,
  type QueuedPodInfo,
  type ReservePlugin,
  type ScorePlugin,
} from './framework.js';
import type { NodeInfo, Snapshot } from './nodeinfo.js';

/** What plugins get from the scheduler (upstream framework.Handle). */
export interface Handle {
  /** The API client (absent in unit tests). */
  readonly client?: RestClient;
  /** The snapshot of the current scheduling cycle. */
  snapshot(): Snapshot;
  readonly recorder?: EventRecorder;
  /** The framework the plugin belongs to (set once built; preemption runs filters through it). */
  framework?: Framework;
  /** Pods nominated to nodes by preemption (node name -> pods), when the scheduler tracks them. */
  nominatedPodsForNode?(nodeName: string): Pod[];
  /** Moves these pods, if waiting in the unschedulable set or backoff, to activeQ (upstream Handle.Activate). */
  activate?(pods: Pod[]): void;
  /** Informer listers of objects plugins read (filled once the scheduler's informers run; empty in unit tests). */
  readonly listers?: SchedulerListers;
}

/**
 * Listers the scheduler's informers provide to plugins: namespaces (InterPodAffinity namespaceSelector) and the
 * owners/services PodTopologySpread's default constraints derive their selector from.
 */
export interface SchedulerListers {
  namespaces?: Lister<Namespace>;
  services?: Lister<Service>;
  replicationControllers?: Lister<ReplicationController>;
  replicaSets?: Lister<ReplicaSet>;
  statefulSets?: Lister<StatefulSet>;
  /** Volume plugins: claims, volumes and classes (VolumeBinding, VolumeZone, VolumeRestrictions). */
  persistentVolumeClaims?: Lister<PersistentVolumeClaim>;
  persistentVolumes?: Lister<PersistentVolume>;
  storageClasses?: Lister<StorageClass>;
  /** DefaultPreemption: disruption budgets that victims should not violate where possible. */
  podDisruptionBudgets?: Lister<PodDisruptionBudget>;
}

/** Builds a plugin from its (defaulted) args. */
export type PluginFactory = (args: Record<string, unknown>, handle: Handle) => Plugin;

/** Plugin name -> factory. */
export type Registry = Readonly<Record<string, PluginFactory>>;

/** A node's total and per-plugin scores. */
export interface NodePluginScores {
  name: string;
  totalScore: number;
  scores: { plugin: string; score: number }[];
}

interface WaitingPod {
  resolve: (s: Status | undefined) => void;
  timer: NodeJS.Timeout;
  pending: Set<string>;
}

/**
 * One profile's plugins per extension point, in configured order (upstream frameworkImpl). Plugins named in the
 * configuration must be in the registry, except names listed in `unimplemented` (default plugins kubets does not
 * have, silently left out).
 */
export class Framework {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly plugins = new Map<string, Plugin>();
  preEnqueuePlugins: PreEnqueuePlugin[] = [];
  queueSortPlugins: QueueSortPlugin[] = [];
  preFilterPlugins: PreFilterPlugin[] = [];
  filterPlugins: FilterPlugin[] = [];
  postFilterPlugins: PostFilterPlugin[] = [];
  preScorePlugins: PreScorePlugin[] = [];
  scorePlugins: { plugin: ScorePlugin; weight: number }[] = [];
  reservePlugins: ReservePlugin[] = [];
  permitPlugins: PermitPlugin[] = [];
  preBindPlugins: PreBindPlugin[] = [];
  bindPlugins: BindPlugin[] = [];
  postBindPlugins: PostBindPlugin[] = [];
  private readonly waiting = new Map<string, WaitingPod>();

  constructor(profile: ResolvedProfile, registry: Registry, readonly handle: Handle, unimplemented: ReadonlySet<string> = new Set()) {
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    handle.framework = this;
    const wanted = new Set<string>();
    const weights = new Map<string, number>();
    for (const ep of [...EXTENSION_POINTS, 'multiPoint'] as const) {
      for (const e of profile.plugins[ep].enabled) {
        wanted.add(e.name);
        if ((ep === 'score' || ep === 'multiPoint') && e.weight !== undefined && !(ep === 'multiPoint' && weights.has(e.name))) weights.set(e.name, e.weight);
      }
    }
    for (const name of wanted) {
      const factory = registry[name];
      if (!factory) {
        if (unimplemented.has(name)) continue;
        throw new Error(`initializing profiles: creating profile for scheduler name ${profile.schedulerName}: plugin "${name}" does not exist`);
      }
      const args = profile.pluginConfig.get(name) ?? {};
      this.plugins.set(name, factory(args, handle));
    }
    const lists: Record<ExtensionPoint, Plugin[]> = Object.fromEntries(EXTENSION_POINTS.map((ep) => [ep, []])) as unknown as Record<ExtensionPoint, Plugin[]>;
    for (const ep of EXTENSION_POINTS) {
      const set = profile.plugins[ep];
      const disabled = new Set(set.disabled.map((d) => d.name));
      const explicit = set.enabled.map((e) => e.name).filter((n) => this.plugins.has(n));
      for (const n of explicit) {
        if (!implementsPoint(this.plugins.get(n)!, ep)) throw new Error(`plugin "${n}" does not extend ${ep} plugin`);
      }
      const overrides: string[] = [];
      const multi: string[] = [];
      if (!disabled.has('*')) {
        for (const e of profile.plugins.multiPoint.enabled) {
          const pl = this.plugins.get(e.name);
          if (!pl || !implementsPoint(pl, ep) || disabled.has(e.name)) continue;
          if (explicit.includes(e.name)) overrides.push(e.name);
          else if (!multi.includes(e.name)) multi.push(e.name);
        }
      }
      const order = [...overrides, ...multi, ...explicit.filter((n) => !overrides.includes(n))];
      lists[ep] = order.map((n) => this.plugins.get(n)!);
    }
    this.preEnqueuePlugins = lists.preEnqueue as PreEnqueuePlugin[];
    this.queueSortPlugins = lists.queueSort as QueueSortPlugin[];
    if (this.queueSortPlugins.length > 1) throw new Error('only one queue sort plugin can be enabled');
    this.preFilterPlugins = lists.preFilter as PreFilterPlugin[];
    this.filterPlugins = lists.filter as FilterPlugin[];
    this.postFilterPlugins = lists.postFilter as PostFilterPlugin[];
    this.preScorePlugins = lists.preScore as PreScorePlugin[];
    this.scorePlugins = (lists.score as ScorePlugin[]).map((p) => ({ plugin: p, weight: weights.get(p.name) || 1 }));
    this.reservePlugins = lists.reserve as ReservePlugin[];
    this.permitPlugins = lists.permit as PermitPlugin[];
    this.preBindPlugins = lists.preBind as PreBindPlugin[];
    this.bindPlugins = lists.bind as BindPlugin[];
    if (this.bindPlugins.length === 0) throw new Error('at least one bind plugin is needed');
    this.postBindPlugins = lists.postBind as PostBindPlugin[];
  }

  /** The activeQ order: the queue-sort plugin's less (priority, then timestamp when none). */
  queueSortLess(): (a: QueuedPodInfo, b: QueuedPodInfo) => boolean {
    const qs = this.queueSortPlugins[0];
    if (qs) return (a, b) => qs.less(a, b);
    return (a, b) => a.timestamp < b.timestamp;
  }

  /** Plugin name -> the cluster events it registers (plugins without EnqueueExtensions: every event). */
  eventsToRegister(): Map<string, Set<ClusterEvent> | 'all'> {
    const out = new Map<string, Set<ClusterEvent> | 'all'>();
    for (const [name, p] of this.plugins) {
      const ee = p as unknown as Partial<EnqueueExtensions>;
      out.set(name, typeof ee.eventsToRegister === 'function' ? new Set(ee.eventsToRegister()) : 'all');
    }
    return out;
  }

  /** The first PreEnqueue rejection (with its plugin), or undefined. */
  runPreEnqueuePlugins(pod: Pod): Status | undefined {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue(pod);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /**
   * Runs PreFilter plugins: Skip marks the plugin's Filter skipped; the first rejection or error is returned (with
   * its plugin); node-name results are intersected.
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { result?: PreFilterResult; status?: Status } {
    let names: Set<string> | undefined;
    for (const p of this.preFilterPlugins) {
      let out: ReturnType<PreFilterPlugin['preFilter']>;
      try {
        out = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: Status.error(`running PreFilter plugin "${p.name}": ${(err as Error).message}`).withPlugin(p.name) };
      }
      const s = out?.status;
      if (s?.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        state.activeFilters = undefined;
        continue;
      }
      if (s && !s.isSuccess()) {
        if (s.code === Code.Error) return { status: Status.error(`running PreFilter plugin "${p.name}": ${s.message()}`).withPlugin(p.name) };
        return { status: s.withPlugin(p.name) };
      }
      const r = out?.result?.nodeNames;
      if (r) {
        names = names === undefined ? new Set(r) : new Set([...names].filter((n) => r.has(n)));
        if (names.size === 0) {
          return { status: Status.unresolvable(`node(s) didn't satisfy plugin(s) [${p.name}] simultaneously`).withPlugin(p.name) };
        }
      }
    }
    return names ? { result: { nodeNames: names } } : {};
  }

  /** Runs Filter plugins (skipping those PreFilter skipped) on one node; the first non-success, with its plugin. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    // Runs for every node of every cycle: the plugins left after PreFilter's skips are listed once per cycle.
    const plugins = (state.activeFilters ??= this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name)));
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i]!;
      let s: Status | undefined;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        s = Status.error(`running "${p.name}" filter plugin: ${(err as Error).message}`);
      }
      if (s && s.code !== Code.Success) {
        if (s.code === Code.Error) return Status.error(`running "${p.name}" filter plugin: ${s.message()}`).withPlugin(p.name);
        return s.withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** Runs PostFilter plugins until one succeeds; otherwise the last rejection (upstream reports one message). */
  async runPostFilterPlugins(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }> {
    let last: Status | undefined;
    let result: PostFilterResult | undefined;
    for (const p of this.postFilterPlugins) {
      const out = await p.postFilter(state, pod, statuses);
      if (out.status.isSuccess()) return { ...(out.result ? { result: out.result } : {}), status: out.status.withPlugin(p.name) };
      if (out.status.code === Code.Error) return { status: out.status.withPlugin(p.name) };
      last = out.status.withPlugin(p.name);
      if (out.result) result = out.result;
    }
    return { ...(result ? { result } : {}), status: last ?? Status.unschedulable().withPlugin('') };
  }

  /** Runs PreScore plugins; Skip marks the plugin's Score skipped; the first error is returned. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    for (const p of this.preScorePlugins) {
      const s = p.preScore(state, pod, nodes);
      if (s?.isSkip()) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (s && !s.isSuccess()) return Status.error(`running PreScore plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    return undefined;
  }

  /**
   * Runs Score plugins on every node, then NormalizeScore, checks the range [0, 100] and applies weights.
   * Throws on a plugin error or an out-of-range score.
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodePluginScores[] {
    const active = this.scorePlugins.filter((s) => !state.skipScorePlugins.has(s.plugin.name));
    const out: NodePluginScores[] = nodes.map((n) => ({ name: n.name, totalScore: 0, scores: [] }));
    for (const { plugin, weight } of active) {
      const scores: NodeScore[] = nodes.map((n) => {
        const r = plugin.score(state, pod, n);
        if (r.status && !r.status.isSuccess()) throw new Error(`plugin "${plugin.name}" failed with: ${r.status.message()}`);
        return { name: n.name, score: r.score };
      });
      const ext = plugin.scoreExtensions?.();
      if (ext) {
        const s = ext.normalizeScore(state, pod, scores);
        if (s && !s.isSuccess()) throw new Error(`plugin "${plugin.name}" failed with: ${s.message()}`);
      }
      for (const [i, s] of scores.entries()) {
        if (s.score > MAX_NODE_SCORE || s.score < MIN_NODE_SCORE) {
          throw new Error(`plugin "${plugin.name}" returns an invalid score ${s.score}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`);
        }
        const entry = out[i]!;
        entry.scores.push({ plugin: plugin.name, score: s.score * weight });
        entry.totalScore += s.score * weight;
      }
    }
    return out;
  }

  /** Runs Reserve plugins; on the first failure, unreserves all of them (reverse order) and returns it. */
  async runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    for (const p of this.reservePlugins) {
      const s = await p.reserve(state, pod, nodeName);
      if (s && !s.isSuccess()) {
        const err = s.isRejected() ? s : Status.error(`running Reserve plugin "${p.name}": ${s.message()}`);
        return err.withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** Calls every Reserve plugin's unreserve, in reverse order. */
  async runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): Promise<void> {
    for (const p of [...this.reservePlugins].reverse()) {
      try {
        await p.unreserve(state, pod, nodeName);
      } catch {
        // unreserve must not fail the cycle
      }
    }
  }

  /**
   * Runs Permit plugins: a rejection is returned at once; Wait answers register the pod as waiting (the longest
   * timeout wins) and Wait is returned; {@link waitOnPermit} then resolves when every waiting plugin allowed it.
   */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status | undefined {
    const pending = new Set<string>();
    let timeoutMs = 0;
    for (const p of this.permitPlugins) {
      const r = p.permit(state, pod, nodeName);
      const s = r.status;
      if (!s || s.isSuccess()) continue;
      if (s.isRejected()) return s.withPlugin(p.name);
      if (s.code === Code.Wait) {
        pending.add(p.name);
        timeoutMs = Math.max(timeoutMs, Math.min(r.timeoutMs ?? 0, 15 * 60_000));
        continue;
      }
      return Status.error(`running Permit plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    if (pending.size === 0) return undefined;
    const uid = pod.metadata?.uid ?? '';
    let resolve!: (s: Status | undefined) => void;
    const done = new Promise<Status | undefined>((r) => (resolve = r));
    const timer = setTimeout(() => {
      this.waiting.delete(uid);
      resolve(Status.unschedulable(`rejected due to timeout after waiting ${timeoutMs / 1000}s at plugin ${[...pending][0]}`).withPlugin([...pending][0]!));
    }, timeoutMs);
    timer.unref?.();
    this.waiting.set(uid, { resolve, timer, pending });
    this.permitWaits.set(uid, done);
    return Status.wait();
  }

  private readonly permitWaits = new Map<string, Promise<Status | undefined>>();

  /** Waits for a pod that Permit put on hold; undefined (success) when it was not waiting. */
  async waitOnPermit(pod: Pod): Promise<Status | undefined> {
    const uid = pod.metadata?.uid ?? '';
    const p = this.permitWaits.get(uid);
    if (!p) return undefined;
    try {
      return await p;
    } finally {
      this.permitWaits.delete(uid);
    }
  }

  /** A Permit plugin allows (or, with `reject`, rejects) a waiting pod. */
  signalWaitingPod(uid: string, plugin: string, reject?: string): void {
    const w = this.waiting.get(uid);
    if (!w) return;
    if (reject !== undefined) {
      clearTimeout(w.timer);
      this.waiting.delete(uid);
      w.resolve(Status.unschedulable(reject).withPlugin(plugin));
      return;
    }
    w.pending.delete(plugin);
    if (w.pending.size === 0) {
      clearTimeout(w.timer);
      this.waiting.delete(uid);
      w.resolve(undefined);
    }
  }

  /** Runs PreBind plugins; the first failure is returned. */
  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    for (const p of this.preBindPlugins) {
      const s = await p.preBind(state, pod, nodeName);
      if (s && !s.isSuccess()) return (s.isRejected() ? s : Status.error(`running PreBind plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
    }
    return undefined;
  }

  /** Runs Bind plugins until one does not Skip. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    for (const p of this.bindPlugins) {
      const s = await p.bind(state, pod, nodeName);
      if (s?.isSkip()) continue;
      if (s && !s.isSuccess()) return (s.isRejected() ? s : Status.error(`running Bind plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
      return undefined;
    }
    return Status.skip();
  }

  /** Runs PostBind plugins (informational). */
  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind(state, pod, nodeName);
      } catch {
        // informational only
      }
    }
  }

  /** PreFilter extensions: account `podToAdd` on `nodeInfo` in every PreFilter plugin's state (preemption dry runs). */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      const s = ext?.addPod(state, pod, podToAdd, nodeInfo);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** PreFilter extensions: forget `podToRemove` on `nodeInfo` in every PreFilter plugin's state. */
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      const s = ext?.removePod(state, pod, podToRemove, nodeInfo);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }
  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }
}

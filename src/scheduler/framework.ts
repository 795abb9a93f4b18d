// The scheduling framework's vocabulary (upstream pkg/scheduler/framework/interface.go): Status and codes, CycleState, one interface per extension point, cluster events.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from './nodeinfo.js';

/** Status codes, as upstream's framework.Code. */
export enum Code {
  Success = 0,
  Error = 1,
  Unschedulable = 2,
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  Skip = 5,
  Pending = 6,
}

const CODE_NAMES = ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip', 'Pending'];

/** The highest score a Score plugin may return (after normalisation). */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/**
 * The result of running a plugin (upstream framework.Status): a code, the reasons (joined with ", " into the
 * message), and the plugin that produced it. `undefined` stands for Success wherever a Status is returned.
 */
export class Status {
  plugin = '';
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly err?: Error,
  ) {}

  static success(): Status {
    return new Status(Code.Success);
  }
  static error(err: Error | string): Status {
    const e = typeof err === 'string' ? new Error(err) : err;
    return new Status(Code.Error, [e.message], e);
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static skip(): Status {
    return new Status(Code.Skip);
  }
  static wait(...reasons: string[]): Status {
    return new Status(Code.Wait, reasons);
  }

  /** Sets the plugin that produced this status; returns this. */
  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }
  /** The reasons joined with ", ". */
  message(): string {
    return this.reasons.join(', ');
  }
  codeName(): string {
    return CODE_NAMES[this.code] ?? String(this.code);
  }
  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isSkip(): boolean {
    return this.code === Code.Skip;
  }
  /** Unschedulable, UnschedulableAndUnresolvable or Pending: the pod cannot go on this node (or anywhere). */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }
}

/** True when `s` is undefined or a Success status. */
export function isSuccess(s: Status | undefined | void): boolean {
  return s === undefined || s.code === Code.Success;
}

/** Per-cycle scratch space plugins share data through (PreFilter -> Filter, PreScore -> Score). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Filter plugins whose PreFilter returned Skip. */
  readonly skipFilterPlugins = new Set<string>();
  /** Score plugins whose PreScore returned Skip. */
  readonly skipScorePlugins = new Set<string>();
  /**
   * The filter plugins left after the skips: listed by the first Filter run after PreFilter (which clears it when
   * it sets skips), so the per-node loop does not look each plugin up in the skip set. Not copied by clone.
   */
  activeFilters: readonly FilterPlugin[] | undefined;

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  delete(key: string): void {
    this.data.delete(key);
  }
  /** A copy (the values are shared: plugins that mutate their state during preemption clone it themselves). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cloneable = v as { clone?: () => unknown } | undefined;
      c.data.set(k, typeof cloneable?.clone === 'function' ? cloneable.clone() : v);
    }
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}

/** A pod waiting in the scheduling queue, with its attempt bookkeeping (upstream QueuedPodInfo). */
export interface QueuedPodInfo {
  pod: Pod;
  /** When the pod was (last) added to the queue, ms; the activeQ tie-breaker. */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** When the pod was first added to the queue, ms. */
  initialAttemptTimestamp: number;
  /** Plugins that rejected the pod in its last attempt (decide which cluster events may make it schedulable). */
  unschedulablePlugins: Set<string>;
  /** Whether a PreEnqueue plugin (SchedulingGates) keeps the pod out of activeQ. */
  gated: boolean;
  /** The message of the PreEnqueue plugin that gates the pod. */
  gatedBy?: string;
  /** Insertion sequence: breaks ties between equal pods, first in first out. */
  seq: number;
}

/** A node's score from one plugin or in total. */
export interface NodeScore {
  name: string;
  score: number;
}

/** What PreFilter may narrow the candidate nodes to (undefined = all nodes). */
export interface PreFilterResult {
  nodeNames?: Set<string>;
}

/** Kinds of cluster change that may make an unschedulable pod schedulable (upstream framework.ClusterEvent). */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeUpdate'
  | 'NodeDelete'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'UnscheduledPodUpdate'
  | 'PvcAdd'
  | 'PvcUpdate'
  | 'PvAdd'
  | 'PvUpdate'
  | 'StorageClassAdd'
  | 'StorageClassUpdate'
  | 'PdbChange'
  | 'ServiceAdd'
  | 'ServiceUpdate'
  | 'ServiceDelete'
  | 'NamespaceAdd'
  | 'NamespaceUpdate'
  /** Flush of pods that stayed unschedulable too long; moves every pod. */
  | 'UnschedulableTimeout'
  /** Sent by tests and the forced-move path: moves every pod. */
  | 'WildCard';

/** Everything a plugin is. */
export interface Plugin {
  readonly name: string;
}

/** Plugins that declare which cluster events may make pods they rejected schedulable. */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEvent[];
}

export interface PreEnqueuePlugin extends Plugin {
  /** Called before a pod enters activeQ; a non-success keeps it gated (in the unschedulable set) until it changes. */
  preEnqueue(pod: Pod): Status | undefined;
}

export interface QueueSortPlugin extends Plugin {
  /** Whether `a` should be scheduled before `b`. */
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** Incremental updates of PreFilter state when preemption adds or removes pods from a node (dry run). */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status | undefined;
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status | undefined;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes per-cycle state; Skip disables the plugin's Filter for this cycle; a rejection fails the pod on every node. */
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { result?: PreFilterResult; status?: Status } | undefined;
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

export interface FilterPlugin extends Plugin {
  /** Whether `pod` can run on the node; the reasons of a rejection end up in the FitError message. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
}

export interface PostFilterResult {
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits (e.g. preemption); `statuses` holds every node's filter status. */
  postFilter(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }>;
}

export interface PreScorePlugin extends Plugin {
  /** Computes per-cycle scoring state over the feasible nodes; Skip disables the plugin's Score. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined;
}

export interface ScoreExtensions {
  /** Rescales the plugin's raw scores into [0, MAX_NODE_SCORE] in place. */
  normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | undefined;
}

export interface ScorePlugin extends Plugin {
  /** The node's raw score for `pod`. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status?: Status };
  scoreExtensions?(): ScoreExtensions | undefined;
}

export interface ReservePlugin extends Plugin {
  /** Reserves resources for the assumed pod on `nodeName`; a failure unreserves every reserve plugin. */
  reserve(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined>;
  /** Undoes reserve (must be idempotent; called in reverse order). */
  unreserve(state: CycleState, pod: Pod, nodeName: string): Promise<void>;
}

export interface PermitPlugin extends Plugin {
  /** Approves, rejects, or asks the binding cycle to wait (Wait with `timeoutMs`) for the pod. */
  permit(state: CycleState, pod: Pod, nodeName: string): { status?: Status; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined>;
}

export interface BindPlugin extends Plugin {
  /** Binds the pod; Skip hands it to the next bind plugin. */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Extension points a plugin may implement, in config order. */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

/** The method that marks a plugin as implementing an extension point. */
const POINT_METHOD: Record<ExtensionPoint, string> = {
  preEnqueue: 'preEnqueue',
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

/** Whether `p` implements extension point `ep` (has its method). */
export function implementsPoint(p: Plugin, ep: ExtensionPoint): boolean {
  return typeof (p as unknown as Record<string, unknown>)[POINT_METHOD[ep]] === 'function';
}

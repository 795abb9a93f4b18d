// PodTopologySpread (upstream plugins/podtopologyspread): DoNotSchedule constraints as a filter (maxSkew, minDomains, node inclusion policies), ScheduleAnyway and the system default constraints as a score.
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromRequirements, labelSelectorFromSet, labelsNothing, selectorFromLabelSelector, type LabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';
import { CycleState, MAX_NODE_SCORE, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { podMatchesNodeAffinity } from './nodeaffinity.js';
import { findUntoleratedTaint } from './tainttoleration.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
/** Upstream ErrReasonConstraintsNotMatch. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** Upstream ErrReasonNodeLabelNotMatch. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const LABEL_ZONE = 'topology.kubernetes.io/zone';
const PRE_FILTER_KEY = `PreFilter${POD_TOPOLOGY_SPREAD}`;
const PRE_SCORE_KEY = `PreScore${POD_TOPOLOGY_SPREAD}`;

/** Upstream systemDefaultConstraints (defaultingType: System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/** kubescheduler.config.k8s.io/v1 PodTopologySpreadArgs. */
export interface PodTopologySpreadArgs {
  /** Constraints for pods that have none (used with defaultingType List; their labelSelector must be empty). */
  defaultConstraints?: TopologySpreadConstraint[];
  /** `System` (default): the built-in constraints; `List`: defaultConstraints. */
  defaultingType?: 'System' | 'List';
}

/** A parsed constraint (upstream topologySpreadConstraint). */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  /** Honor (default): only nodes matching the pod's nodeSelector/required node affinity count. */
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  /** Ignore (default); Honor: nodes with taints the pod does not tolerate do not count. */
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/**
 * Upstream filterTopologySpreadConstraints: the constraints with `whenUnsatisfiable === action`, with defaults
 * (minDomains 1, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore) and matchLabelKeys folded into the selector
 * (`key in (value)` for keys the pod has). Throws SelectorParseError on an invalid selector.
 */
export function parseConstraints(constraints: readonly TopologySpreadConstraint[], podLabels: Readonly<Record<string, string>>, action: string): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let ls = c.labelSelector as MetaLabelSelector | undefined;
    const extra = (c.matchLabelKeys ?? []).filter((k) => podLabels[k] !== undefined).map((k) => ({ key: k, operator: 'In' as const, values: [podLabels[k]!] }));
    if (ls && extra.length > 0) ls = { ...ls, matchExpressions: [...(ls.matchExpressions ?? []), ...extra] };
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: selectorFromLabelSelector(ls),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

/** Whether the node has every constraint's topology key. */
function hasAllKeys(labels: Readonly<Record<string, string>>, cs: readonly SpreadConstraint[]): boolean {
  return cs.every((c) => labels[c.topologyKey] !== undefined);
}

/** Upstream matchNodeInclusionPolicies. */
function nodeIncluded(c: SpreadConstraint, pod: Pod, ni: NodeInfo): boolean {
  const node = ni.node!;
  if (c.nodeAffinityPolicy === 'Honor' && !podMatchesNodeAffinity(pod, node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.spec?.taints ?? [], pod.spec?.tolerations ?? [], (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return true;
}

/** Upstream countPodsMatchSelector: pods in `ns`, not terminating, whose labels match. */
function countMatching(pods: readonly PodInfo[], selector: LabelSelector, ns: string): number {
  if (selector === labelsNothing()) return 0;
  let n = 0;
  for (const pi of pods) {
    const p = pi.pod;
    if (p.metadata?.deletionTimestamp || (p.metadata?.namespace ?? '') !== ns) continue;
    if (selector.matches(p.metadata?.labels)) n++;
  }
  return n;
}

/** PreFilter state: per constraint, topology value -> matching pods (domains of eligible nodes, zeros included). */
class PreFilterState {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    readonly counts: Map<string, number>[],
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
    );
  }

  /** Global minimum of constraint `i`: 0 while there are fewer domains than minDomains. */
  minMatch(i: number): number {
    const m = this.counts[i]!;
    if (m.size < this.constraints[i]!.minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  }
}

interface PreScoreState {
  constraints: readonly SpreadConstraint[];
  /** Per constraint, topology value -> matching pods (hostname constraints are counted in Score). */
  counts: Map<string, number>[];
  weights: number[];
  ignored: Set<string>;
}

/**
 * Spreads pods matching each constraint's selector across topology domains: DoNotSchedule constraints filter
 * (skew = matching pods in the node's domain + self - global minimum must stay within maxSkew), ScheduleAnyway
 * constraints (and the default constraints for pods without any) score nodes in less crowded domains higher.
 */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = POD_TOPOLOGY_SPREAD;
  private readonly defaultConstraints: readonly TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;

  constructor(
    args: PodTopologySpreadArgs = {},
    private readonly handle?: Handle,
  ) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaultConstraints = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'NodeDelete', 'UnscheduledPodUpdate'];
  }

  /** The pod's constraints for `action`, or the default constraints with the selector of its services/owner. */
  private constraintsFor(pod: Pod, action: string): SpreadConstraint[] {
    const own = pod.spec?.topologySpreadConstraints ?? [];
    if (own.length > 0) return parseConstraints(own, pod.metadata?.labels ?? {}, action);
    const cs = parseConstraints(this.defaultConstraints, pod.metadata?.labels ?? {}, action);
    if (cs.length === 0) return [];
    const selector = defaultSelector(pod, this.handle);
    if (selector.empty()) return [];
    return cs.map((c) => ({ ...c, selector }));
  }

  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status?: Status } | undefined {
    let cs: SpreadConstraint[];
    try {
      cs = this.constraintsFor(pod, 'DoNotSchedule');
    } catch (err) {
      return { status: Status.error(`obtaining pod's hard topology spread constraints: ${(err as Error).message}`) };
    }
    if (cs.length === 0) return { status: Status.skip() };
    const ns = pod.metadata?.namespace ?? '';
    const counts = cs.map(() => new Map<string, number>());
    for (const ni of nodes) {
      const labels = ni.node?.metadata?.labels;
      if (!labels || !hasAllKeys(labels, cs)) continue;
      for (const [i, c] of cs.entries()) {
        if (!nodeIncluded(c, pod, ni)) continue;
        const v = labels[c.topologyKey]!;
        const m = counts[i]!;
        m.set(v, (m.get(v) ?? 0) + countMatching(ni.pods, c.selector, ns));
      }
    }
    state.write(PRE_FILTER_KEY, new PreFilterState(cs, counts));
    return undefined;
  }

  preFilterExtensions(): PreFilterExtensions {
    const apply = (state: CycleState, pod: Pod, other: Pod, ni: NodeInfo, delta: number): Status | undefined => {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return Status.error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
      const labels = ni.node?.metadata?.labels;
      if (!labels || !hasAllKeys(labels, s.constraints) || (other.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) return undefined;
      for (const [i, c] of s.constraints.entries()) {
        if (!nodeIncluded(c, pod, ni) || !c.selector.matches(other.metadata?.labels)) continue;
        const m = s.counts[i]!;
        const v = labels[c.topologyKey]!;
        m.set(v, (m.get(v) ?? 0) + delta);
      }
      return undefined;
    };
    return {
      addPod: (state, pod, podToAdd, ni) => apply(state, pod, podToAdd, ni, 1),
      removePod: (state, pod, podToRemove, ni) => apply(state, pod, podToRemove, ni, -1),
    };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const node = nodeInfo.node;
    if (!node) return Status.error('node not found');
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return Status.error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    const labels = node.metadata?.labels ?? {};
    for (const [i, c] of s.constraints.entries()) {
      const v = labels[c.topologyKey];
      if (v === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const self = c.selector.matches(pod.metadata?.labels) ? 1 : 0;
      const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch(i);
      if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return undefined;
  }

  preScore(state: CycleState, pod: Pod, filtered: readonly NodeInfo[]): Status | undefined {
    const all = this.handle?.snapshot().list() ?? filtered;
    if (filtered.length === 0 || all.length === 0) return undefined;
    let cs: SpreadConstraint[];
    try {
      cs = this.constraintsFor(pod, 'ScheduleAnyway');
    } catch (err) {
      return Status.error(`calculating preScoreState: ${(err as Error).message}`);
    }
    if (cs.length === 0) return Status.skip();
    const requireAll = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const ignored = new Set<string>();
    const counts = cs.map(() => new Map<string, number>());
    const sizes = cs.map(() => 0);
    for (const ni of filtered) {
      const labels = ni.node?.metadata?.labels ?? {};
      if (requireAll && !hasAllKeys(labels, cs)) {
        ignored.add(ni.name);
        continue;
      }
      for (const [i, c] of cs.entries()) {
        if (c.topologyKey === LABEL_HOSTNAME) continue;
        // Upstream: a node without the key (system defaulting only) counts as the domain "".
        const v = labels[c.topologyKey] ?? '';
        if (!counts[i]!.has(v)) {
          counts[i]!.set(v, 0);
          sizes[i]!++;
        }
      }
    }
    const ns = pod.metadata?.namespace ?? '';
    for (const ni of all) {
      const labels = ni.node?.metadata?.labels;
      if (!labels || (requireAll && !hasAllKeys(labels, cs))) continue;
      for (const [i, c] of cs.entries()) {
        if (c.topologyKey === LABEL_HOSTNAME) continue;
        const v = labels[c.topologyKey] ?? '';
        const m = counts[i]!;
        if (!m.has(v) || !nodeIncluded(c, pod, ni)) continue;
        m.set(v, m.get(v)! + countMatching(ni.pods, c.selector, ns));
      }
    }
    const weights = cs.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? filtered.length - ignored.size : sizes[i]!) + 2));
    state.write(PRE_SCORE_KEY, { constraints: cs, counts, weights, ignored } satisfies PreScoreState);
    return undefined;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status?: Status } {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return { score: 0, status: Status.error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`) };
    if (s.ignored.has(nodeInfo.name)) return { score: 0 };
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    let score = 0;
    for (const [i, c] of s.constraints.entries()) {
      const v = labels[c.topologyKey];
      if (v === undefined) continue;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(nodeInfo.pods, c.selector, pod.metadata?.namespace ?? '') : (s.counts[i]!.get(v) ?? 0);
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    }
    return { score: Math.round(score) };
  }

  scoreExtensions(): ScoreExtensions {
    return {
      normalizeScore: (state: CycleState, _pod: Pod, scores: NodeScore[]) => {
        const s = state.read<PreScoreState>(PRE_SCORE_KEY);
        if (!s) return undefined;
        let min = Infinity;
        let max = 0;
        for (const x of scores) {
          if (s.ignored.has(x.name)) continue;
          if (x.score < min) min = x.score;
          if (x.score > max) max = x.score;
        }
        for (const x of scores) {
          if (s.ignored.has(x.name)) x.score = 0;
          else if (max === 0) x.score = MAX_NODE_SCORE;
          else x.score = Math.trunc((MAX_NODE_SCORE * (max + min - x.score)) / max);
        }
        return undefined;
      },
    };
  }
}

/**
 * Upstream helper.DefaultSelector: the union of the selectors of the Services selecting the pod, plus the selector
 * of its controlling ReplicationController, ReplicaSet or StatefulSet (looked up through the handle's listers).
 * Without listers it is empty, so the default constraints do not apply.
 */
export function defaultSelector(pod: Pod, handle: Handle | undefined): LabelSelector {
  const listers = handle?.listers;
  const ns = pod.metadata?.namespace ?? '';
  const podLabels = pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of listers?.services?.byIndex('namespace', ns) ?? []) {
    const sel = svc.spec?.selector as Readonly<Record<string, string>> | undefined;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => podLabels[k] === v)) Object.assign(set, sel);
  }
  let selector = labelSelectorFromSet(set);
  const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller);
  if (!owner) return selector;
  const key = `${ns}/${owner.name}`;
  if (owner.apiVersion === 'v1' && owner.kind === 'ReplicationController') {
    const rc = listers?.replicationControllers?.get(key);
    if (rc?.spec?.selector) selector = labelSelectorFromSet({ ...set, ...(rc.spec.selector as Record<string, string>) });
  } else if (owner.apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const obj = owner.kind === 'ReplicaSet' ? listers?.replicaSets?.get(key) : listers?.statefulSets?.get(key);
    if (obj?.spec?.selector) {
      try {
        const other = selectorFromLabelSelector(obj.spec.selector as MetaLabelSelector);
        if (other !== labelsNothing()) selector = labelSelectorFromRequirements([...selector.requirements, ...other.requirements]);
      } catch {
        // an invalid owner selector adds nothing
      }
    }
  }
  return selector;
}

// InterPodAffinity (upstream plugins/interpodaffinity): required pod affinity/anti-affinity (the incoming pod's and existing pods') as a filter, preferred terms as a score.
import type { Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { labelsNothing, selectorFromLabelSelector, type LabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';
import { CycleState, MAX_NODE_SCORE, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
/** Upstream ErrReasonExistingAntiAffinityRulesNotMatch. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** Upstream ErrReasonAffinityRulesNotMatch. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** Upstream ErrReasonAntiAffinityRulesNotMatch. */
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

const PRE_FILTER_KEY = `PreFilter${INTER_POD_AFFINITY}`;
const PRE_SCORE_KEY = `PreScore${INTER_POD_AFFINITY}`;

/** kubescheduler.config.k8s.io/v1 InterPodAffinityArgs. */
export interface InterPodAffinityArgs {
  /** Weight of existing pods' required affinity terms in scoring (default 1; 0 disables). */
  hardPodAffinityWeight?: number;
  /** Skip existing pods' preferred terms when the incoming pod has no preferred terms itself. */
  ignorePreferredTermsOfExistingPods?: boolean;
}

/** Looks up a namespace's labels; undefined when the namespace is unknown. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/** A parsed affinity term (upstream framework.AffinityTerm): namespaces, namespace selector, label selector, topology key, weight. */
export interface AffinityTerm {
  namespaces: ReadonlySet<string>;
  /** Nothing when the term has no namespaceSelector; Everything for `{}`. */
  namespaceSelector: LabelSelector;
  selector: LabelSelector;
  topologyKey: string;
  weight: number;
}

/** The parsed terms of one pod. */
export interface PodAffinityTerms {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

const EMPTY_TERMS: PodAffinityTerms = { requiredAffinity: [], requiredAntiAffinity: [], preferredAffinity: [], preferredAntiAffinity: [] };

/**
 * Parses one term of `pod`: empty namespaces and no namespaceSelector mean the pod's own namespace; matchLabelKeys
 * and mismatchLabelKeys add `key in (value)` / `key notin (value)` for the pod's own label values. Throws
 * SelectorParseError on an invalid selector.
 */
export function newAffinityTerm(pod: Pod, term: PodAffinityTerm, weight = 1): AffinityTerm {
  const labels = pod.metadata?.labels ?? {};
  let ls = term.labelSelector as MetaLabelSelector | undefined;
  const extra: { key: string; operator: 'In' | 'NotIn'; values: string[] }[] = [];
  for (const k of term.matchLabelKeys ?? []) if (labels[k] !== undefined) extra.push({ key: k, operator: 'In', values: [labels[k]!] });
  for (const k of term.mismatchLabelKeys ?? []) if (labels[k] !== undefined) extra.push({ key: k, operator: 'NotIn', values: [labels[k]!] });
  if (extra.length > 0) ls = { ...(ls ?? {}), matchExpressions: [...(ls?.matchExpressions ?? []), ...extra] };
  const namespaces = new Set(term.namespaces ?? []);
  if (namespaces.size === 0 && !term.namespaceSelector) namespaces.add(pod.metadata?.namespace ?? '');
  return {
    namespaces,
    namespaceSelector: term.namespaceSelector ? selectorFromLabelSelector(term.namespaceSelector as MetaLabelSelector) : labelsNothing(),
    selector: selectorFromLabelSelector(ls),
    topologyKey: term.topologyKey,
    weight,
  };
}

const termCache = new WeakMap<Pod, PodAffinityTerms | Error>();

/** The parsed affinity terms of `pod` (cached per pod object). Throws on an invalid selector. */
export function podAffinityTerms(pod: Pod): PodAffinityTerms {
  const a = pod.spec?.affinity;
  if (!a || (!a.podAffinity && !a.podAntiAffinity)) return EMPTY_TERMS;
  let t = termCache.get(pod);
  if (t === undefined) {
    try {
      const weighted = (ws: WeightedPodAffinityTerm[] | undefined) => (ws ?? []).filter((w) => w.weight !== 0).map((w) => newAffinityTerm(pod, w.podAffinityTerm, w.weight));
      t = {
        requiredAffinity: (a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((x) => newAffinityTerm(pod, x)),
        requiredAntiAffinity: (a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((x) => newAffinityTerm(pod, x)),
        preferredAffinity: weighted(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
        preferredAntiAffinity: weighted(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      };
    } catch (err) {
      t = err as Error;
    }
    termCache.set(pod, t);
  }
  if (t instanceof Error) throw t;
  return t;
}

/** Existing pods' terms: an unparsable one counts as having none (it was validated on admission). */
function existingTerms(pod: Pod): PodAffinityTerms {
  try {
    return podAffinityTerms(pod);
  } catch {
    return EMPTY_TERMS;
  }
}

/**
 * Upstream AffinityTerm.Matches: `pod`'s namespace is listed (or its labels match the namespace selector) and the
 * pod's labels match the term's selector.
 */
export function termMatches(t: AffinityTerm, pod: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!t.namespaces.has(ns)) {
    if (t.namespaceSelector === labelsNothing()) return false;
    if (!t.namespaceSelector.empty()) {
      const l = nsLabels(ns);
      if (l === undefined || !t.namespaceSelector.matches(l)) return false;
    }
  }
  return t.selector.matches(pod.metadata?.labels);
}

/** Whether `pod` matches every term (the "first pod of a group" check); false for no terms. */
function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, nsLabels: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  return terms.every((t) => termMatches(t, pod, nsLabels));
}

/** `topologyKey \0 value` -> count. */
type TopologyCounts = Map<string, number>;
const pairKey = (k: string, v: string) => `${k}\0${v}`;

function bump(m: TopologyCounts, node: Node, key: string, delta: number, keepZero = false): void {
  const v = node.metadata?.labels?.[key];
  if (v === undefined) return;
  const k = pairKey(key, v);
  const n = (m.get(k) ?? 0) + delta;
  if (n === 0 && !keepZero) m.delete(k);
  else m.set(k, n);
}

/** PreFilter state: the incoming pod's terms and the counts per topology pair. */
class PreFilterState {
  constructor(
    readonly terms: PodAffinityTerms,
    readonly nsLabels: NamespaceLabels,
    /** Pairs where an existing pod's required anti-affinity matches the incoming pod. */
    readonly existingAntiAffinityCounts: TopologyCounts = new Map(),
    /** Pairs with existing pods matching all the incoming pod's required affinity terms. */
    readonly affinityCounts: TopologyCounts = new Map(),
    /** Pairs with existing pods matching one of the incoming pod's required anti-affinity terms. */
    readonly antiAffinityCounts: TopologyCounts = new Map(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.terms, this.nsLabels, new Map(this.existingAntiAffinityCounts), new Map(this.affinityCounts), new Map(this.antiAffinityCounts));
  }

  /** Accounts (delta +1) or forgets (-1) `existing` on `node`. */
  update(existing: Pod, incoming: Pod, node: Node, delta: number): void {
    const et = existingTerms(existing);
    for (const t of et.requiredAntiAffinity) if (termMatches(t, incoming, this.nsLabels)) bump(this.existingAntiAffinityCounts, node, t.topologyKey, delta);
    if (this.terms.requiredAffinity.length > 0 && matchesAllTerms(this.terms.requiredAffinity, existing, this.nsLabels)) {
      for (const t of this.terms.requiredAffinity) bump(this.affinityCounts, node, t.topologyKey, delta);
    }
    for (const t of this.terms.requiredAntiAffinity) if (termMatches(t, existing, this.nsLabels)) bump(this.antiAffinityCounts, node, t.topologyKey, delta);
  }
}

/** A namespace-label lookup over the handle's namespace lister, memoised for one cycle. */
export function namespaceLabelsFor(handle: Handle | undefined): NamespaceLabels {
  const memo = new Map<string, Readonly<Record<string, string>> | undefined>();
  return (ns) => {
    if (memo.has(ns)) return memo.get(ns);
    const obj = handle?.listers?.namespaces?.get(ns);
    const v = obj ? ((obj.metadata?.labels ?? {}) as Readonly<Record<string, string>>) : undefined;
    memo.set(ns, v);
    return v;
  };
}

/** Sums term weights per topology pair for scoring. */
function processTerms(m: TopologyCounts, terms: readonly AffinityTerm[], pod: Pod, nsLabels: NamespaceLabels, node: Node, multiplier: number, weightOverride?: number): void {
  for (const t of terms) if (termMatches(t, pod, nsLabels)) bump(m, node, t.topologyKey, (weightOverride ?? t.weight) * multiplier, true);
}

interface PreScoreState {
  /** topologyKey -> value -> score. */
  topologyScore: Map<string, Map<string, number>>;
}

/**
 * Filters on required pod affinity/anti-affinity (the incoming pod's, and existing pods' anti-affinity against
 * it); scores preferred terms (both directions) and existing pods' required affinity (hardPodAffinityWeight).
 */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = INTER_POD_AFFINITY;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(
    args: InterPodAffinityArgs = {},
    private readonly handle?: Handle,
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate', 'NamespaceAdd', 'NamespaceUpdate'];
  }

  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status?: Status } | undefined {
    let terms: PodAffinityTerms;
    try {
      terms = podAffinityTerms(pod);
    } catch (err) {
      return { status: Status.error(`parsing pod: ${(err as Error).message}`) };
    }
    const nsLabels = namespaceLabelsFor(this.handle);
    const s = new PreFilterState(terms, nsLabels);
    const ownTerms = terms.requiredAffinity.length > 0 || terms.requiredAntiAffinity.length > 0;
    let existingAnti = false;
    for (const ni of nodes) {
      const node = ni.node;
      if (!node) continue;
      // Without terms of its own, only existing pods with required anti-affinity matter (upstream walks
      // HavePodsWithRequiredAntiAffinityList): most nodes have none.
      if (!ownTerms && ni.podsWithRequiredAntiAffinity === 0) continue;
      for (const pi of ni.pods) {
        const p = pi.pod;
        if (!ownTerms) {
          // Only existing pods with required anti-affinity matter.
          if (!p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) continue;
          existingAnti = true;
        }
        s.update(p, pod, node, 1);
      }
    }
    if (!ownTerms && !existingAnti) return { status: Status.skip() };
    state.write(PRE_FILTER_KEY, s);
    return undefined;
  }

  preFilterExtensions(): PreFilterExtensions {
    const apply = (state: CycleState, pod: Pod, other: Pod, ni: NodeInfo, delta: number): Status | undefined => {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return Status.error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`);
      if (ni.node) s.update(other, pod, ni.node, delta);
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
    if (!satisfyPodAffinity(s, pod, labels)) return Status.unresolvable(ERR_REASON_AFFINITY);
    for (const t of s.terms.requiredAntiAffinity) {
      const v = labels[t.topologyKey];
      if (v !== undefined && (s.antiAffinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (s.existingAntiAffinityCounts.size > 0) {
      for (const [k, v] of Object.entries(labels)) {
        if ((s.existingAntiAffinityCounts.get(pairKey(k, v)) ?? 0) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return undefined;
  }

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    if (nodes.length === 0) return undefined;
    let terms: PodAffinityTerms;
    try {
      terms = podAffinityTerms(pod);
    } catch (err) {
      return Status.error(`parsing pod: ${(err as Error).message}`);
    }
    const hasConstraints = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip();
    const nsLabels = namespaceLabelsFor(this.handle);
    const all = this.handle?.snapshot().list() ?? nodes;
    const pairs: TopologyCounts = new Map();
    for (const ni of all) {
      const node = ni.node;
      // Without preferred terms of its own, only existing pods with affinity matter (upstream
      // HavePodsWithAffinityList).
      if (!hasConstraints && ni.podsWithAffinity === 0) continue;
      if (!node || Object.keys(node.metadata?.labels ?? {}).length === 0) continue;
      for (const pi of ni.pods) {
        const existing = pi.pod;
        const hasAffinity = !!(existing.spec?.affinity?.podAffinity || existing.spec?.affinity?.podAntiAffinity);
        if (!hasConstraints && !hasAffinity) continue;
        processTerms(pairs, terms.preferredAffinity, existing, nsLabels, node, 1);
        processTerms(pairs, terms.preferredAntiAffinity, existing, nsLabels, node, -1);
        if (!hasAffinity) continue;
        const et = existingTerms(existing);
        if (this.hardPodAffinityWeight > 0) processTerms(pairs, et.requiredAffinity, pod, nsLabels, node, 1, this.hardPodAffinityWeight);
        processTerms(pairs, et.preferredAffinity, pod, nsLabels, node, 1);
        processTerms(pairs, et.preferredAntiAffinity, pod, nsLabels, node, -1);
      }
    }
    if (pairs.size === 0) return Status.skip();
    const topologyScore = new Map<string, Map<string, number>>();
    for (const [k, n] of pairs) {
      const i = k.indexOf('\0');
      const key = k.slice(0, i);
      let m = topologyScore.get(key);
      if (!m) topologyScore.set(key, (m = new Map()));
      m.set(k.slice(i + 1), n);
    }
    state.write(PRE_SCORE_KEY, { topologyScore } satisfies PreScoreState);
    return undefined;
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): { score: number; status?: Status } {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return { score: 0, status: Status.error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`) };
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    let score = 0;
    for (const [key, values] of s.topologyScore) {
      const v = labels[key];
      if (v !== undefined) score += values.get(v) ?? 0;
    }
    return { score };
  }

  scoreExtensions(): ScoreExtensions {
    return {
      normalizeScore: (state: CycleState, _pod: Pod, scores: NodeScore[]) => {
        const s = state.read<PreScoreState>(PRE_SCORE_KEY);
        if (!s || s.topologyScore.size === 0) return undefined;
        let min = Infinity;
        let max = -Infinity;
        for (const x of scores) {
          if (x.score > max) max = x.score;
          if (x.score < min) min = x.score;
        }
        const diff = max - min;
        for (const x of scores) x.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((x.score - min) / diff)) : 0;
        return undefined;
      },
    };
  }
}

/** Upstream satisfyPodAffinity, with the exception for the first pod of a group that has affinity to itself. */
function satisfyPodAffinity(s: PreFilterState, pod: Pod, labels: Readonly<Record<string, string>>): boolean {
  let podsExist = true;
  for (const t of s.terms.requiredAffinity) {
    const v = labels[t.topologyKey];
    if (v === undefined) return false;
    if ((s.affinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return s.affinityCounts.size === 0 && matchesAllTerms(s.terms.requiredAffinity, pod, s.nsLabels);
}

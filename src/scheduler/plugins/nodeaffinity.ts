// NodeAffinity (upstream plugins/nodeaffinity): required node selector/affinity as a filter (with node-name narrowing in PreFilter), preferred terms as a score.
import { nodeSelectorRequirementMatches } from '../../apimachinery/index.js';
import type { Node, NodeAffinity as NodeAffinitySpec, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';
import { CycleState, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreFilterPlugin, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import { defaultNormalizeScore } from './helpers.js';

export const NODE_AFFINITY = 'NodeAffinity';
/** Upstream ErrReasonPod. */
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
/** Upstream ErrReasonEnforced (the profile's addedAffinity). */
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/** kubescheduler.config.k8s.io/v1 NodeAffinityArgs. */
export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinitySpec;
}

/** Upstream node selector requirement semantics against labels (or fields); malformed requirements do not match. */
export const nodeRequirementMatches = nodeSelectorRequirementMatches;

/** One node selector term (expressions AND fields, `metadata.name` only); an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => nodeRequirementMatches(r, labels))) return false;
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && nodeRequirementMatches(r, nodeFields));
}

/** Upstream RequiredNodeAffinity.Match: spec.nodeSelector labels equal, and one required term (if any) matches. */
export function podMatchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

function addedMatches(added: NodeAffinitySpec | undefined, node: Node): boolean {
  const req = added?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!req) return true;
  return (req.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

const PRE_SCORE_KEY = `PreScore${NODE_AFFINITY}`;

/** Filters on spec.nodeSelector and required node affinity (plus the profile's addedAffinity); scores preferred terms by weight. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_AFFINITY;
  constructor(private readonly args: NodeAffinityArgs = {}) {}

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }

  preFilter(_state: CycleState, pod: Pod): { result?: { nodeNames?: Set<string> }; status?: Status } | undefined {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && !this.args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution && !pod.spec?.nodeSelector) return { status: Status.skip() };
    if (!required) return undefined;
    let names: Set<string> | undefined;
    for (const t of required.nodeSelectorTerms ?? []) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames === undefined ? s : new Set([...termNames].filter((n) => s.has(n)));
      }
      if (termNames === undefined) return undefined;
      names = new Set([...(names ?? []), ...termNames]);
    }
    if (names !== undefined && names.size === 0) return { status: Status.unresolvable(ERR_REASON_CONFLICT) };
    return names ? { result: { nodeNames: names } } : undefined;
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const node = nodeInfo.node;
    if (!node) return Status.error('node not found');
    if (!addedMatches(this.args.addedAffinity, node)) return Status.unresolvable(ERR_REASON_ENFORCED);
    if (!podMatchesNodeAffinity(pod, node)) return Status.unresolvable(ERR_REASON_NODE_AFFINITY);
    return undefined;
  }

  preScore(state: CycleState, pod: Pod): Status | undefined {
    const terms = [...(pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []), ...(this.args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])].filter((t) => t.weight !== 0);
    if (terms.length === 0) return Status.skip();
    state.write(PRE_SCORE_KEY, terms);
    return undefined;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number } {
    const node = nodeInfo.node;
    if (!node) return { score: 0 };
    const terms = state.read<{ weight: number; preference: NodeSelectorTerm }[]>(PRE_SCORE_KEY) ?? pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let score = 0;
    for (const t of terms) if (nodeSelectorTermMatches(t.preference, node)) score += t.weight;
    return { score };
  }

  scoreExtensions(): ScoreExtensions {
    return { normalizeScore: (_s: CycleState, _p: Pod, scores: NodeScore[]) => defaultNormalizeScore(scores, false) };
  }
}

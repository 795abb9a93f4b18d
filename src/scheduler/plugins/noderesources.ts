// NodeResourcesFit (filter: requests fit allocatable; score: LeastAllocated, MostAllocated, RequestedToCapacityRatio) and NodeResourcesBalancedAllocation, as upstream's noderesources plugins.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isExtendedResourceName } from '../../kubelet/admission.js';
import { podRequests } from '../../kubelet/resources.js';
import { CycleState, MAX_NODE_SCORE, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework.js';
import { nonZeroRequests, type NodeInfo } from '../nodeinfo.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

/** A resource and its weight in scoring. */
export interface ResourceSpec {
  name: string;
  weight?: number;
}

/** One point of RequestedToCapacityRatio's shape: utilization 0..100 -> score 0..10. */
export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/** kubescheduler.config.k8s.io/v1 NodeResourcesFitArgs. */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

/** kubescheduler.config.k8s.io/v1 NodeResourcesBalancedAllocationArgs. */
export interface NodeResourcesBalancedAllocationArgs {
  resources?: ResourceSpec[];
}

const DEFAULT_RESOURCES: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

const FIXED = ['cpu', 'memory', 'ephemeral-storage'];
const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_UTILIZATION = 100;

/** Upstream IsScalarResourceName: extended, hugepages, `kubernetes.io/`-prefixed and attachable-volume resources. */
function isScalar(name: string): boolean {
  return isExtendedResourceName(name) || name.startsWith('hugepages-') || name.includes('kubernetes.io/') || name.startsWith('attachable-volumes-');
}

const PRE_FILTER_KEY = `PreFilter${NODE_RESOURCES_FIT}`;
const PRE_SCORE_FIT_KEY = `PreScore${NODE_RESOURCES_FIT}`;
const PRE_SCORE_BALANCED_KEY = `PreScore${NODE_RESOURCES_BALANCED_ALLOCATION}`;

/** One insufficient resource (upstream InsufficientResource). */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * Upstream noderesources.Fits: every resource the pod does not fit on the node, in upstream order (pod count,
 * cpu, memory, ephemeral-storage, then scalar resources by name); ignored extended resources are skipped.
 * Reasons: `Too many pods`, `Insufficient <name>`.
 */
export function fitsRequest(requests: ReadonlyMap<string, number>, nodeInfo: NodeInfo, ignored: ReadonlySet<string> = NO_NAMES, ignoredGroups: ReadonlySet<string> = NO_NAMES): InsufficientResource[] {
  // The common answer (everything fits) without allocating: this runs for every node a pod is checked against.
  if (fits(requests, nodeInfo, ignored, ignoredGroups)) return NOTHING_INSUFFICIENT;
  const out: InsufficientResource[] = [];
  const allowedPods = nodeInfo.allocatable.get('pods') ?? 0;
  if (nodeInfo.pods.length + 1 > allowedPods) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: nodeInfo.pods.length, capacity: allowedPods });
  }
  const plan = checkPlan(requests, ignored, ignoredGroups);
  for (let i = 0; i < plan.names.length; i++) {
    const name = plan.names[i]!;
    const req = plan.amounts[i]!;
    const cap = nodeInfo.allocatable.get(name) ?? 0;
    const used = nodeInfo.requested.get(name) ?? 0;
    if (req > cap - used) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: req, used, capacity: cap });
  }
  return out;
}

const NO_NAMES: ReadonlySet<string> = new Set();
const NOTHING_INSUFFICIENT: InsufficientResource[] = [];
Object.freeze(NOTHING_INSUFFICIENT);

/** Whether every checked resource (and one more pod) fits on the node. */
function fits(requests: ReadonlyMap<string, number>, nodeInfo: NodeInfo, ignored: ReadonlySet<string>, ignoredGroups: ReadonlySet<string>): boolean {
  if (nodeInfo.pods.length + 1 > (nodeInfo.allocatable.get('pods') ?? 0)) return false;
  const plan = checkPlan(requests, ignored, ignoredGroups);
  const names = plan.names;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (plan.amounts[i]! > (nodeInfo.allocatable.get(name) ?? 0) - (nodeInfo.requested.get(name) ?? 0)) return false;
  }
  return true;
}

/** The resources a pod's requests are checked on, in upstream order, computed once per requests map (a pod is checked against thousands of nodes). */
interface CheckPlan {
  readonly ignored: ReadonlySet<string>;
  readonly ignoredGroups: ReadonlySet<string>;
  readonly names: string[];
  readonly amounts: number[];
}
const plans = new WeakMap<ReadonlyMap<string, number>, CheckPlan>();

function checkPlan(requests: ReadonlyMap<string, number>, ignored: ReadonlySet<string>, ignoredGroups: ReadonlySet<string>): CheckPlan {
  const cached = plans.get(requests);
  if (cached && cached.ignored === ignored && cached.ignoredGroups === ignoredGroups) return cached;
  const names: string[] = [];
  const amounts: number[] = [];
  const wanted = [...requests.entries()].filter(([k, v]) => k !== 'pods' && v > 0);
  const scalars = wanted.map(([k]) => k).filter((k) => !FIXED.includes(k)).sort();
  for (const name of [...FIXED, ...scalars]) {
    const req = requests.get(name) ?? 0;
    if (req <= 0) continue;
    if (isExtendedResourceName(name)) {
      if (ignored.has(name)) continue;
      const slash = name.indexOf('/');
      if (slash > 0 && ignoredGroups.has(name.slice(0, slash))) continue;
    } else if (!FIXED.includes(name) && !isScalar(name)) {
      continue;
    }
    names.push(name);
    amounts.push(req);
  }
  const plan = { ignored, ignoredGroups, names, amounts };
  plans.set(requests, plan);
  return plan;
}

/** Upstream leastRequestedScore: free fraction of capacity after placing the pod, 0..100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** Upstream mostRequestedScore: used fraction of capacity after placing the pod, 0..100 (capped). */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

/** Upstream BuildBrokenLinearFunction over (utilization, score) points sorted by utilization. */
export function brokenLinear(shape: readonly { utilization: number; score: number }[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const cur = shape[i]!;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1]!;
        return prev.score + Math.trunc(((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization));
      }
    }
    return shape[shape.length - 1]?.score ?? 0;
  };
}

type Scorer = (requested: number[], allocatable: number[], weights: number[]) => number;

function weightedScorer(per: (r: number, a: number) => number): Scorer {
  return (requested, allocatable, weights) => {
    let score = 0;
    let wsum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = weights[i] ?? 1;
      score += per(requested[i]!, allocatable[i]!) * w;
      wsum += w;
    }
    return wsum === 0 ? 0 : Math.trunc(score / wsum);
  };
}

function ratioScorer(shapeIn: readonly UtilizationShapePoint[]): Scorer {
  const f = brokenLinear(shapeIn.map((p) => ({ utilization: p.utilization, score: p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE) })));
  const resourceScore = (r: number, c: number) => (c === 0 || r > c ? f(MAX_UTILIZATION) : f(Math.trunc((r * MAX_UTILIZATION) / c)));
  return (requested, allocatable, weights) => {
    let score = 0;
    let wsum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const s = resourceScore(requested[i]!, allocatable[i]!);
      if (s > 0) {
        const w = weights[i] ?? 1;
        score += s * w;
        wsum += w;
      }
    }
    return wsum === 0 ? 0 : Math.round(score / wsum);
  };
}

/** Upstream balancedResourceScorer: 100 * (1 - standard deviation of the requested fractions). */
export const balancedScorer: Scorer = (requested, allocatable) => {
  const fractions: number[] = [];
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    fractions.push(Math.min(1, requested[i]! / allocatable[i]!));
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
};

/**
 * The (requested, allocatable) vectors of upstream resourceAllocationScorer: the node's requests (non-zero
 * defaulted for cpu/memory unless `useRequested`) plus the pod's; scalar resources the pod does not request, and
 * resources the node lacks, are left at 0 (skipped).
 */
/** Scratch vectors, reused by every call (scoring is synchronous; callers use them before the next call). */
const scratch = { requested: [] as number[], allocatable: [] as number[] };

function allocationVectors(resources: readonly ResourceSpec[], podReq: ReadonlyMap<string, number>, nodeInfo: NodeInfo, useRequested: boolean): { requested: number[]; allocatable: number[] } {
  const requested = scratch.requested;
  const allocatable = scratch.allocatable;
  requested.length = resources.length;
  allocatable.length = resources.length;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    const p = podReq.get(r.name) ?? 0;
    let alloc = 0;
    let req = 0;
    if (!(p === 0 && isScalar(r.name))) {
      alloc = nodeInfo.allocatable.get(r.name) ?? 0;
      let base: number;
      if (!useRequested && r.name === 'cpu') base = nodeInfo.nonZeroCpu;
      else if (!useRequested && r.name === 'memory') base = nodeInfo.nonZeroMemory;
      else base = nodeInfo.requested.get(r.name) ?? 0;
      req = base + p;
    }
    requested[i] = alloc === 0 ? 0 : req;
    allocatable[i] = alloc;
  }
  return scratch;
}

function scoringRequests(pod: Pod, useRequested: boolean): Map<string, number> {
  const req = podRequests(pod);
  if (!useRequested) {
    const nz = nonZeroRequests(pod);
    req.set('cpu', nz.cpu);
    req.set('memory', nz.memory);
  }
  return req;
}

/** Upstream NodeResourcesFit: PreFilter computes the pod's requests, Filter checks them, Score ranks by the scoring strategy. */
export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;
  private readonly ignored: Set<string>;
  private readonly ignoredGroups: Set<string>;
  private readonly resources: ResourceSpec[];
  private readonly scorer: Scorer;
  private weights: number[] | undefined;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
    const strategy = args.scoringStrategy ?? {};
    this.resources = (strategy.resources ?? DEFAULT_RESOURCES).map((r) => ({ name: r.name, weight: r.weight || 1 }));
    switch (strategy.type ?? 'LeastAllocated') {
      case 'LeastAllocated':
        this.scorer = weightedScorer(leastRequestedScore);
        break;
      case 'MostAllocated':
        this.scorer = weightedScorer(mostRequestedScore);
        break;
      case 'RequestedToCapacityRatio': {
        const shape = strategy.requestedToCapacityRatio?.shape ?? [];
        if (shape.length === 0) throw new Error('scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified');
        this.scorer = ratioScorer([...shape].sort((a, b) => a.utilization - b.utilization));
        break;
      }
      default:
        throw new Error(`scoringStrategy.type: Unsupported value: "${String(strategy.type)}": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`);
    }
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodDelete', 'AssignedPodUpdate', 'NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }

  preFilter(state: CycleState, pod: Pod): undefined {
    state.write(PRE_FILTER_KEY, podRequests(pod));
    return undefined;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const req = state.read<Map<string, number>>(PRE_FILTER_KEY) ?? podRequests(pod);
    const insufficient = fitsRequest(req, nodeInfo, this.ignored, this.ignoredGroups);
    if (insufficient.length === 0) return undefined;
    return Status.unschedulable(...insufficient.map((r) => r.reason));
  }

  preScore(state: CycleState, pod: Pod): undefined {
    state.write(PRE_SCORE_FIT_KEY, scoringRequests(pod, false));
    return undefined;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number } {
    const req = state.read<Map<string, number>>(PRE_SCORE_FIT_KEY) ?? scoringRequests(pod, false);
    const { requested, allocatable } = allocationVectors(this.resources, req, nodeInfo, false);
    this.weights ??= this.resources.map((r) => r.weight ?? 1);
    return { score: this.scorer(requested, allocatable, this.weights) };
  }
}

/** Upstream NodeResourcesBalancedAllocation: favours nodes whose cpu and memory use stay balanced with the pod on them. */
export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly resources: ResourceSpec[];

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    this.resources = (args.resources ?? DEFAULT_RESOURCES).map((r) => ({ name: r.name, weight: r.weight || 1 }));
  }

  preScore(state: CycleState, pod: Pod): undefined {
    state.write(PRE_SCORE_BALANCED_KEY, scoringRequests(pod, true));
    return undefined;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number } {
    const req = state.read<Map<string, number>>(PRE_SCORE_BALANCED_KEY) ?? scoringRequests(pod, true);
    const { requested, allocatable } = allocationVectors(this.resources, req, nodeInfo, true);
    return { score: balancedScorer(requested, allocatable, []) };
  }
}

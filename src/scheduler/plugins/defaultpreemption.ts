// DefaultPreemption (upstream plugins/defaultpreemption + framework/preemption): when no node fits, evict lower-priority pods from the node where that helps least disruptively, and nominate it.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector, type LabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';
import { isNotFound } from '../../client/index.js';
import { Code, CycleState, Status, type PostFilterPlugin, type PostFilterResult, type PreEnqueuePlugin } from '../framework.js';
import { podKey, type NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { podPriority } from './basic.js';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const ERR_PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';

/** kubescheduler.config.k8s.io/v1 DefaultPreemptionArgs. */
export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

/** A node where preemption would make the pod fit, the pods to evict there, and how many of them violate a PDB. */
export interface Candidate {
  nodeName: string;
  /** Victims, most important first. */
  victims: Pod[];
  /** Victims whose eviction exceeds a PodDisruptionBudget's disruptionsAllowed (0 when absent). */
  numPDBViolations?: number;
}

/** Upstream GetPodStartTime: status.startTime; pods that have not started count as starting now. */
function startTime(p: Pod, now: number): number {
  const t = p.status?.startTime;
  return t ? Date.parse(t) : now;
}

/** Upstream MoreImportantPod: higher priority, then the earlier start time. */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  const now = Date.now();
  return startTime(a, now) < startTime(b, now);
}

const byImportance = (a: Pod, b: Pod): number => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0);

/**
 * Upstream filterPodsWithPDBViolation: splits `pods` (in the given order) into those whose eviction would violate a
 * PodDisruptionBudget and those whose would not. A PDB applies to a pod in its namespace whose labels its (non-empty)
 * selector matches; each such pod uses up one of the PDB's `status.disruptionsAllowed`, counting the pods before it in
 * `pods`, and once the budget is below zero the pod violates it. Pods listed in the PDB's `status.disruptedPods` were
 * already counted by the apiserver and neither use the budget nor violate it. Pods without labels match no PDB.
 */
export function filterPodsWithPDBViolation(pods: readonly Pod[], pdbs: readonly PodDisruptionBudget[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = pdbs.map((b) => b.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((b): LabelSelector | undefined => {
    try {
      return selectorFromLabelSelector(b.spec?.selector as MetaLabelSelector | undefined);
    } catch {
      return undefined;
    }
  });
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const p of pods) {
    let violated = false;
    const labels = p.metadata?.labels;
    if (labels && Object.keys(labels).length > 0) {
      for (const [i, pdb] of pdbs.entries()) {
        if ((pdb.metadata?.namespace ?? '') !== (p.metadata?.namespace ?? '')) continue;
        const sel = selectors[i];
        // A PDB with a nil or empty selector matches nothing.
        if (!sel || sel.empty() || !sel.matches(labels)) continue;
        if (Object.prototype.hasOwnProperty.call(pdb.status?.disruptedPods ?? {}, p.metadata?.name ?? '')) continue;
        allowed[i] = allowed[i]! - 1;
        if (allowed[i]! < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/**
 * Upstream pickOneNodeForPreemption: the fewest PDB violations, then the lowest highest-victim priority, then the
 * lowest sum of victim priorities, then the fewest victims, then the latest start time among the highest-priority
 * victims, then the first candidate. Undefined when there is none.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  let best = [...candidates];
  const keepMin = (f: (c: Candidate) => number) => {
    if (best.length <= 1) return;
    const scores = best.map(f);
    const min = Math.min(...scores);
    best = best.filter((_, i) => scores[i] === min);
  };
  const highest = (c: Candidate) => Math.max(...c.victims.map(podPriority));
  const now = Date.now();
  keepMin((c) => c.numPDBViolations ?? 0);
  keepMin(highest);
  keepMin((c) => c.victims.reduce((a, v) => a + podPriority(v) + 2 ** 31, 0));
  keepMin((c) => c.victims.length);
  keepMin((c) => {
    const h = highest(c);
    const earliest = Math.min(...c.victims.filter((v) => podPriority(v) === h).map((v) => startTime(v, now)));
    return Number.isFinite(earliest) ? -earliest : Number.MAX_VALUE;
  });
  return best[0];
}

/** Upstream podTerminatingByPreemption: being deleted, with a DisruptionTarget condition set by scheduler preemption. */
function terminatingByPreemption(p: Pod): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  const c = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/** Evicts lower-priority pods so that the preemptor fits; nominates the chosen node. */
export class DefaultPreemption implements PostFilterPlugin, PreEnqueuePlugin {
  readonly name = DEFAULT_PREEMPTION;
  /** Source of the dry run's starting offset (upstream picks a random node to start from); tests replace it. */
  random: () => number = Math.random;
  /**
   * Upstream's asynchronous preemption (SchedulerAsyncPreemption, on by default since 1.33): PostFilter nominates
   * the node at once and the victims' API calls run beside the scheduling loop; meanwhile PreEnqueue keeps the
   * preemptor out of activeQ, and once the calls are done it is activated. Off: PostFilter waits for them (tests
   * that check the calls set this).
   */
  async = true;
  /** Preemptors whose victims' API calls are still running (pod uid -> their completion). */
  private readonly preempting = new Map<string, Promise<void>>();
  constructor(
    private readonly handle: Handle,
    readonly args: DefaultPreemptionArgs = {},
  ) {}

  /** Keeps a preemptor out of activeQ while its victims are being evicted (upstream DefaultPreemption.PreEnqueue). */
  preEnqueue(pod: Pod): Status | undefined {
    if (this.preempting.size > 0 && this.preempting.has(pod.metadata?.uid ?? '')) return Status.unschedulable('waiting for the preemption for this pod to be finished');
    return undefined;
  }

  /** Resolves once every asynchronous preemption started so far has finished (tests, shutdown). */
  async waitForPreemptions(): Promise<void> {
    while (this.preempting.size > 0) await Promise.all([...this.preempting.values()]);
  }

  async postFilter(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }> {
    const out = await this.preempt(state, pod, statuses);
    const msg = out.status.message();
    if (msg) return { ...(out.result ? { result: out.result } : {}), status: new Status(out.status.code, [`preemption: ${msg}`]) };
    return out;
  }

  /**
   * Upstream PodEligibleToPreemptOthers: not with preemptionPolicy Never, nor while a lower-priority pod evicted by an
   * earlier preemption is still terminating on the pod's nominated node (unless that node is now unresolvable).
   */
  podEligibleToPreemptOthers(pod: Pod, nominatedNodeStatus: Status | undefined): { ok: boolean; reason?: string } {
    if ((pod.spec?.preemptionPolicy ?? 'PreemptLowerPriority') === 'Never') return { ok: false, reason: 'not eligible due to preemptionPolicy=Never.' };
    const nominated = pod.status?.nominatedNodeName;
    if (!nominated) return { ok: true };
    if (nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return { ok: true };
    const ni = this.handle.snapshot().get(nominated);
    const prio = podPriority(pod);
    if (ni?.pods.some((pi) => podPriority(pi.pod) < prio && terminatingByPreemption(pi.pod))) {
      return { ok: false, reason: 'not eligible due to a terminating pod on the nominated node.' };
    }
    return { ok: true };
  }

  /** Upstream Evaluator.Preempt. */
  async preempt(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }> {
    const eligible = this.podEligibleToPreemptOthers(pod, statuses.get(pod.status?.nominatedNodeName ?? ''));
    if (!eligible.ok) return { status: Status.unschedulable(eligible.reason ?? '') };
    const { candidates, nodeStatuses } = this.findCandidates(state, pod, statuses);
    if (candidates.length === 0) {
      const counts = new Map<string, number>();
      for (const s of nodeStatuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
      const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
      const msg = `0/${nodeStatuses.size} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}`;
      return { result: { nominatedNodeName: '' }, status: Status.unschedulable(msg) };
    }
    const best = pickOneNodeForPreemption(candidates)!;
    const uid = pod.metadata?.uid ?? '';
    if (this.async && this.handle.client && uid !== '') {
      const done = this.prepareCandidate(best, pod)
        .then((err) => {
          if (err) process.stderr.write(`scheduler: preemption for ${podKey(pod)} on ${best.nodeName}: ${err.message()}\n`);
        })
        .finally(() => {
          this.preempting.delete(uid);
          this.handle.activate?.([pod]);
        });
      this.preempting.set(uid, done);
      return { result: { nominatedNodeName: best.nodeName }, status: Status.success() };
    }
    const err = await this.prepareCandidate(best, pod);
    if (err) return { status: err };
    return { result: { nominatedNodeName: best.nodeName }, status: Status.success() };
  }

  /** The PodDisruptionBudgets the informers hold (none in unit tests without a lister). */
  private pdbs(): PodDisruptionBudget[] {
    return (this.handle.listers?.podDisruptionBudgets?.list() ?? []) as PodDisruptionBudget[];
  }

  /**
   * Upstream calculateNumCandidates: minCandidateNodesPercentage of `numNodes`, at least minCandidateNodesAbsolute,
   * at most `numNodes`.
   */
  numCandidates(numNodes: number): number {
    const pct = this.args.minCandidateNodesPercentage ?? 10;
    const abs = this.args.minCandidateNodesAbsolute ?? 100;
    return Math.min(numNodes, Math.max(Math.floor((numNodes * pct) / 100), abs));
  }

  /**
   * Upstream findCandidates + dryRunPreemption: dry-runs preemption on the nodes where it might help (not
   * UnschedulableAndUnresolvable), starting at a random node and stopping once {@link numCandidates} candidates are
   * found, at least one of them without PDB violations. Candidates without violations come first.
   */
  findCandidates(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): { candidates: Candidate[]; nodeStatuses: Map<string, Status> } {
    const nodeStatuses = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const ni of this.handle.snapshot().list()) {
      if (statuses.get(ni.name)?.code === Code.UnschedulableAndUnresolvable) nodeStatuses.set(ni.name, Status.unresolvable(ERR_PREEMPTION_NOT_HELPFUL));
      else potential.push(ni);
    }
    if (potential.length === 0) return { candidates: [], nodeStatuses };
    const pdbs = this.pdbs();
    const want = this.numCandidates(potential.length);
    const offset = Math.min(potential.length - 1, Math.floor(this.random() * potential.length));
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    for (let i = 0; i < potential.length; i++) {
      const ni = potential[(offset + i) % potential.length]!;
      const r = this.selectVictimsOnNode(state.clone(), pod, ni.clone(), pdbs);
      if (r.status) {
        nodeStatuses.set(ni.name, r.status);
        continue;
      }
      const c: Candidate = { nodeName: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations };
      (r.numPDBViolations === 0 ? nonViolating : violating).push(c);
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= want) break;
    }
    return { candidates: [...nonViolating, ...violating], nodeStatuses };
  }

  /**
   * Upstream SelectVictimsOnNode: removes every lower-priority pod; if the preemptor then fits, adds them back most
   * important first — those whose eviction would violate a PDB before the others — keeping each that still lets it
   * fit (reprieved). The rest are the victims (most important first) and `numPDBViolations` counts the violating ones
   * among them. `pdbs` defaults to the PodDisruptionBudget lister's contents.
   */
  selectVictimsOnNode(state: CycleState, pod: Pod, ni: NodeInfo, pdbs: readonly PodDisruptionBudget[] = this.pdbs()): { victims: Pod[]; numPDBViolations: number; status?: Status } {
    const fwk = this.handle.framework;
    if (!fwk) return { victims: [], numPDBViolations: 0, status: Status.error('no framework') };
    const prio = podPriority(pod);
    const lowerInfos = ni.pods.filter((p) => podPriority(p.pod) < prio);
    const lower = lowerInfos.map((p) => p.pod);
    const infoOf = new Map(lowerInfos.map((p) => [p.pod, p]));
    if (lower.length === 0) return { victims: [], numPDBViolations: 0, status: Status.unresolvable(ERR_NO_VICTIMS) };
    for (const v of lower) {
      ni.removePod(v);
      fwk.runPreFilterExtensionRemovePod(state, pod, v, ni);
    }
    const fits = fwk.runFilterPlugins(state, pod, ni);
    if (fits) return { victims: [], numPDBViolations: 0, status: fits };
    const { violating, nonViolating } = filterPodsWithPDBViolation([...lower].sort(byImportance), pdbs);
    const victims: Pod[] = [];
    /** Puts `v` back; if the pod no longer fits, takes it out again as a victim. Returns whether it was reprieved. */
    const reprieve = (v: Pod): boolean => {
      ni.addPod(infoOf.get(v)!); // the PodInfo taken off the node, not a new one (its quantities are parsed already)
      fwk.runPreFilterExtensionAddPod(state, pod, v, ni);
      if (!fwk.runFilterPlugins(state, pod, ni)) return true;
      ni.removePod(v);
      fwk.runPreFilterExtensionRemovePod(state, pod, v, ni);
      victims.push(v);
      return false;
    };
    let numPDBViolations = 0;
    for (const v of violating) if (!reprieve(v)) numPDBViolations++;
    for (const v of nonViolating) reprieve(v);
    if (victims.length === 0) return { victims: [], numPDBViolations: 0, status: Status.error(`expected at least one victim pod on node "${ni.name}"`) };
    if (violating.length > 0 && nonViolating.length > 0) victims.sort(byImportance);
    return { victims, numPDBViolations };
  }

  /**
   * Upstream prepareCandidate: marks each victim with the DisruptionTarget condition (reason PreemptionByScheduler),
   * deletes it (victims already gone count as deleted) and records a Preempted event, all victims in parallel; then
   * clears the nomination of lower-priority pods nominated to the node, which may no longer fit there.
   */
  private async prepareCandidate(c: Candidate, pod: Pod): Promise<Status | undefined> {
    const client = this.handle.client;
    if (!client) return undefined;
    const pods = client.resource<Pod>('pods');
    const schedulerName = pod.spec?.schedulerName ?? 'default-scheduler';
    const errors = await Promise.all(
      c.victims.map(async (v): Promise<Status | undefined> => {
        const ns = v.metadata?.namespace ?? 'default';
        const name = v.metadata?.name ?? '';
        try {
          const has = v.status?.conditions?.some((x) => x.type === 'DisruptionTarget' && x.status === 'True' && x.reason === 'PreemptionByScheduler');
          if (!has) {
            const condition = {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'PreemptionByScheduler',
              message: `${schedulerName}: preempting to accommodate a higher priority pod`,
              lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            };
            await pods.patch(name, { status: { conditions: [condition] } }, 'strategic', { namespace: ns, subresource: 'status' });
          }
          await pods.delete(name, { namespace: ns, preconditions: { ...(v.metadata?.uid ? { uid: v.metadata.uid } : {}) } });
        } catch (err) {
          if (!isNotFound(err)) return Status.error(`deleting victim ${podKey(v)}: ${(err as Error).message}`);
        }
        this.handle.recorder?.eventf(v, 'Normal', 'Preempted', 'Preempted by pod %s on node %s', pod.metadata?.uid ?? '', c.nodeName);
        return undefined;
      }),
    );
    const failed = errors.find((e) => e !== undefined);
    if (failed) return failed;
    const prio = podPriority(pod);
    const nominated = (this.handle.nominatedPodsForNode?.(c.nodeName) ?? []).filter((p) => podPriority(p) < prio);
    await Promise.all(
      nominated.map((p) =>
        pods.patch(p.metadata?.name ?? '', { status: { nominatedNodeName: null } }, 'merge', { namespace: p.metadata?.namespace ?? 'default', subresource: 'status' }).catch(() => undefined),
      ),
    );
    return undefined;
  }
}

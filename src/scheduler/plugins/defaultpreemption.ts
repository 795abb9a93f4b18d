// DefaultPreemption (upstream plugins/defaultpreemption + framework/preemption): when no node fits, evict lower-priority pods from the node where that helps least disruptively, and nominate it.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../client/index.js';
import { Code, CycleState, Status, type PostFilterPlugin, type PostFilterResult } from '../framework.js';
import { newPodInfo, podKey, type NodeInfo } from '../nodeinfo.js';
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

/** A node where preemption would make the pod fit, and the pods to evict there. */
export interface Candidate {
  nodeName: string;
  victims: Pod[];
}

function startTime(p: Pod): number {
  const t = p.status?.startTime ?? p.metadata?.creationTimestamp;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

/** Upstream MoreImportantPod: higher priority, then the earlier start time. */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}

/**
 * Upstream pickOneNodeForPreemption (without PDBs): the lowest highest-victim priority, then the lowest sum of
 * victim priorities, then the fewest victims, then the latest start of the highest-priority victim, then the first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  let best = [...candidates];
  const keepMin = (f: (c: Candidate) => number) => {
    const min = Math.min(...best.map(f));
    best = best.filter((c) => f(c) === min);
  };
  keepMin((c) => Math.max(...c.victims.map(podPriority)));
  keepMin((c) => c.victims.reduce((a, v) => a + podPriority(v) + 2 ** 31, 0));
  keepMin((c) => c.victims.length);
  keepMin((c) => -Math.min(...c.victims.filter((v) => podPriority(v) === Math.max(...c.victims.map(podPriority))).map(startTime)));
  return best[0];
}

/** Evicts lower-priority pods so that the preemptor fits; nominates the chosen node. */
export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  constructor(
    private readonly handle: Handle,
    readonly args: DefaultPreemptionArgs = {},
  ) {}

  async postFilter(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }> {
    const out = await this.preempt(state, pod, statuses);
    const msg = out.status.message();
    if (msg) return { ...(out.result ? { result: out.result } : {}), status: new Status(out.status.code, [`preemption: ${msg}`]) };
    return out;
  }

  /** Upstream Evaluator.Preempt. */
  async preempt(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): Promise<{ result?: PostFilterResult; status: Status }> {
    if ((pod.spec?.preemptionPolicy ?? 'PreemptLowerPriority') === 'Never') return { status: Status.unschedulable('not eligible due to preemptionPolicy=Never.') };
    const { candidates, nodeStatuses } = this.findCandidates(state, pod, statuses);
    if (candidates.length === 0) {
      const counts = new Map<string, number>();
      for (const s of nodeStatuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
      const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
      const msg = `0/${nodeStatuses.size} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}`;
      return { result: { nominatedNodeName: '' }, status: Status.unschedulable(msg) };
    }
    const best = pickOneNodeForPreemption(candidates)!;
    const err = await this.prepareCandidate(best, pod);
    if (err) return { status: err };
    return { result: { nominatedNodeName: best.nodeName }, status: Status.success() };
  }

  /** Dry-runs preemption on every node where it might help. */
  findCandidates(state: CycleState, pod: Pod, statuses: ReadonlyMap<string, Status>): { candidates: Candidate[]; nodeStatuses: Map<string, Status> } {
    const nodeStatuses = new Map<string, Status>();
    const candidates: Candidate[] = [];
    const all = this.handle.snapshot().list();
    for (const ni of all) {
      const s = statuses.get(ni.name);
      if (s?.code === Code.UnschedulableAndUnresolvable) {
        nodeStatuses.set(ni.name, Status.unresolvable(ERR_PREEMPTION_NOT_HELPFUL));
        continue;
      }
      const r = this.selectVictimsOnNode(state.clone(), pod, ni.clone());
      if (r.status) nodeStatuses.set(ni.name, r.status);
      else candidates.push({ nodeName: ni.name, victims: r.victims });
    }
    return { candidates, nodeStatuses };
  }

  /**
   * Upstream SelectVictimsOnNode: removes every lower-priority pod; if the preemptor then fits, adds them back
   * most important first, keeping those that still let it fit (reprieved); the rest are the victims.
   */
  selectVictimsOnNode(state: CycleState, pod: Pod, ni: NodeInfo): { victims: Pod[]; status?: Status } {
    const fwk = this.handle.framework;
    if (!fwk) return { victims: [], status: Status.error('no framework') };
    const prio = podPriority(pod);
    const lower = ni.pods.map((p) => p.pod).filter((p) => podPriority(p) < prio);
    if (lower.length === 0) return { victims: [], status: Status.unresolvable(ERR_NO_VICTIMS) };
    for (const v of lower) {
      ni.removePod(v);
      fwk.runPreFilterExtensionRemovePod(state, pod, v, ni);
    }
    const fits = fwk.runFilterPlugins(state, pod, ni);
    if (fits) return { victims: [], status: fits };
    const victims: Pod[] = [];
    const sorted = [...lower].sort((a, b) => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0));
    for (const v of sorted) {
      ni.addPod(newPodInfo(v));
      fwk.runPreFilterExtensionAddPod(state, pod, v, ni);
      if (fwk.runFilterPlugins(state, pod, ni)) {
        ni.removePod(v);
        fwk.runPreFilterExtensionRemovePod(state, pod, v, ni);
        victims.push(v);
      }
    }
    if (victims.length === 0) return { victims: [], status: Status.error(`expected at least one victim pod on node "${ni.name}"`) };
    return { victims };
  }

  /** Marks each victim with the DisruptionTarget condition, deletes it and records a Preempted event. */
  private async prepareCandidate(c: Candidate, pod: Pod): Promise<Status | undefined> {
    const client = this.handle.client;
    if (!client) return undefined;
    const pods = client.resource<Pod>('pods');
    for (const v of c.victims) {
      const ns = v.metadata?.namespace ?? 'default';
      const name = v.metadata?.name ?? '';
      try {
        await pods
          .patch(
            name,
            {
              status: {
                conditions: [
                  {
                    type: 'DisruptionTarget',
                    status: 'True',
                    reason: 'PreemptionByScheduler',
                    message: `${pod.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
                    lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
                  },
                ],
              },
            },
            'strategic',
            { namespace: ns, subresource: 'status' },
          )
          .catch(() => undefined);
        await pods.delete(name, { namespace: ns, preconditions: { ...(v.metadata?.uid ? { uid: v.metadata.uid } : {}) } });
      } catch (err) {
        if (!isNotFound(err)) return Status.error(`deleting victim ${podKey(v)}: ${(err as Error).message}`);
      }
      this.handle.recorder?.eventf(v, 'Normal', 'Preempted', 'Preempted by pod %s on node %s', pod.metadata?.uid ?? '', c.nodeName);
    }
    return undefined;
  }
}

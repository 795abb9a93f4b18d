// TaintToleration (upstream plugins/tainttoleration): NoSchedule/NoExecute taints the pod does not tolerate filter the node out; untolerated PreferNoSchedule taints lower its score.
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../../kubelet/admission.js';
import { CycleState, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import { defaultNormalizeScore } from './helpers.js';

export const TAINT_TOLERATION = 'TaintToleration';
const PRE_SCORE_KEY = `PreScore${TAINT_TOLERATION}`;

/** The first taint (in node order) matching `inclusion` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], inclusion: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => inclusion(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/** Filters nodes with an untolerated NoSchedule/NoExecute taint; scores by the count of untolerated PreferNoSchedule taints (fewer is better). */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = TAINT_TOLERATION;

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const node = nodeInfo.node;
    if (!node) return Status.error('invalid nodeInfo');
    const taint = findUntoleratedTaint(node.spec?.taints ?? [], pod.spec?.tolerations ?? [], (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    if (!taint) return undefined;
    return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  }

  preScore(state: CycleState, pod: Pod): undefined {
    state.write(PRE_SCORE_KEY, (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
    return undefined;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number } {
    const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY) ?? pod.spec?.tolerations ?? [];
    let n = 0;
    for (const taint of nodeInfo.node?.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => toleratesTaint(t, taint))) n++;
    }
    return { score: n };
  }

  scoreExtensions(): ScoreExtensions {
    return { normalizeScore: (_s: CycleState, _p: Pod, scores: NodeScore[]) => defaultNormalizeScore(scores, true) };
  }
}

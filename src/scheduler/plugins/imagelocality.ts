// ImageLocality (upstream plugins/imagelocality): favours nodes that already have the pod's images, weighted by image size and how widely the image is spread.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { normalizedImageName, type NodeInfo, type Snapshot } from '../nodeinfo.js';

export const IMAGE_LOCALITY = 'ImageLocality';

const MB = 1024 * 1024;
/** Below this summed (scaled) size a node scores 0. */
export const IMAGE_MIN_THRESHOLD = 23 * MB;
/** Per container, the size at which a node scores the maximum. */
export const IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** Upstream calculatePriority: maps the summed image score into 0..100 between the thresholds. */
export function imageScore(sum: number, numContainers: number): number {
  const maxThreshold = IMAGE_MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sum, IMAGE_MIN_THRESHOLD), maxThreshold);
  if (maxThreshold === IMAGE_MIN_THRESHOLD) return 0;
  return Math.trunc((MAX_NODE_SCORE * (s - IMAGE_MIN_THRESHOLD)) / (maxThreshold - IMAGE_MIN_THRESHOLD));
}

/** Scores a node by the sizes of the pod's (init and app) images present there, each scaled by the share of nodes having it. */
export class ImageLocality implements ScorePlugin {
  readonly name = IMAGE_LOCALITY;
  constructor(private readonly snapshot: () => Snapshot) {}

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number } {
    const snap = this.snapshot();
    const total = snap.nodeInfoList.length;
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    let sum = 0;
    for (const c of containers) {
      if (!c.image) continue;
      const name = normalizedImageName(c.image);
      const size = nodeInfo.imageSizes.get(name);
      if (size === undefined || total === 0) continue;
      sum += Math.trunc((size * (snap.imageNodeCount.get(name) ?? 1)) / total);
    }
    return { score: imageScore(sum, containers.length) };
  }
}

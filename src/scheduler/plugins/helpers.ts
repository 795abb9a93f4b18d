// Shared scoring helpers of the default plugins (upstream plugins/helper).
import { MAX_NODE_SCORE, type NodeScore } from '../framework.js';

/**
 * Upstream helper.DefaultNormalizeScore: scales scores so the highest becomes MAX_NODE_SCORE (integer division);
 * with `reverse`, score becomes MAX - score. When every score is 0, reverse makes them all MAX. Returns undefined.
 */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, max = MAX_NODE_SCORE): undefined {
  let highest = 0;
  for (const s of scores) if (s.score > highest) highest = s.score;
  if (highest === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return undefined;
  }
  for (const s of scores) {
    let v = Math.trunc((max * s.score) / highest);
    if (reverse) v = max - v;
    s.score = v;
  }
  return undefined;
}

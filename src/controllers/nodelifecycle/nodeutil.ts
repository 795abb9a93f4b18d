// API writes the node lifecycle and taint eviction controllers share: swapping node taints, marking pods not ready.
import type { Node, Pod, PodCondition, PodStatus, Taint } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, type DeepReadonly, type EventRecorder, type Lister, type RestClient } from '../../client/index.js';
import { swapTaints } from './taints.js';

const TAINT_RETRIES = 5;

/**
 * Upstream SwapNodeControllerTaint (AddOrUpdateTaintOnNode + RemoveTaintOffNode in one write): adds `add`
 * (stamped with timeAdded) and removes `remove` on node `name`. The first attempt starts from `cached` (the
 * informer's copy), retries after a conflict from a fresh GET; the merge patch carries the resourceVersion read,
 * so a concurrent change is a conflict rather than a lost update. Resolves false when the node is gone.
 */
export async function swapNodeTaints(client: RestClient, name: string, cached: DeepReadonly<Node> | Node | undefined, add: readonly Taint[], remove: readonly Taint[]): Promise<boolean> {
  const nodes = client.resource<Node>('nodes');
  let node: DeepReadonly<Node> | Node | undefined = cached;
  for (let attempt = 0; attempt < TAINT_RETRIES; attempt++) {
    try {
      if (!node) node = await nodes.get(name);
      const { taints, changed } = swapTaints(node.spec?.taints as Taint[] | undefined, add, remove, new Date());
      if (!changed) return true;
      await nodes.patch(name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.length > 0 ? taints : null } }, 'merge');
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt === TAINT_RETRIES - 1) throw err;
      node = undefined;
    }
  }
  return false;
}

/**
 * Upstream UpdatePodCondition on a copy: sets `cond` (lastTransitionTime moves to `now` when the status changes);
 * returns undefined when nothing would change.
 */
export function withPodCondition(pod: DeepReadonly<Pod> | Pod, cond: PodCondition, now: Date): Pod | undefined {
  const status = structuredClone(pod.status ?? {}) as PodStatus;
  const next: Pod = { ...(structuredClone(pod) as Pod), status };
  const conds = (status.conditions ??= []);
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const i = conds.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    conds.push({ ...cond, lastTransitionTime: cond.lastTransitionTime ?? ts });
    return next;
  }
  const old = conds[i]!;
  const updated: PodCondition = {
    ...old,
    ...cond,
    lastTransitionTime: old.status === cond.status ? old.lastTransitionTime : (cond.lastTransitionTime ?? ts),
  };
  if (cond.reason === undefined) delete updated.reason;
  if (cond.message === undefined) delete updated.message;
  if (cond.lastProbeTime === undefined && old.lastProbeTime !== undefined) updated.lastProbeTime = old.lastProbeTime;
  const same =
    old.status === updated.status &&
    (old.reason ?? '') === (updated.reason ?? '') &&
    (old.message ?? '') === (updated.message ?? '') &&
    old.lastTransitionTime === updated.lastTransitionTime &&
    (old.lastProbeTime ?? null) === (updated.lastProbeTime ?? null);
  if (same) return undefined;
  conds[i] = updated;
  return next;
}

/**
 * Upstream MarkPodsNotReady: every pod of `pods` bound to `nodeName` whose Ready condition is not already False
 * gets it set False through pods/status, then a `NodeNotReady` Warning event ("Node is not ready"). A pod that is
 * gone is skipped; other failures are collected and thrown together at the end.
 */
export async function markPodsNotReady(client: RestClient, recorder: EventRecorder, pods: readonly (DeepReadonly<Pod> | Pod)[], nodeName: string): Promise<void> {
  const errs: string[] = [];
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    if (!ready) continue;
    const next = withPodCondition(pod, { ...(ready as PodCondition), status: 'False' }, new Date());
    if (!next) continue;
    try {
      await client.resource<Pod>('pods').updateStatus(next, { namespace: pod.metadata!.namespace! });
    } catch (err) {
      if (isNotFound(err)) continue;
      errs.push(`${pod.metadata?.namespace}/${pod.metadata?.name}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'NodeNotReady', 'Node is not ready');
  }
  if (errs.length > 0) throw new Error(`unable to mark pods NotReady: ${errs.join('; ')}`);
}

/** Index of pods by `spec.nodeName` (upstream nodeNameKeyIndex). */
export const NODE_NAME_INDEX = 'spec.nodeName';

/**
 * Adds the `spec.nodeName` index to a shared pod informer unless another controller already did (the informer
 * is shared; the index function is the same everywhere).
 */
export function ensureNodeNameIndex(inf: { lister: Lister<Pod>; addIndexers(i: Record<string, (p: Pod) => string[]>): void }): void {
  try {
    inf.lister.byIndex(NODE_NAME_INDEX, '');
  } catch {
    try {
      inf.addIndexers({ [NODE_NAME_INDEX]: (p: Pod) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    } catch {
      // added concurrently by another controller
    }
  }
}

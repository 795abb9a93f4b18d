// Taint and toleration logic of the node lifecycle and taint eviction controllers (upstream taints util, v1 helper, nodelifecycle maps).
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** The NoExecute taint of a node whose Ready condition is Unknown (upstream UnreachableTaintTemplate). */
export const UNREACHABLE_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
/** The NoExecute taint of a node whose Ready condition is False (upstream NotReadyTaintTemplate). */
export const NOT_READY_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });

/** Which condition status maps to which NoSchedule taint key (upstream nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

/** Taint keys the controller manages from conditions (upstream taintKeyToNodeConditionMap). */
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

/** Upstream Taint.MatchTaint: same key and effect (the value is not compared). */
export function matchTaint(a: Readonly<Taint>, b: Readonly<Taint>): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** Whether `taints` holds a taint matching `t` (key and effect). */
export function taintExists(taints: readonly Readonly<Taint>[] | undefined, t: Readonly<Taint>): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/** The NoExecute taints of a list. */
export function noExecuteTaints(taints: readonly Readonly<Taint>[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute').map((t) => ({ ...t }));
}

/** Upstream Toleration.ToleratesTaint: effect (when set) and key (when set) must match; Equal compares values, Exists matches any. */
export function toleratesTaint(tol: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? '') {
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/**
 * Upstream GetMatchingTolerations: whether every taint is tolerated, and for each taint the first toleration
 * that tolerates it. No taints: true with none used; an untolerated taint: false with none.
 */
export function matchingTolerations(taints: readonly Readonly<Taint>[], tolerations: readonly Readonly<Toleration>[] | undefined): { allTolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const tol = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!tol) return { allTolerated: false, used: [] };
    used.push(tol as Toleration);
  }
  return { allTolerated: true, used };
}

/**
 * Upstream getMinTolerationTime, in milliseconds: 0 when there are no tolerations or one has tolerationSeconds
 * <= 0, -1 (forever) when none sets tolerationSeconds, else the smallest tolerationSeconds.
 */
export function minTolerationTimeMs(tolerations: readonly Readonly<Toleration>[]): number {
  if (tolerations.length === 0) return 0;
  let min = Infinity;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/** The condition of `type` in a node status, or undefined. */
export function nodeCondition(node: { status?: { conditions?: readonly Readonly<NodeCondition>[] } } | undefined, type: string): Readonly<NodeCondition> | undefined {
  return node?.status?.conditions?.find((c) => c.type === type);
}

/**
 * The NoSchedule taints a node should carry from its conditions and `spec.unschedulable` (upstream
 * doNoScheduleTaintingPass with TaintNodesByCondition), and which of its current condition-managed NoSchedule
 * taints must go. Taints the controller does not manage are never touched.
 */
export function noScheduleTaintDiff(node: Readonly<Node>): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) want.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  const have = (node.spec?.taints ?? []).filter(
    (t) => t.effect === 'NoSchedule' && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
  );
  return {
    add: want.filter((w) => !have.some((h) => matchTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => matchTaint(h, w))).map((t) => ({ ...t })),
  };
}

/**
 * A node's taints after adding `add` (a taint matching an existing one by key and effect is left as it is) and
 * removing every taint matching one of `remove`; `changed` is false when nothing differs. Added taints get
 * `timeAdded` = `now` (RFC 3339), as upstream's SwapNodeControllerTaint stamps them.
 */
export function swapTaints(current: readonly Readonly<Taint>[] | undefined, add: readonly Readonly<Taint>[], remove: readonly Readonly<Taint>[], now: Date): { taints: Taint[]; changed: boolean } {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let changed = false;
  const out: Taint[] = [];
  for (const t of current ?? []) {
    if (remove.some((r) => matchTaint(r, t)) && !add.some((a) => matchTaint(a, t))) {
      changed = true;
      continue;
    }
    out.push({ ...t });
  }
  for (const a of add) {
    if (out.some((t) => matchTaint(t, a))) continue;
    out.push({ ...a, timeAdded: ts });
    changed = true;
  }
  return { taints: out, changed };
}

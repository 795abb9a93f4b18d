// Pure Deployment helpers (upstream pkg/controller/deployment/util): revisions, annotations, surge/unavailable math, hashes, conditions, status.
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetCondition } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonicalJson, fnv32a, safeEncodeString } from '../history/index.js';

/** Records the rollout sequence number on a deployment's ReplicaSets (and on the deployment). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Earlier revisions a ReplicaSet served (it was rolled back to), comma separated. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** The deployment's spec.replicas when the ReplicaSet was last scaled by it. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** spec.replicas + maxSurge when the ReplicaSet was last scaled (for proportional scaling). */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** extensions/v1beta1 rollbackTo, kept as an annotation (apps DeprecatedRollbackTo). */
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** The label and selector key separating a deployment's ReplicaSets (DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** kubectl apply's annotation, never copied to ReplicaSets. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Longest revision-history annotation kept (upstream maxRevHistoryLengthInChars). */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;
/** ProgressDeadlineSeconds / RevisionHistoryLimit meaning "none" (math.MaxInt32). */
export const MAX_INT32 = 2147483647;

// Condition reasons (upstream names).
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
// Rollback event reasons.
export const ROLLBACK_REVISION_NOT_FOUND = 'DeploymentRollbackRevisionNotFound';
export const ROLLBACK_TEMPLATE_UNCHANGED = 'DeploymentRollbackTemplateUnchanged';
export const ROLLBACK_DONE = 'DeploymentRollback';

const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

/** Whether a deployment annotation stays off its ReplicaSets (and is kept on the deployment by a rollback). */
export function skipCopyAnnotation(key: string): boolean {
  return ANNOTATIONS_TO_SKIP.has(key);
}

/** Metav1 time as the apiserver writes it (RFC 3339, seconds). */
export function metaTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** spec.replicas (defaulted to 1 by the apiserver; 0 when missing on a ReplicaSet). */
export function specReplicas(o: { spec?: { replicas?: number } } | undefined | null, dflt = 0): number {
  return o?.spec?.replicas ?? dflt;
}

const dReplicas = (d: Deployment): number => d.spec?.replicas ?? 1;

// ---- int-or-percent ---------------------------------------------------------------------------------------------

/**
 * Upstream intstr.GetScaledValueFromIntOrPercent: an int as-is; `"N%"` of `total`, rounded up or down. Throws
 * `invalid value for IntOrString: ...` for anything else.
 */
export function valueFromIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const s = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`invalid value for IntOrString: invalid value "${v}": strconv.Atoi: parsing "${s}": invalid syntax`);
  const x = (Number(s) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * Upstream ResolveFenceposts: maxSurge rounded up and maxUnavailable rounded down against `desired`; when both
 * resolve to 0, maxUnavailable becomes 1.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = valueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = valueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Whether the strategy is RollingUpdate (the apiserver defaults it). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** Upstream MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, dReplicas(d)).surge;
}

/** Upstream MaxUnavailable: 0 unless RollingUpdate with replicas > 0; at most spec.replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = dReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable;
  return Math.min(u, replicas);
}

/** Upstream integer.RoundToInt32 (half away from zero, then truncation). */
export function roundToInt32(a: number): number {
  return Math.trunc(a < 0 ? a - 0.5 : a + 0.5);
}

// ---- hashing and templates --------------------------------------------------------------------------------------

/**
 * The pod-template-hash of a template (upstream controller.ComputeHash): FNV-32a of the template, then of the
 * collision count as 8 little-endian bytes (low 4 set) when given, rendered decimal and SafeEncodeString'd. The
 * template is serialized as canonical JSON (sorted keys) rather than Go's spew dump, so values differ from
 * upstream's but have the same shape and stability.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h >>> 0));
}

/** Drops null/undefined and empty arrays/objects (apimachinery's semantic equality treats nil and empty alike). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x);
      if (n === undefined || n === null) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n as object).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

/** Semantic equality of two JSON values (nil and empty collections equal). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(normalize(a) ?? null) === canonicalJson(normalize(b) ?? null);
}

/** Upstream EqualIgnoreHash: the templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(t1: PodTemplateSpec | undefined, t2: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined): PodTemplateSpec => {
    const c = structuredClone(t ?? {}) as PodTemplateSpec;
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    return c;
  };
  return semanticEqual(strip(t1), strip(t2));
}

// ---- ReplicaSet lists -------------------------------------------------------------------------------------------

const created = (o: ReplicaSet): number => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;

/** Upstream ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
}

/** Upstream ReplicaSetsBySizeOlder: larger first, ties older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/** Upstream ReplicaSetsBySizeNewer: larger first, ties newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(b, a);
}

/** Upstream ReplicaSetsByRevision: lower revision first, ties by creation time. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a) ?? 0;
  const rb = revisionOf(b) ?? 0;
  return ra !== rb ? ra - rb : byCreationTimestamp(a, b);
}

/** Upstream FilterActiveReplicaSets: non-nil with spec.replicas > 0. */
export function filterActive(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((r): r is ReplicaSet => r !== undefined && specReplicas(r) > 0);
}

/** Upstream FindNewReplicaSet: the oldest ReplicaSet whose template equals the deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Upstream FindOldReplicaSets: every ReplicaSet but the new one (`all`), and those of them with replicas (`required`). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): { required: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
  return { required: all.filter((rs) => specReplicas(rs) !== 0), all };
}

/** Sum of spec.replicas. */
export function replicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, r) => n + (r ? specReplicas(r) : 0), 0);
}

/** Sum of status.replicas. */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, r) => n + (r?.status?.replicas ?? 0), 0);
}

/** Sum of status.readyReplicas. */
export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, r) => n + (r?.status?.readyReplicas ?? 0), 0);
}

/** Sum of status.availableReplicas. */
export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, r) => n + (r?.status?.availableReplicas ?? 0), 0);
}

// ---- revisions and annotations ----------------------------------------------------------------------------------

/** The revision annotation as a number: 0 when absent, undefined when unparsable. */
export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = o.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** Upstream MaxRevision: the highest parsable revision (0 when none). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** Upstream LastRevision: the second-highest revision (the one `rollout undo` goes back to). */
export function lastRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  let sec = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      sec = max;
      max = v;
    } else if (v > sec) sec = v;
  }
  return sec;
}

/** Upstream SetDeploymentRevision: sets the deployment's revision annotation; true when it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const m = (d.metadata ??= {});
  const a = (m.annotations ??= {});
  if (a[REVISION_ANNOTATION] === revision) return false;
  a[REVISION_ANNOTATION] = revision;
  return true;
}

/** Upstream SetReplicasAnnotations: desired-replicas and max-replicas; true when either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = ((rs.metadata ??= {}).annotations ??= {});
  let updated = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    updated = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    updated = true;
  }
  return updated;
}

/** Upstream ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations;
  if (!a) return true;
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Copies the deployment's annotations (but {@link skipCopyAnnotation} ones) to `rs`; true when any changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const a = ((rs.metadata ??= {}).annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Upstream SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the revision to `newRevision`
 * when lower (appending the previous revision to revision-history, bounded by `maxHistoryChars`, when the
 * ReplicaSet already had one: a rollback to it), and for a ReplicaSet about to be created (`exists` false) sets
 * desired/max replicas. True when an annotation changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean, maxHistoryChars = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const a = ((rs.metadata ??= {}).annotations ??= {});
  const had = REVISION_ANNOTATION in a;
  const oldRevision = a[REVISION_ANNOTATION] ?? '';
  let oldInt = 0;
  if (oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  if (!/^[+-]?\d+$/.test(newRevision)) return false;
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    a[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (had && oldInt < newInt) {
    const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
    const olds = history.split(',');
    if (olds[0]!.length === 0) a[REVISION_HISTORY_ANNOTATION] = oldRevision;
    else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > maxHistoryChars && start < olds.length) {
        total -= olds[start]!.length + 1;
        start++;
      }
      if (total <= maxHistoryChars) a[REVISION_HISTORY_ANNOTATION] = [...olds.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, dReplicas(d), dReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Upstream SetDeploymentAnnotationsTo (rollback): keeps the deployment's skipped annotations, takes the others from `rs`. */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (skipCopyAnnotation(k)) kept[k] = v;
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!skipCopyAnnotation(k)) kept[k] = v;
  (d.metadata ??= {}).annotations = kept;
}

/** The integer value of an annotation on `rs`, or undefined. */
function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The desired-replicas annotation, or undefined. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

// ---- scaling math -----------------------------------------------------------------------------------------------

/**
 * Upstream NewRSNewReplicas: the size the new ReplicaSet may have now. RollingUpdate: grow up to spec.replicas +
 * maxSurge pods in total, never above spec.replicas; Recreate: spec.replicas.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const type = d.spec?.strategy?.type ?? 'RollingUpdate';
  if (type === 'Recreate') return dReplicas(d);
  if (type !== 'RollingUpdate') throw new Error(`deployment type ${type} isn't supported`);
  const surge = valueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, dReplicas(d), true);
  const current = replicaCount(allRSs);
  const maxTotal = dReplicas(d) + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, dReplicas(d) - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** Upstream IsSaturated: the new RS has (and is annotated with) all desired replicas, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  return specReplicas(rs) === dReplicas(d) && desired === dReplicas(d) && (rs.status?.availableReplicas ?? 0) === dReplicas(d);
}

/** Upstream FindActiveOrLatest: the only active ReplicaSet, the newest when none is active, undefined when several are. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (dReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = dReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  const size = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundToInt32(size) - specReplicas(rs);
}

/** Upstream GetProportion: how many replicas `rs` gets (or loses) of `toAdd`, `added` being already handed out. */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Upstream DeploymentController.scale's plan for a rolling deployment with several active ReplicaSets: the new
 * size of each active ReplicaSet when spreading `spec.replicas + maxSurge` proportionally (leftovers to the
 * first in order), and the scaling direction. Returns sizes by name, in the order to apply them.
 */
export function proportionalScale(d: Deployment, active: readonly ReplicaSet[]): { op: 'up' | 'down' | ''; sizes: Array<{ rs: ReplicaSet; size: number }> } {
  const total = replicaCount(active);
  const allowed = dReplicas(d) > 0 ? dReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - total;
  const sorted = [...active];
  let op: 'up' | 'down' | '' = '';
  if (toAdd > 0) {
    sorted.sort(bySizeNewer);
    op = 'up';
  } else if (toAdd < 0) {
    sorted.sort(bySizeOlder);
    op = 'down';
  }
  let added = 0;
  const sizes = sorted.map((rs) => {
    if (toAdd === 0) return { rs, size: specReplicas(rs) };
    const p = getProportion(rs, d, toAdd, added);
    added += p;
    return { rs, size: specReplicas(rs) + p };
  });
  if (toAdd !== 0 && sizes[0]) sizes[0].size = Math.max(0, sizes[0].size + (toAdd - added));
  return { op, sizes };
}

/**
 * Upstream reconcileOldReplicaSets' plan for a rolling update: first scale down old ReplicaSets' unavailable pods
 * (oldest first, bounded by maxScaledDown = all - minAvailable - new RS's unavailable), then available old pods
 * beyond minAvailable. Returns the target sizes (only the changed ReplicaSets, in order). Throws, as upstream, when an
 * old ReplicaSet reports more available pods than its spec (a status not yet caught up with a scale-down).
 */
export function planOldScaleDown(d: Deployment, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet): Array<{ rs: ReplicaSet; size: number }> {
  const olds = filterActive(oldRSs);
  if (replicaCount(olds) === 0) return [];
  const all = [...olds, newRS];
  const minAvailable = dReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = replicaCount(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const sorted = [...olds].sort(byCreationTimestamp);
  const size = new Map<ReplicaSet, number>(sorted.map((rs) => [rs, specReplicas(rs)]));
  // Unhealthy replicas first, else they block the rollout.
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const cur = size.get(rs)!;
    const avail = rs.status?.availableReplicas ?? 0;
    if (cur === 0 || cur === avail) continue;
    const n = Math.min(maxScaledDown - cleaned, cur - avail);
    // A status reporting more available pods than the spec (stale after a scale-down) stops the rollout step.
    if (cur - n > cur) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata?.namespace}/${rs.metadata?.name} ${cur} -> ${cur - n}`);
    size.set(rs, cur - n);
    cleaned += n;
  }
  // Then available ones beyond minAvailable (counting availability as the ReplicaSets report it).
  const available = availableReplicaCount(all);
  if (available > minAvailable) {
    const want = available - minAvailable;
    let scaled = 0;
    for (const rs of sorted) {
      if (scaled >= want) break;
      const cur = size.get(rs)!;
      if (cur === 0) continue;
      const n = Math.min(cur, want - scaled);
      size.set(rs, cur - n);
      scaled += n;
    }
  }
  return sorted.filter((rs) => size.get(rs) !== specReplicas(rs)).map((rs) => ({ rs, size: size.get(rs)! }));
}

// ---- conditions and status --------------------------------------------------------------------------------------

/** A new condition stamped now (lastUpdateTime = lastTransitionTime). */
export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now = Date.now()): DeploymentCondition {
  const t = metaTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** The condition of `type`, or undefined. */
export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Upstream SetDeploymentCondition: no-op when a condition of that type has the same status and reason; keeps
 * lastTransitionTime when only the reason changes; the condition moves to the end.
 */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

/** Removes the condition of `type`. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((x) => x.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/** Upstream ReplicaSetToDeploymentCondition. */
export function replicaSetToDeploymentCondition(c: ReplicaSetCondition): DeploymentCondition {
  return { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime, reason: c.reason, message: c.message };
}

/** Upstream HasProgressDeadline: set and not MaxInt32. */
export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== MAX_INT32;
}

/** Upstream HasRevisionHistoryLimit: set and not MaxInt32. */
export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const p = d.spec?.revisionHistoryLimit;
  return p !== undefined && p !== null && p !== MAX_INT32;
}

/** Upstream DeploymentComplete: all desired replicas updated and available, no old ones, generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = dReplicas(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Upstream DeploymentProgressing: more updated/ready/available replicas or fewer old ones than the current status. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

/**
 * Upstream DeploymentTimedOut: the Progressing condition (not NewReplicaSetAvailable) was last updated more than
 * progressDeadlineSeconds before `now`, or already says ProgressDeadlineExceeded.
 */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return false;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now;
}

/**
 * Upstream calculateStatus: counts from the ReplicaSets, observedGeneration, collisionCount and the Available
 * condition (MinimumReplicasAvailable when available >= replicas - maxUnavailable). Zero counts are omitted, as
 * the apiserver serializes them.
 */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const unavailable = Math.max(0, total - available);
  const s: DeploymentStatus = {};
  const set = (k: 'observedGeneration' | 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'unavailableReplicas', v: number) => {
    if (v !== 0) s[k] = v;
  };
  set('observedGeneration', d.metadata?.generation ?? 0);
  set('replicas', actualReplicaCount(allRSs));
  set('updatedReplicas', actualReplicaCount([newRS]));
  set('readyReplicas', readyReplicaCount(allRSs));
  set('availableReplicas', available);
  set('unavailableReplicas', unavailable);
  if (d.status?.conditions) s.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined && d.status.collisionCount !== null) s.collisionCount = d.status.collisionCount;
  if (available >= dReplicas(d) - maxUnavailable(d)) setCondition(s, newCondition('Available', 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  else setCondition(s, newCondition('Available', 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  return s;
}

/** Whether two statuses are equal as the apiserver would store them (zero counts and empty lists omitted). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  const strip = (s: DeploymentStatus | undefined) => {
    const o: Record<string, unknown> = { ...(s ?? {}) };
    for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas']) if (o[k] === 0) delete o[k];
    return o;
  };
  return semanticEqual(strip(a), strip(b));
}

// Pure StatefulSet helpers (upstream stateful_set_utils.go): ordinals, pod identity and storage, revisions, status, PVC retention.
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isPodAvailable, isPodReady, newControllerRef, podFromTemplate } from '../util/index.js';

/** Pod label with the pod's own name (upstream StatefulSetPodNameLabel). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Pod label with the revision name the pod was made from (upstream StatefulSetRevisionLabel). */
export const REVISION_LABEL = 'controller-revision-hash';
/** Pod label with the pod's ordinal (upstream PodIndexLabel). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const STATEFUL_POD_RE = /^(.*)-([0-9]+)$/;

/** Upstream getParentNameAndOrdinal: `web-3` -> { parent: 'web', ordinal: 3 }; ordinal -1 when the name has none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_RE.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2147483647 ? { parent: m[1]!, ordinal: n } : { parent: m[1]!, ordinal: -1 };
}

/** The pod's ordinal, -1 when its name has none. */
export function getOrdinal(pod: { metadata?: { name?: string } }): number {
  return parentAndOrdinal(pod.metadata?.name ?? '').ordinal;
}

/** Upstream isMemberOf: the pod's name is `<set>-<ordinal>`. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod.metadata?.name ?? '').parent === set.metadata?.name;
}

/** `spec.ordinals.start` (0). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** The last ordinal of the set's replicas (start + replicas - 1). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
}

/** Whether the pod's ordinal is within [start, end]. */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

/** `<set>-<ordinal>`. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** `<claim template>-<set>-<ordinal>`. */
export function claimName(set: StatefulSet, template: string, ordinal: number): string {
  return `${template}-${set.metadata?.name}-${ordinal}`;
}

/**
 * Upstream getPersistentVolumeClaims: the PVCs the pod needs, by template name. Each is the template with its
 * name `<template>-<set>-<ordinal>`, the set's namespace and the selector's matchLabels added to its labels.
 */
export function claimsForPod(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const tname = t.metadata?.name ?? '';
    const { status: _status, ...rest } = structuredClone(t) as PersistentVolumeClaim;
    const claim: PersistentVolumeClaim = rest;
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...claim.metadata,
      name: claimName(set, tname, ordinal),
      namespace: set.metadata?.namespace ?? 'default',
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    };
    out.set(tname, claim);
  }
  return out;
}

/** Upstream identityMatches: the name is `<set>-<ordinal>`, the namespace the set's, the pod-name label the pod's name. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name ?? '');
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === (set.metadata?.namespace ?? 'default') &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata?.name
  );
}

/** Upstream storageMatches: every claim template's volume refers to the pod's claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v] as const));
  for (const [tname, claim] of claimsForPod(set, ordinal)) {
    const v = volumes.get(tname);
    if (!v || v.persistentVolumeClaim?.claimName !== claim.metadata?.name) return false;
  }
  return true;
}

/** Upstream updateIdentity: the pod's name, namespace and identity labels (pod-name, pod-index); mutates `pod`. */
export function updateIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  const name = podName(set, ordinal);
  pod.metadata = { ...pod.metadata, name, namespace: set.metadata?.namespace ?? 'default' };
  delete pod.metadata.generateName;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** Upstream initIdentity: updateIdentity plus hostname = pod name and subdomain = serviceName; mutates `pod`. */
export function initIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  updateIdentity(set, pod, ordinal);
  pod.spec = { ...pod.spec!, hostname: pod.metadata!.name! };
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  else delete pod.spec.subdomain;
}

/** Upstream updateStorage: a PVC volume per claim template, replacing any template volume of the same name (mutates `pod`). */
export function updateStorage(set: StatefulSet, pod: Pod, ordinal: number): void {
  const claims = claimsForPod(set, ordinal);
  if (claims.size === 0) return;
  const volumes: Volume[] = [];
  for (const [tname, claim] of claims) volumes.push({ name: tname, persistentVolumeClaim: { claimName: claim.metadata!.name! } });
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec = { ...pod.spec!, volumes };
}

/** Upstream newStatefulSetPod: the pod of `ordinal` from the set's template, with identity and storage. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const ref = newControllerRef(set, 'apps/v1', 'StatefulSet');
  const pod = podFromTemplate(set.spec!.template, set.metadata?.namespace ?? 'default', set.metadata?.name ?? '', ref);
  initIdentity(set, pod, ordinal);
  updateStorage(set, pod, ordinal);
  return pod;
}

/** The revision name a pod was made from (its `controller-revision-hash` label). */
export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[REVISION_LABEL] ?? '';
}

/**
 * Upstream newVersionedStatefulSetPod: pods below the partition (or, with no rollingUpdate, below the current
 * replica count) are made from the current revision's template, the others from the update revision's.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const us = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const useCurrent =
    ((us?.type ?? 'RollingUpdate') === 'RollingUpdate' && !us?.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (us?.rollingUpdate !== undefined && ordinal < start + (us.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), [REVISION_LABEL]: useCurrent ? currentRevision : updateRevision };
  return pod;
}

/** Whether the pod exists (has a phase). */
export const isCreated = (p: Pod): boolean => (p.status?.phase ?? '') !== '';
export const isPending = (p: Pod): boolean => p.status?.phase === 'Pending';
export const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed';
export const isSucceeded = (p: Pod): boolean => p.status?.phase === 'Succeeded';
export const isTerminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
/** Running with the Ready condition True. */
export const isRunningAndReady = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);
/** Running and available for minReadySeconds at `now`. */
export const isRunningAndAvailable = (p: Pod, minReadySeconds: number, now: number): boolean => p.status?.phase === 'Running' && isPodAvailable(p, minReadySeconds, now);
/** Running, Ready and not terminating. */
export const isHealthy = (p: Pod): boolean => isRunningAndReady(p) && !isTerminating(p);

/** Whether pods are created and deleted without waiting on predecessors (podManagementPolicy Parallel). */
export function allowsBurst(set: StatefulSet): boolean {
  return set.spec?.podManagementPolicy === 'Parallel';
}

/** The status counters upstream computeReplicaStatus adds up over `pods`. */
export interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** Upstream updateStatus/computeReplicaStatus over the given pods at `now`. */
export function countReplicas(pods: readonly Pod[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: number): ReplicaCounts {
  const c: ReplicaCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isCreated(p)) c.replicas++;
    if (isRunningAndReady(p)) {
      c.readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds, now)) c.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const r = podRevision(p);
      if (r === currentRevision) c.currentReplicas++;
      if (r === updateRevision) c.updatedReplicas++;
    }
  }
  return c;
}

/** Upstream completeRollingUpdate: with RollingUpdate, once every replica is updated and ready the update revision becomes current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas ?? 0;
    status.currentRevision = status.updateRevision ?? '';
  }
}

/** Upstream inconsistentStatus: whether the computed status differs from the stored one in a field it manages. */
export function statusChanged(set: StatefulSet, status: StatefulSetStatus): boolean {
  const s = set.status ?? ({} as StatefulSetStatus);
  return (
    (status.observedGeneration ?? 0) > (s.observedGeneration ?? 0) ||
    status.replicas !== (s.replicas ?? 0) ||
    (status.currentReplicas ?? 0) !== (s.currentReplicas ?? 0) ||
    (status.readyReplicas ?? 0) !== (s.readyReplicas ?? 0) ||
    (status.updatedReplicas ?? 0) !== (s.updatedReplicas ?? 0) ||
    (status.currentRevision ?? '') !== (s.currentRevision ?? '') ||
    (status.availableReplicas ?? 0) !== (s.availableReplicas ?? 0) ||
    (status.updateRevision ?? '') !== (s.updateRevision ?? '') ||
    (status.collisionCount ?? 0) !== (s.collisionCount ?? 0)
  );
}

/** PVC retention policy with upstream's defaults (Retain/Retain). */
export function retentionPolicy(set: StatefulSet): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' };
}

/**
 * Upstream updateClaimOwnerRefForSetAndPod: the claim's ownerReferences the retention policy wants, given the pod
 * it belongs to. Delete-when-deleted adds a reference to the set; Delete-when-scaled adds one to the pod once the
 * pod is scaled down (outside the ordinal range). Returns undefined when nothing changes.
 */
export function desiredClaimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] | undefined {
  const policy = retentionPolicy(set);
  let refs = [...(claim.metadata?.ownerReferences ?? [])];
  let changed = false;
  const has = (uid: string | undefined) => refs.some((r) => r.uid === uid);
  const set_ = (apiVersion: string, kind: string, owner: { metadata?: { name?: string; uid?: string } }) => {
    if (!owner.metadata?.uid || has(owner.metadata.uid)) return;
    refs = [...refs, { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid }];
    changed = true;
  };
  const remove = (owner: { metadata?: { uid?: string } }) => {
    if (!owner.metadata?.uid || !has(owner.metadata.uid)) return;
    refs = refs.filter((r) => r.uid !== owner.metadata!.uid);
    changed = true;
  };
  const scaledDown = !podInOrdinalRange(pod, set);
  const setRef = () => set_('apps/v1', 'StatefulSet', set);
  const podRef = () => set_('v1', 'Pod', pod);
  if (policy.whenScaled === 'Delete' && policy.whenDeleted === 'Delete') {
    if (scaledDown) {
      remove(set);
      podRef();
    } else {
      setRef();
      remove(pod);
    }
  } else if (policy.whenScaled === 'Delete') {
    remove(set);
    if (scaledDown) podRef();
    else remove(pod);
  } else if (policy.whenDeleted === 'Delete') {
    setRef();
    remove(pod);
  } else {
    remove(set);
    remove(pod);
  }
  return changed ? refs : undefined;
}

/** Upstream hasStaleOwnerRef: the claim names a pod of this name with another uid (an earlier incarnation). */
export function hasStaleOwnerRef(claim: PersistentVolumeClaim, pod: Pod): boolean {
  return (claim.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.name === pod.metadata?.name && r.uid !== (pod.metadata?.uid ?? ''));
}

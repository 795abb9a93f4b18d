// Node identity and the object references of pods and persistent volumes that the Node authorizer's graph is built from.
import type { UserInfo } from '../authn.js';
import type { Obj } from '../access.js';

/** The group every kubelet credential carries (upstream user.NodesGroup). */
export const NODES_GROUP = 'system:nodes';
/** User names of kubelets are `system:node:<nodeName>`. */
export const NODE_USER_PREFIX = 'system:node:';
/** The annotation that marks a mirror pod (a static pod's API reflection), upstream MirrorPodAnnotationKey. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** The namespace holding node heartbeat leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * Upstream's default NodeIdentifier: a user is a node when its name starts with `system:node:` and it is in the
 * `system:nodes` group. Returns the node name (possibly '' for the bare prefix, which callers must refuse), or
 * undefined when the user is not a node.
 */
export function nodeIdentity(user: UserInfo | undefined): string | undefined {
  if (!user || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

/** True when the pod carries the mirror-pod annotation (any value). */
export function isMirrorPod(pod: Obj | undefined): boolean {
  const ann = pod?.metadata?.annotations;
  return !!ann && typeof ann === 'object' && Object.prototype.hasOwnProperty.call(ann, MIRROR_POD_ANNOTATION);
}

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function allContainers(pod: Obj): any[] {
  const spec = pod.spec ?? {};
  return [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)];
}

/**
 * Every secret name a pod references, as upstream VisitPodSecretNames over all containers: imagePullSecrets,
 * env `secretKeyRef`, envFrom `secretRef` (init, regular and ephemeral containers), and volume sources
 * (secret, projected secret, azureFile, cephfs, cinder, flexVolume, rbd, scaleIO, iscsi, storageos, csi
 * nodePublishSecretRef). Empty names are skipped; duplicates may appear.
 */
export function podSecretNames(pod: Obj): string[] {
  const out: string[] = [];
  const add = (n: unknown) => {
    const s = str(n);
    if (s) out.push(s);
  };
  for (const r of arr(pod.spec?.imagePullSecrets)) add(r?.name);
  for (const c of allContainers(pod)) {
    for (const ef of arr(c?.envFrom)) add(ef?.secretRef?.name);
    for (const e of arr(c?.env)) add(e?.valueFrom?.secretKeyRef?.name);
  }
  for (const v of arr(pod.spec?.volumes)) {
    if (!v) continue;
    if (v.azureFile) add(v.azureFile.secretName);
    else if (v.cephfs) add(v.cephfs.secretRef?.name);
    else if (v.cinder) add(v.cinder.secretRef?.name);
    else if (v.flexVolume) add(v.flexVolume.secretRef?.name);
    else if (v.projected) for (const s of arr(v.projected.sources)) add(s?.secret?.name);
    else if (v.rbd) add(v.rbd.secretRef?.name);
    else if (v.secret) add(v.secret.secretName);
    else if (v.scaleIO) add(v.scaleIO.secretRef?.name);
    else if (v.iscsi) add(v.iscsi.secretRef?.name);
    else if (v.storageos) add(v.storageos.secretRef?.name);
    else if (v.csi) add(v.csi.nodePublishSecretRef?.name);
  }
  return out;
}

/**
 * Every configmap name a pod references, as upstream VisitPodConfigmapNames over all containers: env
 * `configMapKeyRef`, envFrom `configMapRef`, configMap volumes and projected configMap sources.
 */
export function podConfigMapNames(pod: Obj): string[] {
  const out: string[] = [];
  const add = (n: unknown) => {
    const s = str(n);
    if (s) out.push(s);
  };
  for (const c of allContainers(pod)) {
    for (const ef of arr(c?.envFrom)) add(ef?.configMapRef?.name);
    for (const e of arr(c?.env)) add(e?.valueFrom?.configMapKeyRef?.name);
  }
  for (const v of arr(pod.spec?.volumes)) {
    if (!v) continue;
    if (v.projected) for (const s of arr(v.projected.sources)) add(s?.configMap?.name);
    else if (v.configMap) add(v.configMap.name);
  }
  return out;
}

/**
 * The PVC names a pod's volumes use: `persistentVolumeClaim.claimName`, and for generic ephemeral volumes the
 * generated claim `<pod name>-<volume name>` (upstream ephemeral.VolumeClaimName).
 */
export function podPVCNames(pod: Obj): string[] {
  const out: string[] = [];
  const podName = str(pod.metadata?.name);
  for (const v of arr(pod.spec?.volumes)) {
    if (!v) continue;
    if (v.persistentVolumeClaim) {
      const n = str(v.persistentVolumeClaim.claimName);
      if (n) out.push(n);
    } else if (v.ephemeral) {
      out.push(`${podName}-${str(v.name)}`);
    }
  }
  return out;
}

/**
 * The ResourceClaim names a pod uses (upstream resourceclaim.Name): `resourceClaimName` directly, or for a
 * `resourceClaimTemplateName` the claim recorded in `status.resourceClaimStatuses` under the same entry name
 * (none yet when the claim is still to be created, or when the status says no claim is needed).
 */
export function podResourceClaimNames(pod: Obj): string[] {
  const out: string[] = [];
  const statuses = arr(pod.status?.resourceClaimStatuses);
  for (const c of arr(pod.spec?.resourceClaims)) {
    if (!c) continue;
    if (str(c.resourceClaimName)) out.push(c.resourceClaimName);
    else if (str(c.resourceClaimTemplateName)) {
      const st = statuses.find((s) => s?.name === c.name);
      if (st && str(st.resourceClaimName)) out.push(st.resourceClaimName);
    }
  }
  return out;
}

/** The pod's service account (`spec.serviceAccountName`, or the deprecated `spec.serviceAccount`), or ''. */
export function podServiceAccountName(pod: Obj): string {
  return str(pod.spec?.serviceAccountName) || str(pod.spec?.serviceAccount);
}

/** A secret a persistent volume references: `namespace/name`, and whether the kubelet reads it. */
export interface PVSecretRef {
  readonly namespace: string;
  readonly name: string;
  readonly kubeletVisible: boolean;
}

/**
 * The secrets a PersistentVolume references, as upstream VisitPVSecretNames: for the legacy plugins the ref's
 * namespace, falling back to `spec.claimRef.namespace`; for CSI the node publish/stage/expand secrets are
 * kubelet-visible, the controller publish/expand secrets are not.
 */
export function pvSecretRefs(pv: Obj): PVSecretRef[] {
  const out: PVSecretRef[] = [];
  const spec = pv.spec ?? {};
  const claimNs = str(spec.claimRef?.namespace);
  const add = (ns: unknown, name: unknown, kubeletVisible = true) => {
    const n = str(name);
    if (n) out.push({ namespace: str(ns), name: n, kubeletVisible });
  };
  const withFallback = (ref: any) => {
    if (ref) add(str(ref.namespace) || claimNs, ref.name);
  };
  if (spec.azureFile) add(str(spec.azureFile.secretNamespace) || claimNs, spec.azureFile.secretName);
  else if (spec.cephfs) withFallback(spec.cephfs.secretRef);
  else if (spec.cinder) {
    if (spec.cinder.secretRef) add(spec.cinder.secretRef.namespace, spec.cinder.secretRef.name);
  } else if (spec.flexVolume) withFallback(spec.flexVolume.secretRef);
  else if (spec.rbd) withFallback(spec.rbd.secretRef);
  else if (spec.scaleIO) withFallback(spec.scaleIO.secretRef);
  else if (spec.iscsi) withFallback(spec.iscsi.secretRef);
  else if (spec.storageos) {
    if (spec.storageos.secretRef) add(spec.storageos.secretRef.namespace, spec.storageos.secretRef.name);
  } else if (spec.csi) {
    const csi = spec.csi;
    for (const k of ['controllerPublishSecretRef', 'controllerExpandSecretRef'] as const) {
      if (csi[k]) add(csi[k].namespace, csi[k].name, false);
    }
    for (const k of ['nodePublishSecretRef', 'nodeStageSecretRef', 'nodeExpandSecretRef'] as const) {
      if (csi[k]) add(csi[k].namespace, csi[k].name, true);
    }
  }
  return out;
}

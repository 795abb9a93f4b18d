// The NodeRestriction admission plugin (upstream plugin/pkg/admission/noderestriction): a kubelet may only write objects of its own node.
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import { forbidden, notFound, type StatusError } from '../../apimachinery/index.js';
import {
  MIRROR_POD_ANNOTATION,
  NODE_LEASE_NAMESPACE,
  isMirrorPod,
  nodeIdentity,
  podConfigMapNames,
  podSecretNames,
} from './refs.js';

export interface NodeRestrictionOptions {
  /**
   * Upstream's RecoverVolumeExpansionFailure gate (beta, on in 1.32): nodes may then also write
   * `status.allocatedResources` and `status.allocatedResourceStatuses` of PVCs.
   */
  readonly recoverVolumeExpansionFailure?: boolean;
}

/** Label keys a kubelet may set on its own Node inside the kubernetes.io / k8s.io namespaces (upstream kubeletLabels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
/** Label namespaces (and their subdomains) a kubelet may use freely (upstream kubeletLabelNamespaces). */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';

const labelNamespace = (key: string) => {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
};
const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** upstream kubeletapis.IsKubeletLabel: a label a kubelet may set on its own Node. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/**
 * The label keys a node may not add, remove or change on its own Node (sorted): any key under
 * `node-restriction.kubernetes.io/`, and any `kubernetes.io`/`k8s.io` (or subdomain) key that is not a kubelet
 * label.
 */
export function forbiddenNodeLabels(newLabels: Record<string, string> | undefined, oldLabels: Record<string, string> | undefined): string[] {
  const a = newLabels ?? {};
  const b = oldLabels ?? {};
  const modified = new Set<string>();
  for (const [k, v] of Object.entries(a)) if (!(k in b) || b[k] !== v) modified.add(k);
  for (const [k, v] of Object.entries(b)) if (!(k in a) || a[k] !== v) modified.add(k);
  const out: string[] = [];
  for (const k of modified) {
    const ns = labelNamespace(k);
    const restricted = inNamespace(ns, NODE_RESTRICTION_LABEL_NAMESPACE);
    const k8s = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (restricted || (k8s && !isKubeletLabel(k))) out.push(k);
  }
  return out.sort();
}

/**
 * Creates the NodeRestriction plugin (mutating phase, as upstream's Admit; handles CREATE, UPDATE, DELETE). It
 * only acts on requests of node users (`system:node:<name>` in `system:nodes`) and refuses with a 403 in
 * upstream's words (`pods "x" is forbidden: node "n1" can only ...`):
 * - pods: create only mirror pods (annotation `kubernetes.io/config.mirror`) bound to itself, owned by its
 *   Node (single controller ownerReference with the Node's UID, no blockOwnerDeletion), referencing no service
 *   account, secret, configmap, clustertrustbundle or PVC; delete only pods bound to itself; no other operation;
 *   `status` updates only of its pods and without changing labels or resource claim statuses; `eviction` only
 *   of its pods; no other subresource;
 * - nodes: only its own Node; on create no `spec.configSource` and no restricted labels; on update no new
 *   configSource, no taint changes, no restricted label changes;
 * - persistentvolumeclaims: only `status` updates that change nothing but capacity and conditions (and the
 *   allocated resources with RecoverVolumeExpansionFailure);
 * - serviceaccounts/token: only bound to a pod (v1 Pod, name and uid) that exists with that uid on itself;
 * - leases: only in `kube-node-lease` and named after itself; csinodes: only its own; resourceslices: create and
 *   delete only with `spec.nodeName` set to itself.
 * `reader` (watch caches) supplies the pods and the Node looked up for evictions, deletes, tokens and mirror pods.
 */
export function nodeRestriction(reader: ObjectReader, opts: NodeRestrictionOptions = {}): AdmissionPlugin {
  const recoverExpansion = opts.recoverVolumeExpansionFailure ?? true;

  return {
    name: 'NodeRestriction',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    admit(req) {
      const nodeName = nodeIdentity(req.user);
      if (nodeName === undefined) return;
      const deny = (why: string): StatusError => forbidden({ group: req.group, resource: req.resource }, resourceName(req), why);
      if (nodeName === '') throw deny(`could not determine node from user "${req.user.name}"`);

      switch (`${req.group}/${req.resource}`) {
        case '/pods':
          switch (req.subresource) {
            case '':
              return admitPod(nodeName, req, deny);
            case 'status':
              return admitPodStatus(nodeName, req, deny);
            case 'eviction':
              return admitPodEviction(nodeName, req, deny);
            default:
              throw deny(`unexpected pod subresource "${req.subresource}", only 'status' and 'eviction' are allowed`);
          }
        case '/nodes':
          return admitNode(nodeName, req, deny);
        case '/persistentvolumeclaims':
          if (req.subresource !== 'status') throw deny('may only update PVC status');
          return admitPVCStatus(nodeName, req, deny);
        case '/serviceaccounts':
          return admitServiceAccount(nodeName, req, deny);
        case 'coordination.k8s.io/leases':
          return admitLease(nodeName, req, deny);
        case 'storage.k8s.io/csinodes':
          return admitCSINode(nodeName, req, deny);
        case 'resource.k8s.io/resourceslices':
          return admitResourceSlice(nodeName, req, deny);
        default:
          return;
      }
    },
  };

  function getPod(namespace: string, name: string): Obj {
    const pod = reader.get('', 'pods', namespace, name);
    if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
    return pod;
  }

  function admitPod(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    switch (req.operation) {
      case 'CREATE':
        return admitMirrorPodCreate(nodeName, req, deny);
      case 'DELETE': {
        const existing = req.oldObject ?? req.object ?? getPod(req.namespace, req.name);
        if (existing.spec?.nodeName !== nodeName) throw deny(`node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
        return;
      }
      default:
        throw deny(`unexpected operation "${req.operation}", node "${nodeName}" can only create and delete mirror pods`);
    }
  }

  function admitMirrorPodCreate(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    const pod = req.object;
    if (!pod) throw deny('unexpected type <nil>');
    if (!isMirrorPod(pod)) throw deny(`pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`);
    if (pod.spec?.nodeName !== nodeName) throw deny(`node "${nodeName}" can only create pods with spec.nodeName set to itself`);
    const owners: any[] = Array.isArray(pod.metadata?.ownerReferences) ? pod.metadata.ownerReferences : [];
    if (owners.length > 1) throw deny(`node "${nodeName}" can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (!owner) throw deny(`node "${nodeName}" can only create pods with an owner reference set to itself`);
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
      throw deny(`node "${nodeName}" can only create pods with an owner reference set to itself`);
    }
    if (owner.controller !== true) throw deny(`node "${nodeName}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw deny(`node "${nodeName}" must not set blockOwnerDeletion on an owner reference`);
    const node = reader.get('', 'nodes', '', nodeName);
    if (!node) throw notFound({ group: '', resource: 'nodes' }, nodeName);
    const nodeUID = node.metadata?.uid ?? '';
    // Upstream's wording, argument order included.
    if ((owner.uid ?? '') !== nodeUID) throw deny(`node ${nodeName} UID mismatch: expected ${owner.uid ?? ''} got ${nodeUID}`);

    // A mirror pod must not reference other API objects: that would give the node access to them.
    if (pod.spec?.serviceAccountName || pod.spec?.serviceAccount) throw deny(`node "${nodeName}" can not create pods that reference a service account`);
    if (podSecretNames(pod).length > 0) throw deny(`node "${nodeName}" can not create pods that reference secrets`);
    if (podConfigMapNames(pod).length > 0) throw deny(`node "${nodeName}" can not create pods that reference configmaps`);
    const volumes: any[] = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
    for (const v of volumes) {
      const sources: any[] = Array.isArray(v?.projected?.sources) ? v.projected.sources : [];
      if (sources.some((s) => s?.clusterTrustBundle)) throw deny(`node "${nodeName}" can not create pods that reference clustertrustbundles`);
    }
    if (volumes.some((v) => v?.persistentVolumeClaim)) throw deny(`node "${nodeName}" can not create pods that reference persistentvolumeclaims`);
  }

  function admitPodStatus(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.operation !== 'UPDATE') throw deny(`unexpected operation "${req.operation}"`);
    const oldPod = req.oldObject;
    const newPod = req.object;
    if (!oldPod || !newPod) throw deny('unexpected type <nil>');
    if (oldPod.spec?.nodeName !== nodeName) throw deny(`node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
    if (!semanticEqual(oldPod.metadata?.labels, newPod.metadata?.labels)) throw deny(`node "${nodeName}" cannot update labels through pod status`);
    if (!resourceClaimStatusesEqual(oldPod.status?.resourceClaimStatuses, newPod.status?.resourceClaimStatuses)) {
      throw deny(`node "${nodeName}" cannot update resource claim statues`);
    }
  }

  function admitPodEviction(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.operation !== 'CREATE') throw deny(`unexpected operation ${req.operation}`);
    // The pod named in the URL wins over the name in the Eviction body.
    const podName = req.name || (typeof req.object?.metadata?.name === 'string' ? req.object.metadata.name : '');
    if (!podName) throw deny('could not determine pod from request data');
    const pod = getPod(req.namespace, podName);
    if (pod.spec?.nodeName !== nodeName) throw deny(`node ${nodeName} can only evict pods with spec.nodeName set to itself`);
  }

  function admitPVCStatus(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.operation !== 'UPDATE') throw deny(`unexpected operation "${req.operation}"`);
    if (!req.oldObject || !req.object) throw deny('unexpected type <nil>');
    const strip = (pvc: Obj): Obj => {
      const c = structuredClone(pvc) as Obj;
      if (c.metadata) {
        delete c.metadata.resourceVersion;
        delete c.metadata.managedFields;
      }
      if (c.status) {
        delete c.status.capacity;
        delete c.status.conditions;
        if (recoverExpansion) {
          delete c.status.allocatedResources;
          delete c.status.allocatedResourceStatuses;
        }
      }
      return c;
    };
    const a = strip(req.oldObject);
    const b = strip(req.object);
    if (!semanticEqual(a, b)) {
      throw deny(`node "${nodeName}" is not allowed to update fields other than status.quantity and status.conditions: ${diffPaths(a, b).join(', ')}`);
    }
  }

  function admitNode(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    const requested = req.name || (req.operation === 'CREATE' && typeof req.object?.metadata?.name === 'string' ? req.object.metadata.name : '');
    if (requested !== nodeName) throw deny(`node "${nodeName}" is not allowed to modify node "${requested}"`);
    if (req.operation === 'CREATE') {
      const node = req.object;
      if (!node) throw deny('unexpected type <nil>');
      if (node.spec?.configSource != null) throw deny(`node "${nodeName}" is not allowed to create pods with a non-nil configSource`);
      const bad = forbiddenNodeLabels(node.metadata?.labels, undefined);
      if (bad.length > 0) throw deny(`node "${nodeName}" is not allowed to set the following labels: ${bad.join(', ')}`);
    } else if (req.operation === 'UPDATE') {
      const node = req.object;
      const old = req.oldObject;
      if (!node || !old) throw deny('unexpected type <nil>');
      if (node.spec?.configSource != null && !semanticEqual(node.spec.configSource, old.spec?.configSource)) {
        throw deny(`node "${nodeName}" is not allowed to update configSource to a new non-nil configSource`);
      }
      if (!semanticEqual(node.spec?.taints, old.spec?.taints)) throw deny(`node "${nodeName}" is not allowed to modify taints`);
      const bad = forbiddenNodeLabels(node.metadata?.labels, old.metadata?.labels);
      // Upstream's message has no subject here.
      if (bad.length > 0) throw deny(`is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  function admitServiceAccount(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.operation !== 'CREATE' || req.subresource !== 'token') return;
    const ref = req.object?.spec?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw deny('node requested token not bound to a pod');
    if (!ref.uid) throw deny('node requested token with a pod binding without a uid');
    const pod = getPod(req.namespace, ref.name);
    if (ref.uid !== pod.metadata?.uid) {
      throw deny(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (pod.spec?.nodeName !== nodeName) throw deny('node requested token bound to a pod scheduled on a different node');
  }

  function admitLease(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.namespace !== NODE_LEASE_NAMESPACE) throw deny(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    const name = req.operation === 'CREATE' ? req.object?.metadata?.name : req.name;
    if (name !== nodeName) throw deny('can only access node lease with the same name as the requesting node');
  }

  function admitCSINode(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    const name = req.operation === 'CREATE' ? req.object?.metadata?.name : req.name;
    if (name !== nodeName) throw deny('can only access CSINode with the same name as the requesting node');
  }

  function admitResourceSlice(nodeName: string, req: AdmissionRequest, deny: Deny): void {
    if (req.operation === 'CREATE' && req.object?.spec?.nodeName !== nodeName) {
      throw deny('can only create ResourceSlice with the same NodeName as the requesting node');
    }
    if (req.operation === 'DELETE' && (req.oldObject ?? req.object)?.spec?.nodeName !== nodeName) {
      throw deny('can only delete ResourceSlice with the same NodeName as the requesting node');
    }
  }
}

type Deny = (why: string) => StatusError;

/** The name upstream's admission.NewForbidden reports: the request's, else the object's name or generateName, else `Unknown`. */
function resourceName(req: AdmissionRequest): string {
  if (req.name) return req.name;
  const m = req.object?.metadata;
  if (m && typeof m.name === 'string' && m.name) return m.name;
  if (m && typeof m.generateName === 'string' && m.generateName) return m.generateName;
  return 'Unknown';
}

function resourceClaimStatusesEqual(a: unknown, b: unknown): boolean {
  const x = Array.isArray(a) ? a : [];
  const y = Array.isArray(b) ? b : [];
  if (x.length !== y.length) return false;
  return x.every((s, i) => s?.name === y[i]?.name && (s?.resourceClaimName ?? null) === (y[i]?.resourceClaimName ?? null));
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/**
 * Deep equality as upstream's apiequality.Semantic for JSON objects: absent, null, empty lists and empty maps
 * are all equal (a Go nil and an empty slice or map compare equal there).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) if (!semanticEqual(ao[k], bo[k])) return false;
    return true;
  }
  return a === b;
}

/** The dotted paths of the top-most fields that differ between `a` and `b` (for refusal messages). */
function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (semanticEqual(a, b)) return [];
  const isObj = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [prefix || '.'];
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
    out.push(...diffPaths(ao[k], bo[k], prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

// The Node authorizer's relationship graph (node <- pod <- secret/configmap/pvc <- pv <- secret ...), resolved at request time from the watch caches.
import type { Obj, ObjectReader } from '../access.js';
import {
  isMirrorPod,
  podConfigMapNames,
  podPVCNames,
  podResourceClaimNames,
  podSecretNames,
  podServiceAccountName,
  pvSecretRefs,
  type PVSecretRef,
} from './refs.js';

/** The kinds of vertex upstream's graph holds (names as upstream's vertexTypes). */
export type VertexType =
  | 'configmap'
  | 'secret'
  | 'pvc'
  | 'pv'
  | 'pod'
  | 'serviceAccount'
  | 'resourceclaim'
  | 'volumeattachment'
  | 'resourceslice';

/** What one bound pod grants its node (empty sets for mirror pods: they grant nothing but themselves). */
interface PodRefs {
  readonly secret: ReadonlySet<string>;
  readonly configmap: ReadonlySet<string>;
  readonly pvc: ReadonlySet<string>;
  readonly serviceAccount: ReadonlySet<string>;
  readonly resourceclaim: ReadonlySet<string>;
}

type PodEdgeType = keyof PodRefs;

const EMPTY: ReadonlySet<string> = new Set();
const MIRROR_REFS: PodRefs = { secret: EMPTY, configmap: EMPTY, pvc: EMPTY, serviceAccount: EMPTY, resourceclaim: EMPTY };

/**
 * Answers upstream's `hasPathFrom(node, type, namespace, name)` without a standing graph: the edges are
 * recomputed from the current objects on each question. Pods are the hub (every path but volumeattachments and
 * resourceslices runs through a pod bound to the node), so a question about a namespaced object scans the
 * pods of that namespace (`reader.list('', 'pods', ns)`, a watch-cache read), skipping pods on other nodes by
 * `spec.nodeName` and stopping at the first match. The references of each pod are extracted once per stored
 * object version (a WeakMap keyed by the frozen cached object, so a changed pod is re-read and a deleted one
 * is collected): the per-pod cost of a scan is a field compare and a Set lookup. Secrets reachable only through
 * a PersistentVolume additionally scan the PVs (memoised the same way). Cost: O(pods in the namespace) per
 * graph question; fine for thousands of pods per namespace.
 */
export class NodeGraph {
  private readonly podRefs = new WeakMap<Obj, PodRefs>();
  private readonly pvRefs = new WeakMap<Obj, readonly PVSecretRef[]>();

  constructor(private readonly reader: ObjectReader) {}

  /**
   * True when the object of `type` named `namespace/name` is related to node `nodeName` (a path in upstream's
   * graph): pods bound to it; secrets, configmaps, PVCs, service accounts and ResourceClaims referenced by a
   * non-mirror pod bound to it; PVs whose `claimRef` is such a PVC; secrets a kubelet-visible ref of such a PV
   * names; volumeattachments and resourceslices whose `spec.nodeName` is the node.
   */
  hasPathFrom(nodeName: string, type: VertexType, namespace: string, name: string): boolean {
    if (!nodeName || !name) return false;
    switch (type) {
      case 'pod': {
        if (!namespace) return false;
        return this.reader.get('', 'pods', namespace, name)?.spec?.nodeName === nodeName;
      }
      case 'configmap':
      case 'pvc':
      case 'serviceAccount':
      case 'resourceclaim':
        return this.podReferences(nodeName, type, namespace, name);
      case 'secret':
        return this.podReferences(nodeName, 'secret', namespace, name) || this.pvSecretReachable(nodeName, namespace, name);
      case 'pv': {
        const pv = this.reader.get('', 'persistentvolumes', '', name);
        return !!pv && this.pvReachable(nodeName, pv);
      }
      case 'volumeattachment':
        return this.reader.get('storage.k8s.io', 'volumeattachments', '', name)?.spec?.nodeName === nodeName;
      case 'resourceslice':
        return this.reader.get('resource.k8s.io', 'resourceslices', '', name)?.spec?.nodeName === nodeName;
    }
  }

  /** True when some pod in `namespace` bound to `nodeName` references `name` as `type`. */
  private podReferences(nodeName: string, type: PodEdgeType, namespace: string, name: string): boolean {
    if (!namespace) return false;
    for (const pod of this.reader.list('', 'pods', namespace)) {
      if (pod?.spec?.nodeName !== nodeName) continue;
      if (pod.metadata?.namespace !== namespace) continue;
      if (this.refsOf(pod)[type].has(name)) return true;
    }
    return false;
  }

  /** pv -> pvc -> pod -> node: the PV's claimRef names a PVC a pod on the node uses. */
  private pvReachable(nodeName: string, pv: Obj): boolean {
    const ref = pv.spec?.claimRef;
    if (!ref || typeof ref.name !== 'string' || typeof ref.namespace !== 'string') return false;
    return this.podReferences(nodeName, 'pvc', ref.namespace, ref.name);
  }

  /** secret -> pv -> pvc -> pod -> node, for kubelet-visible PV secret refs only. */
  private pvSecretReachable(nodeName: string, namespace: string, name: string): boolean {
    if (!namespace) return false;
    for (const pv of this.reader.list('', 'persistentvolumes')) {
      if (!pv?.spec?.claimRef) continue;
      let refs = this.pvRefs.get(pv);
      if (!refs) {
        refs = pvSecretRefs(pv);
        this.pvRefs.set(pv, refs);
      }
      if (!refs.some((r) => r.kubeletVisible && r.namespace === namespace && r.name === name)) continue;
      if (this.pvReachable(nodeName, pv)) return true;
    }
    return false;
  }

  private refsOf(pod: Obj): PodRefs {
    let refs = this.podRefs.get(pod);
    if (refs) return refs;
    if (isMirrorPod(pod)) {
      // A node must never gain access to other objects through a pod it can create itself (defence in depth
      // behind NodeRestriction), as upstream's AddPod.
      refs = MIRROR_REFS;
    } else {
      const sa = podServiceAccountName(pod);
      refs = {
        secret: new Set(podSecretNames(pod)),
        configmap: new Set(podConfigMapNames(pod)),
        pvc: new Set(podPVCNames(pod)),
        serviceAccount: sa ? new Set([sa]) : EMPTY,
        resourceclaim: new Set(podResourceClaimNames(pod)),
      };
    }
    this.podRefs.set(pod, refs);
    return refs;
  }
}

// VolumeZone (upstream plugins/volumezone): keeps pods on nodes in the zones/regions their bound PersistentVolumes are labelled with.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { CycleState, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { claimClass } from './volumebinding.js';

export const VOLUME_ZONE = 'VolumeZone';
/** Upstream ErrReasonConflict. */
export const ERR_REASON_VOLUME_ZONE_CONFLICT = 'node(s) had no available volume zone';

const BETA_ZONE = 'failure-domain.beta.kubernetes.io/zone';
const BETA_REGION = 'failure-domain.beta.kubernetes.io/region';
const GA_ZONE = 'topology.kubernetes.io/zone';
const GA_REGION = 'topology.kubernetes.io/region';
/** The topology labels checked, in upstream's order. */
export const VOLUME_TOPOLOGY_LABELS = [BETA_ZONE, BETA_REGION, GA_ZONE, GA_REGION] as const;
const STATE_KEY = `PreFilter${VOLUME_ZONE}`;

/** One topology constraint of a volume: the node's label `key` must be one of `values`. */
export interface PVTopology {
  pvName: string;
  key: string;
  values: Set<string>;
}

/**
 * Upstream LabelZonesToSet: a zone label value holds one or more zones separated by `__`; undefined when one of them
 * is empty (such labels are ignored).
 */
export function labelZonesToSet(value: string): Set<string> | undefined {
  if (value === '') return new Set();
  const out = new Set<string>();
  for (const z of value.split('__')) {
    const t = z.trim();
    if (t === '') return undefined;
    out.add(t);
  }
  return out;
}

/** The zone/region constraints a volume's labels put on nodes. */
export function volumeTopologies(pv: PersistentVolume): PVTopology[] {
  const out: PVTopology[] = [];
  const labels = pv.metadata?.labels ?? {};
  for (const key of VOLUME_TOPOLOGY_LABELS) {
    const v = labels[key];
    if (v === undefined) continue;
    const values = labelZonesToSet(v);
    if (values) out.push({ pvName: pv.metadata?.name ?? '', key, values });
  }
  return out;
}

function translateToGA(key: string): string {
  if (key === BETA_ZONE) return GA_ZONE;
  if (key === BETA_REGION) return GA_REGION;
  return key;
}

/**
 * Filters out nodes whose zone/region labels do not match those of the PersistentVolumes bound to the pod's claims.
 * PreFilter skips pods with no such volume (unbound WaitForFirstConsumer claims are VolumeBinding's business); nodes
 * without any topology label pass (single-zone clusters).
 */
export class VolumeZone implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = VOLUME_ZONE;
  constructor(private readonly handle: Handle) {}

  eventsToRegister(): ClusterEvent[] {
    return ['StorageClassAdd', 'NodeAdd', 'NodeUpdate', 'PvcAdd', 'PvcUpdate', 'PvAdd', 'PvUpdate'];
  }

  /** The topologies of the pod's bound volumes, or a rejection (missing claim, class or volume). */
  private podTopologies(pod: Pod): { topologies: PVTopology[]; status?: Status } {
    const out: PVTopology[] = [];
    const ns = pod.metadata?.namespace ?? '';
    const listers = this.handle.listers;
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.persistentVolumeClaim) continue;
      const claimName = v.persistentVolumeClaim.claimName;
      if (!claimName) return { topologies: [], status: Status.unresolvable('PersistentVolumeClaim had no name') };
      const pvc = listers?.persistentVolumeClaims?.get(`${ns}/${claimName}`) as PersistentVolumeClaim | undefined;
      if (!pvc) return { topologies: [], status: Status.unresolvable(`persistentvolumeclaim "${claimName}" not found`) };
      const pvName = pvc.spec?.volumeName ?? '';
      if (pvName === '') {
        const scName = claimClass(pvc);
        if (scName === '') return { topologies: [], status: Status.unresolvable('PersistentVolumeClaim had no pv name and storageClass name') };
        const sc = listers?.storageClasses?.get(scName) as StorageClass | undefined;
        if (!sc) return { topologies: [], status: Status.unresolvable(`storageclass.storage.k8s.io "${scName}" not found`) };
        if (!sc.volumeBindingMode) return { topologies: [], status: Status.unresolvable(`VolumeBindingMode not set for StorageClass "${scName}"`) };
        if (sc.volumeBindingMode === 'WaitForFirstConsumer') continue;
        return { topologies: [], status: Status.unresolvable('PersistentVolume had no name') };
      }
      const pv = listers?.persistentVolumes?.get(pvName) as PersistentVolume | undefined;
      if (!pv) return { topologies: [], status: Status.unresolvable(`persistentvolume "${pvName}" not found`) };
      out.push(...volumeTopologies(pv));
    }
    return { topologies: out };
  }

  preFilter(state: CycleState, pod: Pod): { status?: Status } | undefined {
    if (!(pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim)) return { status: Status.skip() };
    const { topologies, status } = this.podTopologies(pod);
    if (status) return { status };
    if (topologies.length === 0) return { status: Status.skip() };
    state.write(STATE_KEY, topologies);
    return undefined;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    if ((pod.spec?.volumes ?? []).length === 0) return undefined;
    let topologies = state.read<PVTopology[]>(STATE_KEY);
    if (!topologies) {
      const r = this.podTopologies(pod);
      if (r.status) return r.status;
      topologies = r.topologies;
    }
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    if (!VOLUME_TOPOLOGY_LABELS.some((k) => labels[k] !== undefined)) return undefined;
    for (const t of topologies) {
      const v = labels[t.key] ?? labels[translateToGA(t.key)];
      if (v === undefined || !t.values.has(v)) return Status.unresolvable(ERR_REASON_VOLUME_ZONE_CONFLICT);
    }
    return undefined;
  }
}

// VolumeRestrictions (upstream plugins/volumerestrictions): inline disks (GCE PD, AWS EBS, RBD, iSCSI) that cannot be mounted twice on a node, and ReadWriteOncePod claims already in use by another pod.
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { CycleState, Status, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterExtensions, type PreFilterPlugin } from '../framework.js';
import { podUid, type NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';

export const VOLUME_RESTRICTIONS = 'VolumeRestrictions';
/** Upstream ErrReasonDiskConflict. */
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
/** Upstream ErrReasonReadWriteOncePodConflict. */
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
const STATE_KEY = `PreFilter${VOLUME_RESTRICTIONS}`;

class PreFilterState {
  constructor(
    /** `namespace/claim` keys of the pod's ReadWriteOncePod claims. */
    readonly rwopClaims: ReadonlySet<string>,
    /** How many scheduled pods use one of these claims. */
    public conflictingRefs: number,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.rwopClaims, this.conflictingRefs);
  }
  refsOf(pod: Pod): number {
    const ns = pod.metadata?.namespace ?? '';
    let n = 0;
    for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim && this.rwopClaims.has(`${ns}/${v.persistentVolumeClaim.claimName}`)) n++;
    return n;
  }
}

function needsRestrictionsCheck(v: Volume): boolean {
  return !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.rbd || v.iscsi);
}

/** Upstream isVolumeConflict: whether inline volume `v` cannot be mounted next to the volumes of `existing`. */
export function isVolumeConflict(v: Volume, existing: Pod): boolean {
  for (const e of existing.spec?.volumes ?? []) {
    if (v.gcePersistentDisk && e.gcePersistentDisk) {
      if (v.gcePersistentDisk.pdName === e.gcePersistentDisk.pdName && !(v.gcePersistentDisk.readOnly && e.gcePersistentDisk.readOnly)) return true;
    }
    if (v.awsElasticBlockStore && e.awsElasticBlockStore) {
      if (v.awsElasticBlockStore.volumeID === e.awsElasticBlockStore.volumeID) return true;
    }
    if (v.iscsi && e.iscsi) {
      if (v.iscsi.iqn === e.iscsi.iqn && !(v.iscsi.readOnly && e.iscsi.readOnly)) return true;
    }
    if (v.rbd && e.rbd) {
      const mons = new Set(v.rbd.monitors ?? []);
      const overlap = (e.rbd.monitors ?? []).some((m) => mons.has(m));
      const samePool = (v.rbd.pool || 'rbd') === (e.rbd.pool || 'rbd');
      if (overlap && samePool && v.rbd.image === e.rbd.image && !(v.rbd.readOnly && e.rbd.readOnly)) return true;
    }
  }
  return false;
}

/** Upstream satisfyVolumeConflicts: no inline disk of `pod` conflicts with a pod on the node. */
export function satisfiesVolumeConflicts(pod: Pod, nodeInfo: NodeInfo): boolean {
  for (const v of pod.spec?.volumes ?? []) {
    if (!needsRestrictionsCheck(v)) continue;
    for (const pi of nodeInfo.pods) if (isVolumeConflict(v, pi.pod)) return false;
  }
  return true;
}

/**
 * Rejects nodes where an inline GCE PD / EBS / RBD / iSCSI disk of the pod is already mounted in a conflicting way
 * (Unschedulable, `node(s) had no available disk`), and every node while a ReadWriteOncePod claim of the pod is used
 * by a scheduled pod (Unschedulable: preemption of that pod may help). PreFilter skips pods with neither.
 */
export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = VOLUME_RESTRICTIONS;
  constructor(private readonly handle: Handle) {}

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'PvcAdd', 'PvcUpdate'];
  }

  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status?: Status } | undefined {
    const volumes = pod.spec?.volumes ?? [];
    if (volumes.length === 0) return { status: Status.skip() };
    const needsCheck = volumes.some(needsRestrictionsCheck);
    const ns = pod.metadata?.namespace ?? '';
    const rwop = new Set<string>();
    for (const v of volumes) {
      if (!v.persistentVolumeClaim) continue;
      const name = v.persistentVolumeClaim.claimName;
      const pvc = this.handle.listers?.persistentVolumeClaims?.get(`${ns}/${name}`) as PersistentVolumeClaim | undefined;
      if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${name}" not found`) };
      if ((pvc.spec?.accessModes ?? []).includes('ReadWriteOncePod')) rwop.add(`${ns}/${name}`);
    }
    let refs = 0;
    if (rwop.size > 0) {
      const used = new Set<string>();
      const self = podUid(pod);
      for (const ni of nodes) {
        for (const pi of ni.pods) {
          if (podUid(pi.pod) === self) continue;
          const pns = pi.pod.metadata?.namespace ?? '';
          for (const v of pi.pod.spec?.volumes ?? []) if (v.persistentVolumeClaim) used.add(`${pns}/${v.persistentVolumeClaim.claimName}`);
        }
      }
      for (const k of rwop) if (used.has(k)) refs++;
    }
    if (!needsCheck && refs === 0) return { status: Status.skip() };
    state.write(STATE_KEY, new PreFilterState(rwop, refs));
    return undefined;
  }

  preFilterExtensions(): PreFilterExtensions {
    const update = (state: CycleState, pod: Pod, sign: number): Status | undefined => {
      const s = state.read<PreFilterState>(STATE_KEY);
      if (!s) return Status.error(`cannot read "${STATE_KEY}" from cycleState`);
      s.conflictingRefs += sign * s.refsOf(pod);
      return undefined;
    };
    return {
      addPod: (state, _pod, podToAdd) => update(state, podToAdd, 1),
      removePod: (state, _pod, podToRemove) => update(state, podToRemove, -1),
    };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    if (!satisfiesVolumeConflicts(pod, nodeInfo)) return Status.unschedulable(ERR_REASON_DISK_CONFLICT);
    const s = state.read<PreFilterState>(STATE_KEY);
    if (!s) return Status.error(`cannot read "${STATE_KEY}" from cycleState`);
    if (s.conflictingRefs > 0) return Status.unschedulable(ERR_REASON_RWOP_CONFLICT);
    return undefined;
  }
}

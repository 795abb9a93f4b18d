// Table-driven tests of VolumeRestrictions: inline disk conflicts (GCE PD, EBS, RBD, iSCSI) and ReadWriteOncePod claims in use, with preemption's add/remove extensions.
import { describe, expect, it } from 'vitest';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import type { Lister } from '../../client/index.js';
import { CycleState } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { ERR_REASON_DISK_CONFLICT, ERR_REASON_RWOP_CONFLICT, VolumeRestrictions } from './volumerestrictions.js';

function handleFor(pvcs: PersistentVolumeClaim[]): Handle {
  const m = new Map(pvcs.map((c) => [`${c.metadata!.namespace}/${c.metadata!.name}`, c]));
  const l = { get: (k: string) => m.get(k), list: () => [...m.values()], byIndex: () => [], keys: () => [...m.keys()] } as unknown as Lister<PersistentVolumeClaim>;
  return {
    snapshot: () => {
      throw new Error('unused');
    },
    listers: { persistentVolumeClaims: l },
  };
}

const claim = (name: string, modes: string[], namespace = 'default'): PersistentVolumeClaim => ({ metadata: { name, namespace }, spec: { accessModes: modes } });
const withVolumes = (name: string, volumes: Volume[], ns = 'default'): Pod => pod(name, {}, { volumes }, { namespace: ns });
const pvcVol = (claimName: string): Volume => ({ name: claimName, persistentVolumeClaim: { claimName } });
const gce = (pdName: string, readOnly = false): Volume => ({ name: 'gce', gcePersistentDisk: { pdName, readOnly } });
const ebs = (volumeID: string): Volume => ({ name: 'ebs', awsElasticBlockStore: { volumeID } });
const rbd = (monitors: string[], image: string, readOnly = false, pool?: string): Volume => ({ name: 'rbd', rbd: { monitors, image, readOnly, ...(pool ? { pool } : {}) } });
const iscsi = (iqn: string, readOnly = false): Volume => ({ name: 'iscsi', iscsi: { iqn, targetPortal: '127.0.0.1:3260', lun: 0, readOnly } });

function run(p: VolumeRestrictions, pd: Pod, nodes: NodeInfo[]): string | Record<string, string> {
  const state = new CycleState();
  const pre = p.preFilter(state, pd, nodes);
  if (pre?.status?.isSkip()) return 'skip';
  if (pre?.status) return `pre: ${pre.status.codeName()}: ${pre.status.message()}`;
  return Object.fromEntries(nodes.map((n) => [n.name, ((s) => (s ? `${s.codeName()}: ${s.message()}` : 'ok'))(p.filter(state, pd, n))]));
}

describe('VolumeRestrictions', () => {
  const DISK = `Unschedulable: ${ERR_REASON_DISK_CONFLICT}`;
  const RWOP = `Unschedulable: ${ERR_REASON_RWOP_CONFLICT}`;
  const pvcs = [claim('rwop', ['ReadWriteOncePod']), claim('rwo', ['ReadWriteOnce']), claim('rwop', ['ReadWriteOncePod'], 'other')];
  const cases: { name: string; pod: Pod; a?: Pod[]; b?: Pod[]; want: string | Record<string, string> }[] = [
    { name: 'no volumes: skip', pod: pod('p'), want: 'skip' },
    { name: 'RWO claim only: skip', pod: withVolumes('p', [pvcVol('rwo')]), a: [withVolumes('x', [pvcVol('rwo')])], want: 'skip' },
    { name: 'RWOP claim unused: skip', pod: withVolumes('p', [pvcVol('rwop')]), a: [withVolumes('x', [pvcVol('rwo')])], want: 'skip' },
    { name: 'RWOP claim used by a pod on another node: rejected everywhere', pod: withVolumes('p', [pvcVol('rwop')]), a: [withVolumes('x', [pvcVol('rwop')])], want: { a: RWOP, b: RWOP } },
    { name: 'same claim name in another namespace does not conflict', pod: withVolumes('p', [pvcVol('rwop')]), a: [withVolumes('x', [pvcVol('rwop')], 'other')], want: 'skip' },
    { name: 'missing claim', pod: withVolumes('p', [pvcVol('nope')]), want: 'pre: UnschedulableAndUnresolvable: persistentvolumeclaim "nope" not found' },
    { name: 'same GCE PD read-write', pod: withVolumes('p', [gce('d1')]), a: [withVolumes('x', [gce('d1', true)])], want: { a: DISK, b: 'ok' } },
    { name: 'same GCE PD read-only on both sides', pod: withVolumes('p', [gce('d1', true)]), a: [withVolumes('x', [gce('d1', true)])], want: { a: 'ok', b: 'ok' } },
    { name: 'different GCE PDs', pod: withVolumes('p', [gce('d1')]), a: [withVolumes('x', [gce('d2')])], want: { a: 'ok', b: 'ok' } },
    { name: 'same EBS volume, even read-only', pod: withVolumes('p', [ebs('vol-1')]), b: [withVolumes('x', [ebs('vol-1')])], want: { a: 'ok', b: DISK } },
    { name: 'RBD image sharing a monitor', pod: withVolumes('p', [rbd(['m1', 'm2'], 'img')]), a: [withVolumes('x', [rbd(['m2', 'm3'], 'img')])], want: { a: DISK, b: 'ok' } },
    { name: 'RBD image in another pool', pod: withVolumes('p', [rbd(['m1'], 'img')]), a: [withVolumes('x', [rbd(['m1'], 'img', false, 'other')])], want: { a: 'ok', b: 'ok' } },
    { name: 'same iSCSI IQN read-write', pod: withVolumes('p', [iscsi('iqn.a')]), a: [withVolumes('x', [iscsi('iqn.a')])], want: { a: DISK, b: 'ok' } },
    { name: 'same iSCSI IQN read-only', pod: withVolumes('p', [iscsi('iqn.a', true)]), a: [withVolumes('x', [iscsi('iqn.a', true)])], want: { a: 'ok', b: 'ok' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodes = [nodeInfo(node('a'), c.a ?? []), nodeInfo(node('b'), c.b ?? [])];
      expect(run(new VolumeRestrictions(handleFor(pvcs)), c.pod, nodes)).toEqual(c.want);
    });
  }

  it('preemption: removing the pod that uses the RWOP claim frees every node', () => {
    const user = withVolumes('x', [pvcVol('rwop')]);
    const nodes = [nodeInfo(node('a'), [user]), nodeInfo(node('b'))];
    const p = new VolumeRestrictions(handleFor(pvcs));
    const incoming = withVolumes('p', [pvcVol('rwop')]);
    const state = new CycleState();
    p.preFilter(state, incoming, nodes);
    const cloned = state.clone();
    p.preFilterExtensions().removePod(cloned, incoming, nodes[0]!.pods[0]!.pod, nodes[0]!);
    expect(p.filter(cloned, incoming, nodes[1]!)).toBeUndefined();
    expect(p.filter(state, incoming, nodes[1]!)?.message()).toBe(ERR_REASON_RWOP_CONFLICT);
    p.preFilterExtensions().addPod(cloned, incoming, user, nodes[0]!);
    expect(p.filter(cloned, incoming, nodes[1]!)?.message()).toBe(ERR_REASON_RWOP_CONFLICT);
  });
});

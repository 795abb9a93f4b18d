// Table-driven tests of VolumeZone: bound PVs' zone/region labels (GA, beta, `__` sets) against node labels, and PreFilter's skips and rejections.
import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import type { Lister } from '../../client/index.js';
import { CycleState } from '../framework.js';
import type { Handle } from '../runtime.js';
import { ERR_REASON_VOLUME_ZONE_CONFLICT, VolumeZone, labelZonesToSet } from './volumezone.js';

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const BETA_ZONE = 'failure-domain.beta.kubernetes.io/zone';

function lister<T extends { metadata?: { name?: string; namespace?: string } }>(items: T[]): Lister<T> {
  const m = new Map(items.map((i) => [i.metadata?.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : (i.metadata?.name ?? ''), i]));
  return { get: (k: string) => m.get(k), list: () => [...m.values()], byIndex: () => [], keys: () => [...m.keys()] } as unknown as Lister<T>;
}

const pv = (name: string, labels: Record<string, string>): PersistentVolume => ({ metadata: { name, labels }, spec: { capacity: { storage: '1Gi' } } });
const boundClaim = (name: string, volumeName: string): PersistentVolumeClaim => ({ metadata: { name, namespace: 'default' }, spec: { volumeName } });
const unboundClaim = (name: string, storageClassName?: string): PersistentVolumeClaim => ({ metadata: { name, namespace: 'default' }, spec: storageClassName ? { storageClassName } : {} });
const withClaims = (...claims: string[]): Pod => pod('p', {}, { volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) });

const handleFor = (pvs: PersistentVolume[], pvcs: PersistentVolumeClaim[], classes: StorageClass[] = []): Handle => ({
  snapshot: () => {
    throw new Error('unused');
  },
  listers: { persistentVolumes: lister(pvs), persistentVolumeClaims: lister(pvcs), storageClasses: lister(classes) },
});

const nodes = [
  nodeInfo(node('z1', { labels: { [ZONE]: 'us-1a', [REGION]: 'us-1' } })),
  nodeInfo(node('z2', { labels: { [ZONE]: 'us-1b', [REGION]: 'us-1' } })),
  nodeInfo(node('beta', { labels: { [BETA_ZONE]: 'us-1c' } })),
  nodeInfo(node('bare')),
];

function run(h: Handle, pd: Pod): string | Record<string, string> {
  const p = new VolumeZone(h);
  const state = new CycleState();
  const pre = p.preFilter(state, pd);
  if (pre?.status?.isSkip()) return 'skip';
  if (pre?.status) return `pre: ${pre.status.codeName()}: ${pre.status.message()}`;
  return Object.fromEntries(nodes.map((n) => [n.name, p.filter(state, pd, n)?.message() ?? 'ok']));
}

describe('VolumeZone', () => {
  const X = ERR_REASON_VOLUME_ZONE_CONFLICT;
  const cases: { name: string; pod: Pod; pvs?: PersistentVolume[]; pvcs?: PersistentVolumeClaim[]; classes?: StorageClass[]; want: string | Record<string, string> }[] = [
    { name: 'no claims: skip', pod: pod('p'), want: 'skip' },
    { name: 'bound PV without topology labels: skip', pod: withClaims('c'), pvs: [pv('v', {})], pvcs: [boundClaim('c', 'v')], want: 'skip' },
    { name: 'zone mismatch', pod: withClaims('c'), pvs: [pv('v', { [ZONE]: 'us-1a' })], pvcs: [boundClaim('c', 'v')], want: { z1: 'ok', z2: X, beta: X, bare: 'ok' } },
    { name: '__-separated zone set', pod: withClaims('c'), pvs: [pv('v', { [ZONE]: 'us-1a__us-1b' })], pvcs: [boundClaim('c', 'v')], want: { z1: 'ok', z2: 'ok', beta: X, bare: 'ok' } },
    { name: 'region only', pod: withClaims('c'), pvs: [pv('v', { [REGION]: 'us-1' })], pvcs: [boundClaim('c', 'v')], want: { z1: 'ok', z2: 'ok', beta: X, bare: 'ok' } },
    { name: 'beta PV label matches the GA node label', pod: withClaims('c'), pvs: [pv('v', { [BETA_ZONE]: 'us-1b' })], pvcs: [boundClaim('c', 'v')], want: { z1: X, z2: 'ok', beta: X, bare: 'ok' } },
    { name: 'beta PV label matches the beta node label', pod: withClaims('c'), pvs: [pv('v', { [BETA_ZONE]: 'us-1c' })], pvcs: [boundClaim('c', 'v')], want: { z1: X, z2: X, beta: 'ok', bare: 'ok' } },
    {
      name: 'unbound WaitForFirstConsumer claims are skipped',
      pod: withClaims('c'),
      pvcs: [unboundClaim('c', 'local')],
      classes: [{ metadata: { name: 'local' }, provisioner: 'x', volumeBindingMode: 'WaitForFirstConsumer' }],
      want: 'skip',
    },
    { name: 'missing claim', pod: withClaims('c'), want: 'pre: UnschedulableAndUnresolvable: persistentvolumeclaim "c" not found' },
    { name: 'missing PV', pod: withClaims('c'), pvcs: [boundClaim('c', 'v')], want: 'pre: UnschedulableAndUnresolvable: persistentvolume "v" not found' },
    { name: 'unbound claim without class', pod: withClaims('c'), pvcs: [unboundClaim('c')], want: 'pre: UnschedulableAndUnresolvable: PersistentVolumeClaim had no pv name and storageClass name' },
    {
      name: 'unbound Immediate claim',
      pod: withClaims('c'),
      pvcs: [unboundClaim('c', 'fast')],
      classes: [{ metadata: { name: 'fast' }, provisioner: 'x', volumeBindingMode: 'Immediate' }],
      want: 'pre: UnschedulableAndUnresolvable: PersistentVolume had no name',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(run(handleFor(c.pvs ?? [], c.pvcs ?? [], c.classes ?? []), c.pod)).toEqual(c.want);
    });
  }

  it('a zone rejection is unresolvable', () => {
    const h = handleFor([pv('v', { [ZONE]: 'us-1a' })], [boundClaim('c', 'v')]);
    const p = new VolumeZone(h);
    const state = new CycleState();
    p.preFilter(state, withClaims('c'));
    expect(p.filter(state, withClaims('c'), nodes[1]!)?.codeName()).toBe('UnschedulableAndUnresolvable');
  });

  it.each([
    ['us-1a', ['us-1a']],
    ['us-1a__us-1b', ['us-1a', 'us-1b']],
    ['us-1a____us-1b', undefined],
  ])('labelZonesToSet(%s)', (v, want) => {
    const s = labelZonesToSet(v);
    expect(s ? [...s] : undefined).toEqual(want);
  });
});

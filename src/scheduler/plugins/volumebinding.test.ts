// Table-driven tests of VolumeBinding: PreFilter classification, Filter for bound/WaitForFirstConsumer claims (static matching, provisioning), Reserve/Unreserve assumptions and PreBind's API writes.
import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import type { Lister, RestClient } from '../../client/index.js';
import { CycleState } from '../framework.js';
import type { NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import {
  ANN_BIND_COMPLETED,
  ANN_SELECTED_NODE,
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_REASON_UNBOUND_IMMEDIATE,
  VolumeBinding,
  findMatchingVolume,
  localVolumeNodeNames,
  matchTopologySelectorTerms,
} from './volumebinding.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

/** A mutable in-memory lister keyed like the informers' (namespace/name). */
function memLister<T extends { metadata?: { name?: string; namespace?: string } }>(items: T[]): Lister<T> & { map: Map<string, T> } {
  const map = new Map<string, T>();
  const key = (o: T) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));
  for (const i of items) map.set(key(i), i);
  return { map, get: (k: string) => map.get(k), list: () => [...map.values()], byIndex: () => [], keys: () => [...map.keys()] } as unknown as Lister<T> & { map: Map<string, T> };
}

const localPV = (name: string, host: string, size = '10Gi', extra: Partial<PersistentVolume['spec']> = {}, cls = 'local'): PersistentVolume => ({
  metadata: { name, resourceVersion: '1' },
  spec: {
    capacity: { storage: size },
    accessModes: ['ReadWriteOnce'],
    storageClassName: cls,
    local: { path: `/mnt/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOST, operator: 'In', values: [host] }] }] } },
    ...extra,
  },
  status: { phase: 'Available' },
});

const claim = (name: string, cls: string | undefined, size = '5Gi', extra: Partial<PersistentVolumeClaim['spec']> = {}, meta: Partial<PersistentVolumeClaim['metadata']> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `pvc-${name}`, resourceVersion: '1', ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(cls !== undefined ? { storageClassName: cls } : {}), ...extra },
});

const wffc = (name: string, provisioner = 'kubernetes.io/no-provisioner', extra: Partial<StorageClass> = {}): StorageClass => ({ metadata: { name }, provisioner, volumeBindingMode: 'WaitForFirstConsumer', ...extra });
const immediate = (name: string): StorageClass => ({ metadata: { name }, provisioner: 'example.com/csi', volumeBindingMode: 'Immediate' });

const withClaims = (name: string, ...claims: string[]): Pod => pod(name, {}, { volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) });

/** A bound pair: PV with claimRef to the claim, claim with volumeName (as a user pre-binds them). */
function preBound(pv: PersistentVolume, pvc: PersistentVolumeClaim): [PersistentVolume, PersistentVolumeClaim] {
  return [
    { ...pv, spec: { ...pv.spec, claimRef: { namespace: pvc.metadata!.namespace!, name: pvc.metadata!.name! } } },
    { ...pvc, spec: { ...pvc.spec, volumeName: pv.metadata!.name! } },
  ];
}

interface World {
  pvs?: PersistentVolume[];
  pvcs?: PersistentVolumeClaim[];
  classes?: StorageClass[];
}

function handleFor(w: World, client?: RestClient) {
  const listers = { persistentVolumes: memLister(w.pvs ?? []), persistentVolumeClaims: memLister(w.pvcs ?? []), storageClasses: memLister(w.classes ?? []) };
  const handle: Handle = { snapshot: () => { throw new Error('unused'); }, listers, ...(client ? { client } : {}) };
  return { handle, listers };
}

const nodes = [nodeInfo(node('a', { labels: { [ZONE]: 'z1' } })), nodeInfo(node('b', { labels: { [ZONE]: 'z2' } })), nodeInfo(node('c', { labels: { [ZONE]: 'z3' } }))];

/** PreFilter then Filter on every node: 'skip', a PreFilter rejection 'pre: <code>: <msg>', else node -> 'ok' | '<code>: <msg>'. */
function run(p: VolumeBinding, pd: Pod, ns: NodeInfo[] = nodes): { state: CycleState; out: string | Record<string, string>; narrowed?: string[] } {
  const state = new CycleState();
  const pre = p.preFilter(state, pd);
  if (pre?.status?.isSkip()) return { state, out: 'skip' };
  if (pre?.status) return { state, out: `pre: ${pre.status.codeName()}: ${pre.status.message()}` };
  const out: Record<string, string> = {};
  for (const n of ns) {
    const s = p.filter(state, pd, n);
    out[n.name] = s ? `${s.codeName()}: ${s.message()}` : 'ok';
  }
  const names = pre?.result?.nodeNames;
  return { state, out, ...(names ? { narrowed: [...names].sort() } : {}) };
}

describe('VolumeBinding PreFilter and Filter', () => {
  const U = 'UnschedulableAndUnresolvable';
  const [boundPV, boundPVC] = preBound(localPV('pv-a', 'a'), claim('data', 'local'));
  const cases: { name: string; pod: Pod; world: World; want: string | Record<string, string>; narrowed?: string[] }[] = [
    { name: 'pod without volumes: skip', pod: pod('p'), world: {}, want: 'skip' },
    { name: 'pod with only an emptyDir: skip', pod: pod('p', {}, { volumes: [{ name: 'tmp', emptyDir: {} }] }), world: {}, want: 'skip' },
    { name: 'missing claim', pod: withClaims('p', 'nope'), world: {}, want: `pre: ${U}: persistentvolumeclaim "nope" not found` },
    {
      name: 'claim being deleted',
      pod: withClaims('p', 'gone'),
      world: { pvcs: [claim('gone', 'local', '1Gi', {}, { deletionTimestamp: '2024-01-01T00:00:00Z' })] },
      want: `pre: ${U}: persistentvolumeclaim "gone" is being deleted`,
    },
    { name: 'unbound claim of an Immediate class', pod: withClaims('p', 'c'), world: { pvcs: [claim('c', 'fast')], classes: [immediate('fast')] }, want: `pre: ${U}: ${ERR_REASON_UNBOUND_IMMEDIATE}` },
    { name: 'unbound claim without a class is immediate', pod: withClaims('p', 'c'), world: { pvcs: [claim('c', undefined)] }, want: `pre: ${U}: ${ERR_REASON_UNBOUND_IMMEDIATE}` },
    { name: 'unbound claim of a missing class is immediate', pod: withClaims('p', 'c'), world: { pvcs: [claim('c', 'ghost')] }, want: `pre: ${U}: ${ERR_REASON_UNBOUND_IMMEDIATE}` },
    {
      name: 'claim pre-bound by volumeName whose PV does not point back yet is immediate (waits for the binding)',
      pod: withClaims('p', 'c'),
      world: { pvcs: [claim('c', 'local', '5Gi', { volumeName: 'pv-a' })], pvs: [localPV('pv-a', 'a')], classes: [wffc('local')] },
      want: `pre: ${U}: ${ERR_REASON_UNBOUND_IMMEDIATE}`,
    },
    {
      name: 'bound local PV on node a only schedules on a (and narrows to a)',
      pod: withClaims('p', 'data'),
      world: { pvs: [boundPV], pvcs: [boundPVC], classes: [wffc('local')] },
      want: { a: 'ok', b: `${U}: ${ERR_REASON_NODE_CONFLICT}`, c: `${U}: ${ERR_REASON_NODE_CONFLICT}` },
      narrowed: ['a'],
    },
    {
      name: 'claim bound with the bind-completed annotation counts as bound',
      pod: withClaims('p', 'c'),
      world: {
        pvs: [{ ...localPV('pv-z', 'x'), spec: { capacity: { storage: '1Gi' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['z2', 'z3'] }] }] } } } }],
        pvcs: [claim('c', 'fast', '1Gi', { volumeName: 'pv-z' }, { annotations: { [ANN_BIND_COMPLETED]: 'yes' } })],
        classes: [immediate('fast')],
      },
      want: { a: `${U}: ${ERR_REASON_NODE_CONFLICT}`, b: 'ok', c: 'ok' },
    },
    {
      name: 'bound claim whose PV vanished',
      pod: withClaims('p', 'c'),
      world: { pvcs: [claim('c', 'fast', '1Gi', { volumeName: 'pv-gone' }, { annotations: { [ANN_BIND_COMPLETED]: 'yes' } })] },
      want: { a: `${U}: ${ERR_REASON_PV_NOT_EXIST}`, b: `${U}: ${ERR_REASON_PV_NOT_EXIST}`, c: `${U}: ${ERR_REASON_PV_NOT_EXIST}` },
    },
    {
      name: 'WFFC with no-provisioner: only nodes holding a fitting PV',
      pod: withClaims('p', 'c'),
      world: { pvcs: [claim('c', 'local', '5Gi')], pvs: [localPV('pv-a', 'a'), localPV('pv-b', 'b', '1Gi')], classes: [wffc('local')] },
      want: { a: 'ok', b: `${U}: ${ERR_REASON_BIND_CONFLICT}`, c: `${U}: ${ERR_REASON_BIND_CONFLICT}` },
    },
    {
      name: 'WFFC ignores PVs claimed by another claim, of another class, or with a non-matching selector',
      pod: withClaims('p', 'c'),
      world: {
        pvcs: [claim('c', 'local', '5Gi', { selector: { matchLabels: { tier: 'gold' } } })],
        pvs: [
          { ...localPV('pv-a', 'a'), metadata: { name: 'pv-a', labels: { tier: 'gold' } }, spec: { ...localPV('pv-a', 'a').spec, claimRef: { namespace: 'default', name: 'other' } } },
          { ...localPV('pv-b', 'b', '10Gi', {}, 'other'), metadata: { name: 'pv-b', labels: { tier: 'gold' } } },
          localPV('pv-c', 'c'),
        ],
        classes: [wffc('local')],
      },
      want: { a: `${U}: ${ERR_REASON_BIND_CONFLICT}`, b: `${U}: ${ERR_REASON_BIND_CONFLICT}`, c: `${U}: ${ERR_REASON_BIND_CONFLICT}` },
    },
    {
      name: 'WFFC with a provisioner: any node in allowedTopologies',
      pod: withClaims('p', 'c'),
      world: {
        pvcs: [claim('c', 'csi')],
        classes: [wffc('csi', 'example.com/csi', { allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: ['z1', 'z3'] }] }] })],
      },
      want: { a: 'ok', b: `${U}: ${ERR_REASON_BIND_CONFLICT}`, c: 'ok' },
    },
    { name: 'WFFC with a provisioner and no allowedTopologies: every node', pod: withClaims('p', 'c'), world: { pvcs: [claim('c', 'csi')], classes: [wffc('csi', 'example.com/csi')] }, want: { a: 'ok', b: 'ok', c: 'ok' } },
    {
      name: 'WFFC claim with a selected node only fits that node',
      pod: withClaims('p', 'c'),
      world: { pvcs: [claim('c', 'csi', '1Gi', {}, { annotations: { [ANN_SELECTED_NODE]: 'b' } })], classes: [wffc('csi', 'example.com/csi')] },
      want: { a: `${U}: ${ERR_REASON_BIND_CONFLICT}`, b: 'ok', c: `${U}: ${ERR_REASON_BIND_CONFLICT}` },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { handle } = handleFor(c.world);
      const r = run(new VolumeBinding({}, handle), c.pod);
      expect(r.out).toEqual(c.want);
      if (c.narrowed) expect(r.narrowed).toEqual(c.narrowed);
    });
  }

  it('WFFC static match picks the smallest fitting PV; two claims never share one', () => {
    const world: World = {
      pvcs: [claim('small', 'local', '2Gi'), claim('big', 'local', '8Gi')],
      pvs: [localPV('pv-20', 'a', '20Gi'), localPV('pv-3', 'a', '3Gi'), localPV('pv-10', 'a', '10Gi'), localPV('pv-1', 'a', '1Gi')],
      classes: [wffc('local')],
    };
    const { handle } = handleFor(world);
    const p = new VolumeBinding({}, handle);
    const state = new CycleState();
    const pd = withClaims('p', 'big', 'small');
    p.preFilter(state, pd);
    expect(p.filter(state, pd, nodes[0]!)).toBeUndefined();
    const st = state.read<{ byNode: Map<string, { staticBindings: { pv: PersistentVolume; pvc: PersistentVolumeClaim }[] }> }>('PreFilterVolumeBinding')!;
    const chosen = st.byNode.get('a')!.staticBindings.map((b) => `${b.pvc.metadata!.name}->${b.pv.metadata!.name}`);
    expect(chosen).toEqual(['small->pv-3', 'big->pv-10']);
  });
});

describe('VolumeBinding helpers', () => {
  const n = node('a', { labels: { [ZONE]: 'z1' } });
  it.each([
    ['access modes must be contained', claim('c', 'local', '1Gi', { accessModes: ['ReadWriteMany'] }), [localPV('pv', 'a')], undefined],
    ['a volume pre-bound to the claim wins over smaller ones', claim('c', 'local', '1Gi'), [localPV('small', 'a', '1Gi'), { ...localPV('mine', 'a', '50Gi'), spec: { ...localPV('mine', 'a', '50Gi').spec, claimRef: { namespace: 'default', name: 'c' } } }], 'mine'],
    ['a pre-bound volume on another node means no match', claim('c', 'local', '1Gi'), [localPV('small', 'a', '1Gi'), { ...localPV('mine', 'b'), spec: { ...localPV('mine', 'b').spec, claimRef: { namespace: 'default', name: 'c' } } }], undefined],
    ['Released volumes are not candidates', claim('c', 'local', '1Gi'), [{ ...localPV('pv', 'a'), status: { phase: 'Released' } }], undefined],
    ['Pending volumes are (no PV controller makes them Available)', claim('c', 'local', '1Gi'), [{ ...localPV('pv', 'a'), status: { phase: 'Pending' } }], 'pv'],
    ['block claims need block volumes', claim('c', 'local', '1Gi', { volumeMode: 'Block' }), [localPV('pv', 'a')], undefined],
  ] as [string, PersistentVolumeClaim, PersistentVolume[], string | undefined][])('findMatchingVolume: %s', (_name, pvc, pvs, want) => {
    expect(findMatchingVolume(pvc, pvs, n)?.metadata?.name).toBe(want);
  });

  it.each([
    [undefined, true],
    [[{ matchLabelExpressions: [{ key: ZONE, values: ['z1'] }] }], true],
    [[{ matchLabelExpressions: [{ key: ZONE, values: ['z2'] }] }, { matchLabelExpressions: [{ key: 'region', values: ['r'] }] }], false],
  ])('matchTopologySelectorTerms(%j)', (terms, want) => {
    expect(matchTopologySelectorTerms(terms, { [ZONE]: 'z1' })).toBe(want);
  });

  it('localVolumeNodeNames unions hostname values over terms, and gives up on a term without hostname', () => {
    const pv = localPV('pv', 'a');
    pv.spec!.nodeAffinity!.required!.nodeSelectorTerms.push({ matchExpressions: [{ key: HOST, operator: 'In', values: ['b', 'c'] }] });
    expect([...localVolumeNodeNames(pv)!].sort()).toEqual(['a', 'b', 'c']);
    pv.spec!.nodeAffinity!.required!.nodeSelectorTerms.push({ matchExpressions: [{ key: ZONE, operator: 'In', values: ['z1'] }] });
    expect(localVolumeNodeNames(pv)).toBeUndefined();
  });
});

/** A fake API client over the listers' maps: update bumps resourceVersion and stores the object (as the informer would see it). */
function fakeClient(listers: ReturnType<typeof handleFor>['listers'], calls: string[], opts: { failPv?: boolean } = {}): RestClient {
  let rv = 100;
  const api = (resource: string) => {
    const map = (resource === 'persistentvolumes' ? listers.persistentVolumes.map : listers.persistentVolumeClaims.map) as Map<string, { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }>;
    const key = (o: { metadata?: { name?: string; namespace?: string } }) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));
    return {
      get: async (name: string, o?: { namespace?: string }) => structuredClone(map.get(o?.namespace ? `${o.namespace}/${name}` : name)),
      update: async (obj: { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }) => {
        calls.push(`update ${resource} ${key(obj)}`);
        if (opts.failPv && resource === 'persistentvolumes') throw new Error('Operation cannot be fulfilled: the object has been modified');
        const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        map.set(key(obj), stored);
        return structuredClone(stored);
      },
    };
  };
  return { resource: api } as unknown as RestClient;
}

describe('VolumeBinding Reserve, Unreserve and PreBind', () => {
  it('static binding: reserve hides the PV from the next pod, prebind writes PV claimRef and PVC volumeName', async () => {
    const world: World = { pvcs: [claim('c1', 'local'), claim('c2', 'local')], pvs: [localPV('pv-a', 'a')], classes: [wffc('local')] };
    const { handle, listers } = handleFor(world);
    const calls: string[] = [];
    const p = new VolumeBinding({ bindTimeoutSeconds: 1 }, { ...handle, client: fakeClient(listers, calls) });
    const pod1 = withClaims('p1', 'c1');
    const { state } = run(p, pod1);
    expect(await p.reserve(state, pod1, 'a')).toBeUndefined();
    // While assumed, pv-a is taken: a second pod's claim finds nothing.
    expect(run(p, withClaims('p2', 'c2')).out).toMatchObject({ a: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}` });
    expect(await p.preBind(state, pod1, 'a')).toBeUndefined();
    expect(calls).toEqual(['update persistentvolumes pv-a', 'update persistentvolumeclaims default/c1']);
    const pv = listers.persistentVolumes.map.get('pv-a')!;
    expect(pv.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'c1', uid: 'pvc-c1' });
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    const pvc = listers.persistentVolumeClaims.map.get('default/c1')!;
    expect(pvc.spec?.volumeName).toBe('pv-a');
    expect(pvc.metadata?.annotations?.[ANN_BIND_COMPLETED]).toBe('yes');
    // The claim is now bound: the same pod's claim schedules only on a.
    expect(run(p, withClaims('p3', 'c1')).out).toMatchObject({ a: 'ok', b: `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}` });
  });

  it('unreserve releases the assumed PV', async () => {
    const world: World = { pvcs: [claim('c1', 'local'), claim('c2', 'local')], pvs: [localPV('pv-a', 'a')], classes: [wffc('local')] };
    const { handle } = handleFor(world);
    const p = new VolumeBinding({}, handle);
    const pod1 = withClaims('p1', 'c1');
    const { state } = run(p, pod1);
    await p.reserve(state, pod1, 'a');
    expect(run(p, withClaims('p2', 'c2')).out).toMatchObject({ a: `UnschedulableAndUnresolvable: ${ERR_REASON_BIND_CONFLICT}` });
    await p.unreserve(state);
    expect(run(p, withClaims('p2', 'c2')).out).toMatchObject({ a: 'ok' });
  });

  it('dynamic provisioning: prebind sets the selected-node annotation on the claim', async () => {
    const world: World = { pvcs: [claim('c', 'csi')], classes: [wffc('csi', 'example.com/csi')] };
    const { handle, listers } = handleFor(world);
    const calls: string[] = [];
    const p = new VolumeBinding({ bindTimeoutSeconds: 1 }, { ...handle, client: fakeClient(listers, calls) });
    const pd = withClaims('p', 'c');
    const { state } = run(p, pd);
    await p.reserve(state, pd, 'b');
    expect(await p.preBind(state, pd, 'b')).toBeUndefined();
    expect(calls).toEqual(['update persistentvolumeclaims default/c']);
    expect(listers.persistentVolumeClaims.map.get('default/c')!.metadata?.annotations?.[ANN_SELECTED_NODE]).toBe('b');
  });

  it('prebind reports API failures as errors, and times out when the informers never show the writes', async () => {
    const world: World = { pvcs: [claim('c', 'local')], pvs: [localPV('pv-a', 'a')], classes: [wffc('local')] };
    const { handle, listers } = handleFor(world);
    const p = new VolumeBinding({}, { ...handle, client: fakeClient(listers, [], { failPv: true }) });
    const pd = withClaims('p', 'c');
    const { state } = run(p, pd);
    await p.reserve(state, pd, 'a');
    const s = await p.preBind(state, pd, 'a');
    expect(s?.codeName()).toBe('Error');
    expect(s?.message()).toMatch(/^binding volumes: Operation cannot be fulfilled/);

    // A client whose writes never reach the informers: bounded wait.
    const w2 = handleFor({ pvcs: [claim('c', 'csi')], classes: [wffc('csi', 'example.com/csi')] });
    const blind = { resource: () => ({ update: async (o: unknown) => o, get: async () => ({}) }) } as unknown as RestClient;
    const p2 = new VolumeBinding({ bindTimeoutSeconds: 0.2 }, { ...w2.handle, client: blind });
    const st2 = run(p2, pd).state;
    await p2.reserve(st2, pd, 'a');
    // The assumed claim shadows the informer copy; drop it so the wait looks at the informer only.
    w2.listers.persistentVolumeClaims.map.set('default/c', { ...claim('c', 'csi'), metadata: { ...claim('c', 'csi').metadata, resourceVersion: '7' } });
    const t0 = Date.now();
    const s2 = await p2.preBind(st2, pd, 'a');
    expect(s2?.message()).toBe('binding volumes: context deadline exceeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('pods without claims cost nothing: reserve and prebind are no-ops', async () => {
    const p = new VolumeBinding({}, handleFor({}).handle);
    const state = new CycleState();
    expect(p.preFilter(state, pod('p'))?.status?.isSkip()).toBe(true);
    expect(await p.reserve(state, pod('p'), 'a')).toBeUndefined();
    expect(await p.preBind(state, pod('p'), 'a')).toBeUndefined();
  });

  it('registers the volume and node events', () => {
    expect(new VolumeBinding({}, handleFor({}).handle).eventsToRegister().sort()).toEqual(['NodeAdd', 'NodeUpdate', 'PvAdd', 'PvUpdate', 'PvcAdd', 'PvcUpdate', 'StorageClassAdd', 'StorageClassUpdate']);
  });
});

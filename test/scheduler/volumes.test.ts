// Integration: the volume plugins in the real scheduler against an in-process apiserver with 3 simulated nodes: a pre-bound local PV pins its pod, and a WaitForFirstConsumer claim gets bound to a local PV on the node chosen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { RestClient } from '../../src/client/index.js';
import { KubeletGroup, type SimulatedRuntime } from '../../src/kubelet/index.js';
import { runScheduler, type Scheduler } from '../../src/scheduler/index.js';
import { startTestCluster, type TestCluster } from '../controllers/harness.js';
import { addSimulatedNodes, pod, withoutUid } from './fixtures.js';

const HOST = 'kubernetes.io/hostname';
const NODES = ['vol-1', 'vol-2', 'vol-3'];

const localPV = (name: string, host: string, cls: string, extra: Partial<PersistentVolume['spec']> = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: cls,
    local: { path: `/mnt/disks/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOST, operator: 'In', values: [host] }] }] } },
    ...extra,
  },
});

const claim = (name: string, cls: string, extra: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, resources: { requests: { storage: '500Mi' } }, ...extra },
});

describe('volume plugins on a cluster', () => {
  let c: TestCluster;
  let kubeletClient: RestClient;
  const ac = new AbortController();
  const runtimes: SimulatedRuntime[] = [];
  let group: KubeletGroup;
  let sched: Scheduler | undefined;
  let done: Promise<void>;

  const pods = () => c.client.resource<Pod>('pods');
  const pvs = () => c.client.resource<PersistentVolume>('persistentvolumes');
  const pvcs = () => c.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
  const nodeOf = (name: string) => c.until(`pod ${name} bound`, async () => (await pods().get(name, { namespace: 'default' })).spec?.nodeName, 20_000);
  const createPod = (name: string, claimName: string) =>
    pods().create(withoutUid(pod(name, { cpu: '100m' }, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] })));

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 0, autoBind: false });
    const s = c.server;
    kubeletClient = new RestClient({ server: s.url, caPem: s.pki.ca.certPem, certPem: s.pki.admin.certPem, keyPem: s.pki.admin.keyPem, qps: 0 });
    group = new KubeletGroup(kubeletClient);
    runtimes.push(...addSimulatedNodes(group, NODES.map((name) => ({ name })), { cidrPrefix: '10.253', ipFrom: 70 }));
    await group.start(ac.signal);
    done = runScheduler(
      {
        client: c.client,
        leaderElect: false,
        log: () => {},
        onStarted: (x) => (sched = x),
        config: { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ pluginConfig: [{ name: 'VolumeBinding', args: { bindTimeoutSeconds: 15 } }] }] },
      },
      ac.signal,
    );
    await c.until('scheduler started', () => sched !== undefined && sched.cache.nodeCount() === 3);
  }, 60_000);

  afterAll(async () => {
    ac.abort();
    await done;
    await group.stop();
    for (const rt of runtimes) rt.close();
    kubeletClient.close();
    await c.stop();
  }, 60_000);

  it('a pod using a pre-bound local PV lands on the PV node', async () => {
    await c.client.resource<StorageClass>('storageclasses').create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner' });
    await pvs().create(localPV('pv-pinned', 'vol-2', 'manual', { claimRef: { namespace: 'default', name: 'pinned' } }));
    await pvcs().create(claim('pinned', 'manual', { volumeName: 'pv-pinned' }));
    for (const n of ['pinned-0', 'pinned-1']) {
      await createPod(n, 'pinned');
      expect(await nodeOf(n)).toBe('vol-2');
    }
  }, 60_000);

  it('a WaitForFirstConsumer claim is bound to a local PV on the node the pod lands on', async () => {
    await c.client.resource<StorageClass>('storageclasses').create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-wffc' },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    await pvs().create(localPV('pv-l1', 'vol-1', 'local-wffc'));
    await pvs().create(localPV('pv-l3', 'vol-3', 'local-wffc'));
    await pvcs().create(claim('wffc-a', 'local-wffc'));
    await pvcs().create(claim('wffc-b', 'local-wffc'));
    await pvcs().create(claim('wffc-c', 'local-wffc'));

    const placed = new Map<string, string>();
    for (const [p, cl] of [['wffc-pod-a', 'wffc-a'], ['wffc-pod-b', 'wffc-b']] as const) {
      await createPod(p, cl);
      const nodeName = await nodeOf(p);
      expect(['vol-1', 'vol-3']).toContain(nodeName);
      placed.set(cl, nodeName);
      const pvName = nodeName === 'vol-1' ? 'pv-l1' : 'pv-l3';
      const pv = await pvs().get(pvName);
      const pvc = await pvcs().get(cl, { namespace: 'default' });
      expect(pv.spec?.claimRef).toMatchObject({ namespace: 'default', name: cl, uid: pvc.metadata?.uid });
      expect(pvc.spec?.volumeName).toBe(pvName);
    }
    // Each local PV went to one claim.
    expect(new Set(placed.values()).size).toBe(2);

    // Both PVs are taken: a third claim has nowhere to go.
    await createPod('wffc-pod-c', 'wffc-c');
    const cond = await c.until('wffc-pod-c PodScheduled=False', async () => {
      const cur = await pods().get('wffc-pod-c', { namespace: 'default' });
      return cur.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't find available persistent volumes to bind\./);
  }, 60_000);
});

// Integration: the real scheduler against an in-process apiserver with simulated kubelets of different sizes (one tainted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { RestClient } from '../../src/client/index.js';
import { KubeletGroup, type SimulatedRuntime } from '../../src/kubelet/index.js';
import { runScheduler, type Scheduler } from '../../src/scheduler/index.js';
import { startTestCluster, type TestCluster } from '../controllers/harness.js';
import { addSimulatedNodes, container, pod, withoutUid } from './fixtures.js';

interface SimNode {
  name: string;
  cpu: string;
  memory: string;
  taints?: { key: string; value: string; effect: string }[];
}

describe('kube-scheduler on a cluster', () => {
  let c: TestCluster;
  let kubeletClient: RestClient;
  const ac = new AbortController();
  const runtimes: SimulatedRuntime[] = [];
  const groups: KubeletGroup[] = [];
  let sched: Scheduler | undefined;
  let done: Promise<void>;
  let ip = 10;

  async function addNodes(nodes: SimNode[]): Promise<void> {
    const group = new KubeletGroup(kubeletClient);
    runtimes.push(...addSimulatedNodes(group, nodes, { cidrPrefix: '10.251', ipFrom: ip }));
    ip += nodes.length;
    groups.push(group);
    await group.start(ac.signal);
  }

  const pods = () => c.client.resource<Pod>('pods');
  const nodeOf = (name: string) => c.until(`pod ${name} bound`, async () => (await pods().get(name, { namespace: 'default' })).spec?.nodeName, 20_000);
  const events = async (name: string) =>
    ((await c.client.resource<Event>('events').list({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items as Event[]).map((e) => `${e.type} ${e.reason} ${e.message}`);

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 0, autoBind: false });
    const s = c.server;
    kubeletClient = new RestClient({ server: s.url, caPem: s.pki.ca.certPem, certPem: s.pki.admin.certPem, keyPem: s.pki.admin.keyPem, qps: 0 });
    await addNodes([
      { name: 'small', cpu: '1', memory: '2Gi' },
      { name: 'big', cpu: '4', memory: '8Gi' },
      { name: 'infra', cpu: '8', memory: '16Gi', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
    ]);
    done = runScheduler({ client: c.client, leaderElect: false, log: () => {}, onStarted: (x) => (sched = x) }, ac.signal);
    await c.until('scheduler started', () => sched !== undefined && sched.cache.nodeCount() === 3);
  }, 60_000);

  afterAll(async () => {
    ac.abort();
    await done;
    for (const g of groups) await g.stop();
    for (const rt of runtimes) rt.close();
    kubeletClient.close();
    await c.stop();
  }, 60_000);

  it('places the init-container pod (3 CPU / 3Gi effective) on the only node with room', async () => {
    const p = pod('init-example', {}, {
      containers: [container('a', { cpu: '2', memory: '1Gi' }), container('b', { cpu: '1', memory: '1Gi' })],
      initContainers: [container('i1', { cpu: '2', memory: '3Gi' }), container('i2', { cpu: '2', memory: '1Gi' })],
    });
    await pods().create(withoutUid(p));
    expect(await nodeOf('init-example')).toBe('big');
    await c.until('Scheduled event', async () => (await events('init-example')).includes('Normal Scheduled Successfully assigned default/init-example to big'));
  }, 30_000);

  it('a tolerating pod may use the tainted node', async () => {
    const p = pod('tolerant', { cpu: '6' }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] });
    await pods().create(withoutUid(p));
    expect(await nodeOf('tolerant')).toBe('infra');
  }, 30_000);

  it('a pod that fits nowhere gets the Unschedulable condition and event, then lands on a new node', async () => {
    const p = pod('too-big', { cpu: '2' });
    await pods().create(withoutUid(p));
    const want = '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    const cond = await c.until('PodScheduled=False', async () => {
      const cur = await pods().get('too-big', { namespace: 'default' });
      return cur.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toBe(want);
    await c.until('FailedScheduling event', async () => (await events('too-big')).includes(`Warning FailedScheduling ${want}`));
    expect(sched!.queue.locate({ metadata: { uid: (await pods().get('too-big', { namespace: 'default' })).metadata!.uid! } })).toBe('unschedulable');

    await addNodes([{ name: 'roomy', cpu: '4', memory: '8Gi' }]);
    expect(await nodeOf('too-big')).toBe('roomy');
    const after = await pods().get('too-big', { namespace: 'default' });
    expect(after.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status).toBe('True');
  }, 40_000);

  it('a gated pod waits until its scheduling gates are removed', async () => {
    const p = pod('gated', {}, { schedulingGates: [{ name: 'example.com/hold' }] });
    await pods().create(withoutUid(p));
    await c.until('pod queued as gated', async () => {
      const cur = await pods().get('gated', { namespace: 'default' });
      return sched!.queue.locate(cur) === 'gated';
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await pods().get('gated', { namespace: 'default' })).spec?.nodeName).toBeUndefined();
    await pods().patch('gated', { spec: { schedulingGates: null } }, 'merge', { namespace: 'default' });
    expect(await nodeOf('gated')).toBeTruthy();
  }, 30_000);
  it('a high-priority pod preempts a lower-priority one', async () => {
    // The harness apiserver runs without the Priority admission plugin: spec.priority is taken as given.
    await pods().create(withoutUid(pod('vip', { cpu: '3' }, { priority: 1000 })));
    const nominated = await c.until('nominatedNodeName', async () => (await pods().get('vip', { namespace: 'default' })).status?.nominatedNodeName);
    expect(['big', 'roomy']).toContain(nominated);
    expect(await nodeOf('vip')).toBe(nominated);
    const victim = nominated === 'big' ? 'init-example' : 'too-big';
    await c.until('Preempted event', async () => (await events(victim)).some((e) => e.startsWith('Normal Preempted Preempted by pod ')));
  }, 40_000);
});

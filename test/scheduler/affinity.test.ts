// Integration: InterPodAffinity and PodTopologySpread in the real scheduler against an in-process apiserver with 3 simulated nodes in two zones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { RestClient } from '../../src/client/index.js';
import { KubeletGroup, type SimulatedRuntime } from '../../src/kubelet/index.js';
import { runScheduler, type Scheduler } from '../../src/scheduler/index.js';
import { startTestCluster, type TestCluster } from '../controllers/harness.js';
import { addSimulatedNodes, pod, withoutUid } from './fixtures.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
// z1 holds two roomy nodes, z2 one small node: resource scoring alone would prefer z1.
const NODES = [
  { name: 'aff-1', zone: 'z1', cpu: '8' },
  { name: 'aff-2', zone: 'z1', cpu: '8' },
  { name: 'aff-3', zone: 'z2', cpu: '2' },
];

describe('inter-pod affinity and topology spread on a cluster', () => {
  let c: TestCluster;
  let kubeletClient: RestClient;
  const ac = new AbortController();
  const runtimes: SimulatedRuntime[] = [];
  let group: KubeletGroup;
  let sched: Scheduler | undefined;
  let done: Promise<void>;

  const pods = () => c.client.resource<Pod>('pods');
  const nodeOf = (name: string) => c.until(`pod ${name} bound`, async () => (await pods().get(name, { namespace: 'default' })).spec?.nodeName, 20_000);
  const create = (name: string, labels: Record<string, string>, spec: Partial<NonNullable<Pod['spec']>> = {}) =>
    pods().create(withoutUid(pod(name, { cpu: '100m' }, spec, { labels })));
  const zoneOf = (nodeName: string) => NODES.find((n) => n.name === nodeName)!.zone;

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 0, autoBind: false });
    const s = c.server;
    kubeletClient = new RestClient({ server: s.url, caPem: s.pki.ca.certPem, certPem: s.pki.admin.certPem, keyPem: s.pki.admin.keyPem, qps: 0 });
    group = new KubeletGroup(kubeletClient);
    runtimes.push(...addSimulatedNodes(group, NODES.map((n) => ({ name: n.name, cpu: n.cpu, labels: { [ZONE]: n.zone } })), { cidrPrefix: '10.252', ipFrom: 50 }));
    await group.start(ac.signal);
    done = runScheduler({ client: c.client, leaderElect: false, log: () => {}, onStarted: (x) => (sched = x) }, ac.signal);
    await c.until('scheduler started', () => sched !== undefined && sched.cache.nodeCount() === 3);
    // the zone labels reached the scheduler's nodes
    const listed = (await c.client.resource<Node>('nodes').list()).items as Node[];
    expect(listed.map((n) => n.metadata?.labels?.[ZONE]).sort()).toEqual(['z1', 'z1', 'z2']);
  }, 60_000);

  afterAll(async () => {
    ac.abort();
    await done;
    await group.stop();
    for (const rt of runtimes) rt.close();
    kubeletClient.close();
    await c.stop();
  }, 60_000);

  it('required anti-affinity spreads 3 pods over 3 nodes and leaves a 4th pending', async () => {
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'anti' } }, topologyKey: HOST }] } };
    const placed: string[] = [];
    for (const n of ['anti-0', 'anti-1', 'anti-2']) {
      await create(n, { app: 'anti' }, { affinity: anti });
      placed.push(await nodeOf(n));
    }
    expect(new Set(placed).size).toBe(3);
    await create('anti-3', { app: 'anti' }, { affinity: anti });
    const cond = await c.until('anti-3 PodScheduled=False', async () => {
      const cur = await pods().get('anti-3', { namespace: 'default' });
      return cur.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    });
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: /);
    expect((await pods().get('anti-3', { namespace: 'default' })).spec?.nodeName).toBeUndefined();
  }, 60_000);

  it('required affinity co-locates with a labelled pod', async () => {
    await create('db', { app: 'db' });
    const dbNode = await nodeOf('db');
    const aff = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: HOST }] } };
    for (const n of ['api-0', 'api-1', 'api-2']) {
      await create(n, { app: 'api' }, { affinity: aff });
      expect(await nodeOf(n)).toBe(dbNode);
    }
  }, 60_000);

  it('topology spread across zones with maxSkew 1', async () => {
    const tsc = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }];
    const zones: string[] = [];
    for (const n of ['spread-0', 'spread-1', 'spread-2', 'spread-3']) {
      await create(n, { app: 'spread' }, { topologySpreadConstraints: tsc });
      zones.push(zoneOf(await nodeOf(n)));
      const counts = { z1: zones.filter((z) => z === 'z1').length, z2: zones.filter((z) => z === 'z2').length };
      expect(Math.abs(counts.z1 - counts.z2)).toBeLessThanOrEqual(1);
    }
    expect(zones.filter((z) => z === 'z2')).toHaveLength(2);
  }, 60_000);
});

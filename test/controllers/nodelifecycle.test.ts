// Node lifecycle + taint eviction against real (simulated) kubelets: a silent node goes Unknown, is tainted, its pods are marked/evicted, and recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { nodeLifecycle, taintEviction } from '../../src/controllers/nodelifecycle/index.js';
import { startTestCluster, type TestCluster } from './harness.js';
import { stoppableNode, type StoppableNode } from './nodelifecycle-helpers.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';

describe('node lifecycle and taint eviction', () => {
  let c: TestCluster;
  let a: StoppableNode;
  let b: StoppableNode;
  const getNode = (n: string) => c.client.resource<Node>('nodes').get(n);
  const getPod = (n: string) => c.client.resource<Pod>('pods').get(n, { namespace: 'default' });
  const ready = (n: Node) => n.status?.conditions?.find((x) => x.type === 'Ready');

  beforeAll(async () => {
    c = await startTestCluster({ controllers: [nodeLifecycle, taintEviction], options: { nodeMonitorGracePeriodMs: 3000, nodeMonitorPeriodMs: 500 } });
    a = stoppableNode(c.server, 'node-a', 0);
    b = stoppableNode(c.server, 'node-b', 1);
    await Promise.all([a.start(), b.start()]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await c?.stop();
  }, 30_000);

  it('taints an unreachable node, evicts after tolerationSeconds, and untaints when the kubelet returns', async () => {
    const mk = (name: string, node: string, tolerations?: Pod['spec'] extends infer S ? (S extends { tolerations?: infer T } ? T : never) : never): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }], ...(tolerations ? { tolerations } : {}) },
    });
    await c.client.resource<Pod>('pods').create(mk('short', 'node-b', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]));
    // What the DefaultTolerationSeconds admission plugin adds (the test apiserver does not run it).
    await c.client.resource<Pod>('pods').create(mk('patient', 'node-b', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]));
    // No toleration at all: would be evicted at once if its node were tainted.
    await c.client.resource<Pod>('pods').create(mk('elsewhere', 'node-a'));
    for (const p of ['short', 'patient', 'elsewhere']) {
      await c.until(`${p} Ready`, async () => (await getPod(p)).status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'), 20_000);
    }
    // Healthy nodes stay untainted across several grace periods' worth of monitor passes.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await getNode('node-a')).spec?.taints ?? []).toEqual([]);
    expect((await getNode('node-b')).spec?.taints ?? []).toEqual([]);

    await b.stop();
    const unknown = await c.until('node-b Unknown', async () => {
      const n = await getNode('node-b');
      return ready(n)?.status === 'Unknown' ? n : undefined;
    }, 15_000);
    expect(ready(unknown)).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(unknown.status?.conditions?.find((x) => x.type === t)?.status).toBe('Unknown');
    }
    const tainted = await c.until('node-b tainted', async () => {
      const n = await getNode('node-b');
      const ts = n.spec?.taints ?? [];
      return ts.some((t) => t.key === UNREACHABLE && t.effect === 'NoExecute') && ts.some((t) => t.key === UNREACHABLE && t.effect === 'NoSchedule') ? n : undefined;
    }, 10_000);
    expect(tainted.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Pods on the silent node are marked not Ready.
    await c.until('patient not Ready', async () => (await getPod('patient')).status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'False'), 10_000);
    // `short` tolerates for 2 s only: evicted (DisruptionTarget, then deleted gracefully; the kubelet is gone so it stays terminating).
    const evicted = await c.until('short evicted', async () => {
      const p = await getPod('short').catch(() => undefined);
      return p === undefined ? ({} as Pod) : p.metadata?.deletionTimestamp ? p : undefined;
    }, 10_000);
    if (evicted.metadata) {
      expect(evicted.status?.conditions?.find((x) => x.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
    }
    expect((await getPod('patient')).metadata?.deletionTimestamp).toBeUndefined();
    expect((await getNode('node-a')).spec?.taints ?? []).toEqual([]);
    const events = await c.until('events', async () => {
      const evs = (await c.client.resource('events').list({ namespace: 'default' })).items as any[];
      return evs.some((e) => e.reason === 'TaintManagerEviction') && evs.some((e) => e.reason === 'NodeNotReady') ? evs : undefined;
    }, 10_000);
    expect(events.find((e) => e.reason === 'TaintManagerEviction')).toMatchObject({ message: 'Marking for deletion Pod default/short', involvedObject: { kind: 'Pod', name: 'short' }, source: { component: 'taint-eviction-controller' } });
    expect(events.find((e) => e.reason === 'NodeNotReady' && e.involvedObject.name === 'patient')).toMatchObject({ type: 'Warning', message: 'Node is not ready' });

    // The kubelet comes back: Ready again, taints gone, the terminating pod finishes.
    await b.start();
    await c.until('node-b untainted', async () => {
      const n = await getNode('node-b');
      return ready(n)?.status === 'True' && (n.spec?.taints ?? []).length === 0;
    }, 15_000);
    await c.until('short gone', async () => (await getPod('short').then(() => false, () => true)), 20_000);
    await c.until('patient Ready again', async () => (await getPod('patient')).status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'), 15_000);
  }, 60_000);
});

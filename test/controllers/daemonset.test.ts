// Integration test of the daemonset controller: pods on eligible nodes only (taints), placed by node affinity, new nodes, rolling update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Informer, type RestClient } from '../../src/client/index.js';
import { daemonSet, targetNodeName } from '../../src/controllers/daemonset/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const NS = 'default';

/**
 * Stands in for the scheduler for DaemonSet pods: binds each unscheduled pod to the node its required
 * `metadata.name` matchFields affinity names, when that node is one of `nodes`.
 */
function startAffinityBinder(client: RestClient, nodes: readonly string[], signal: AbortSignal): void {
  const inf = new Informer<Pod>(client.resource<Pod>('pods'), { fieldSelector: 'spec.nodeName=' });
  const bind = async (p: Pod) => {
    const target = targetNodeName(p);
    if (p.metadata?.deletionTimestamp || !target || !nodes.includes(target)) return;
    try {
      await client.resource<Pod>('pods').createSubresource(
        p.metadata!.name!,
        'binding',
        { apiVersion: 'v1', kind: 'Binding', metadata: { name: p.metadata!.name!, namespace: p.metadata!.namespace! }, target: { kind: 'Node', name: target } },
        { namespace: p.metadata!.namespace! },
      );
    } catch {
      // deleted or already bound
    }
  };
  inf.addEventHandler({ add: (p) => void bind(p as Pod), update: (_o, p) => void bind(p as Pod) });
  inf.start(signal);
}

describe('daemonset controller', () => {
  let c: TestCluster;
  const ac = new AbortController();
  let pods: Informer<Pod>;
  const dsPods = () => (pods.lister.list() as Pod[]).filter((p) => p.metadata?.labels?.['app'] === 'agent');
  const live = () => dsPods().filter((p) => !p.metadata?.deletionTimestamp);
  const ready = (p: Pod) => (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');
  const getDs = () => c.client.resource<DaemonSet>('daemonsets').get('agent', { namespace: NS });
  let minReadyDuringUpdate = Infinity;
  let tracking = false;

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 3, autoBind: false, controllers: [daemonSet] });
    startAffinityBinder(c.client, c.nodes, ac.signal);
    pods = new Informer<Pod>(c.client.resource<Pod>('pods'), { namespace: NS });
    const track = () => {
      if (tracking) minReadyDuringUpdate = Math.min(minReadyDuringUpdate, live().filter(ready).length);
    };
    pods.addEventHandler({ add: track, update: track, delete: track });
    pods.start(ac.signal);
    // node-2 is tainted; the DaemonSet does not tolerate it.
    await c.until('nodes registered', async () => ((await c.client.resource<Node>('nodes').list()).items.length === 3 ? true : undefined));
    await c.client.resource<Node>('nodes').patch('node-2', { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } }, 'merge');
  }, 60_000);
  afterAll(async () => {
    ac.abort();
    await c?.stop();
  }, 30_000);

  it('runs one pod on each eligible node, none on the tainted one', async () => {
    await c.client.resource<DaemonSet>('daemonsets').create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } },
      },
    });
    const ds = await c.until('2 ready', async () => {
      const d = await getDs();
      return d.status?.numberReady === 2 && d.status.observedGeneration === d.metadata?.generation ? d : undefined;
    }, 30_000);
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2 });
    expect(ds.status?.numberUnavailable ?? 0).toBe(0);
    const ps = live();
    expect(ps.map((p) => p.spec?.nodeName).sort()).toEqual(['node-0', 'node-1']);
    const p = ps[0]!;
    expect(p.metadata?.generateName).toBe('agent-');
    expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    expect(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec?.nodeName] }] },
    ]);
    expect((p.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`)).toEqual(
      expect.arrayContaining(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule']),
    );
    const revs = (await c.client.resource<ControllerRevision>('controllerrevisions').list({ namespace: NS })).items;
    expect(revs).toHaveLength(1);
    expect(revs[0]?.metadata?.name).toBe(`agent-${p.metadata?.labels?.['controller-revision-hash']}`);
  }, 40_000);

  it('creates a pod for a node that appears and removes it when the node goes', async () => {
    await c.client.resource<Node>('nodes').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-extra', labels: { 'kubernetes.io/hostname': 'node-extra' } } });
    const p = await c.until('pod for node-extra', () => live().find((x) => targetNodeName(x) === 'node-extra'));
    expect(p.spec?.nodeName ?? '').toBe('');
    await c.until('desired 3', async () => ((await getDs()).status?.desiredNumberScheduled === 3 ? true : undefined));
    await c.client.resource<Node>('nodes').delete('node-extra');
    await c.until('node-extra pod gone', () => !live().some((x) => targetNodeName(x) === 'node-extra'));
    await c.until('desired 2', async () => ((await getDs()).status?.desiredNumberScheduled === 2 ? true : undefined));
  }, 40_000);

  it('rolls out a new template one node at a time', async () => {
    const before = await getDs();
    const oldHash = live()[0]!.metadata!.labels!['controller-revision-hash'];
    tracking = true;
    minReadyDuringUpdate = Infinity;
    const next = structuredClone(before);
    next.spec!.template.metadata!.annotations = { version: 'v2' };
    await c.client.resource<DaemonSet>('daemonsets').update(next);
    const ds = await c.until('rolled out', async () => {
      const d = await getDs();
      return d.status?.updatedNumberScheduled === 2 && d.status.numberReady === 2 && d.status.observedGeneration === d.metadata?.generation && live().length === 2 ? d : undefined;
    }, 40_000);
    tracking = false;
    // maxUnavailable 1: at least one pod stayed Ready throughout.
    expect(minReadyDuringUpdate).toBeGreaterThanOrEqual(1);
    const ps = live();
    expect(ps.every((p) => p.metadata?.annotations?.['version'] === 'v2')).toBe(true);
    const newHash = ps[0]!.metadata!.labels!['controller-revision-hash'];
    expect(newHash).not.toBe(oldHash);
    expect(ps.map((p) => p.spec?.nodeName).sort()).toEqual(['node-0', 'node-1']);
    expect(ds.status?.numberMisscheduled).toBe(0);
    const revs = (await c.client.resource<ControllerRevision>('controllerrevisions').list({ namespace: NS })).items;
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);
  }, 60_000);
});

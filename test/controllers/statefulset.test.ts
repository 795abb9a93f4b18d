// Integration test of the statefulset controller on the test cluster: ordered start, claims, partitioned rolling update, ordered scale-down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { Informer } from '../../src/client/index.js';
import { statefulSet } from '../../src/controllers/statefulset/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const NS = 'default';

describe('statefulset controller', () => {
  let c: TestCluster;
  const ac = new AbortController();
  /** Pod names in the order they were created, and for each, which pods of the set were Ready at that moment. */
  const created: { name: string; readyBefore: string[] }[] = [];
  const deleting: string[] = [];
  let pods: Informer<Pod>;
  const sts = () => c.client.resource<StatefulSet>('statefulsets');
  const getSet = () => sts().get('web', { namespace: NS });
  const setPods = () => (pods.lister.list() as Pod[]).filter((p) => p.metadata?.labels?.['app'] === 'web');
  const ready = (p: Pod) => p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [statefulSet] });
    pods = new Informer<Pod>(c.client.resource<Pod>('pods'), { namespace: NS });
    pods.addEventHandler({
      add: (p) => {
        if (p.metadata?.labels?.['app'] !== 'web') return;
        created.push({ name: p.metadata.name!, readyBefore: setPods().filter((x) => x.metadata?.name !== p.metadata?.name && ready(x as Pod)).map((x) => x.metadata!.name!) });
      },
      update: (o, p) => {
        if (p.metadata?.labels?.['app'] === 'web' && p.metadata.deletionTimestamp && !o.metadata?.deletionTimestamp) deleting.push(p.metadata.name!);
      },
      delete: (p) => {
        if (p.metadata?.labels?.['app'] === 'web' && !p.metadata.deletionTimestamp) deleting.push(p.metadata.name!);
      },
    });
    pods.start(ac.signal);
  }, 60_000);
  afterAll(async () => {
    ac.abort();
    await c?.stop();
  }, 30_000);

  it('creates 0, 1, 2 in order, each after its predecessors are Ready, with claims and identity', async () => {
    await sts().create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3,
        serviceName: 'web-svc',
        selector: { matchLabels: { app: 'web' } },
        persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Retain' },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const set = await c.until('3 ready replicas', async () => {
      const s = await getSet();
      return s.status?.readyReplicas === 3 && s.status.observedGeneration === s.metadata?.generation ? s : undefined;
    }, 40_000);
    expect(created.map((x) => x.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(created.map((x) => x.readyBefore.sort())).toEqual([[], ['web-0'], ['web-0', 'web-1']]);
    expect(set.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, collisionCount: 0 });
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
    expect(set.status?.currentRevision).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);

    const p1 = await c.client.resource<Pod>('pods').get('web-1', { namespace: NS });
    expect(p1.metadata?.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': set.status?.currentRevision });
    expect(p1.spec?.hostname).toBe('web-1');
    expect(p1.spec?.subdomain).toBe('web-svc');
    expect(p1.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-web-1');
    expect(p1.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });

    const claims = (await c.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').list({ namespace: NS })).items;
    expect(claims.map((x) => x.metadata?.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    expect(claims[0]?.metadata?.labels).toEqual({ tier: 'db', app: 'web' });
    // whenDeleted Retain and in range: no owner references yet.
    expect(claims.every((x) => (x.metadata?.ownerReferences ?? []).length === 0)).toBe(true);

    const revs = (await c.client.resource<ControllerRevision>('controllerrevisions').list({ namespace: NS })).items;
    expect(revs.map((r) => [r.metadata?.name, r.revision])).toEqual([[set.status?.currentRevision, 1]]);
  }, 60_000);

  it('rolls pods above the partition to the new revision, highest ordinal first', async () => {
    created.length = 0;
    const before = await getSet();
    const next = structuredClone(before);
    next.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
    next.spec!.template.metadata!.annotations = { version: 'v2' };
    await sts().update(next);
    const set = await c.until('2 updated replicas', async () => {
      const s = await getSet();
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 && s.status.observedGeneration === s.metadata?.generation ? s : undefined;
    }, 40_000);
    expect(created.map((x) => x.name)).toEqual(['web-2', 'web-1']);
    expect(set.status?.updateRevision).not.toBe(before.status?.updateRevision);
    expect(set.status?.currentRevision).toBe(before.status?.currentRevision);
    expect(set.status?.currentReplicas).toBe(1);
    const byName = new Map(setPods().map((p) => [p.metadata!.name!, p] as const));
    expect(byName.get('web-0')?.metadata?.labels?.['controller-revision-hash']).toBe(set.status?.currentRevision);
    expect(byName.get('web-1')?.metadata?.labels?.['controller-revision-hash']).toBe(set.status?.updateRevision);
    expect(byName.get('web-2')?.metadata?.annotations?.['version']).toBe('v2');
    expect(byName.get('web-0')?.metadata?.annotations?.['version']).toBeUndefined();
    const revs = (await c.client.resource<ControllerRevision>('controllerrevisions').list({ namespace: NS })).items;
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);
  }, 60_000);

  it('scales down in reverse order, marking the scaled-down claims for deletion with their pods', async () => {
    deleting.length = 0;
    await sts().patch('web', { spec: { replicas: 1 } }, 'merge', { namespace: NS });
    const set = await c.until('1 replica', async () => {
      const s = await getSet();
      return s.status?.replicas === 1 && s.status.observedGeneration === s.metadata?.generation ? s : undefined;
    }, 40_000);
    expect(deleting).toEqual(['web-2', 'web-1']);
    expect(set.status?.readyReplicas).toBe(1);
    const claims = (await c.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').list({ namespace: NS })).items;
    const refs = Object.fromEntries(claims.map((x) => [x.metadata!.name!, (x.metadata?.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`)]));
    expect(refs).toEqual({ 'data-web-0': [], 'data-web-1': ['Pod/web-1'], 'data-web-2': ['Pod/web-2'] });
  }, 60_000);
});

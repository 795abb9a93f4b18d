// Integration tests of the namespace controller: a terminating namespace is emptied (pods honour their grace period), its conditions are set, then it is finalized and gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Informer, isNotFound } from '../../src/client/index.js';
import { namespaceController } from '../../src/controllers/namespace/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

describe('namespace controller', () => {
  let c: TestCluster;
  const r = (res: string) => c.client.resource<any>(res);
  const gone = (what: string, get: () => Promise<unknown>, timeoutMs = 30_000) =>
    c.until(
      `${what} gone`,
      async () => {
        try {
          await get();
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      timeoutMs,
    );
  const cond = (ns: any, type: string) => (ns.status?.conditions ?? []).find((x: any) => x.type === type);

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 1, controllers: [namespaceController] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  it('empties a namespace of pods, configmaps, secrets and services, then the namespace is gone', async () => {
    await r('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await r('pods').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'doomed' },
      spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] },
    });
    await r('configmaps').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'doomed' }, data: { a: 'b' } });
    await r('secrets').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'doomed' }, stringData: { a: 'b' } });
    await r('services').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'doomed' }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } });
    await c.until('pod Running', async () => (await r('pods').get('p', { namespace: 'doomed' })).status?.phase === 'Running');
    // Watch the pod: a graceful deletion shows up as a deletionTimestamp before the pod disappears.
    const seen: string[] = [];
    const watch = new Informer<any>(r('pods'), { namespace: 'doomed' });
    watch.addEventHandler({
      update: (_o, p) => {
        if (p.metadata.deletionTimestamp) seen.push(`marked grace=${p.metadata.deletionGracePeriodSeconds}`);
      },
      delete: () => seen.push('deleted'),
    });
    const ac = new AbortController();
    watch.start(ac.signal);
    await c.until('pod watch synced', () => watch.hasSynced());

    await r('namespaces').delete('doomed');
    const terminating = await r('namespaces').get('doomed');
    expect(terminating.status.phase).toBe('Terminating');
    expect(terminating.spec.finalizers).toEqual(['kubernetes']);
    // New content is refused while terminating.
    await expect(r('configmaps').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'doomed' } })).rejects.toThrow(/being terminated/);

    await gone('namespace doomed', () => r('namespaces').get('doomed'), 45_000);
    ac.abort();
    // The pod was deleted gracefully (its 2 s grace period), not force-deleted.
    expect(seen[0]).toBe('marked grace=2');
    expect(seen.at(-1)).toBe('deleted');
    for (const res of ['pods', 'configmaps', 'secrets', 'services']) {
      expect((await r(res).list({ namespace: 'doomed' })).items).toEqual([]);
    }
  }, 60_000);

  it('reports remaining content and finalizers in conditions while terminating', async () => {
    await r('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck' } });
    await r('configmaps').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'stuck', finalizers: ['example.com/hold'] } });
    await r('namespaces').delete('stuck');
    const ns = await c.until('stuck has deletion conditions', async () => {
      const n = await r('namespaces').get('stuck');
      return cond(n, 'NamespaceFinalizersRemaining')?.status === 'True' ? n : undefined;
    }, 20_000);
    expect(cond(ns, 'NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(cond(ns, 'NamespaceFinalizersRemaining')).toMatchObject({ status: 'True', reason: 'SomeFinalizerRemain', message: 'Some finalizers are remaining: example.com/hold in 1 resource instances' });
    expect(cond(ns, 'NamespaceDeletionDiscoveryFailure')).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    expect(cond(ns, 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const held = await r('configmaps').get('held', { namespace: 'stuck' });
    expect(held.metadata.deletionTimestamp).toBeTruthy();

    await r('configmaps').patch('held', { metadata: { finalizers: null } }, 'merge', { namespace: 'stuck' });
    await gone('namespace stuck', () => r('namespaces').get('stuck'), 30_000);
  }, 60_000);
});

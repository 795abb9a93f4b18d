// Integration tests of the garbage collector: background, foreground and orphan deletion, blockOwnerDeletion, several owners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../src/client/index.js';
import { garbageCollector } from '../../src/controllers/garbagecollector/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const NS = 'default';

describe('garbage collector', () => {
  let c: TestCluster;
  const cms = () => c.client.resource<any>('configmaps');
  const pods = () => c.client.resource<any>('pods');
  const ownerRef = (o: any, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: o.kind ?? 'ConfigMap', name: o.metadata.name, uid: o.metadata.uid, ...extra });
  const cm = (name: string, owners: unknown[] = [], finalizers?: string[]) =>
    cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, ownerReferences: owners, ...(finalizers ? { finalizers } : {}) }, data: { k: 'v' } });
  const gone = (what: string, get: () => Promise<unknown>, timeoutMs = 20_000) =>
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

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 1, controllers: [garbageCollector] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  it('background: deleting the owner deletes its dependents, including a running pod', async () => {
    const owner = await cm('bg-owner');
    const dep = await cm('bg-dep', [ownerRef(owner, { controller: true })]);
    const pod = await pods().create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bg-pod', namespace: NS, ownerReferences: [ownerRef(owner)] },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] },
    });
    await c.until('bg-pod Running', async () => (await pods().get('bg-pod', { namespace: NS })).status?.phase === 'Running');
    // The dependents stay while the owner exists.
    await new Promise((r) => setTimeout(r, 500));
    expect((await cms().get('bg-dep', { namespace: NS })).metadata.uid).toBe(dep.metadata.uid);
    await cms().delete('bg-owner', { namespace: NS });
    await gone('bg-dep', () => cms().get('bg-dep', { namespace: NS }));
    await gone('bg-pod', () => pods().get('bg-pod', { namespace: NS }));
    expect(pod.metadata.uid).toBeTruthy();
  }, 40_000);

  it('a dependent whose only owner never existed is collected', async () => {
    await cm('dangling-dep', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'never-was', uid: '00000000-0000-0000-0000-000000000001' }]);
    await gone('dangling-dep', () => cms().get('dangling-dep', { namespace: NS }));
  }, 30_000);

  it('multiple owners: a dependent with another live owner only loses the dangling reference', async () => {
    const a = await cm('multi-a');
    const b = await cm('multi-b');
    await cm('multi-dep', [ownerRef(a), ownerRef(b)]);
    await cms().delete('multi-a', { namespace: NS });
    const dep = await c.until('multi-dep loses its reference to multi-a', async () => {
      const d = await cms().get('multi-dep', { namespace: NS });
      return (d.metadata.ownerReferences ?? []).length === 1 ? d : undefined;
    });
    expect(dep.metadata.ownerReferences).toEqual([ownerRef(b)]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await cms().get('multi-dep', { namespace: NS })).metadata.ownerReferences).toEqual([ownerRef(b)]);
  }, 30_000);

  it('foreground: the owner waits for blocking dependents, then its finalizer is removed', async () => {
    const owner = await cm('fg-owner');
    // The blocking dependent is held by a finalizer of our own so the wait can be observed.
    await cm('fg-blocking', [ownerRef(owner, { blockOwnerDeletion: true })], ['example.com/hold']);
    await cm('fg-nonblocking', [ownerRef(owner, { blockOwnerDeletion: false })]);
    await cms().delete('fg-owner', { namespace: NS, propagationPolicy: 'Foreground' });
    await gone('fg-nonblocking', () => cms().get('fg-nonblocking', { namespace: NS }));
    const blocking = await c.until('fg-blocking being deleted', async () => {
      const d = await cms().get('fg-blocking', { namespace: NS });
      return d.metadata.deletionTimestamp ? d : undefined;
    });
    expect(blocking.metadata.finalizers).toEqual(['example.com/hold']);
    await new Promise((r) => setTimeout(r, 800));
    const waiting = await cms().get('fg-owner', { namespace: NS });
    expect(waiting.metadata.deletionTimestamp).toBeTruthy();
    expect(waiting.metadata.finalizers).toEqual(['foregroundDeletion']);
    await cms().patch('fg-blocking', { metadata: { finalizers: null } }, 'merge', { namespace: NS });
    await gone('fg-blocking', () => cms().get('fg-blocking', { namespace: NS }));
    await gone('fg-owner', () => cms().get('fg-owner', { namespace: NS }));
  }, 40_000);

  it('foreground through two levels: grandchildren go before the owner', async () => {
    const owner = await cm('fg2-owner');
    const child = await cm('fg2-child', [ownerRef(owner, { blockOwnerDeletion: true })]);
    await cm('fg2-grandchild', [ownerRef(child, { blockOwnerDeletion: true })]);
    await cms().delete('fg2-owner', { namespace: NS, propagationPolicy: 'Foreground' });
    await gone('fg2-owner', () => cms().get('fg2-owner', { namespace: NS }));
    await gone('fg2-child', () => cms().get('fg2-child', { namespace: NS }), 5_000);
    await gone('fg2-grandchild', () => cms().get('fg2-grandchild', { namespace: NS }), 5_000);
  }, 40_000);

  it('orphan: dependents lose the owner reference and stay; the owner goes', async () => {
    const owner = await cm('or-owner');
    const other = await cm('or-other');
    await cm('or-dep1', [ownerRef(owner)]);
    await cm('or-dep2', [ownerRef(owner), ownerRef(other)]);
    await cms().delete('or-owner', { namespace: NS, propagationPolicy: 'Orphan' });
    await gone('or-owner', () => cms().get('or-owner', { namespace: NS }));
    const d1 = await cms().get('or-dep1', { namespace: NS });
    const d2 = await cms().get('or-dep2', { namespace: NS });
    expect(d1.metadata.ownerReferences ?? []).toEqual([]);
    expect(d2.metadata.ownerReferences).toEqual([ownerRef(other)]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await cms().get('or-dep1', { namespace: NS })).metadata.uid).toBe(d1.metadata.uid);
  }, 30_000);
});

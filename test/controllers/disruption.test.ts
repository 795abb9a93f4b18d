// The disruption controller against a live apiserver and simulated kubelets: PDB status, eviction bookkeeping, controller scale.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { ApiError } from '../../src/client/index.js';
import { disruption } from '../../src/controllers/disruption/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

describe('disruption controller', () => {
  let c: TestCluster;
  const pdbs = () => c.client.resource<PodDisruptionBudget>('poddisruptionbudgets');
  const pods = () => c.client.resource<Pod>('pods');
  const mkPod = (name: string, labels: Record<string, string>, owner?: ReplicaSet): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true }] } : {}) },
    spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] },
  });
  const status = async (name: string, pred: (s: NonNullable<PodDisruptionBudget['status']>) => boolean, what: string) =>
    c.until(what, async () => {
      const p = await pdbs().get(name, { namespace: 'default' });
      return p.status && pred(p.status) ? p : undefined;
    }, 20_000);
  const allReady = (names: string[]) =>
    c.until(`${names.join(',')} Ready`, async () => {
      for (const n of names) {
        const p = await pods().get(n, { namespace: 'default' });
        if (!p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) return false;
      }
      return true;
    }, 20_000);

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [disruption] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  it('computes status for minAvailable, tracks evictions and cleans disruptedPods', async () => {
    for (const n of ['web-0', 'web-1', 'web-2']) await pods().create(mkPod(n, { app: 'web' }));
    await allReady(['web-0', 'web-1', 'web-2']);
    await pdbs().create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const p = await status('web', (s) => s.currentHealthy === 3, 'web pdb healthy');
    expect(p.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(p.status!.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', observedGeneration: 1 })]);

    // One eviction is allowed: the apiserver records it in disruptedPods; the controller drops it once the pod is being deleted.
    await pods().createSubresource('web-0', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0', namespace: 'default' } }, { namespace: 'default' });
    const after = await status('web', (s) => s.currentHealthy === 2 && !s.disruptedPods, 'web pdb after eviction');
    expect(after.status).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 0 });
    expect(after.status!.conditions![0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    const err = await pods()
      .createSubresource('web-1', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } }, { namespace: 'default' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(429);

    // A spec change bumps the generation; the status follows.
    const cur = await pdbs().get('web', { namespace: 'default' });
    await pdbs().update({ ...cur, spec: { ...cur.spec, minAvailable: 1 } });
    const g2 = await status('web', (s) => s.observedGeneration === 2, 'generation 2 observed');
    expect(g2.status).toMatchObject({ desiredHealthy: 1, disruptionsAllowed: 1 });
    expect(g2.status!.conditions![0]).toMatchObject({ status: 'True', reason: 'SufficientPods', observedGeneration: 2 });
  }, 60_000);

  it('uses the controller scale for maxUnavailable', async () => {
    const rs = await c.client.resource<ReplicaSet>('replicasets').create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'api', namespace: 'default' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } } },
    });
    for (const n of ['api-0', 'api-1', 'api-2']) await pods().create(mkPod(n, { app: 'api' }, rs));
    await allReady(['api-0', 'api-1', 'api-2']);
    await pdbs().create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: 'default' }, spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'api' } } } });
    const p = await status('api', (s) => s.expectedPods === 4, 'api pdb');
    // expected = rs replicas 4, maxUnavailable ceil(25% of 4) = 1, desired 3, 3 healthy: none allowed.
    expect(p.status).toMatchObject({ expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });
  }, 60_000);

  it('reports a PDB that selects no pods', async () => {
    await pdbs().create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'none', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'none' } } } });
    const p = await status('none', (s) => s.observedGeneration === 1, 'none pdb');
    expect(p.status).toMatchObject({ expectedPods: 0, currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
    await c.until('NoPods event', async () => ((await c.client.resource('events').list({ namespace: 'default' })).items as any[]).some((e) => e.reason === 'NoPods' && e.involvedObject.name === 'none' && e.message === 'No matching pods found'), 10_000);
  }, 30_000);
});

// Integration tests of the serviceaccount and root-ca-cert-publisher controllers: default ServiceAccounts and kube-root-ca.crt restored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { runControllerManager } from '../../src/controllers/index.js';
import { DESCRIPTION, rootCACertPublisher } from '../../src/controllers/rootcacertpublisher/index.js';
import { serviceAccountController } from '../../src/controllers/serviceaccount/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

describe('serviceaccount and root-ca-cert-publisher controllers', () => {
  let c: TestCluster;
  const ac = new AbortController();
  let cm: Promise<void>;
  let ca: string;
  beforeAll(async () => {
    c = await startTestCluster();
    ca = c.server.pki.ca.certPem;
    const registry = [serviceAccountController, rootCACertPublisher];
    cm = runControllerManager({ client: c.client, registry, controllers: registry.map((d) => d.name), leaderElect: false, log: () => {}, rootCaPem: ca }, ac.signal);
  }, 60_000);
  afterAll(async () => {
    ac.abort();
    await cm?.catch(() => undefined);
    await c?.stop();
  }, 30_000);

  const sas = () => c.client.resource<ServiceAccount>('serviceaccounts');
  const cms = () => c.client.resource<ConfigMap>('configmaps');

  it('recreates the default ServiceAccount after deletion', async () => {
    const before = await c.until('default SA', () => sas().get('default', { namespace: 'default' }));
    await sas().delete('default', { namespace: 'default' });
    const after = await c.until('default SA recreated', async () => {
      const sa = await sas().get('default', { namespace: 'default' });
      return sa.metadata!.uid !== before.metadata!.uid ? sa : undefined;
    });
    expect(after.metadata!.name).toBe('default');
  }, 30_000);

  it('creates the default ServiceAccount and kube-root-ca.crt in a new namespace', async () => {
    await c.client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await c.until('default SA in team-a', () => sas().get('default', { namespace: 'team-a' }));
    await c.until('kube-root-ca.crt in team-a', () => cms().get('kube-root-ca.crt', { namespace: 'team-a' }));
  }, 30_000);

  it('restores kube-root-ca.crt when deleted or edited', async () => {
    const before = await c.until('kube-root-ca.crt', () => cms().get('kube-root-ca.crt', { namespace: 'default' }));
    await cms().delete('kube-root-ca.crt', { namespace: 'default' });
    const recreated = await c.until('kube-root-ca.crt recreated', async () => {
      const x = await cms().get('kube-root-ca.crt', { namespace: 'default' });
      return x.metadata!.uid !== before.metadata!.uid ? x : undefined;
    });
    expect(recreated.data).toEqual({ 'ca.crt': ca });
    expect(recreated.metadata!.annotations?.['kubernetes.io/description']).toBe(DESCRIPTION);

    await cms().patch('kube-root-ca.crt', { data: { 'ca.crt': 'tampered', extra: 'x' }, metadata: { annotations: { 'kubernetes.io/description': null } } }, 'merge', { namespace: 'default' });
    const restored = await c.until('kube-root-ca.crt restored', async () => {
      const x = await cms().get('kube-root-ca.crt', { namespace: 'default' });
      return x.data?.['ca.crt'] === ca && x.metadata?.annotations?.['kubernetes.io/description'] ? x : undefined;
    });
    expect(restored.data).toEqual({ 'ca.crt': ca });
    expect(restored.metadata!.annotations!['kubernetes.io/description']).toBe(DESCRIPTION);
  }, 30_000);
});

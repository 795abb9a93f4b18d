import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTROL_PLANE_IDENTITIES, ensureClusterPki, ensureComponentCredentials, kubeletIdentity, loadKubeconfig, type ClusterPki } from './index.js';

describe('component credentials', () => {
  let dir: string;
  let pki: ClusterPki;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-comp-'));
    pki = await ensureClusterPki(dir, { serviceClusterIpRange: '10.96.0.0/16' });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['kube-scheduler', 'CN=system:kube-scheduler', []],
    ['kube-controller-manager', 'CN=system:kube-controller-manager', []],
    ['kube-proxy', 'CN=system:kube-proxy', []],
    ['kube-apiserver-kubelet-client', 'CN=kube-apiserver-kubelet-client', ['O=system:masters']],
  ])('%s gets a CA-signed client certificate with %s and a kubeconfig', async (name, cn, orgs) => {
    const [c] = await ensureComponentCredentials(pki, 'https://127.0.0.1:6443', CONTROL_PLANE_IDENTITIES.filter((i) => i.name === name));
    const cert = new X509Certificate(c!.certPem);
    expect(cert.subject.split('\n')).toEqual(expect.arrayContaining([cn, ...orgs]));
    expect(cert.checkIssued(new X509Certificate(pki.ca.certPem))).toBe(true);
    expect(statSync(c!.keyPath).mode & 0o777).toBe(0o600);
    const kc = await loadKubeconfig(c!.kubeconfigPath);
    expect(kc.server).toBe('https://127.0.0.1:6443');
    expect(kc.clientCertPem).toBe(c!.certPem);
    expect(kc.caPem).toBe(pki.ca.certPem);
  });

  it('keeps valid certificates, rewrites the kubeconfig for a new server, and renews before expiry', async () => {
    const id = kubeletIdentity('node-a');
    const [first] = await ensureComponentCredentials(pki, 'https://127.0.0.1:6443', [id]);
    expect(first!.identity.commonName).toBe('system:node:node-a');
    expect(new X509Certificate(first!.certPem).subject).toContain('O=system:nodes');
    const [again] = await ensureComponentCredentials(pki, 'https://127.0.0.1:6443', [id]);
    expect(again!.issued).toBe(false);
    expect(again!.certPem).toBe(first!.certPem);
    const [moved] = await ensureComponentCredentials(pki, 'https://10.0.0.1:6443', [id]);
    expect(moved!.issued).toBe(false);
    expect((await loadKubeconfig(moved!.kubeconfigPath)).server).toBe('https://10.0.0.1:6443');
    // 20 days before the certificate ends (inside the 30-day renewal window): a new one.
    const late = new Date(first!.notAfter.getTime() - 20 * 86_400_000);
    const [renewed] = await ensureComponentCredentials(pki, 'https://10.0.0.1:6443', [id], late);
    expect(renewed!.issued).toBe(true);
    expect(renewed!.notAfter.getTime()).toBeGreaterThan(first!.notAfter.getTime());
    expect(readFileSync(renewed!.certPath, 'utf8')).toBe(renewed!.certPem);
  });

  it('reissues a certificate whose subject no longer matches the identity', async () => {
    const [a] = await ensureComponentCredentials(pki, 'https://127.0.0.1:6443', [{ name: 'x', commonName: 'system:x' }]);
    const [b] = await ensureComponentCredentials(pki, 'https://127.0.0.1:6443', [{ name: 'x', commonName: 'system:y', organizations: ['g'] }]);
    expect(b!.issued).toBe(true);
    expect(b!.certPem).not.toBe(a!.certPem);
  });
});

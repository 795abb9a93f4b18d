// Kubeconfig rendering/loading: YAML shape, kubectl's own reading of the file, and load round-trips.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ensureClusterPki, loadKubeconfig, renderKubeconfig, writeAdminKubeconfig, writeKubeconfig, type ClusterPki } from './index.js';

const KUBECTL = '/usr/bin/kubectl';
const SERVER = 'https://127.0.0.1:6443';

describe('kubeconfig', () => {
  let dir: string;
  let pki: ClusterPki;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubets-kubeconfig-'));
    pki = await ensureClusterPki(dir, { serviceClusterIpRange: '10.96.0.0/16' });
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('renders the upstream v1 Config form with k3s default names', () => {
    const text = renderKubeconfig({ server: SERVER, caPem: pki.ca.certPem, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem });
    expect(text.startsWith('apiVersion: v1\n')).toBe(true);
    const doc = parse(text) as Record<string, any>;
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'default',
      preferences: {},
      clusters: [{ name: 'default', cluster: { server: SERVER } }],
      contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
      users: [{ name: 'default' }],
    });
    const b = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
    expect(b(doc.clusters[0].cluster['certificate-authority-data'])).toBe(pki.ca.certPem);
    expect(b(doc.users[0].user['client-certificate-data'])).toBe(pki.admin.certPem);
    expect(b(doc.users[0].user['client-key-data'])).toBe(pki.admin.keyPem);
    // base64 is never folded across lines.
    expect(text).toMatch(/client-key-data: [A-Za-z0-9+/=]+\n/);
  });

  it('honours custom names and tokens', () => {
    const doc = parse(renderKubeconfig({ server: SERVER, token: 'abc.def', user: 'u', cluster: 'c', context: 'x' })) as Record<string, any>;
    expect(doc['current-context']).toBe('x');
    expect(doc.contexts[0]).toEqual({ name: 'x', context: { cluster: 'c', user: 'u' } });
    expect(doc.clusters[0]).toEqual({ name: 'c', cluster: { server: SERVER } });
    expect(doc.users[0]).toEqual({ name: 'u', user: { token: 'abc.def' } });
  });

  it('writeKubeconfig writes mode 0600 and loadKubeconfig round-trips', async () => {
    const file = path.join(dir, 'admin.kubeconfig');
    await writeAdminKubeconfig(file, pki, SERVER);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const loaded = await loadKubeconfig(file);
    expect(loaded).toEqual({
      contextName: 'default',
      clusterName: 'default',
      userName: 'default',
      server: SERVER,
      caPem: pki.ca.certPem,
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
    });
  });

  it.skipIf(!existsSync(KUBECTL))('kubectl reads the file back with the same server and names', async () => {
    const file = path.join(dir, 'kubectl.kubeconfig');
    await writeKubeconfig(file, {
      server: SERVER,
      caPem: pki.ca.certPem,
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
      user: 'admin',
      cluster: 'kubets',
      context: 'kubets-admin',
    });
    const out = execFileSync(KUBECTL, ['config', 'view', '--kubeconfig', file, '-o', 'json', '--raw'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '' },
    });
    const v = JSON.parse(out) as Record<string, any>;
    expect(v['current-context']).toBe('kubets-admin');
    expect(v.clusters).toHaveLength(1);
    expect(v.clusters[0].name).toBe('kubets');
    expect(v.clusters[0].cluster.server).toBe(SERVER);
    expect(Buffer.from(v.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(pki.ca.certPem);
    expect(v.users[0].name).toBe('admin');
    expect(Buffer.from(v.users[0].user['client-certificate-data'], 'base64').toString()).toBe(pki.admin.certPem);
    expect(Buffer.from(v.users[0].user['client-key-data'], 'base64').toString()).toBe(pki.admin.keyPem);
    expect(v.contexts[0]).toEqual({ name: 'kubets-admin', context: { cluster: 'kubets', user: 'admin' } });
  });

  it('loadKubeconfig resolves file references relative to the kubeconfig and picks a named context', async () => {
    const sub = path.join(dir, 'refs');
    await fs.mkdir(sub, { recursive: true });
    await fs.writeFile(path.join(sub, 'ca.crt'), pki.ca.certPem);
    await fs.writeFile(path.join(sub, 'token'), 'tok123\n');
    const file = path.join(sub, 'config');
    await fs.writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: a',
        'clusters:',
        '- name: c1',
        '  cluster: {server: "https://a:6443", certificate-authority: ca.crt}',
        '- name: c2',
        '  cluster: {server: "https://b:6443", insecure-skip-tls-verify: true}',
        'contexts:',
        '- {name: a, context: {cluster: c1, user: u1}}',
        '- {name: b, context: {cluster: c2, user: u2}}',
        'users:',
        '- {name: u1, user: {tokenFile: token}}',
        '- {name: u2, user: {token: inline}}',
        '',
      ].join('\n'),
    );
    expect(await loadKubeconfig(file)).toEqual({
      contextName: 'a',
      clusterName: 'c1',
      userName: 'u1',
      server: 'https://a:6443',
      caPem: pki.ca.certPem,
      token: 'tok123',
    });
    expect(await loadKubeconfig(file, { context: 'b' })).toEqual({
      contextName: 'b',
      clusterName: 'c2',
      userName: 'u2',
      server: 'https://b:6443',
      insecureSkipTlsVerify: true,
      token: 'inline',
    });
    await expect(loadKubeconfig(file, { context: 'nope' })).rejects.toThrow(/no context named "nope"/);
  });
});

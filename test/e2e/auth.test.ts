// Real kubectl against the real `kubets server` with its default security: RBAC through --as, client certificates
// and service-account tokens, `auth can-i`/`whoami`, `create token`, 401 without credentials, APF's debug dump.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueClientCertificate, writeKubeconfig } from '../../src/pki/index.js';
import { findKubectls, startServer, type RunningServer } from './harness.js';

const kubectl = findKubectls().usable[0]!;

describe('kubectl and the security chain', () => {
  let server: RunningServer;
  let dir: string;
  let janeKubeconfig: string;
  let anonKubeconfig: string;
  const run = (args: string[], kubeconfig = server.kubeconfig) => {
    const r = spawnSync(kubectl.path, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const ok = (args: string[], kubeconfig?: string) => {
    const r = run(args, kubeconfig);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };

  beforeAll(async () => {
    server = await startServer('sqlite');
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-auth-'));
    const tls = path.join(server.dataDir, 'tls');
    const ca = { certPem: readFileSync(path.join(tls, 'server-ca.crt'), 'utf8'), keyPem: readFileSync(path.join(tls, 'server-ca.key'), 'utf8') };
    const jane = await issueClientCertificate(ca, { commonName: 'jane', organizations: ['devs'] });
    janeKubeconfig = path.join(dir, 'jane.kubeconfig');
    await writeKubeconfig(janeKubeconfig, { server: server.url, caPem: ca.certPem, clientCertPem: jane.certPem, clientKeyPem: jane.keyPem, user: 'jane' });
    anonKubeconfig = path.join(dir, 'anon.kubeconfig');
    await writeKubeconfig(anonKubeconfig, { server: server.url, caPem: ca.certPem });
    ok(['create', 'namespace', 'prod']);
    ok(['-n', 'prod', 'create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
    ok(['-n', 'prod', 'create', 'rolebinding', 'jane-reads', '--role=pod-reader', '--user=jane']);
    ok(['-n', 'prod', 'create', 'configmap', 'c1', '--from-literal=a=1']);
  }, 90_000);

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it.each([
    [['get', 'pods', '-n', 'prod'], true, ''],
    [['get', 'pods', '-n', 'prod', '-w', '--request-timeout=1s'], true, ''],
    [['get', 'configmaps', '-n', 'prod'], false, 'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "prod"'],
    [['get', 'pods', '-n', 'default'], false, 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"'],
    [['get', 'pods', '-A'], false, 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope'],
    [['delete', 'pod', 'x', '-n', 'prod'], false, 'pods "x" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "prod"'],
  ])('jane (by --as and by her own certificate): kubectl %j allowed=%s', (args, allowed, message) => {
    for (const r of [run(['--as', 'jane', ...args]), run(args, janeKubeconfig)]) {
      // A watch that times out on the client is still an allowed request.
      const granted = r.code === 0 || (args.includes('-w') && !r.err.includes('Forbidden'));
      expect(granted, r.err).toBe(allowed);
      if (!allowed) expect(r.err).toContain(`Error from server (Forbidden): ${message}`);
    }
  });

  it('answers auth can-i and whoami as upstream', () => {
    expect(run(['auth', 'can-i', 'list', 'pods', '-n', 'prod', '--as', 'jane']).out.trim()).toBe('yes');
    const no = run(['auth', 'can-i', 'delete', 'pods', '-n', 'prod', '--as', 'jane']);
    expect(no.out.trim()).toBe('no');
    expect(no.code).toBe(1);
    const list = ok(['auth', 'can-i', '--list', '-n', 'prod', '--as', 'jane']);
    expect(list).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], janeKubeconfig)).toBe('jane');
    expect(ok(['auth', 'can-i', '*', '*'])).toContain('yes');
  });

  it('creates service-account tokens that kubectl can use', () => {
    const token = ok(['create', 'token', 'default', '-n', 'prod', '--duration=10m']).trim();
    expect(token.split('.')).toHaveLength(3);
    const who = run(['--token', token, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], anonKubeconfig);
    expect(who.out).toBe('system:serviceaccount:prod:default');
    const denied = run(['--token', token, 'get', 'secrets', '-n', 'prod'], anonKubeconfig);
    expect(denied.err).toContain('User "system:serviceaccount:prod:default" cannot list resource "secrets"');
    ok(['-n', 'prod', 'create', 'rolebinding', 'sa-reads', '--role=pod-reader', '--serviceaccount=prod:default']);
    expect(run(['--token', token, 'get', 'pods', '-n', 'prod'], anonKubeconfig).code).toBe(0);
  });

  it('refuses requests with credentials it does not accept', () => {
    // (With no credentials at all kubectl would prompt for a user name; an unknown token is the scripted case.)
    const r = run(['--token', 'not-a-valid-token', 'get', 'pods'], anonKubeconfig);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('shows API Priority and Fairness levels and objects', () => {
    const dump = ok(['get', '--raw', '/debug/api_priority_and_fairness/dump_priority_levels']);
    expect(dump.split('\n')[0]).toContain('PriorityLevelName, ActiveQueues, IsIdle, IsQuiescing, WaitingRequests, ExecutingRequests');
    for (const level of ['exempt', 'system', 'node-high', 'leader-election', 'workload-high', 'workload-low', 'global-default', 'catch-all']) expect(dump).toMatch(new RegExp(`^${level},`, 'm'));
    expect(ok(['get', 'flowschema'])).toMatch(/^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL$/m);
    expect(ok(['get', 'prioritylevelconfiguration'])).toMatch(/^global-default\s+Limited\s+20\s+128\s+6\s+50\s+/m);
  });
});

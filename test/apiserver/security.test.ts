// The apiserver's security chain end to end over HTTPS: authentication (certificates, static and service-account
// tokens, anonymous), RBAC and the Node authorizer, escalation prevention, impersonation, admission (quota),
// encryption at rest, audit, and flow control.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiServer, type SecurityOptions } from '../../src/apiserver/index.js';
import { issueClientCertificate } from '../../src/pki/index.js';

interface Resp {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json: any;
}

/** Who calls: a client certificate, a bearer token, or nobody. */
type Creds = { cert: string; key: string } | { token: string } | Record<string, never>;

function call(server: ApiServer, who: Creds, method: string, p: string, body?: unknown, headers: Record<string, string> = {}, agent?: https.Agent): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h: Record<string, string> = { 'Content-Type': 'application/json', ...headers };
    if (data !== undefined) h['Content-Length'] = String(Buffer.byteLength(data));
    if ('token' in who) h['Authorization'] = `Bearer ${who.token}`;
    const r = https.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: p,
        method,
        ca: server.pki.ca.certPem,
        ...('cert' in who ? { cert: who.cert, key: who.key } : {}),
        headers: h,
        ...(agent ? { agent } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    r.on('error', reject);
    if (data !== undefined) r.write(data);
    r.end();
  });
}

async function startSecure(dir: string, sec: SecurityOptions): Promise<ApiServer> {
  const s = new ApiServer({ dataDir: dir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/24', log: () => {}, security: sec });
  await s.start();
  return s;
}

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
};

describe('security chain', () => {
  let dir: string;
  let server: ApiServer;
  let admin: Creds;
  let jane: Creds;
  let eve: Creds;
  let kubeletN1: Creds;
  const tokenFile = () => path.join(dir, 'tokens.csv');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-sec-'));
    writeFileSync(path.join(dir, 'tokens.csv'), 'bob-secret-token,bob,1001,"dev,qa"\n');
    server = await startSecure(dir, { tokenAuthFile: tokenFile(), anonymousAuth: true });
    admin = { cert: server.pki.admin.certPem, key: server.pki.admin.keyPem };
    const issue = async (cn: string, o: string[] = []) => {
      const p = await issueClientCertificate(server.pki.ca, { commonName: cn, organizations: o });
      return { cert: p.certPem, key: p.keyPem };
    };
    jane = await issue('jane', ['devs']);
    eve = await issue('eve');
    kubeletN1 = await issue('system:node:n1', ['system:nodes']);
    const ns = (name: string) => call(server, admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    expect((await ns('prod')).status).toBe(201);
    expect((await ns('quota')).status).toBe(201);
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/prod';
    expect(
      (await call(server, admin, 'POST', `${rbac}/roles`, { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }] })).status,
    ).toBe(201);
    const bind = (name: string, role: string, subjects: object[]) =>
      call(server, admin, 'POST', `${rbac}/rolebindings`, { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role }, subjects });
    expect((await bind('jane-reads', 'pod-reader', [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }])).status).toBe(201);
    expect((await bind('qa-reads', 'pod-reader', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'qa' }])).status).toBe(201);
    // eve may manage roles and bindings in prod, but holds no other permission there.
    expect(
      (await call(server, admin, 'POST', `${rbac}/roles`, { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'rbac-manager' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'list', 'update'] }] })).status,
    ).toBe(201);
    expect((await bind('eve-manages', 'rbac-manager', [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'eve' }])).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses unauthenticated requests with 401 unless anonymous auth is on, and then as system:anonymous', async () => {
    const anon = await call(server, {}, 'GET', '/api/v1/namespaces/prod/pods');
    expect(anon.status).toBe(403);
    expect(anon.json.message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "prod"');
    // Discovery and health are open to everyone (system:public-info-viewer, system:discovery for authenticated).
    expect((await call(server, {}, 'GET', '/version')).status).toBe(200);
    const bad = await call(server, { token: 'not-a-known-token' }, 'GET', '/api/v1/namespaces');
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it.each([
    ['jane', 'GET', '/api/v1/namespaces/prod/pods', 200],
    ['jane', 'GET', '/api/v1/namespaces/prod/pods/none', 404],
    ['jane', 'GET', '/api/v1/namespaces/prod/secrets', 403],
    ['jane', 'GET', '/api/v1/namespaces/default/pods', 403],
    ['jane', 'DELETE', '/api/v1/namespaces/prod/pods/x', 403],
    ['jane', 'GET', '/api/v1/pods', 403],
    ['bob', 'GET', '/api/v1/namespaces/prod/pods', 200],
    ['bob', 'GET', '/api/v1/namespaces/prod/configmaps', 403],
    ['eve', 'GET', '/api/v1/namespaces/prod/pods', 403],
  ])('%s %s %s -> %i', async (who, method, p, want) => {
    const creds = who === 'jane' ? jane : who === 'eve' ? eve : { token: 'bob-secret-token' };
    const r = await call(server, creds, method, p);
    expect(r.status, r.body).toBe(want);
    if (want === 403) expect(r.json.message).toMatch(new RegExp(`User "${who}" cannot`));
  });

  it('answers SelfSubjectReview and SelfSubjectAccessReview for certificate and token users', async () => {
    const me = await call(server, { token: 'bob-secret-token' }, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(me.json.status.userInfo).toEqual({ username: 'bob', uid: '1001', groups: ['dev', 'qa', 'system:authenticated'] });
    const can = async (verb: string, resource: string) =>
      (await call(server, jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'prod', verb, resource } } })).json.status.allowed;
    expect(await can('list', 'pods')).toBe(true);
    expect(await can('delete', 'pods')).toBe(false);
    const rules = await call(server, jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'prod' } });
    expect(rules.json.status.resourceRules).toEqual(expect.arrayContaining([expect.objectContaining({ verbs: ['get', 'list', 'watch'], resources: expect.arrayContaining(['pods']) })]));
  });

  it('issues bound service-account tokens that authenticate until the account is deleted', async () => {
    const sa = await call(server, admin, 'POST', '/api/v1/namespaces/prod/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    expect(sa.status).toBe(201);
    const tr = await call(server, admin, 'POST', '/api/v1/namespaces/prod/serviceaccounts/robot/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
    expect(tr.status, tr.body).toBe(201);
    const token = tr.json.status.token as string;
    expect(token.split('.')).toHaveLength(3);
    const me = await call(server, { token }, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(me.status).toBe(201);
    expect(me.json.status.userInfo.username).toBe('system:serviceaccount:prod:robot');
    expect(me.json.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:prod', 'system:authenticated']);
    expect((await call(server, { token }, 'GET', '/api/v1/namespaces/prod/pods')).status).toBe(403);
    const review = await call(server, admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    expect(review.json.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:prod:robot' } });
    const short = await call(server, admin, 'POST', '/api/v1/namespaces/prod/serviceaccounts/robot/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect((await call(server, admin, 'DELETE', '/api/v1/namespaces/prod/serviceaccounts/robot')).status).toBe(200);
    // Successful token authentications are cached for 10 s (as kube-apiserver), so revocation takes up to that long.
    await waitFor(async () => (await call(server, { token }, 'GET', '/api/v1/namespaces/prod/pods')).status === 401, 15_000);
  }, 30_000);

  it('prevents privilege escalation through roles and bindings', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/prod';
    const grab = { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'secret-grabber' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] };
    const refused = await call(server, eve, 'POST', `${rbac}/roles`, grab);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('is attempting to grant RBAC permissions not currently held');
    // A binding to a role eve does not hold is refused too, even though eve may create bindings.
    const bindAdmin = await call(server, eve, 'POST', `${rbac}/rolebindings`, {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'eve-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'eve' }],
    });
    expect(bindAdmin.status).toBe(403);
    // A role within eve's own permissions is fine.
    const own = await call(server, eve, 'POST', `${rbac}/roles`, { ...grab, metadata: { name: 'role-reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }] });
    expect(own.status, own.body).toBe(201);
  });

  it('lets a kubelet read only the secrets of pods bound to its node', async () => {
    const secret = (name: string) => call(server, admin, 'POST', '/api/v1/namespaces/prod/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: name } });
    expect((await secret('s1')).status).toBe(201);
    expect((await secret('s2')).status).toBe(201);
    const pod = (name: string, node: string, s: string) =>
      call(server, admin, 'POST', '/api/v1/namespaces/prod/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', secret: { secretName: s } }] },
      });
    expect((await pod('on-n1', 'n1', 's1')).status).toBe(201);
    expect((await pod('on-n2', 'n2', 's2')).status).toBe(201);
    await waitFor(() => !!server.objects.get('', 'pods', 'prod', 'on-n2'));
    expect((await call(server, kubeletN1, 'GET', '/api/v1/namespaces/prod/secrets/s1')).status).toBe(200);
    const other = await call(server, kubeletN1, 'GET', '/api/v1/namespaces/prod/secrets/s2');
    expect(other.status).toBe(403);
    expect(other.json.message).toBe(`secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "prod": no relationship found between node 'n1' and this object`);
    // Its own pods' status yes, another node's pod no (NodeRestriction).
    const st = await call(server, kubeletN1, 'PATCH', '/api/v1/namespaces/prod/pods/on-n2/status', { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(st.status).toBe(403);
  });

  it('creates nodes tainted not-ready:NoSchedule (TaintNodesByCondition), and leaves later updates alone', async () => {
    const created = await call(server, admin, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'tainted-at-birth' }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
    expect(created.status, created.body).toBe(201);
    expect(created.json.spec.taints).toEqual([
      { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
    ]);
    // What the node lifecycle controller does once the node is Ready: the taint goes and stays gone.
    const cleared = await call(server, admin, 'PATCH', '/api/v1/nodes/tainted-at-birth', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(cleared.status, cleared.body).toBe(200);
    expect(cleared.json.spec.taints).toEqual([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect((await call(server, admin, 'DELETE', '/api/v1/nodes/tainted-at-birth')).status).toBe(200);
  });

  it('checks impersonation with the impersonate verb', async () => {
    const denied = await call(server, jane, 'GET', '/api/v1/namespaces/prod/pods', undefined, { 'Impersonate-User': 'bob' });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toContain('User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    const asJane = await call(server, admin, 'GET', '/api/v1/namespaces/prod/secrets', undefined, { 'Impersonate-User': 'jane' });
    expect(asJane.status).toBe(403);
    expect(asJane.json.message).toContain('User "jane" cannot list resource "secrets"');
  });

  it('ends concurrent pod creates exactly at the ResourceQuota hard limit and keeps usage current', async () => {
    const q = await call(server, admin, 'POST', '/api/v1/namespaces/quota/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '10' } } });
    expect(q.status).toBe(201);
    await waitFor(() => !!server.objects.get('', 'serviceaccounts', 'quota', 'default'));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 50 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(server, admin, 'POST', '/api/v1/namespaces/quota/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, {}, agent),
      ),
    );
    agent.destroy();
    const created = results.filter((r) => r.status === 201).length;
    expect(created).toBe(10);
    const refused = results.filter((r) => r.status === 403);
    expect(refused).toHaveLength(40);
    expect(refused[0]!.json.message).toMatch(/exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10/);
    const quota = await call(server, admin, 'GET', '/api/v1/namespaces/quota/resourcequotas/pods');
    expect(quota.json.status).toEqual({ hard: { pods: '10' }, used: { pods: '10' } });
    // Usage goes back down when pods go away.
    expect((await call(server, admin, 'DELETE', '/api/v1/namespaces/quota/pods/p0?gracePeriodSeconds=0')).status).toBe(200);
    const anyName = results.find((r) => r.status === 201)!.json.metadata.name;
    if (anyName !== 'p0') await call(server, admin, 'DELETE', `/api/v1/namespaces/quota/pods/${anyName}?gracePeriodSeconds=0`);
    // (recounted once no charged create is in flight)
    await waitFor(async () => Number((await call(server, admin, 'GET', '/api/v1/namespaces/quota/resourcequotas/pods')).json.status.used.pods) < 10, 15_000);
  });

  it('does not recount quota usage while a charged create is still in flight, however long it takes', async () => {
    const usedPods = async () => (await call(server, admin, 'GET', '/api/v1/namespaces/inflight/resourcequotas/pods')).json.status?.used?.pods;
    expect((await call(server, admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inflight' } })).status).toBe(201);
    expect((await call(server, admin, 'POST', '/api/v1/namespaces/inflight/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '5' } } })).status).toBe(201);
    await waitFor(async () => (await usedPods()) === '0');
    // A create that admission charged but whose object is not stored yet (as a slow write would be): pods=1 used.
    const inFlight = (server as unknown as { quotaCharged(ns: string, g: string, r: string): { done(): void } }).quotaCharged('inflight', '', 'pods');
    await server.objects.update('', 'resourcequotas', 'inflight', 'pods', (cur) => ({ ...cur, status: { ...cur.status, used: { pods: '1' } } }), 'status');
    server.quotaChanged('inflight');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await usedPods()).toBe('1'); // held: a recount now would hand the in-flight charge back
    // The request ends without storing its object: the recount may run, and gives the charge back.
    inFlight.done();
    server.quotaChanged('inflight');
    await waitFor(async () => (await usedPods()) === '0', 5_000);
  });

  it('serves the APF debug dump and flow-control headers', async () => {
    const dump = await call(server, admin, 'GET', '/debug/api_priority_and_fairness/dump_priority_levels');
    expect(dump.status).toBe(200);
    expect(dump.body.split('\n')[0]).toMatch(/^PriorityLevelName, ActiveQueues, IsIdle/);
    expect(dump.body).toContain('global-default');
    const r = await call(server, jane, 'GET', '/api/v1/namespaces/prod/pods');
    expect(r.headers['x-kubernetes-pf-flowschema-uid']).toBe(server.objects.get('flowcontrol.apiserver.k8s.io', 'flowschemas', '', 'global-default')!.metadata.uid);
    expect((await call(server, jane, 'GET', '/debug/api_priority_and_fairness/dump_priority_levels')).status).toBe(403);
  });
});

describe('encryption at rest and audit', () => {
  let dir: string;
  let server: ApiServer | undefined;
  const key = (n: number) => Buffer.alloc(32, n).toString('base64');
  const config = (keys: Array<[string, string]>) =>
    `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n${keys.map(([n, k]) => `            - name: ${n}\n              secret: ${k}\n`).join('')}      - identity: {}\n`;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-enc-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores secrets encrypted, reads them back, rotates keys by rewriting, and audits requests', async () => {
    const encFile = path.join(dir, 'enc.yaml');
    const auditLog = path.join(dir, 'audit', 'audit.log');
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    resources: [{group: "", resources: ["events"]}]\n  - level: Metadata\n    resources: [{group: "", resources: ["secrets"]}]\n  - level: Request\n');
    writeFileSync(encFile, config([['key1', key(1)]]));
    const sec = { encryptionProviderConfig: encFile, auditLogPath: auditLog, auditPolicyFile: policy };
    server = await startSecure(dir, sec);
    const admin = { cert: server.pki.admin.certPem, key: server.pki.admin.keyPem };
    const plaintext = `top-secret-${randomBytes(4).toString('hex')}`;
    const c = await call(server, admin, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: plaintext } });
    expect(c.status).toBe(201);
    const raw = async () => Buffer.from((await server!.backend.get('/registry/secrets/default/db')).kv!.value).toString('latin1');
    expect(await raw()).toMatch(/^k8s:enc:aescbc:v1:key1:/);
    expect(await raw()).not.toContain(plaintext);
    expect(await raw()).not.toContain(Buffer.from(plaintext).toString('base64'));
    const got = await call(server, admin, 'GET', '/api/v1/namespaces/default/secrets/db');
    expect(Buffer.from(got.json.data.password, 'base64').toString()).toBe(plaintext);
    // PodSecurity's audit level annotates the audit event of a pod that would violate it.
    await call(server, admin, 'PATCH', '/api/v1/namespaces/default', { metadata: { labels: { 'pod-security.kubernetes.io/audit': 'baseline' } } }, { 'Content-Type': 'application/merge-patch+json' });
    const priv = await call(server, admin, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'priv' },
      spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
    });
    expect(priv.status, priv.body).toBe(201);
    // ConfigMaps are not configured: plaintext JSON.
    await call(server, admin, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: 'visible' } });
    expect(Buffer.from((await server.backend.get('/registry/configmaps/default/plain')).kv!.value).toString()).toContain('visible');
    await server.stop();

    // Rotation: key2 first, key1 still readable; replacing the secret unchanged rewrites it with key2.
    writeFileSync(encFile, config([['key2', key(2)], ['key1', key(1)]]));
    server = await startSecure(dir, sec);
    const admin2 = { cert: server.pki.admin.certPem, key: server.pki.admin.keyPem };
    const again = await call(server, admin2, 'GET', '/api/v1/namespaces/default/secrets/db');
    expect(Buffer.from(again.json.data.password, 'base64').toString()).toBe(plaintext);
    expect(await raw()).toMatch(/^k8s:enc:aescbc:v1:key1:/);
    const put = await call(server, admin2, 'PUT', '/api/v1/namespaces/default/secrets/db', again.json);
    expect(put.status).toBe(200);
    expect(await raw()).toMatch(/^k8s:enc:aescbc:v1:key2:/);
    await server.stop();
    server = undefined;

    const events = readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const secretCreate = events.filter((e) => e.objectRef?.resource === 'secrets' && e.verb === 'create');
    expect(secretCreate.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(secretCreate[1]).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', user: { username: 'kubernetes-admin' }, responseStatus: { code: 201 } });
    expect(secretCreate[1].requestObject).toBeUndefined();
    expect(secretCreate[1].annotations['authorization.k8s.io/decision']).toBe('allow');
    const cmCreate = events.find((e) => e.objectRef?.resource === 'configmaps' && e.verb === 'create' && e.stage === 'ResponseComplete');
    expect(cmCreate.level).toBe('Request');
    expect(cmCreate.requestObject.data).toEqual({ a: 'visible' });
    expect(events.some((e) => e.objectRef?.resource === 'events')).toBe(false);
    const podEvent = events.find((e) => e.objectRef?.resource === 'pods' && e.verb === 'create' && e.stage === 'ResponseComplete');
    expect(podEvent.annotations['pod-security.kubernetes.io/audit-violations']).toBe('would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
  }, 60_000);
});

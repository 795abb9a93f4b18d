// CertificateSigningRequests end to end over HTTPS with the security chain: the requestor recorded by the server,
// approval through /approval (RBAC plus the CertificateApproval plugin), signing through /status, validation,
// the subject restriction, and the real kubectl (`certificate approve|deny`, `get csr`).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../src/apiserver/index.js';
import { createCSR, createNodeClientCSR, issueClientCertificate, renderKubeconfig } from '../../src/pki/index.js';
import { signCSR } from '../../src/controllers/certificates/index.js';
import { findKubectls } from '../e2e/harness.js';

interface Resp {
  status: number;
  json: any;
}
type Creds = { cert: string; key: string } | { token: string };

function call(server: ApiServer, who: Creds, method: string, p: string, body?: unknown): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const h: Record<string, string> = { 'Content-Type': 'application/json' };
    if (data !== undefined) h['Content-Length'] = String(Buffer.byteLength(data));
    if ('token' in who) h['Authorization'] = `Bearer ${who.token}`;
    const r = https.request(
      { host: '127.0.0.1', port: server.port, path: p, method, ca: server.pki.ca.certPem, ...('cert' in who ? { cert: who.cert, key: who.key } : {}), headers: h },
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
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    r.on('error', reject);
    if (data !== undefined) r.write(data);
    r.end();
  });
}

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const csrBody = (name: string, request: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: b64(request), signerName: KUBELET_SIGNER, usages: ['digital signature', 'client auth'], ...spec },
});
const kubectl = findKubectls().usable[0];

describe('certificatesigningrequests', () => {
  let dir: string;
  let server: ApiServer;
  let admin: Creds;
  let approver: Creds;
  let signer: Creds;
  let kubeconfig: string;
  const bootstrap: Creds = { token: 'abcdef.0123456789abcdef' };
  let nodeCsrPem = '';

  const post = (who: Creds, p: string, body: unknown) => call(server, who, 'POST', p, body);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-csr-'));
    server = new ApiServer({ dataDir: dir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/24', log: () => {}, security: {} });
    await server.start();
    admin = { cert: server.pki.admin.certPem, key: server.pki.admin.keyPem };
    const issue = async (cn: string) => {
      const p = await issueClientCertificate(server.pki.ca, { commonName: cn });
      return { cert: p.certPem, key: p.keyPem };
    };
    approver = await issue('approver');
    signer = await issue('signer');
    kubeconfig = path.join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfig, renderKubeconfig({ server: server.url, caPem: server.pki.ca.certPem, clientCertPem: server.pki.admin.certPem, clientKeyPem: server.pki.admin.keyPem }));
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      stringData: {}, data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-authentication': b64('true') },
    };
    expect((await post(admin, '/api/v1/namespaces/kube-system/secrets', secret)).status).toBe(201);
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const crb = (name: string, role: string, subject: object) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [subject] });
    expect((await post(admin, `${rbac}/clusterrolebindings`, crb('kubelet-bootstrap', 'system:node-bootstrapper', { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:bootstrappers' }))).status).toBe(201);
    // approver may update /approval but holds no `approve` on any signer; signer may update /status and `sign` for the kubelet signer.
    const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
    expect((await post(admin, `${rbac}/clusterroles`, role('csr-approval-only', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'], verbs: ['get', 'update'] }]))).status).toBe(201);
    expect((await post(admin, `${rbac}/clusterroles`, role('csr-signer', [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/status'], verbs: ['get', 'update'] }, { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: [KUBELET_SIGNER], verbs: ['sign'] }]))).status).toBe(201);
    expect((await post(admin, `${rbac}/clusterrolebindings`, crb('approver', 'csr-approval-only', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'approver' }))).status).toBe(201);
    expect((await post(admin, `${rbac}/clusterrolebindings`, crb('signer', 'csr-signer', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'signer' }))).status).toBe(201);
    nodeCsrPem = (await createNodeClientCSR('n1')).csrPem;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is served in discovery as upstream', async () => {
    const r = await call(server, admin, 'GET', '/apis/certificates.k8s.io/v1');
    expect(r.status).toBe(200);
    expect(r.json.resources.map((x: any) => [x.name, x.namespaced, x.shortNames ?? [], x.verbs])).toEqual([
      ['certificatesigningrequests', false, ['csr'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']],
      ['certificatesigningrequests/approval', false, [], ['get', 'patch', 'update']],
      ['certificatesigningrequests/status', false, [], ['get', 'patch', 'update']],
    ]);
  });

  it('records the requesting user, not what the client claims, and starts with an empty status', async () => {
    const body = csrBody('node-csr-1', nodeCsrPem, { username: 'system:admin', groups: ['system:masters'], uid: 'x' });
    (body as any).status = { conditions: [{ type: 'Approved', status: 'True' }] };
    const r = await post(bootstrap, CSRS, body);
    expect(r.status).toBe(201);
    expect(r.json.spec.username).toBe('system:bootstrap:abcdef');
    expect(r.json.spec.groups).toEqual(['system:bootstrappers', 'system:authenticated']);
    expect(r.json.spec.uid).toBeUndefined();
    expect(r.json.status).toEqual({});
  });

  it('the bootstrap user cannot approve its own request', async () => {
    const cur = (await call(server, bootstrap, 'GET', `${CSRS}/node-csr-1`)).json;
    cur.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Self', message: 'x' }] };
    const r = await call(server, bootstrap, 'PUT', `${CSRS}/node-csr-1/approval`, cur);
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('certificatesigningrequests.certificates.k8s.io "node-csr-1" is forbidden: User "system:bootstrap:abcdef" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope');
  });

  it('update on /approval without `approve` on the signer is refused by CertificateApproval', async () => {
    const cur = (await call(server, approver, 'GET', `${CSRS}/node-csr-1`)).json;
    cur.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'm' }] };
    const r = await call(server, approver, 'PUT', `${CSRS}/node-csr-1/approval`, cur);
    expect(r.status).toBe(403);
    expect(r.json.message).toBe(`certificatesigningrequests.certificates.k8s.io "node-csr-1" is forbidden: user not permitted to approve requests with signerName "${KUBELET_SIGNER}"`);
  });

  it('an update of the object keeps spec and status; /status cannot add Approved', async () => {
    const cur = (await call(server, admin, 'GET', `${CSRS}/node-csr-1`)).json;
    cur.metadata.labels = { a: 'b' };
    cur.spec.usages = ['client auth'];
    cur.status = { conditions: [{ type: 'Approved', status: 'True' }] };
    const r = await call(server, admin, 'PUT', `${CSRS}/node-csr-1`, cur);
    expect(r.status).toBe(200);
    expect(r.json.metadata.labels).toEqual({ a: 'b' });
    expect(r.json.spec.usages).toEqual(['digital signature', 'client auth']);
    expect(r.json.status).toEqual({});
    const st = await call(server, admin, 'PUT', `${CSRS}/node-csr-1/status`, { ...r.json, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    expect(st.status).toBe(422);
    expect(st.json.details.causes).toEqual([{ reason: 'FieldValueForbidden', message: 'Forbidden: updates may not add a condition of type "Approved"', field: 'status.conditions' }]);
  });

  it.skipIf(!kubectl)('kubectl certificate approve sets Approved, and get csr shows the columns', async () => {
    // Asynchronously: the server runs in this process.
    const run = (args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(kubectl!.path, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run(['certificate', 'approve', 'node-csr-1']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/node-csr-1 approved');
    const got = await run(['get', 'csr', 'node-csr-1', '-o', 'json']);
    const obj = JSON.parse(got.stdout);
    expect(obj.status.conditions).toHaveLength(1);
    expect(obj.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' });
    expect(obj.status.conditions[0].lastTransitionTime).toMatch(/Z$/);
    const table = await run(['get', 'csr']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    expect(lines[1]!.split(/\s+/)).toEqual(['node-csr-1', expect.stringMatching(/^\d+s$/), KUBELET_SIGNER, 'system:bootstrap:abcdef', '<none>', 'Approved']);
    const explain = await run(['explain', 'csr.spec.signerName']);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain('signerName indicates the requested signer');
    const describe = await run(['describe', 'csr', 'node-csr-1']);
    expect(describe.status).toBe(0);
    expect(describe.stdout).toMatch(/Requesting User:\s+system:bootstrap:abcdef/);
    const manifest = path.join(dir, 'csr.json');
    writeFileSync(manifest, JSON.stringify(csrBody('applied', nodeCsrPem)));
    const applied = await run(['apply', '-f', manifest]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/applied created');
    const reapplied = await run(['apply', '-f', manifest]);
    expect(reapplied.stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/applied unchanged');
    // deny on an approved request: kubectl refuses locally, nothing changes
    const denied = await run(['certificate', 'deny', 'node-csr-1']);
    expect(denied.status).not.toBe(0);
  }, 60_000);

  it('signing through /status needs `sign` on the signer; the certificate then shows as Issued', async () => {
    const cur = (await call(server, admin, 'GET', `${CSRS}/node-csr-1`)).json;
    expect(cur.status.conditions?.[0]?.type).toBe('Approved');
    const pem = await signCSR(server.pki.ca, cur);
    const withCert = { ...cur, status: { ...cur.status, certificate: b64(pem) } };
    const refused = await call(server, approver, 'PUT', `${CSRS}/node-csr-1/status`, withCert);
    expect(refused.status).toBe(403);
    const r = await call(server, signer, 'PUT', `${CSRS}/node-csr-1/status`, withCert);
    expect(r.status).toBe(200);
    expect(Buffer.from(r.json.status.certificate, 'base64').toString()).toBe(pem);
    const table = await call(server, admin, 'GET', `${CSRS}/node-csr-1`);
    expect(table.json.status.conditions).toHaveLength(1);
    const again = await call(server, signer, 'PUT', `${CSRS}/node-csr-1/status`, { ...r.json, status: { ...r.json.status, certificate: b64(await signCSR(server.pki.ca, cur)) } });
    expect(again.status).toBe(422);
    expect(again.json.message).toContain('status.certificate: Forbidden: updates may not modify existing certificate content');
  });

  it.each<[string, Record<string, unknown>, string, Array<{ field: string; reason: string }>]>([
    ['bad request', { request: b64('not a csr') }, 'spec.request', [{ field: 'spec.request', reason: 'FieldValueInvalid' }]],
    ['no signer', { signerName: '' }, 'spec.signerName', [{ field: 'spec.signerName', reason: 'FieldValueRequired' }]],
    ['signer without domain', { signerName: 'kubelet' }, 'spec.signerName', [{ field: 'spec.signerName', reason: 'FieldValueInvalid' }]],
    ['duplicate usages', { usages: ['client auth', 'client auth'] }, 'spec.usages[1]', [{ field: 'spec.usages[1]', reason: 'FieldValueDuplicate' }]],
    ['short duration', { expirationSeconds: 60 }, 'spec.expirationSeconds', [{ field: 'spec.expirationSeconds', reason: 'FieldValueInvalid' }]],
  ])('validation: %s -> 422 at %s', async (name, spec, _f, causes) => {
    const body = csrBody(`bad-${name.replace(/\s+/g, '-')}`, nodeCsrPem);
    Object.assign(body.spec, spec);
    const r = await post(admin, CSRS, body);
    expect(r.status).toBe(422);
    expect(r.json.reason).toBe('Invalid');
    expect(r.json.details.causes.map((c: any) => ({ field: c.field, reason: c.reason }))).toEqual(causes);
  });

  it('CertificateSubjectRestriction refuses kube-apiserver-client requests for system:masters', async () => {
    const evil = await createCSR({ commonName: 'mallory', organizations: ['system:masters'] });
    const r = await post(admin, CSRS, csrBody('masters', evil.csrPem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }));
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
    const fine = await post(admin, CSRS, csrBody('not-masters', (await createCSR({ commonName: 'mallory', organizations: ['devs'] })).csrPem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }));
    expect(fine.status).toBe(201);
  });
});

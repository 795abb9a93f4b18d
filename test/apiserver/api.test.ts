// The apiserver in-process over real HTTPS: errors and limits, HTTP/1.1 and HTTP/2, watch semantics, services.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../src/apiserver/index.js';

let server: ApiServer;
let dir: string;
let tls: { ca: string; cert: string; key: string };

interface Resp {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json: any;
}

function req(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const r = https.request(
      { host: '127.0.0.1', port: server.port, path: p, method, ca: tls.ca, cert: tls.cert, key: tls.key, headers: { 'Content-Type': 'application/json', ...(data !== undefined ? { 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers } },
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

const cm = (name: string, ns = 'default', data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-api-'));
  server = new ApiServer({ dataDir: dir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/24', serviceNodePortRange: '30000-30002', log: () => {} });
  await server.start();
  tls = { ca: server.pki.ca.certPem, cert: server.pki.admin.certPem, key: server.pki.admin.keyPem };
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('errors and limits', () => {
  it('refuses requests without a client certificate with 401 but serves health checks', async () => {
    const anon = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, path: '/api/v1/namespaces', ca: tls.ca }, (res) => resolve(res.statusCode ?? 0)).on('error', reject);
    });
    expect(anon).toBe(401);
    const h = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, path: '/readyz?verbose', ca: tls.ca }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve(t));
      }).on('error', reject);
    });
    expect(h).toContain('[+]etcd ok');
    expect(h).toContain('readyz check passed');
  });

  it.each([
    ['malformed JSON', 'POST', '/api/v1/namespaces/default/configmaps', '{"kind": ', 400, 'BadRequest'],
    ['unknown resource', 'GET', '/api/v1/frobs', undefined, 404, 'NotFound'],
    ['missing object', 'GET', '/api/v1/namespaces/default/configmaps/nope', undefined, 404, 'NotFound'],
    ['unsupported verb on a subresource', 'DELETE', '/api/v1/namespaces/default/pods/x/binding', undefined, 405, 'MethodNotAllowed'],
    ['kind mismatch', 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), 400, 'BadRequest'],
    ['invalid name', 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('Bad_Name')), 422, 'Invalid'],
    ['missing namespace', 'POST', '/api/v1/namespaces/nowhere/configmaps', JSON.stringify(cm('x', 'nowhere')), 404, 'NotFound'],
    ['wrong field type', 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ ...cm('t'), data: { a: 1 } }), 400, 'BadRequest'],
  ])('%s -> %i %s', async (_what, method, p, body, code, reason) => {
    const r = await req(method, p, body);
    expect(r.status).toBe(code);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', code, reason });
  });

  it('caps bodies at 3 MiB with 413 and keeps serving', async () => {
    const big = JSON.stringify(cm('big', 'default', { a: 'x'.repeat(3 * 1024 * 1024) }));
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(r.status).toBe(413);
    expect(r.json.reason).toBe('RequestEntityTooLarge');
    expect((await req('GET', '/api/v1/namespaces/default')).status).toBe(200);
  });

  it('refuses YAML bombs and deeply nested documents with 400', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const r1 = await req('POST', '/api/v1/namespaces/default/configmaps', bomb, { 'Content-Type': 'application/yaml' });
    expect(r1.status).toBe(400);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r2 = await req('POST', '/api/v1/namespaces/default/configmaps', deep);
    expect(r2.status).toBe(400);
    expect((await req('GET', '/version')).json.gitVersion).toBe('v1.32.0+kubets');
  });

  it('fieldValidation=Strict refuses unknown and duplicate fields; Warn warns', async () => {
    const strict = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', JSON.stringify({ ...cm('s1'), bogus: 1 }));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('strict decoding error: unknown field "bogus"');
    const dup = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s2","name":"s3"}}');
    expect(dup.status).toBe(400);
    expect(dup.json.message).toContain('duplicate field "metadata.name"');
    const warn = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', JSON.stringify({ ...cm('s4'), bogus: 1 }));
    expect(warn.status).toBe(201);
    expect(String(warn.headers['warning'])).toContain('unknown field \\"bogus\\"');
  });

  it('dryRun=All writes nothing', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', JSON.stringify(cm('dry')));
    expect(r.status).toBe(201);
    expect((await req('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });

  it('stale resourceVersion on update is a 409 Conflict', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('cas')));
    const rv = c.json.metadata.resourceVersion;
    expect((await req('PUT', '/api/v1/namespaces/default/configmaps/cas', JSON.stringify({ ...cm('cas', 'default', { a: '2' }), metadata: { name: 'cas', namespace: 'default', resourceVersion: rv } }))).status).toBe(200);
    const stale = await req('PUT', '/api/v1/namespaces/default/configmaps/cas', JSON.stringify({ ...cm('cas', 'default', { a: '3' }), metadata: { name: 'cas', namespace: 'default', resourceVersion: rv } }));
    expect(stale.status).toBe(409);
    expect(stale.json.reason).toBe('Conflict');
    expect(stale.json.message).toBe('Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('system namespaces cannot be deleted', async () => {
    const r = await req('DELETE', '/api/v1/namespaces/kube-system');
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });
});

describe('HTTP/2', () => {
  it('serves the same API over HTTP/2', async () => {
    const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: tls.ca, cert: tls.cert, key: tls.key });
    const body = await new Promise<string>((resolve, reject) => {
      const s = session.request({ ':path': '/api/v1/namespaces/default' });
      let t = '';
      s.on('data', (c) => (t += c));
      s.on('end', () => resolve(t));
      s.on('error', reject);
    });
    session.close();
    expect(JSON.parse(body).metadata.name).toBe('default');
  });
});

describe('watch', () => {
  function watch(p: string, until: (lines: any[]) => boolean): Promise<any[]> {
    return new Promise((resolve, reject) => {
      const lines: any[] = [];
      let buf = '';
      const r = https.get({ host: '127.0.0.1', port: server.port, path: p, ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
        res.on('data', (c) => {
          buf += c;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            lines.push(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
          }
          if (until(lines)) {
            r.destroy();
            resolve(lines);
          }
        });
        res.on('end', () => resolve(lines));
      });
      r.on('error', (e) => (lines.length ? resolve(lines) : reject(e)));
    });
  }

  it('sendInitialEvents gives ADDED for the current state then the initial-events-end bookmark', async () => {
    await req('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w1' } }));
    await req('POST', '/api/v1/namespaces/w1/configmaps', JSON.stringify(cm('one', 'w1')));
    const lines = await watch('/api/v1/namespaces/w1/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (l) => l.some((x) => x.type === 'BOOKMARK'));
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'one' } } });
    expect(lines[1]).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  });

  it('a watch resumes from a resourceVersion and a field selector filters', async () => {
    const a = await req('POST', '/api/v1/namespaces/w1/configmaps', JSON.stringify(cm('two', 'w1')));
    const rv = a.json.metadata.resourceVersion;
    await req('POST', '/api/v1/namespaces/w1/configmaps', JSON.stringify(cm('three', 'w1')));
    await req('DELETE', '/api/v1/namespaces/w1/configmaps/two');
    const lines = await watch(`/api/v1/namespaces/w1/configmaps?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dthree`, (l) => l.length >= 1);
    expect(lines.map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual(['ADDED three']);
    const all = await watch(`/api/v1/namespaces/w1/configmaps?watch=1&resourceVersion=${rv}`, (l) => l.length >= 2);
    expect(all.map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual(['ADDED three', 'DELETED two']);
  });

  it('a watch from a revision older than the history gets a 410 Expired ERROR event', async () => {
    // Fill the cache's window past its start with writes, then ask for revision 1.
    const cache = server.store('', 'configmaps').cache as any;
    cache.historyStart = Math.max(cache.historyStart, 5);
    const lines = await watch('/api/v1/namespaces/w1/configmaps?watch=1&resourceVersion=1', (l) => l.length >= 1);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });
});

describe('services', () => {
  const svc = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...extra },
  });

  it('allocates cluster IPs and node ports without duplicates and frees them on delete', async () => {
    const a = await req('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc('np1', { type: 'NodePort' })));
    expect(a.status).toBe(201);
    expect(a.json.spec.clusterIP).toMatch(/^10\.96\.0\.\d+$/);
    expect(a.json.spec.ports[0].targetPort).toBe(80);
    const port = a.json.spec.ports[0].nodePort;
    expect(port).toBeGreaterThanOrEqual(30000);
    const taken = await req('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })));
    expect(taken.status).toBe(422);
    expect(taken.json.message).toContain(`spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`);
    const out = await req('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })));
    expect(out.json.message).toContain('spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-30002');
    const ipTaken = await req('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc('ip1', { clusterIP: a.json.spec.clusterIP })));
    expect(ipTaken.json.message).toContain(`failed to allocate IP ${a.json.spec.clusterIP}: provided IP is already allocated`);
    expect((await req('DELETE', '/api/v1/namespaces/default/services/np1')).status).toBe(200);
    const again = await req('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc('np4', { type: 'NodePort', clusterIP: a.json.spec.clusterIP, ports: [{ port: 80, nodePort: port }] })));
    expect(again.status).toBe(201);
  });

  it('writes that start from a stale watch-cache copy re-read the store instead of failing', async () => {
    const c1 = await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('stale-cache')));
    expect(c1.status).toBe(201);
    const store = server.store('', 'configmaps');
    const key = store.key('default', 'stale-cache');
    await store.cache.waitFresh(Number(c1.json.metadata.resourceVersion));
    const staleCopy = store.cache.get(key)!;
    const u1 = await req('PUT', '/api/v1/namespaces/default/configmaps/stale-cache', JSON.stringify({ ...c1.json, data: { a: '2' } }));
    expect(u1.status).toBe(200);
    // From here on the cache answers with the first version, as a cache that has not seen the update yet would.
    const realGet = store.cache.get.bind(store.cache);
    store.cache.get = (k: string) => (k === key ? staleCopy : realGet(k));
    try {
      // The client's resourceVersion is newer than the cached copy: not a conflict.
      const u2 = await req('PUT', '/api/v1/namespaces/default/configmaps/stale-cache', JSON.stringify({ ...u1.json, data: { a: '3' } }));
      expect(u2.status).toBe(200);
      expect(u2.json.data).toEqual({ a: '3' });
      // A merge patch computed on the stale copy would lose nothing either: the store's state wins.
      const p = await req('PATCH', '/api/v1/namespaces/default/configmaps/stale-cache', JSON.stringify({ data: { b: 'x' } }), { 'Content-Type': 'application/merge-patch+json' });
      expect(p.status).toBe(200);
      expect(p.json.data).toEqual({ a: '3', b: 'x' });
      // A really stale resourceVersion is still a 409.
      const u3 = await req('PUT', '/api/v1/namespaces/default/configmaps/stale-cache', JSON.stringify({ ...u1.json, data: { a: '4' } }));
      expect(u3.status).toBe(409);
      expect(u3.json.reason).toBe('Conflict');
      // A delete with the current resourceVersion as precondition succeeds.
      const d = await req('DELETE', '/api/v1/namespaces/default/configmaps/stale-cache', JSON.stringify({ preconditions: { resourceVersion: p.json.metadata.resourceVersion } }));
      expect(d.body).toContain('"status":"Success"');
    } finally {
      store.cache.get = realGet;
    }
    expect((await req('GET', '/api/v1/namespaces/default/configmaps/stale-cache')).status).toBe(404);
  });

  it('answers deletes as upstream: a Status for most kinds, the object for pods, 202 for orphanDependents=false on a kept object', async () => {
    expect((await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('del-status')))).status).toBe(201);
    const d = await req('DELETE', '/api/v1/namespaces/default/configmaps/del-status');
    expect(d.status).toBe(200);
    expect(d.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: 'del-status', group: '', kind: 'configmaps' } });
    expect(d.json.details.uid).toMatch(/^[0-9a-f-]{36}$/);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'del-pod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    expect((await req('POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod))).status).toBe(201);
    const dp = await req('DELETE', '/api/v1/namespaces/default/pods/del-pod', JSON.stringify({ gracePeriodSeconds: 0 }));
    expect(dp.status).toBe(200);
    expect(dp.json.kind).toBe('Pod');
    const held = { ...cm('del-held'), metadata: { name: 'del-held', namespace: 'default', finalizers: ['example.com/hold'] } };
    const c = await req('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(held));
    expect(c.status).toBe(201);
    const dh = await req('DELETE', '/api/v1/namespaces/default/configmaps/del-held', JSON.stringify({ orphanDependents: false }));
    expect(dh.status).toBe(202);
    expect(dh.json.kind).toBe('ConfigMap');
    expect(dh.json.metadata.deletionTimestamp).toBeTruthy();
    const again = await req('DELETE', '/api/v1/namespaces/default/configmaps/del-held');
    expect(again.status).toBe(200);
    expect(again.json.kind).toBe('ConfigMap');
    const rel = await req('PATCH', '/api/v1/namespaces/default/configmaps/del-held', JSON.stringify({ metadata: { finalizers: null } }), { 'Content-Type': 'application/merge-patch+json' });
    expect(rel.status).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/configmaps/del-held')).status).toBe(404);
  });

  it('ends a request at its deadline (the client\'s ?timeout= under the 60 s maximum) with 504 Timeout', async () => {
    const t0 = Date.now();
    // A list that waits for a revision the store will not reach soon: only the deadline ends it early.
    const r = await req('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=999999999&resourceVersionMatch=NotOlderThan&timeout=300ms');
    const took = Date.now() - t0;
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Timeout', code: 504 });
    expect(r.json.message).toContain('request did not complete within the allotted timeout');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2500);
    const bad = await req('GET', '/api/v1/namespaces/default/configmaps?timeout=soon');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('invalid timeout specified in the request URL - time: invalid duration "soon"');
    // The server keeps working after a timed-out request.
    expect((await req('GET', '/api/v1/namespaces/default/configmaps?timeout=30s')).status).toBe(200);
  });

  it('answers the review APIs: SelfSubjectReview, SelfSubjectAccessReview, SubjectAccessReview validation', async () => {
    const me = await req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    expect(me.status).toBe(201);
    expect(me.json.status.userInfo).toMatchObject({ username: 'kubernetes-admin', groups: expect.arrayContaining(['system:masters', 'system:authenticated']) });
    const ssar = await req(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } } }),
    );
    expect(ssar.status).toBe(201);
    expect(ssar.json).toMatchObject({ kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } }, status: { allowed: true } });
    const bad = await req('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }));
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('at least one of user or group must be specified');
    const lsar = await req(
      'POST',
      '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews',
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'jane', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } }),
    );
    expect(lsar.status).toBe(400);
    expect(lsar.json.message).toBe('spec.resourceAttributes.namespace must match namespace: default');
    expect((await req('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });

  it('issues component credentials and renews every certificate before it expires, serving the new one live', async () => {
    const creds = await server.manageCredentials();
    expect(creds.map((c) => c.identity.commonName)).toEqual(['system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-proxy', 'kube-apiserver-kubelet-client']);
    expect(await server.renewCredentials()).toEqual([]);
    // 340 days on, the one-year leaves are inside the 30-day window: all reissued, the CA (10 years) kept.
    const later = new Date(Date.now() + 340 * 86_400_000);
    const renewed = await server.renewCredentials(later);
    expect(renewed).toEqual(expect.arrayContaining(['serving', 'admin', 'kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'kube-apiserver-kubelet-client']));
    const servedCert = await new Promise<string>((resolve, reject) => {
      // The new certificates start at the simulated date, so only the served serial is compared here.
      const r = https.get({ host: '127.0.0.1', port: server.port, path: '/healthz', rejectUnauthorized: false, agent: false }, (res) => {
        resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber);
        res.resume();
      });
      r.on('error', reject);
    });
    expect(servedCert.toLowerCase()).toBe(new (await import('node:crypto')).X509Certificate(server.pki.serving.certPem).serialNumber.toLowerCase());
  });
});

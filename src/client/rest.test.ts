// RestClient tests against a scripted cleartext HTTP/2 server: retries, errors, headers, watch framing, close; plus helpers.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { ApiError, RestClient, TokenBucket, TransportError, apiErrorFrom, isAlreadyExists, isConflict, isGone, isNotFound, isTooManyRequests, resourceRef, type WatchEvent } from './rest.js';

type Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, body: string) => void;
let server: http2.Http2Server;
let url: string;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http2.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const key = `${req.method} ${req.url.split('?')[0]}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const h = routes.get(key);
      if (!h) {
        res.writeHead(404);
        res.end('404 page not found');
      } else h(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const json = (res: http2.Http2ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

describe('RestClient', () => {
  it('sends user agent, bearer token, query and JSON; resolves the JSON body', async () => {
    let seen: Record<string, unknown> = {};
    routes.set('POST /api/v1/namespaces/ns1/configmaps', (req, res, body) => {
      seen = { ua: req.headers['user-agent'], auth: req.headers['authorization'], ct: req.headers['content-type'], url: req.url, body: JSON.parse(body) };
      json(res, 201, { metadata: { name: 'x', namespace: 'ns1' } });
    });
    const c = new RestClient({ server: url, token: 'sekret', userAgent: 'test/1' });
    const out = await c.resource('configmaps').create({ metadata: { name: 'x', namespace: 'ns1' } }, { dryRun: true, fieldManager: 'me' });
    expect(out).toEqual({ metadata: { name: 'x', namespace: 'ns1' } });
    expect(seen).toEqual({ ua: 'test/1', auth: 'Bearer sekret', ct: 'application/json', url: '/api/v1/namespaces/ns1/configmaps?dryRun=All&fieldManager=me', body: { metadata: { name: 'x', namespace: 'ns1' } } });
    c.close();
  });

  it('retries 429 for any verb, honouring Retry-After', async () => {
    let n = 0;
    routes.set('POST /apis/apps/v1/namespaces/default/deployments', (_q, res) => {
      if (++n < 3) json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '0' });
      else json(res, 201, { ok: true });
    });
    const c = new RestClient({ server: url });
    expect(await c.resource('deploy').create({ metadata: { name: 'd' } })).toEqual({ ok: true });
    expect(n).toBe(3);
    c.close();
  });

  it('retries 5xx only for GETs', async () => {
    let gets = 0;
    routes.set('GET /api/v1/nodes/n1', (_q, res) => (++gets < 3 ? json(res, 503, status(503, 'ServiceUnavailable', 'busy')) : json(res, 200, { metadata: { name: 'n1' } })));
    routes.set('PUT /api/v1/nodes/n1', (_q, res) => json(res, 500, status(500, 'InternalError', 'oops')));
    const c = new RestClient({ server: url });
    c.retryBaseMs = 1;
    expect(await c.resource('nodes').get('n1')).toEqual({ metadata: { name: 'n1' } });
    expect(gets).toBe(3);
    hits.delete('PUT /api/v1/nodes/n1');
    const err = await c.resource('nodes').update({ metadata: { name: 'n1' } }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([err.code, err.reason, err.message]).toEqual([500, 'InternalError', 'oops']);
    expect(hits.get('PUT /api/v1/nodes/n1')).toBe(1);
    c.close();
  });

  it('gives up on persistent 5xx after 5 tries', async () => {
    routes.set('GET /api/v1/nodes/bad', (_q, res) => json(res, 503, status(503, 'ServiceUnavailable', 'down')));
    const c = new RestClient({ server: url });
    c.retryBaseMs = 1;
    await expect(c.resource('nodes').get('bad')).rejects.toMatchObject({ code: 503 });
    expect(hits.get('GET /api/v1/nodes/bad')).toBe(5);
    c.close();
  });

  it('synthesises a Status for non-Status bodies', async () => {
    const c = new RestClient({ server: url });
    const e = (await c.request({ method: 'GET', path: '/nope' }).catch((x) => x)) as ApiError;
    expect(e.status).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound', message: '404 page not found' });
    expect(isNotFound(e)).toBe(true);
    c.close();
  });

  it('streams watch events split across chunks and ends when the server closes', async () => {
    routes.set('GET /api/v1/namespaces/default/pods', (req, res) => {
      expect(req.url).toContain('watch=1');
      expect(req.url).toContain('allowWatchBookmarks=true');
      res.writeHead(200, { 'content-type': 'application/json' });
      const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'p1' } } }) + '\n';
      const b = JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'p1' } } }) + '\n';
      res.write(a.slice(0, 10));
      setTimeout(() => {
        res.write(a.slice(10) + b.slice(0, 5));
        setTimeout(() => res.end(b.slice(5)), 10);
      }, 10);
    });
    const c = new RestClient({ server: url });
    const got: WatchEvent<any>[] = [];
    for await (const ev of c.resource('pods').watch({ namespace: 'default', allowWatchBookmarks: true })) got.push(ev);
    expect(got.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED p1', 'DELETED p1']);
    c.close();
  });

  it('an aborted watch ends quietly; close() rejects pending requests', async () => {
    routes.set('GET /api/v1/namespaces/default/configmaps', (req, res) => {
      res.writeHead(200);
      res.write('');
      // never ends
      req.on('close', () => res.end());
    });
    routes.set('GET /api/v1/namespaces/default/configmaps/hang', () => {});
    const c = new RestClient({ server: url });
    const ac = new AbortController();
    const it = (async () => {
      let n = 0;
      for await (const _ of c.resource('cm').watch({ namespace: 'default', signal: ac.signal })) n++;
      return n;
    })();
    setTimeout(() => ac.abort(), 30);
    expect(await it).toBe(0);
    const pending = c.resource('cm').get('hang');
    setTimeout(() => c.close(), 30);
    await expect(pending).rejects.toThrow(/closed/);
  });

  it('reconnects after the session goes away; connection errors retry GETs then throw TransportError', async () => {
    routes.set('GET /api/v1/namespaces/default/configmaps/rc', (_q, res) => json(res, 200, { metadata: { name: 'rc' } }));
    const c = new RestClient({ server: url });
    expect((await c.resource('cm').get('rc')).metadata.name).toBe('rc');
    (c as unknown as { sessionCache: http2.ClientHttp2Session }).sessionCache.destroy();
    expect((await c.resource('cm').get('rc')).metadata.name).toBe('rc');
    c.close();

    const dead = http2.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const d = new RestClient({ server: `http://127.0.0.1:${port}` });
    d.retryBaseMs = 1;
    const t0 = Date.now();
    const err = await d.resource('cm').get('x').catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(2000);
    d.close();
  });

  it('times out requests', async () => {
    routes.set('GET /api/v1/namespaces/default/configmaps/slow', () => {});
    const c = new RestClient({ server: url, timeoutMs: 50 });
    await expect(c.resource('cm').get('slow')).rejects.toThrow(/timed out after 50ms/);
    c.close();
  });
});

describe('helpers', () => {
  it.each([
    ['pods', undefined, { group: '', version: 'v1', resource: 'pods', namespaced: true }],
    ['Deployment', undefined, { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true }],
    ['no', undefined, { group: '', version: 'v1', resource: 'nodes', namespaced: false }],
    ['leases', 'coordination.k8s.io', { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true }],
    ['events', 'events.k8s.io', { group: 'events.k8s.io', version: 'v1', resource: 'events', namespaced: true }],
  ])('resourceRef(%s, %s)', (name, group, want) => {
    expect(resourceRef(name, group)).toEqual(want);
  });
  it('resourceRef rejects unknown names', () => {
    expect(() => resourceRef('frobs')).toThrow(/doesn't have a resource type "frobs"/);
  });

  it('classifies errors', () => {
    const e = (code: number, reason: string) => apiErrorFrom(code, JSON.stringify(status(code, reason, 'm')));
    expect(isConflict(e(409, 'Conflict'))).toBe(true);
    expect(isConflict(e(409, 'AlreadyExists'))).toBe(false);
    expect(isAlreadyExists(e(409, 'AlreadyExists'))).toBe(true);
    expect(isGone(e(410, 'Expired'))).toBe(true);
    expect(isGone(e(410, 'Gone'))).toBe(true);
    expect(isTooManyRequests(e(429, 'TooManyRequests'))).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
    expect(apiErrorFrom(503, '').message).toBe('the server is currently unable to handle the request');
  });

  it('token bucket: burst, then qps spacing; qps <= 0 is unlimited', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([0, 0, 100, 200]);
    t = 10_000;
    expect(b.take()).toBe(0);
    const u = new TokenBucket(0, 0);
    expect([u.take(), u.take()]).toEqual([0, 0]);
  });
});

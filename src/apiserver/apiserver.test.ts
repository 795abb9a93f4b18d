// Units of the apiserver: request parsing, allocators over a real store, the watch cache, watch event filtering.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteBackend, type Backend } from '../storage/index.js';
import { parseSelector as parseLabelSelectorForTest } from '../apimachinery/index.js';
import { parseRequestInfo } from './requestinfo.js';
import { NodePortAllocator, ServiceIpAllocator, AllocationError, parsePortRange } from './allocator.js';
import { WatchCache } from './watchcache.js';
import { decode, encode } from './registry.js';
import { filterEvent } from './handlers.js';
import { findDuplicateFields, negotiate, scanJson } from './http.js';
import { forbiddenRequest, nameFromFieldSelector, requestDeadlineMs } from './server.js';

describe('parseRequestInfo', () => {
  const q = (s = '') => new URLSearchParams(s);
  it.each([
    ['GET', '/api/v1/namespaces/ns/pods', '', { verb: 'list', namespace: 'ns', resource: 'pods', name: '', subresource: '' }],
    ['GET', '/api/v1/namespaces/ns/pods', 'watch=true', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/watch/namespaces/ns/pods', '', { verb: 'watch', namespace: 'ns', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/ns/pods/p', '', { verb: 'get', name: 'p' }],
    ['PUT', '/api/v1/namespaces/ns/pods/p/status', '', { verb: 'update', name: 'p', subresource: 'status' }],
    ['DELETE', '/api/v1/namespaces/ns/pods', '', { verb: 'deletecollection' }],
    ['GET', '/api/v1/namespaces/ns', '', { verb: 'get', resource: 'namespaces', name: 'ns', namespace: 'ns' }],
    ['PUT', '/api/v1/namespaces/ns/finalize', '', { verb: 'update', resource: 'namespaces', name: 'ns', subresource: 'finalize' }],
    ['GET', '/apis/apps/v1/deployments', '', { verb: 'list', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', namespace: '' }],
    ['PATCH', '/apis/apps/v1/namespaces/d/deployments/x/scale', '', { verb: 'patch', subresource: 'scale' }],
    ['POST', '/api/v1/namespaces/ns/pods/p/binding', '', { verb: 'create', subresource: 'binding' }],
  ] as const)('%s %s?%s', (method, p, query, want) => {
    const info = parseRequestInfo(method, p, q(query));
    expect(info.isResourceRequest).toBe(true);
    expect(info).toMatchObject(want);
  });
  it.each(['/api', '/apis', '/apis/apps', '/api/v1', '/apis/apps/v1', '/healthz', '/openapi/v2', '/version'])('%s is not a resource request', (p) => {
    expect(parseRequestInfo('GET', p, q()).isResourceRequest).toBe(false);
  });
});

describe('allocators over the store', () => {
  let dir: string;
  let be: Backend;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-alloc-'));
    be = await SqliteBackend.open({ file: path.join(dir, 'state.db'), compactIntervalMs: 0 });
  });
  afterEach(async () => {
    await be.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out every IP of a small range exactly once, also to concurrent allocators', async () => {
    const a = new ServiceIpAllocator(be, '10.0.0.0/28');
    const b = new ServiceIpAllocator(be, '10.0.0.0/28');
    expect(a.size).toBe(14);
    const got = await Promise.all(Array.from({ length: 14 }, (_, i) => (i % 2 ? a : b).allocateNext()));
    expect(new Set(got).size).toBe(14);
    for (const ip of got) expect(a.offset(ip)).toBeDefined();
    await expect(a.allocateNext()).rejects.toMatchObject({ reason: 'full' });
    await a.release(got[3]!);
    expect(await b.allocateNext()).toBe(got[3]);
  });

  it('refuses taken and out-of-range requests', async () => {
    const a = new ServiceIpAllocator(be, '10.96.0.0/16');
    await a.allocate('10.96.0.10');
    await expect(a.allocate('10.96.0.10')).rejects.toBeInstanceOf(AllocationError);
    await expect(a.allocate('10.97.0.1')).rejects.toMatchObject({ reason: 'range' });
    const p = new NodePortAllocator(be, 30000, 3);
    await p.allocate(30001);
    await expect(p.allocate(30001)).rejects.toMatchObject({ reason: 'taken' });
    await expect(p.allocate(80)).rejects.toMatchObject({ reason: 'range' });
    const rest = [await p.allocateNext(), await p.allocateNext()].sort();
    expect(rest).toEqual([30000, 30002]);
  });

  it('parses port ranges', () => {
    expect(parsePortRange('30000-32767')).toEqual({ base: 30000, size: 2768 });
    expect(() => parsePortRange('5-1')).toThrow();
  });

  it('the watch cache lists, follows writes and resumes from a revision', async () => {
    const obj = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a' }, data: { v } });
    await be.create('/registry/configmaps/a/one', encode(obj('one', '1')));
    const cache = new WatchCache(be, '/registry/configmaps/', decode);
    await cache.start();
    expect(cache.list('/registry/configmaps/a/').items.map((c) => c.obj.metadata.name)).toEqual(['one']);
    const startRev = cache.revision;
    const seen: string[] = [];
    const unsub = cache.watch(startRev, { push: (i) => 'events' in i && i.events.forEach((e) => seen.push(`${e.type} ${e.obj.metadata.name}`)), end: () => {} });
    const w = await be.create('/registry/configmaps/a/two', encode(obj('two', '1')));
    await be.update('/registry/configmaps/a/two', encode(obj('two', '2')), w.revision);
    await be.delete('/registry/configmaps/a/one');
    await cache.waitFresh(await be.currentRevision());
    expect(seen).toEqual(['ADDED two', 'MODIFIED two', 'DELETED one']);
    const replay: string[] = [];
    cache.watch(startRev + 1, { push: (i) => 'events' in i && i.events.forEach((e) => replay.push(`${e.type} ${e.obj.metadata.name}`)), end: () => {} });
    expect(replay).toEqual(['MODIFIED two', 'DELETED one']);
    expect(() => cache.watch(1, { push: () => {}, end: () => {} })).not.toThrow();
    unsub();
    cache.close();
  });
});

describe('watch filtering', () => {
  const sel = { namespace: 'a', labels: parseLabelSelectorForTest('app=x') };
  const o = (ns: string, app: string) => ({ metadata: { name: 'p', namespace: ns, labels: { app } } });
  it.each([
    ['ADDED', o('a', 'x'), undefined, 'ADDED'],
    ['ADDED', o('b', 'x'), undefined, undefined],
    ['MODIFIED', o('a', 'x'), o('a', 'y'), 'ADDED'],
    ['MODIFIED', o('a', 'y'), o('a', 'x'), 'DELETED'],
    ['MODIFIED', o('a', 'x'), o('a', 'x'), 'MODIFIED'],
    ['DELETED', o('a', 'x'), o('a', 'x'), 'DELETED'],
    ['DELETED', o('a', 'y'), o('a', 'y'), undefined],
  ] as const)('%s -> %s', (type, obj, prev, want) => {
    const out = filterEvent(sel, { type, key: 'k', obj, ...(prev ? { prev } : {}), rev: 5 } as any, '/Pod');
    expect(out?.type).toBe(want);
  });
});

describe('http helpers', () => {
  it('finds duplicate fields', () => {
    expect(findDuplicateFields('{"a":1,"b":{"c":1,"c":2},"a":3,"l":[{"x":1},{"x":1,"x":2}]}')).toEqual(['b.c', 'a', 'l[1].x']);
    expect(findDuplicateFields('{"a":"x,\\"a\\":1"}')).toEqual([]);
    expect(findDuplicateFields('{"m":{"l":[[1],[{"k\\u0031":1,"k1":2}]]}}')).toEqual(['m.l[1][0].k1']);
    expect(findDuplicateFields(' { "a" : [ ] , "b" : { } , "a" : null } ')).toEqual(['a']);
  });
  it.each([
    ['{}', 1],
    ['[]', 1],
    ['{"a":[{"b":{}}],"c":1}', 4],
    ['"x"', 0],
    ['[[[[1]]],{"s":"[[[[[["}]', 4],
  ])('measures the nesting of %s as %i', (text, depth) => {
    expect(scanJson(text).depth).toBe(depth);
  });
  it('negotiates tables, partial metadata and json', () => {
    expect(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json', true).as).toBe('table');
    expect(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json', false).as).toBe('object');
    expect(negotiate('application/vnd.kubernetes.protobuf,application/json', true).as).toBe('object');
    expect(negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', true).as).toBe('partial');
    expect(() => negotiate('text/html', true)).toThrow(/only the following media types/);
  });
});

describe('requestDeadlineMs', () => {
  it.each([
    [null, 60_000],
    ['', 60_000],
    ['5s', 5_000],
    ['1m30s', 60_000],
    ['250ms', 250],
    ['0s', 60_000],
    ['-3s', 60_000],
  ])('timeout=%s gives %d ms', (param, want) => {
    expect(requestDeadlineMs(param, 60_000)).toBe(want);
  });
  it('refuses an unparsable duration with 400', () => {
    expect(() => requestDeadlineMs('10', 60_000)).toThrow(/invalid timeout specified in the request URL - time: /);
  });
});

describe('forbidden messages', () => {
  const base = { user: { name: 'jane', groups: ['system:authenticated'] }, apiVersion: 'v1', name: '', subresource: '', path: '', apiGroup: '', namespace: '', resource: '', isResourceRequest: true, verb: 'list' };
  it.each([
    [{ resource: 'pods', namespace: 'prod' }, 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "prod"'],
    [{ resource: 'nodes' }, 'nodes is forbidden: User "jane" cannot list resource "nodes" at the cluster scope'.replace('at the', 'in API group "" at the')],
    [{ resource: 'deployments', apiGroup: 'apps', verb: 'get', name: 'web', namespace: 'a', subresource: 'scale' }, 'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments/scale" in API group "apps" in the namespace "a"'],
    [{ isResourceRequest: false, path: '/metrics', verb: 'get' }, 'forbidden: User "jane" cannot get path "/metrics"'],
  ])('%o', (over, want) => {
    const e = forbiddenRequest({ ...base, ...over } as any);
    expect(e.code).toBe(403);
    expect(e.status.reason).toBe('Forbidden');
    expect(e.message).toBe(want);
  });
  it('appends the authorizers\' reason', () => {
    expect(forbiddenRequest({ ...base, resource: 'pods', namespace: 'x' } as any, 'no relationship found').message).toMatch(/in the namespace "x": no relationship found$/);
  });
});

describe('nameFromFieldSelector', () => {
  it.each([
    ['list', 'metadata.name=n1', 'n1'],
    ['watch', 'spec.nodeName=a,metadata.name==n2', 'n2'],
    ['get', 'metadata.name=n1', ''],
    ['list', 'metadata.name!=n1', ''],
    ['list', 'metadata.name=a/b', ''],
    ['list', null, ''],
    ['list', 'spec.nodeName=n1', ''],
  ])('%s %s -> %s', (verb, fs, want) => expect(nameFromFieldSelector(verb, fs)).toBe(want));
});

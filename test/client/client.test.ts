// The client library against an in-process apiserver (dev mode and with the security chain): CRUD, errors, informers, leader election, events.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../src/apiserver/index.js';
import {
  ApiError,
  EventRecorder,
  LeaderElector,
  NAMESPACE_INDEX,
  RestClient,
  SharedInformerFactory,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isNotFound,
  loadKubeconfig,
  resourceRef,
} from '../../src/client/index.js';

const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const pod = (name: string, ns = 'default', labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

let devDir: string;
let dev: ApiServer;
let client: RestClient;

beforeAll(async () => {
  devDir = mkdtempSync(path.join(os.tmpdir(), 'kubets-client-'));
  dev = new ApiServer({ dataDir: devDir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/24', log: () => {} });
  await dev.start();
  client = new RestClient({ server: dev.url, caPem: dev.pki.ca.certPem, certPem: dev.pki.admin.certPem, keyPem: dev.pki.admin.keyPem });
}, 60_000);
afterAll(async () => {
  client?.close();
  await dev?.stop();
  rmSync(devDir, { recursive: true, force: true });
});

describe('REST round-trips (dev mode)', () => {
  it('create, get, list, update, updateStatus, patch, binding, delete', async () => {
    const pods = client.resource<any>('pods');
    const created = await pods.create(pod('rt', 'default', { app: 'x' }));
    expect(created.metadata.uid).toBeTruthy();
    expect((await pods.get('rt')).metadata.name).toBe('rt');

    const list = await pods.list({ namespace: 'default', labelSelector: 'app=x' });
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata.name)).toEqual(['rt']);

    const upd = await pods.update({ ...created, metadata: { ...created.metadata, labels: { app: 'x', v: '2' } } });
    expect(upd.metadata.labels.v).toBe('2');
    const st = await pods.updateStatus({ ...upd, status: { ...upd.status, phase: 'Pending', message: 'hi' } });
    expect(st.status.message).toBe('hi');

    expect((await pods.patch('rt', { metadata: { labels: { m: '1' } } }, 'merge')).metadata.labels.m).toBe('1');
    expect((await pods.patch('rt', [{ op: 'add', path: '/metadata/labels/j', value: '1' }], 'json')).metadata.labels.j).toBe('1');
    expect((await pods.patch('rt', { metadata: { labels: { s: '1' } } }, 'strategic')).metadata.labels.s).toBe('1');
    expect((await pods.patch('rt', { status: { message: 'patched' } }, 'merge', { subresource: 'status' })).status.message).toBe('patched');

    await pods.createSubresource('rt', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'rt', namespace: 'default' }, target: { kind: 'Node', name: 'n1' } });
    expect((await pods.get('rt')).spec.nodeName).toBe('n1');

    await pods.delete('rt', { gracePeriodSeconds: 0 });
    await until(async () => (await pods.get('rt').then(() => false, (e) => isNotFound(e))));
  });

  it('listAll follows continue tokens', async () => {
    const cms = client.resource<any>('configmaps');
    await client.resource('namespaces').create({ metadata: { name: 'paged' } });
    for (let i = 0; i < 7; i++) await cms.create({ metadata: { name: `cm${i}`, namespace: 'paged' }, data: { i: String(i) } });
    const one = await cms.list({ namespace: 'paged', limit: 3 });
    expect(one.items.length).toBe(3);
    expect(one.metadata.continue).toBeTruthy();
    const all = await cms.listAll({ namespace: 'paged', limit: 3 });
    expect(all.items.map((c) => c.metadata.name).filter((n: string) => n.startsWith('cm')).sort()).toEqual(['cm0', 'cm1', 'cm2', 'cm3', 'cm4', 'cm5', 'cm6']);
    expect(all.metadata.resourceVersion).toBeTruthy();
  });

  it('maps errors to ApiError: 404, 409 AlreadyExists/Conflict, 422 with causes', async () => {
    const cms = client.resource<any>('configmaps');
    const nf = await cms.get('nope').catch((e) => e);
    expect(nf).toBeInstanceOf(ApiError);
    expect([nf.code, nf.reason, nf.message]).toEqual([404, 'NotFound', 'configmaps "nope" not found']);

    const c = await cms.create({ metadata: { name: 'dup' }, data: {} });
    const ae = await cms.create({ metadata: { name: 'dup' }, data: {} }).catch((e) => e);
    expect(isAlreadyExists(ae)).toBe(true);
    expect(ae.code).toBe(409);
    await cms.update({ ...c, data: { x: '1' } });
    const stale = await cms.update({ ...c, data: { x: '2' } }).catch((e) => e);
    expect(isConflict(stale)).toBe(true);

    const inv = await cms.create({ metadata: { name: 'Bad_Name' } }).catch((e) => e);
    expect(isInvalid(inv)).toBe(true);
    expect(inv.code).toBe(422);
    expect(inv.status.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });
});

describe('informers (dev mode)', () => {
  it('initial list, add/update/delete, field selector, lister indexes', async () => {
    const ns = 'inf';
    await client.resource('namespaces').create({ metadata: { name: ns } });
    const pods = client.resource<any>('pods');
    await pods.create(pod('pre', ns));
    const factory = new SharedInformerFactory(client);
    const all = factory.informerFor('pods', { namespace: ns });
    expect(factory.informerFor('pods', { namespace: ns })).toBe(all);
    all.addIndexers({ byApp: (p: any) => (p.metadata.labels?.app ? [p.metadata.labels.app] : []) });
    const onN1 = factory.informerFor('pods', { fieldSelector: 'spec.nodeName=n1' });
    const log: string[] = [];
    all.addEventHandler({
      add: (p, initial) => log.push(`add ${p.metadata.name} ${initial}`),
      update: (a, b) => a.metadata.resourceVersion !== b.metadata.resourceVersion && log.push(`update ${b.metadata.name}`),
      delete: (p) => log.push(`delete ${p.metadata.name}`),
    });
    const n1: string[] = [];
    onN1.addEventHandler({ add: (p) => n1.push(p.metadata.name), delete: (p) => n1.push(`-${p.metadata.name}`) });
    const ac = new AbortController();
    factory.start(ac.signal);
    try {
      expect(await factory.waitForCacheSync(ac.signal)).toBe(true);
      expect(log).toEqual(['add pre true']);

      await pods.create(pod('p1', ns, { app: 'web' }));
      await until(() => log.includes('add p1 false'));
      await pods.patch('p1', { metadata: { labels: { app: 'db' } } }, 'merge', { namespace: ns });
      await until(() => log.includes('update p1'));
      expect(all.lister.byIndex('byApp', 'db').map((p) => p.metadata.name)).toEqual(['p1']);
      expect(all.lister.byIndex('byApp', 'web')).toEqual([]);
      expect(all.lister.byIndex(NAMESPACE_INDEX, ns).length).toBe(2);
      expect(all.lister.get(`${ns}/p1`)?.metadata.labels?.app).toBe('db');
      expect(Object.isFrozen(all.lister.get(`${ns}/p1`))).toBe(true);

      await pods.createSubresource('p1', 'binding', { metadata: { name: 'p1', namespace: ns }, target: { kind: 'Node', name: 'n1' } }, { namespace: ns });
      await until(() => n1.includes('p1'));
      expect(onN1.lister.keys()).toEqual([`${ns}/p1`]);

      await pods.delete('p1', { namespace: ns, gracePeriodSeconds: 0 });
      await until(() => log.includes('delete p1'));
      await until(() => n1.includes('-p1'));
      expect(all.lister.get(`${ns}/p1`)).toBeUndefined();
      expect(Number(all.lastSyncResourceVersion())).toBeGreaterThan(0);
    } finally {
      ac.abort();
    }
  });

  it('resync re-delivers update(obj, obj)', async () => {
    const factory = new SharedInformerFactory(client, { resyncMs: 100 });
    const inf = factory.informerFor('namespaces');
    let resyncs = 0;
    inf.addEventHandler({ update: (a, b) => a === b && resyncs++ });
    const ac = new AbortController();
    factory.start(ac.signal);
    try {
      await until(() => resyncs >= 8); // >= 4 namespaces, two rounds
    } finally {
      ac.abort();
    }
  });
});

describe('leader election (dev mode)', () => {
  it('one of two electors leads; cancelling it hands over', async () => {
    const mk = (identity: string, started: string[]) =>
      new LeaderElector({
        client,
        namespace: 'kube-system',
        name: 'test-lock',
        identity,
        leaseDurationMs: 1500,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
        releaseOnCancel: identity === 'a',
        onStartedLeading: () => {
          started.push(identity);
        },
        onStoppedLeading: () => started.push(`stop ${identity}`),
      });
    const events: string[] = [];
    const a = mk('a', events);
    const acA = new AbortController();
    const runA = a.run(acA.signal);
    await until(() => a.isLeader());
    const b = mk('b', events);
    const acB = new AbortController();
    const runB = b.run(acB.signal);
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader()).toBe(false);
    expect(b.getLeader()).toBe('a');
    const lease = await client.resource<any>(resourceRef('leases', 'coordination.k8s.io')).get('test-lock', { namespace: 'kube-system' });
    expect(lease.spec.holderIdentity).toBe('a');
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const t0 = Date.now();
    acA.abort();
    await runA;
    await until(() => b.isLeader(), 3000);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(events).toEqual(['a', 'stop a', 'b']);
    const after = await client.resource<any>(resourceRef('leases', 'coordination.k8s.io')).get('test-lock', { namespace: 'kube-system' });
    expect(after.spec.holderIdentity).toBe('b');
    expect(after.spec.leaseTransitions).toBe(1);

    // b stops without releasing: c takes over only once the lease has expired (observed unchanged for its duration).
    acB.abort();
    await runB;
    const c = mk('c', events);
    const acC = new AbortController();
    const t1 = Date.now();
    const runC = c.run(acC.signal);
    await until(() => c.isLeader(), 5000);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(1400);
    expect(events).toEqual(['a', 'stop a', 'b', 'stop b', 'c']);
    acC.abort();
    await runC;
  }, 20_000);
});

describe('events (dev mode)', () => {
  it('aggregates the same event into one Event with count 2', async () => {
    const cm = await client.resource<any>('configmaps').create({ metadata: { name: 'evt-target' }, data: {} });
    const rec = new EventRecorder(client, { component: 'test-controller', host: 'h1' });
    rec.eventf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata }, 'Normal', 'Synced', 'synced %s in %d ms', cm.metadata.name, 5);
    rec.eventf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata }, 'Normal', 'Synced', 'synced %s in %d ms', cm.metadata.name, 5);
    rec.event({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata }, 'Warning', 'Other', 'different');
    await rec.flush();
    const evs = (await client.resource<any>('events').list({ namespace: 'default', fieldSelector: 'involvedObject.name=evt-target' })).items;
    const synced = evs.filter((e) => e.reason === 'Synced');
    expect(synced.length).toBe(1);
    expect(synced[0]).toMatchObject({
      message: 'synced evt-target in 5 ms',
      count: 2,
      type: 'Normal',
      source: { component: 'test-controller', host: 'h1' },
      involvedObject: { kind: 'ConfigMap', name: 'evt-target', namespace: 'default', uid: cm.metadata.uid, apiVersion: 'v1' },
      reportingComponent: 'test-controller',
      reportingInstance: 'h1',
    });
    expect(synced[0].metadata.name).toMatch(/^evt-target\.[0-9a-f]+$/);
    expect(evs.filter((e) => e.reason === 'Other').length).toBe(1);
  });
});

describe('with the security chain', () => {
  let dir: string;
  let secure: ApiServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-client-sec-'));
    secure = new ApiServer({ dataDir: dir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/24', log: () => {}, security: {} });
    await secure.start();
  }, 60_000);
  afterAll(async () => {
    await secure?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the admin kubeconfig works; no credentials is 401', async () => {
    const cfg = loadKubeconfig(await secure.writeAdminKubeconfig());
    expect(cfg.certPem).toContain('BEGIN CERTIFICATE');
    const c = new RestClient(cfg);
    try {
      const ns = await c.resource<any>('namespaces').list();
      expect(ns.items.map((n) => n.metadata.name)).toContain('kube-system');
      const created = await c.resource<any>('cm').create({ metadata: { name: 'sec', namespace: 'default' }, data: { a: '1' } });
      expect(created.metadata.uid).toBeTruthy();
    } finally {
      c.close();
    }
    const anon = new RestClient({ server: cfg.server, ...(cfg.caPem ? { caPem: cfg.caPem } : {}) });
    try {
      const e = await anon.resource('namespaces').list().catch((x) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect(e.code).toBe(401);
    } finally {
      anon.close();
    }
  });
});

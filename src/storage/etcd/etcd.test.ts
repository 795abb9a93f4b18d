// The etcd backend: the shared conformance suite against a real etcd, plus what only an etcd cluster must prove.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { runConformance } from '../conformance.js';
import { CompactedError, UnavailableError } from '../errors.js';
import type { Backend, Watch, WatchEvent } from '../types.js';
import { EtcdBackend, hasProgressOrderingBug } from './backend.js';
import { freePort, startEtcd, startEtcdCluster, type EtcdProcess } from './testing.js';

const enc = (s: string) => Buffer.from(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomPrefix = () => `/kubets-test-${randomBytes(8).toString('hex')}`;

/** One etcd for the whole file; every backend opened on it uses its own random prefix. */
let etcd: EtcdProcess;
beforeAll(async () => {
  etcd = await startEtcd({ name: 'etcd-test' });
});
afterAll(async () => {
  await etcd?.stop();
});

runConformance('etcd', async (opts) => {
  const backend = await EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: randomPrefix(), ...opts });
  return {
    backend,
    async cleanup() {
      await backend.close();
    },
  };
});

/** Reads `w` until `n` events arrived (or `ms` pass), returning the events. */
async function take(w: Watch, n: number, ms = 15_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const it = w[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  let pending: Promise<IteratorResult<unknown>> | undefined;
  while (events.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`watch: got ${events.length} of ${n} events in ${ms} ms`);
    pending ??= it.next();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([pending, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), left)))]);
    clearTimeout(timer);
    if (r === 'timeout') continue;
    pending = undefined;
    if (r.done) break;
    events.push(...(r.value as { events: WatchEvent[] }).events);
  }
  return events;
}

/** A gauge from the etcd metrics of the member at `endpoint` (watch streams, watchers). */
async function gauge(endpoint: string, name: 'etcd_debugging_mvcc_watch_stream_total' | 'etcd_debugging_mvcc_watcher_total'): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Member id and the current leader's id, as the member at `endpoint` reports them. */
async function memberStatus(endpoint: string): Promise<{ member: string; leader: string }> {
  const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}' });
  const s = (await res.json()) as { header: { member_id: string }; leader: string };
  return { member: s.header.member_id, leader: s.leader };
}

describe('etcd backend', () => {
  it('stores keys under the prefix ("/registry" by default, one trailing slash ignored) and strips it on the way out', async () => {
    const raw = new Etcd3({ hosts: etcd.endpoint });
    const name = `/pods/ns/web-${randomBytes(4).toString('hex')}`;
    for (const prefix of [undefined, '/registry/', '/registry']) {
      const b = await EtcdBackend.open(prefix === undefined ? { endpoints: [etcd.endpoint] } : { endpoints: [etcd.endpoint], prefix });
      try {
        const c = await b.create(name, enc('v1'));
        expect(c.kv.key).toBe(name);
        expect(await raw.get(`/registry${name}`).string()).toBe('v1');
        expect(await raw.get(`/registry/${name}`).string()).toBeNull();
        const listed = await b.list('/pods/ns/');
        expect(listed.kvs.map((kv) => kv.key)).toContain(name);
        expect((await b.get(name)).kv!.key).toBe(name);
        const d = await b.delete(name, c.kv.modRevision);
        expect(d.kv.key).toBe(name);
        expect(await raw.get(`/registry${name}`).string()).toBeNull();
      } finally {
        await b.close();
      }
    }
    raw.close();
  });

  it('sees compactions made by other clients, and fails reads and watches below them with the compact revision', async () => {
    const b = await EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: randomPrefix() });
    const raw = new Etcd3({ hosts: etcd.endpoint });
    try {
      let cur = (await b.create('/k', enc('0'))).kv;
      const first = cur.modRevision;
      for (let i = 1; i <= 5; i++) cur = (await b.update('/k', enc(String(i)), cur.modRevision)).kv;
      const target = cur.modRevision - 2;
      await raw.kv.compact({ revision: target, physical: true }); // another client compacts
      expect(await b.compactedRevision()).toBe(target);
      const err = await b.get('/k', { revision: first }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CompactedError);
      expect((err as CompactedError).compactRevision).toBe(target);
      expect(dec((await b.get('/k', { revision: target })).kv!.value)).toBe('3');
      const w = b.watch('/', first);
      const werr = await take(w, 1, 5_000).catch((e: unknown) => e);
      expect(werr).toBeInstanceOf(CompactedError);
      expect((werr as CompactedError).compactRevision).toBe(target);
    } finally {
      raw.close();
      await b.close();
    }
  });

  it('grants lease ids that are safe integers and attaches keys to them', async () => {
    const b = await EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: randomPrefix() });
    try {
      const id = await b.grantLease(60);
      expect(Number.isSafeInteger(id)).toBe(true);
      const c = await b.create('/leased', enc('x'), { lease: id });
      expect((await b.get('/leased')).kv!.lease).toBe(id);
      expect(c.kv.lease).toBe(id);
      await b.revokeLease(id);
      expect((await b.get('/leased')).kv).toBeUndefined();
      await b.revokeLease(id); // unknown now: ignored
    } finally {
      await b.close();
    }
  });

  it('never delivers a requested progress notification ahead of the events it covers, even while replaying history', async () => {
    const b = await EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: randomPrefix() });
    try {
      let cur = (await b.create('/p/k', enc('0'))).kv;
      const first = cur.modRevision;
      for (let i = 1; i < 2500; i++) cur = (await b.update('/p/k', enc(String(i)), cur.modRevision)).kv;
      const last = cur.modRevision;
      const w = b.watch('/p/', first, { progressNotifyIntervalMs: 0 });
      const timer = setInterval(() => w.requestProgress(), 20);
      let maxProgress = 0;
      let seen = 0;
      let progresses = 0;
      try {
        for await (const batch of w) {
          if (batch.progress) {
            progresses++;
            maxProgress = Math.max(maxProgress, batch.revision);
            if (batch.revision >= last) break;
            continue;
          }
          for (const e of batch.events) {
            expect(e.kv.modRevision).toBeGreaterThan(maxProgress);
            expect(e.kv.modRevision).toBe(first + seen);
            seen++;
          }
        }
      } finally {
        clearInterval(timer);
        w.close();
      }
      expect(seen).toBe(2500);
      expect(progresses).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  });

  it('knows which etcd versions send requested progress notifications out of order', () => {
    expect(hasProgressOrderingBug('3.4.23')).toBe(true);
    expect(hasProgressOrderingBug('3.4.24')).toBe(false);
    expect(hasProgressOrderingBug('3.5.7')).toBe(true);
    expect(hasProgressOrderingBug('3.5.8')).toBe(false);
    expect(hasProgressOrderingBug('3.6.0')).toBe(false);
  });

  it('reports UnavailableError naming the endpoints when none answers', async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${port}`;
    const openErr = await EtcdBackend.open({ endpoints: [dead] }).catch((e: unknown) => e);
    expect(openErr).toBeInstanceOf(UnavailableError);
    expect((openErr as Error).message).toContain(dead);

    // A backend whose only etcd goes away: calls fail with UnavailableError, an open watch gives up.
    const own = await startEtcd({ name: 'etcd-down' });
    const b = await EtcdBackend.open({ endpoints: [own.endpoint], prefix: randomPrefix(), watchReconnectTimeoutMs: 1_500 });
    try {
      await b.create('/a', enc('1'));
      const w = b.watch('/');
      await sleep(100);
      await own.stop();
      for (const call of [() => b.get('/a'), () => b.create('/b', enc('2')), () => b.currentRevision()]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnavailableError);
        expect((err as Error).message).toContain(own.endpoint);
      }
      const werr = await take(w, 1, 10_000).catch((e: unknown) => e);
      expect(werr).toBeInstanceOf(UnavailableError);
    } finally {
      await b.close();
      await own.stop();
    }
  });

  /**
   * Starts a 3-member cluster, opens a backend whose first endpoint is the `victim` (a follower, or the
   * leader), opens watches until at least one is served by the victim, crashes the victim (SIGKILL), and
   * checks that writes, reads and every watch carry on: each watch sees every write exactly once, in order.
   */
  async function loseFirstEndpoint(victimRole: 'follower' | 'leader'): Promise<void> {
    const cluster = await startEtcdCluster(3, { name: `failover-${victimRole}` });
    let b: Backend | undefined;
    try {
      const statuses = await Promise.all(cluster.endpoints.map(memberStatus));
      const leaderIdx = statuses.findIndex((s) => s.member === s.leader);
      expect(leaderIdx).toBeGreaterThanOrEqual(0);
      const victimIdx = victimRole === 'leader' ? leaderIdx : (leaderIdx + 1) % 3;
      const order = [victimIdx, ...[0, 1, 2].filter((i) => i !== victimIdx)];
      const endpoints = order.map((i) => cluster.endpoints[i]!);
      const victim = cluster.members[victimIdx]!;
      const survivors = cluster.members.filter((m) => m !== victim);
      b = await EtcdBackend.open({ endpoints, prefix: randomPrefix() });

      // Open watches until at least one is served by the first endpoint (streams go to random members).
      const watches: Watch[] = [];
      while (watches.length < 30) {
        watches.push(b.watch('/w/'));
        await sleep(20);
        if ((await gauge(victim.endpoint, 'etcd_debugging_mvcc_watch_stream_total')) > 0) break;
      }
      // Wait until etcd registered every watcher, so none misses the first write.
      const registered = async () => {
        const counts = await Promise.all(cluster.members.map((m) => gauge(m.endpoint, 'etcd_debugging_mvcc_watcher_total')));
        return counts.reduce((a, c) => a + c, 0);
      };
      for (let i = 0; i < 100 && (await registered()) < watches.length; i++) await sleep(20);
      expect(await registered()).toBe(watches.length);
      expect(await gauge(victim.endpoint, 'etcd_debugging_mvcc_watch_stream_total')).toBeGreaterThan(0);

      const written: number[] = [];
      let cur = (await b.create('/w/k', enc('0'))).kv;
      written.push(cur.modRevision);
      for (let i = 1; i < 20; i++) {
        cur = (await b.update('/w/k', enc(String(i)), cur.modRevision)).kv;
        written.push(cur.modRevision);
      }

      await victim.crash();

      for (let i = 20; i < 60; i++) {
        cur = (await b.update('/w/k', enc(String(i)), cur.modRevision)).kv;
        written.push(cur.modRevision);
        expect(dec((await b.get('/w/k')).kv!.value)).toBe(String(i));
      }
      written.push((await b.create('/w/other', enc('x'))).revision);
      expect((await b.list('/w/')).kvs.map((kv) => kv.key)).toEqual(['/w/k', '/w/other']);
      expect((await b.count('/w/')).count).toBe(2);

      for (const w of watches) {
        const events = await take(w, written.length);
        expect(events.map((e) => e.kv.modRevision)).toEqual(written);
        expect(events.slice(1, 60).map((e) => dec(e.prevKv!.value))).toEqual(Array.from({ length: 59 }, (_, i) => String(i)));
      }
      // Every watch stream now lives on a surviving member (the victim's moved over).
      const streams = await Promise.all(survivors.map((m) => gauge(m.endpoint, 'etcd_debugging_mvcc_watch_stream_total')));
      expect(streams.reduce((a, c) => a + c, 0)).toBe(watches.length);
      for (const w of watches) w.close();
    } finally {
      await b?.close();
      // A member whose peer crashed takes seconds to shut down gracefully; this data is thrown away anyway.
      await Promise.all(cluster.members.map((m) => m.crash()));
      await cluster.stop();
    }
  }

  it('a 3-member cluster losing its first endpoint (a follower) keeps reads, writes and watches working, without gaps or duplicates', async () => {
    await loseFirstEndpoint('follower');
  });

  it('a 3-member cluster losing its first endpoint (the leader) keeps reads, writes and watches working, without gaps or duplicates', async () => {
    await loseFirstEndpoint('leader');
  });
});

// The storage conformance suite: every guarantee of the Backend contract, run against every backend.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import {
  ClosedError,
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  NotFoundError,
  RequestTooLargeError,
  WatchOverflowError,
} from './errors.js';
import { MAX_REQUEST_BYTES, type Backend, type Watch, type WatchBatch, type WatchEvent } from './types.js';

/** Options a test may ask of a fresh backend. */
export interface ConformanceOpenOptions {
  /** Undelivered events a watch may hold before it is cut off. */
  watchBuffer?: number;
}

/** A fresh backend for one test, and how to dispose of it. */
export interface ConformanceTarget {
  backend: Backend;
  cleanup(): Promise<void>;
}

const enc = (s: string) => Buffer.from(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString();

let seq = 0;
/** A key prefix no other test uses, so backends may share one server. */
function uniquePrefix(): string {
  return `/conf-${process.pid}-${Date.now().toString(36)}-${seq++}/`;
}

/** Reads batches from `w` until `done(events)` holds or `ms` pass; returns the events (and progress batches). */
async function collect(
  w: Watch,
  done: (events: WatchEvent[], batches: WatchBatch[]) => boolean,
  ms = 10_000,
): Promise<{ events: WatchEvent[]; batches: WatchBatch[] }> {
  const events: WatchEvent[] = [];
  const batches: WatchBatch[] = [];
  const it = w[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (!done(events, batches)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`watch: condition not met in ${ms} ms; got ${events.length} events, ${batches.length} batches`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((res) => {
        timer = setTimeout(() => res('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') continue;
    if (r.done) break;
    batches.push(r.value);
    events.push(...r.value.events);
  }
  return { events, batches };
}

/** What a recorded write looks like, to compare with watch events. */
interface Recorded {
  type: 'PUT' | 'DELETE';
  key: string;
  revision: number;
  value: string;
  prev?: string;
}

function summarize(e: WatchEvent): Recorded {
  const r: Recorded = { type: e.type, key: e.kv.key, revision: e.kv.modRevision, value: dec(e.kv.value) };
  if (e.prevKv) r.prev = dec(e.prevKv.value);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers the conformance tests for one backend. `open` is called before each test and must return a
 * backend that shares nothing visible with other tests' keys (tests use unique key prefixes, so one
 * server may back them all).
 */
export function runConformance(name: string, open: (opts?: ConformanceOpenOptions) => Promise<ConformanceTarget>): void {
  describe(`storage conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let b: Backend;
    let p: string;
    beforeEach(async () => {
      target = await open();
      b = target.backend;
      p = uniquePrefix();
    });
    afterEach(async () => {
      await target.cleanup();
    });

    describe('revisions and compare-and-swap', () => {
      it('increments the revision by exactly one per successful write, and not on failed ones', async () => {
        const r0 = await b.currentRevision();
        const c = await b.create(p + 'a', enc('1'));
        expect(c.revision).toBe(r0 + 1);
        expect(c.kv).toMatchObject({ key: p + 'a', createRevision: r0 + 1, modRevision: r0 + 1 });
        const u = await b.update(p + 'a', enc('2'), c.kv.modRevision);
        expect(u.revision).toBe(r0 + 2);
        expect(u.kv).toMatchObject({ createRevision: r0 + 1, modRevision: r0 + 2 });
        await expect(b.create(p + 'a', enc('x'))).rejects.toBeInstanceOf(KeyExistsError);
        await expect(b.update(p + 'a', enc('x'), c.kv.modRevision)).rejects.toBeInstanceOf(ConflictError);
        await expect(b.update(p + 'missing', enc('x'), 1)).rejects.toBeInstanceOf(NotFoundError);
        await expect(b.delete(p + 'missing')).rejects.toBeInstanceOf(NotFoundError);
        expect(await b.currentRevision()).toBe(r0 + 2);
        const d = await b.delete(p + 'a', u.kv.modRevision);
        expect(d.revision).toBe(r0 + 3);
        expect(dec(d.kv.value)).toBe('2');
        expect(await b.currentRevision()).toBe(r0 + 3);
      });

      it('create fails with KeyExists carrying the current object', async () => {
        const c = await b.create(p + 'k', enc('v1'));
        const err = await b.create(p + 'k', enc('v2')).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KeyExistsError);
        expect(dec((err as KeyExistsError).current!.value)).toBe('v1');
        expect((err as KeyExistsError).current!.modRevision).toBe(c.kv.modRevision);
      });

      it('update and guarded delete fail with Conflict carrying the current object; nothing changes', async () => {
        const c = await b.create(p + 'k', enc('v1'));
        const u = await b.update(p + 'k', enc('v2'), c.kv.modRevision);
        const err = await b.update(p + 'k', enc('v3'), c.kv.modRevision).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).current.modRevision).toBe(u.kv.modRevision);
        expect(dec((err as ConflictError).current.value)).toBe('v2');
        const derr = await b.delete(p + 'k', c.kv.modRevision).catch((e: unknown) => e);
        expect(derr).toBeInstanceOf(ConflictError);
        expect(dec((await b.get(p + 'k')).kv!.value)).toBe('v2');
      });

      it('a deleted key can be created again with a new createRevision', async () => {
        const c1 = await b.create(p + 'k', enc('a'));
        await b.delete(p + 'k');
        expect((await b.get(p + 'k')).kv).toBeUndefined();
        const c2 = await b.create(p + 'k', enc('b'));
        expect(c2.kv.createRevision).toBeGreaterThan(c1.kv.createRevision);
        expect(c2.kv.createRevision).toBe(c2.kv.modRevision);
      });

      it('exactly one of many concurrent compare-and-swaps on the same revision wins, every round', async () => {
        const key = p + 'race';
        let cur = (await b.create(key, enc('0'))).kv;
        for (let round = 0; round < 10; round++) {
          const results = await Promise.allSettled(
            Array.from({ length: 16 }, (_, i) => b.update(key, enc(`r${round}w${i}`), cur.modRevision)),
          );
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected');
          expect(won).toHaveLength(1);
          for (const l of lost) expect((l as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
          cur = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<Backend['update']>>>).value.kv;
          expect(dec((await b.get(key)).kv!.value)).toBe(dec(cur.value));
        }
        const creates = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => b.create(p + 'once', enc(String(i)))));
        expect(creates.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });

      it('loses no update when concurrent writers retry read-modify-write on conflict', async () => {
        const keys = [p + 'c0', p + 'c1'];
        for (const k of keys) await b.create(k, enc('0'));
        const writers = 12;
        const perWriter = 10;
        const incr = async (k: string) => {
          for (;;) {
            const { kv } = await b.get(k);
            try {
              await b.update(k, enc(String(Number(dec(kv!.value)) + 1)), kv!.modRevision);
              return;
            } catch (e) {
              if (!(e instanceof ConflictError)) throw e;
            }
          }
        };
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) await incr(keys[(w + i) % 2]!);
          }),
        );
        const total = (await Promise.all(keys.map(async (k) => Number(dec((await b.get(k)).kv!.value))))).reduce((a, c) => a + c, 0);
        expect(total).toBe(writers * perWriter);
      });
    });

    describe('reads', () => {
      it('get and list serve past revisions and report the revision they read at', async () => {
        const c = await b.create(p + 'a', enc('1'));
        await b.create(p + 'b', enc('1'));
        const u = await b.update(p + 'a', enc('2'), c.kv.modRevision);
        await b.delete(p + 'b');
        const atC = await b.get(p + 'a', { revision: c.revision });
        expect(atC.revision).toBe(c.revision);
        expect(dec(atC.kv!.value)).toBe('1');
        expect(dec((await b.get(p + 'a')).kv!.value)).toBe('2');
        const listed = await b.list(p, { revision: u.revision });
        expect(listed.kvs.map((kv) => [kv.key, dec(kv.value)])).toEqual([
          [p + 'a', '2'],
          [p + 'b', '1'],
        ]);
        expect(listed.revision).toBe(u.revision);
        const now = await b.list(p);
        expect(now.kvs.map((kv) => kv.key)).toEqual([p + 'a']);
        expect(now.revision).toBe(await b.currentRevision());
        await expect(b.get(p + 'a', { revision: (await b.currentRevision()) + 100 })).rejects.toBeInstanceOf(FutureRevisionError);
      });

      it('lists only the prefix, in key order, and pages consistently at one revision', async () => {
        const names = ['c', 'a', 'b/x', 'e', 'd', 'b'];
        for (const n of names) await b.create(p + n, enc(n));
        await b.create(p.slice(0, -1) + 'x/other', enc('not mine')); // shares the prefix without its slash
        const all = await b.list(p);
        expect(all.kvs.map((kv) => kv.key.slice(p.length))).toEqual(['a', 'b', 'b/x', 'c', 'd', 'e']);
        expect(all.more).toBe(false);
        const page1 = await b.list(p, { limit: 2 });
        expect(page1.kvs.map((kv) => dec(kv.value))).toEqual(['a', 'b']);
        expect(page1.more).toBe(true);
        await b.create(p + 'bb', enc('later')); // after page 1: must not appear in later pages at page 1's revision
        await b.delete(p + 'd');
        const page2 = await b.list(p, { limit: 2, revision: page1.revision, continueFrom: page1.kvs[1]!.key });
        expect(page2.kvs.map((kv) => dec(kv.value))).toEqual(['b/x', 'c']);
        expect(page2.more).toBe(true);
        const page3 = await b.list(p, { limit: 2, revision: page1.revision, continueFrom: page2.kvs[1]!.key });
        expect(page3.kvs.map((kv) => dec(kv.value))).toEqual(['d', 'e']);
        expect(page3.more).toBe(false);
        expect(page3.revision).toBe(page1.revision);
        expect((await b.count(p)).count).toBe(6); // a b b/x c e bb
      });

      it('counts the keys under a prefix', async () => {
        for (let i = 0; i < 25; i++) await b.create(`${p}n/${i}`, enc('x'));
        await b.delete(`${p}n/3`);
        const c = await b.count(p + 'n/');
        expect(c.count).toBe(24);
        expect(c.revision).toBe(await b.currentRevision());
      });

      it('refuses keys and values over 1.5 MiB and stores nothing', async () => {
        const r0 = await b.currentRevision();
        const big = Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x61);
        await expect(b.create(p + 'big', big)).rejects.toBeInstanceOf(RequestTooLargeError);
        await expect(b.create(p + 'k'.repeat(MAX_REQUEST_BYTES + 1), enc('v'))).rejects.toBeInstanceOf(RequestTooLargeError);
        const ok = await b.create(p + 'ok', Buffer.alloc(1024 * 1024, 0x62));
        await expect(b.update(p + 'ok', big, ok.kv.modRevision)).rejects.toBeInstanceOf(RequestTooLargeError);
        expect(await b.currentRevision()).toBe(r0 + 1);
        expect((await b.get(p + 'ok')).kv!.value.byteLength).toBe(1024 * 1024);
      });
    });

    describe('watch', () => {
      it('delivers changes after now in order, with previous values', async () => {
        const w = b.watch(p);
        await sleep(50);
        const c = await b.create(p + 'a', enc('1'));
        await b.update(p + 'a', enc('2'), c.kv.modRevision);
        await b.create(p.slice(0, -1) + 'z/x', enc('other prefix'));
        await b.delete(p + 'a');
        const { events } = await collect(w, (ev) => ev.length >= 3);
        w.close();
        expect(events.map(summarize)).toEqual([
          { type: 'PUT', key: p + 'a', revision: c.revision, value: '1' },
          { type: 'PUT', key: p + 'a', revision: c.revision + 1, value: '2', prev: '1' },
          { type: 'DELETE', key: p + 'a', revision: c.revision + 3, value: '', prev: '2' },
        ]);
        expect(events[1]!.kv.createRevision).toBe(c.revision);
      });

      it('with prevKv: false delivers the same changes (previous values optional)', async () => {
        const w = b.watch(p, 0, { prevKv: false });
        await sleep(50);
        const c = await b.create(p + 'n', enc('1'));
        await b.update(p + 'n', enc('2'), c.kv.modRevision);
        await b.delete(p + 'n');
        const { events } = await collect(w, (ev) => ev.length >= 3);
        w.close();
        expect(events.map((e) => ({ ...summarize(e), prev: undefined }))).toEqual([
          { type: 'PUT', key: p + 'n', revision: c.revision, value: '1', prev: undefined },
          { type: 'PUT', key: p + 'n', revision: c.revision + 1, value: '2', prev: undefined },
          { type: 'DELETE', key: p + 'n', revision: c.revision + 2, value: '', prev: undefined },
        ]);
        // Where previous values do come, they are the right ones.
        if (events[1]!.prevKv) expect(new TextDecoder().decode(events[1]!.prevKv.value)).toBe('1');
      });

      it('watchers started at random past revisions each see exactly the history from their start', async () => {
        const history: Recorded[] = [];
        const state = new Map<string, { rev: number; value: string }>();
        const step = async (i: number) => {
          const k = `${p}k${i % 7}`;
          const cur = state.get(k);
          const v = `v${i}`;
          if (!cur) {
            const r = await b.create(k, enc(v));
            history.push({ type: 'PUT', key: k, revision: r.revision, value: v });
            state.set(k, { rev: r.revision, value: v });
          } else if (i % 5 === 0) {
            const r = await b.delete(k, cur.rev);
            history.push({ type: 'DELETE', key: k, revision: r.revision, value: '', prev: cur.value });
            state.delete(k);
          } else {
            const r = await b.update(k, enc(v), cur.rev);
            history.push({ type: 'PUT', key: k, revision: r.revision, value: v, prev: cur.value });
            state.set(k, { rev: r.revision, value: v });
          }
        };
        for (let i = 0; i < 150; i++) await step(i);
        // Start watchers at random past revisions while more writes race with their replay.
        const first = history[0]!.revision;
        const starts = Array.from({ length: 8 }, () => first + Math.floor(Math.random() * (history.length - 1)));
        starts.push(first);
        const watches = starts.map((s) => ({ start: s, w: b.watch(p, s) }));
        for (let i = 150; i < 300; i++) await step(i);
        const last = history[history.length - 1]!.revision;
        for (const { start, w } of watches) {
          const { events } = await collect(w, (ev) => ev.length > 0 && ev[ev.length - 1]!.kv.modRevision >= last);
          w.close();
          const want = history.filter((h) => h.revision >= start);
          expect(events.map(summarize)).toEqual(want);
        }
      });

      it('a watch from a future revision starts there', async () => {
        const r0 = await b.currentRevision();
        const w = b.watch(p, r0 + 3);
        await sleep(50);
        await b.create(p + 'a', enc('1'));
        await b.create(p + 'b', enc('2'));
        await b.create(p + 'c', enc('3'));
        const { events } = await collect(w, (ev) => ev.length >= 1);
        w.close();
        expect(events.map((e) => e.kv.key)).toEqual([p + 'c']);
      });

      it('sends progress notifications when idle and on request', async () => {
        await b.create(p + 'a', enc('1'));
        const w = b.watch(p, 0, { progressNotifyIntervalMs: 300 });
        const { batches } = await collect(w, (_e, bs) => bs.some((x) => x.progress));
        const prog = batches.find((x) => x.progress)!;
        expect(prog.events).toHaveLength(0);
        expect(prog.revision).toBeGreaterThanOrEqual((await b.list(p)).kvs[0]!.modRevision);
        w.close();

        const w2 = b.watch(p, 0, { progressNotifyIntervalMs: 0 });
        await sleep(100);
        const other = await b.create(p.slice(0, -1) + 'y/other', enc('x')); // moves the revision, not this watch's keys
        w2.requestProgress();
        const got = await collect(w2, (_e, bs) => bs.some((x) => x.progress && x.revision >= other.revision), 5_000);
        expect(got.events).toHaveLength(0);
        w2.close();
      });

      it('resumes from any revision not compacted, and fails with Compacted below it', async () => {
        const revs: number[] = [];
        let cur = (await b.create(p + 'k', enc('0'))).kv;
        revs.push(cur.modRevision);
        for (let i = 1; i <= 20; i++) {
          cur = (await b.update(p + 'k', enc(String(i)), cur.modRevision)).kv;
          revs.push(cur.modRevision);
        }
        await b.create(p + 'other', enc('x'));
        const compactAt = revs[10]!;
        await b.compact(compactAt);
        expect(await b.compactedRevision()).toBeGreaterThanOrEqual(compactAt);
        // Reads: below the compaction fail, at and above work; the latest state of every key stays.
        await expect(b.get(p + 'k', { revision: revs[5]! })).rejects.toBeInstanceOf(CompactedError);
        expect(dec((await b.get(p + 'k', { revision: revs[12]! })).kv!.value)).toBe('12');
        expect((await b.list(p)).kvs.map((kv) => dec(kv.value))).toEqual(['20', 'x']);
        // A watch from a compacted revision fails with the compact revision.
        const bad = b.watch(p, revs[3]!);
        const err = await collect(bad, () => false, 5_000).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CompactedError);
        expect((err as CompactedError).compactRevision).toBeGreaterThanOrEqual(compactAt);
        // A watch from just above it replays the rest.
        const ok = b.watch(p, compactAt + 1);
        const { events } = await collect(ok, (ev) => ev.length >= 11);
        ok.close();
        expect(events.map((e) => dec(e.kv.value))).toEqual(['11', '12', '13', '14', '15', '16', '17', '18', '19', '20', 'x']);
        expect(events[0]!.prevKv && dec(events[0]!.prevKv.value)).toBe('10');
        // Compacting again at or below is a no-op; beyond the current revision is refused.
        await b.compact(compactAt - 1);
        await expect(b.compact((await b.currentRevision()) + 10)).rejects.toBeInstanceOf(FutureRevisionError);
      });

      it('keeps open watchers whole while history under them is compacted', async () => {
        let cur = (await b.create(p + 'k', enc('0'))).kv;
        const w = b.watch(p, cur.modRevision);
        const expected: string[] = ['0'];
        for (let i = 1; i <= 100; i++) {
          cur = (await b.update(p + 'k', enc(String(i)), cur.modRevision)).kv;
          expected.push(String(i));
          if (i % 25 === 0) await b.compact(cur.modRevision - 1);
        }
        const { events } = await collect(w, (ev) => ev.length >= 101);
        w.close();
        expect(events.map((e) => dec(e.kv.value))).toEqual(expected);
      });

      it('never blocks writers on a slow watcher; cuts it off, and it resumes without a gap', async () => {
        await target.cleanup();
        target = await open({ watchBuffer: 50 });
        b = target.backend;
        const w = b.watch(p);
        await sleep(50);
        let cur = (await b.create(p + 'k', enc('0'))).kv;
        const started = Date.now();
        const all: number[] = [cur.modRevision];
        for (let i = 1; i < 400; i++) {
          cur = (await b.update(p + 'k', enc(String(i)), cur.modRevision)).kv;
          all.push(cur.modRevision);
        }
        expect(Date.now() - started).toBeLessThan(30_000);
        // Nobody read the watch while 400 events happened: it must end with an overflow error...
        const seen: number[] = [];
        const err = await collect(w, (ev) => {
          seen.splice(0, seen.length, ...ev.map((e) => e.kv.modRevision));
          return false;
        }, 10_000).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WatchOverflowError);
        const resumeFrom = (err as WatchOverflowError).lastDeliveredRevision + 1;
        // ...and resuming where it says gives every event after what it delivered, no gap, no duplicate.
        const w2 = b.watch(p, resumeFrom);
        const { events } = await collect(w2, (ev) => ev.length > 0 && ev[ev.length - 1]!.kv.modRevision >= cur.modRevision);
        w2.close();
        expect([...seen, ...events.map((e) => e.kv.modRevision)]).toEqual(all.filter((r) => r >= all[0]!));
      });
    });

    describe('leases', () => {
      it('deletes keys when their lease expires, as watched DELETE events', async () => {
        const lease = await b.grantLease(2);
        expect(lease).toBeGreaterThan(0);
        const w = b.watch(p);
        await sleep(50);
        const c = await b.create(p + 'ev', enc('event'), { lease });
        expect(c.kv.lease).toBe(lease);
        await b.create(p + 'keep', enc('stays'));
        const { events } = await collect(w, (ev) => ev.some((e) => e.type === 'DELETE'), 15_000);
        w.close();
        const del = events.find((e) => e.type === 'DELETE')!;
        expect(del.kv.key).toBe(p + 'ev');
        expect(dec(del.prevKv!.value)).toBe('event');
        expect((await b.get(p + 'ev')).kv).toBeUndefined();
        expect((await b.get(p + 'keep')).kv).toBeDefined();
      });

      it('revoking a lease deletes its keys now; writes naming an unknown lease fail', async () => {
        const lease = await b.grantLease(3600);
        await b.create(p + 'a', enc('1'), { lease });
        await b.create(p + 'b', enc('2'), { lease });
        await b.revokeLease(lease);
        expect((await b.list(p)).kvs).toHaveLength(0);
        await expect(b.create(p + 'c', enc('3'), { lease })).rejects.toThrow(/lease/i);
      });
    });

    describe('lifecycle', () => {
      it('after close, calls fail with Closed and watches end', async () => {
        const w = b.watch(p);
        await b.close();
        const r = await collect(w, () => false, 5_000).catch((e: unknown) => e);
        expect(r).not.toBeInstanceOf(Error); // ended normally
        await expect(b.get(p + 'a')).rejects.toBeInstanceOf(ClosedError);
        await expect(b.create(p + 'a', enc('1'))).rejects.toBeInstanceOf(ClosedError);
      });
    });
  });
}

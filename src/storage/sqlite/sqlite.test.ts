// The sqlite backend: the shared conformance suite, plus what only an embedded file store must prove.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runConformance } from '../conformance.js';
import { SqliteBackend } from './backend.js';
import { CorruptStoreError } from '../errors.js';
import { openBackend, sqliteFile } from '../open.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kubets-sqlite-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

runConformance('sqlite', async (opts) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-conf-'));
  const backend = await SqliteBackend.open({ file: join(dir, 'state.db'), ...opts });
  return {
    backend,
    async cleanup() {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const enc = (s: string) => Buffer.from(s);

describe('sqlite backend', () => {
  it('keeps data, revision and compaction across a restart; the revision never goes back', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.db');
    let b = await SqliteBackend.open({ file });
    const c = await b.create('/a', enc('1'));
    await b.update('/a', enc('2'), c.kv.modRevision);
    await b.create('/b', enc('x'));
    const d = await b.delete('/b'); // the newest row is a tombstone that compaction removes
    await b.compact(d.revision);
    await b.close();
    b = await SqliteBackend.open({ file });
    expect(await b.currentRevision()).toBe(d.revision);
    expect(await b.compactedRevision()).toBe(d.revision);
    expect(Buffer.from((await b.get('/a')).kv!.value).toString()).toBe('2');
    expect((await b.create('/c', enc('y'))).revision).toBe(d.revision + 1);
    await b.close();
  });

  it('is in WAL mode with synchronous=FULL (a returned write is on disk)', async () => {
    const file = join(tempDir(), 'state.db');
    const b = await SqliteBackend.open({ file });
    await b.create('/k', enc('v'));
    await b.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a corrupt file, naming it, and leaves it untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.db');
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(file, garbage);
    const err = await SqliteBackend.open({ file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStoreError);
    expect((err as Error).message).toContain(file);
    expect(statSync(file).size).toBe(garbage.length);
  });

  it('refuses an SQLite file that is not a kubets store, and a directory in place of the file', async () => {
    const dir = tempDir();
    const file = join(dir, 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE kv (k TEXT, v TEXT)');
    db.close();
    await expect(SqliteBackend.open({ file })).rejects.toThrow(/not a kubets store/);
    const asDir = join(dir, 'adir.db');
    mkdirSync(asDir);
    const err = await SqliteBackend.open({ file: asDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStoreError);
    expect((err as Error).message).toContain(asDir);
  });

  it('openBackend puts the file under the data dir and validates flags', async () => {
    const dir = tempDir();
    const b = await openBackend({ dataDir: dir });
    expect(b.name).toBe('sqlite');
    await b.close();
    expect(existsSync(sqliteFile(dir))).toBe(true);
    await expect(openBackend({ storage: 'etcd' })).rejects.toThrow(/--etcd-servers/);
    await expect(openBackend({ storage: 'sqlite' })).rejects.toThrow(/--data-dir/);
  });

  it('automatic compaction keeps the configured history by count and by age', async () => {
    let now = 1_000_000;
    const b = new SqliteBackend({
      file: join(tempDir(), 'state.db'),
      compactIntervalMs: 0,
      compactMinRevisions: 10,
      compactMinRetentionMs: 60_000,
      now: () => now,
    });
    let cur = (await b.create('/k', enc('0'))).kv;
    for (let i = 1; i < 50; i++) cur = (await b.update('/k', enc(String(i)), cur.modRevision)).kv;
    await b.autoCompact(); // nothing is a minute old yet
    expect(await b.compactedRevision()).toBe(0);
    now += 61_000;
    const oldRev = await b.currentRevision();
    for (let i = 50; i < 100; i++) cur = (await b.update('/k', enc(String(i)), cur.modRevision)).kv;
    await b.autoCompact(); // history older than a minute may go, but 10 revisions stay
    expect(await b.compactedRevision()).toBe(oldRev);
    now += 61_000;
    await b.autoCompact();
    expect(await b.compactedRevision()).toBe((await b.currentRevision()) - 10);
    await b.close();
  });

  it('stays bounded on disk: 200,000 updates of 100 keys with automatic compaction', async () => {
    const file = join(tempDir(), 'state.db');
    const b = new SqliteBackend({ file, compactIntervalMs: 250, compactMinRevisions: 1_000, compactMinRetentionMs: 0 });
    const value = Buffer.alloc(1024, 0x61); // 1 KiB values: 200 MB of history without compaction
    const keys = 100;
    const rounds = 2_000;
    const revs: number[] = [];
    await Promise.all(Array.from({ length: keys }, async (_, i) => { revs[i] = (await b.create(`/churn/${i}`, value)).kv.modRevision; }));
    const sizes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await Promise.all(Array.from({ length: keys }, async (_, i) => { revs[i] = (await b.update(`/churn/${i}`, value, revs[i]!)).kv.modRevision; }));
      if (round % 200 === 0) await new Promise((r) => setTimeout(r, 300)); // let the compaction timer run
      if (round % 100 === 0) sizes.push(fileBytes(file));
    }
    await new Promise((r) => setTimeout(r, 600));
    const rev = await b.currentRevision();
    expect(rev).toBeGreaterThanOrEqual(keys * (rounds + 1));
    expect(await b.compactedRevision()).toBeGreaterThan(rev - 5_000);
    const total = fileBytes(file);
    sizes.push(total);
    await b.close();
    // Bound: 100 live keys + 1,000 revisions of history is ~1.2 MB of rows; the WAL is capped at 16 MiB.
    const bound = 32 * 1024 * 1024;
    expect(Math.max(...sizes)).toBeLessThan(bound);
    expect(statSync(file).size).toBeLessThan(8 * 1024 * 1024);
  }, 240_000);
});

function fileBytes(file: string): number {
  let n = statSync(file).size;
  if (existsSync(file + '-wal')) n += statSync(file + '-wal').size;
  return n;
}

// Storage benchmark: the apiserver's access pattern against the embedded sqlite store and a real etcd, side by side.
//
// For each backend and each client count it runs a write phase (75% guarded update, 15% guarded delete,
// 10% create guarded by absence, with watches open on every prefix measuring delivery latency) and a
// read phase (half single-key gets, half prefix ranges), then prints writes/s, reads/s, p50/p99
// latencies and the ratio embedded/etcd. Usage:
//   npm run bench:storage -- [--duration SECONDS] [--clients 1,16,128] [--keys N] [--value-bytes N] [--backends sqlite,etcd] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteBackend } from '../../src/storage/sqlite/index.js';
import { EtcdBackend } from '../../src/storage/etcd/index.js';
import { startEtcd } from '../../src/storage/etcd/testing.js';
import { ConflictError, KeyExistsError, NotFoundError } from '../../src/storage/errors.js';
import type { Backend, Watch } from '../../src/storage/types.js';

interface Config {
  durationMs: number;
  clients: number[];
  keys: number;
  prefixes: number;
  valueBytes: number;
}

interface PhaseResult {
  ops: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

interface RunResult {
  backend: string;
  clients: number;
  writes: PhaseResult;
  reads: PhaseResult;
  watch: { events: number; p50ms: number; p99ms: number };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarize(latencies: number[], ms: number, errors: number): PhaseResult {
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, perSecond: (latencies.length / ms) * 1000, p50ms: percentile(latencies, 0.5), p99ms: percentile(latencies, 0.99), errors };
}

const now = () => performance.now();

/** A value of `size` bytes whose first bytes carry the send time, for watch latency. */
function valueAt(size: number): Buffer {
  const v = Buffer.alloc(size, 0x78);
  v.writeDoubleLE(performance.timeOrigin + now(), 0);
  return v;
}

async function preload(b: Backend, cfg: Config, run: string): Promise<Map<string, number>> {
  const revs = new Map<string, number>();
  const keys = Array.from({ length: cfg.keys }, (_, i) => `/bench/${run}/p${i % cfg.prefixes}/k${i}`);
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(
      keys.slice(i, i + 64).map(async (k) => {
        revs.set(k, (await b.create(k, valueAt(cfg.valueBytes))).kv.modRevision);
      }),
    );
  }
  return revs;
}

async function writePhase(b: Backend, cfg: Config, clients: number, run: string, revs: Map<string, number>): Promise<PhaseResult> {
  // Each client owns a disjoint share of the keys (as controllers mostly write their own objects),
  // so guarded writes rarely conflict and every op is a successful compare-and-swap.
  const owned: string[][] = Array.from({ length: clients }, () => []);
  [...revs.keys()].forEach((k, i) => owned[i % clients]!.push(k));
  const latencies: number[] = [];
  let errors = 0;
  const end = now() + cfg.durationMs;
  let created = 0;
  await Promise.all(
    owned.map(async (mine, c) => {
      while (now() < end) {
        const r = Math.random();
        const t0 = now();
        try {
          if (r < 0.1 || mine.length === 0) {
            const k = `/bench/${run}/p${created % cfg.prefixes}/n${c}-${created++}`;
            const res = await b.create(k, valueAt(cfg.valueBytes));
            revs.set(k, res.kv.modRevision);
            mine.push(k);
          } else if (r < 0.25) {
            const i = Math.floor(Math.random() * mine.length);
            const k = mine[i]!;
            await b.delete(k, revs.get(k)!);
            revs.delete(k);
            mine[i] = mine[mine.length - 1]!;
            mine.pop();
          } else {
            const k = mine[Math.floor(Math.random() * mine.length)]!;
            const res = await b.update(k, valueAt(cfg.valueBytes), revs.get(k)!);
            revs.set(k, res.kv.modRevision);
          }
          latencies.push(now() - t0);
        } catch (e) {
          if (e instanceof ConflictError || e instanceof NotFoundError || e instanceof KeyExistsError) errors++;
          else throw e;
        }
      }
    }),
  );
  return summarize(latencies, cfg.durationMs, errors);
}

async function readPhase(b: Backend, cfg: Config, clients: number, run: string, revs: Map<string, number>): Promise<PhaseResult> {
  const keys = [...revs.keys()];
  const latencies: number[] = [];
  const end = now() + cfg.durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (now() < end) {
        const t0 = now();
        if (Math.random() < 0.5) await b.get(keys[Math.floor(Math.random() * keys.length)]!);
        else await b.list(`/bench/${run}/p${Math.floor(Math.random() * cfg.prefixes)}/`, { limit: 500 });
        latencies.push(now() - t0);
      }
    }),
  );
  return summarize(latencies, cfg.durationMs, 0);
}

async function runOne(b: Backend, cfg: Config, clients: number): Promise<RunResult> {
  const run = `r${clients}-${Date.now().toString(36)}`;
  const revs = await preload(b, cfg, run);
  const delivery: number[] = [];
  const watches: Watch[] = [];
  const pumps: Promise<void>[] = [];
  const start = (await b.currentRevision()) + 1;
  for (let i = 0; i < cfg.prefixes; i++) {
    const w = b.watch(`/bench/${run}/p${i}/`, start, { progressNotifyIntervalMs: 0 });
    watches.push(w);
    pumps.push(
      (async () => {
        try {
          for await (const batch of w) {
            const at = performance.timeOrigin + now();
            for (const e of batch.events) if (e.type === 'PUT') delivery.push(at - Buffer.from(e.kv.value).readDoubleLE(0));
          }
        } catch (e) {
          process.stderr.write(`watch ended: ${(e as Error).message}\n`);
        }
      })(),
    );
  }
  const writes = await writePhase(b, cfg, clients, run, revs);
  await new Promise((r) => setTimeout(r, 200)); // let the last events arrive
  for (const w of watches) w.close();
  await Promise.all(pumps);
  const reads = await readPhase(b, cfg, clients, run, revs);
  delivery.sort((a, c) => a - c);
  return { backend: b.name, clients, writes, reads, watch: { events: delivery.length, p50ms: percentile(delivery, 0.5), p99ms: percentile(delivery, 0.99) } };
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function table(results: RunResult[], clientsList: number[]): string {
  const rows: string[] = [];
  rows.push('| backend | clients | writes/s | write p50 ms | write p99 ms | reads/s | read p50 ms | read p99 ms | watch events | watch p50 ms | watch p99 ms |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    rows.push(
      `| ${r.backend} | ${r.clients} | ${fmt(r.writes.perSecond)} | ${fmt(r.writes.p50ms, 2)} | ${fmt(r.writes.p99ms, 2)} | ${fmt(r.reads.perSecond)} | ${fmt(r.reads.p50ms, 2)} | ${fmt(r.reads.p99ms, 2)} | ${r.watch.events} | ${fmt(r.watch.p50ms, 2)} | ${fmt(r.watch.p99ms, 2)} |`,
    );
  }
  rows.push('');
  rows.push('| clients | writes/s ratio sqlite/etcd | reads/s ratio sqlite/etcd | goal (>= 1.0 at 16 and 128) |');
  rows.push('|---:|---:|---:|---|');
  for (const c of clientsList) {
    const s = results.find((r) => r.backend === 'sqlite' && r.clients === c);
    const e = results.find((r) => r.backend === 'etcd' && r.clients === c);
    if (!s || !e) continue;
    const wr = s.writes.perSecond / e.writes.perSecond;
    const rr = s.reads.perSecond / e.reads.perSecond;
    const goal = c >= 16 ? (wr >= 1 && rr >= 1 ? 'met' : 'NOT met') : 'n/a';
    rows.push(`| ${c} | ${fmt(wr, 2)} | ${fmt(rr, 2)} | ${goal} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      clients: { type: 'string', default: '1,16,128' },
      keys: { type: 'string', default: '2000' },
      'value-bytes': { type: 'string', default: '1024' },
      json: { type: 'string' },
      backends: { type: 'string', default: 'sqlite,etcd' },
    },
  });
  const cfg: Config = {
    durationMs: Number(values.duration) * 1000,
    clients: values.clients!.split(',').map(Number),
    keys: Number(values.keys),
    prefixes: 10,
    valueBytes: Math.max(16, Number(values['value-bytes'])),
  };
  process.stdout.write(
    `storage benchmark: ${cfg.durationMs / 1000}s per phase, clients ${cfg.clients.join('/')}, ${cfg.keys} keys in ${cfg.prefixes} prefixes, ${cfg.valueBytes}-byte values\n` +
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}\n` +
      `durability: sqlite WAL + synchronous=FULL with group commit (fsync before a write returns); etcd fsyncs its WAL before acknowledging\n\n`,
  );
  const results: RunResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-'));
  const backends = values.backends!.split(',');
  const etcd = backends.includes('etcd') ? await startEtcd({ name: 'bench' }) : undefined;
  try {
    for (const clients of cfg.clients) {
      const before = results.length;
      if (backends.includes('sqlite')) {
        const sqlite = await SqliteBackend.open({ file: join(dir, `state-${clients}.db`) });
        results.push(await runOne(sqlite, cfg, clients));
        await sqlite.close();
      }
      if (etcd) {
        const e = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
        results.push(await runOne(e, cfg, clients));
        await e.close();
      }
      for (const r of results.slice(before)) {
        process.stdout.write(
          `${r.backend.padEnd(6)} clients=${String(clients).padEnd(3)} writes/s=${fmt(r.writes.perSecond)} (p50 ${fmt(r.writes.p50ms, 2)} ms, p99 ${fmt(r.writes.p99ms, 2)} ms) reads/s=${fmt(r.reads.perSecond)} (p50 ${fmt(r.reads.p50ms, 2)} ms, p99 ${fmt(r.reads.p99ms, 2)} ms) watch p50 ${fmt(r.watch.p50ms, 2)} ms p99 ${fmt(r.watch.p99ms, 2)} ms\n`,
        );
      }
    }
  } finally {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\n' + table(results, cfg.clients) + '\n');
  if (values.json) writeFileSync(values.json, JSON.stringify({ config: cfg, results }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:storage: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});

// Simulated-node benchmark: a `kubets server` (no kubelet of its own) plus one `kubets kubelet --nodes N` fleet process per size.
//
// For each fleet size it measures: seconds until every node is Ready (and nodes Ready per second), the fleet's
// steady-state CPU and RSS, the apiserver's write rate from heartbeats (lease and node-status writes per second,
// counted on watches), and then, with `--pods`, how fast pods bound round-robin to the nodes reach Running.
// kwok's CI bar is 2,000 nodes Ready within 120 s and 5,000 pods Running within 240 s; the goals printed beside
// the figures are this project's. Usage:
//   npm run bench:nodes -- [--nodes 1000,5000] [--pods 10000] [--pods-on 5000] [--settle 30] [--storage sqlite]
//     [--json FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';

const BIN = fileURLToPath(new URL('../../bin/kubets', import.meta.url).href.replace('/dist/bin/', '/bin/'));
const GOALS = { nodes: 5000, readyWithinS: 60, fleetRssMb: 1024, podsPerSec: 200 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[bench:nodes] ${m}\n`);

interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function run(args: string[], waitFor?: RegExp): Promise<Proc & { match?: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const proc: Proc = {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  if (!waitFor) return Promise.resolve(proc);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${waitFor} in:\n${out}`)), 120_000);
    const check = () => {
      const m = waitFor.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ ...proc, match: m });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (c) => reject(new Error(`exited with ${c}:\n${out}`)));
  });
}

/** CPU seconds (user+system) and RSS (MiB) of a process. */
function procStats(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS: ticks / 100, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

/** Counts watch events of a resource until aborted. */
function countEvents(client: RestClient, resource: string, opts: { namespace?: string }, signal: AbortSignal): { count: () => number } {
  let n = 0;
  void (async () => {
    try {
      for await (const ev of client.resource(resource).watch({ ...opts, signal, resourceVersion: '0' })) {
        if (ev.type === 'MODIFIED') n++;
      }
    } catch {
      // aborted
    }
  })();
  return { count: () => n };
}

interface SizeResult {
  nodes: number;
  readySeconds: number;
  nodesPerSec: number;
  fleetCpuPct: number;
  fleetRssMb: number;
  apiserverRssMb: number;
  leaseWritesPerSec: number;
  nodeWritesPerSec: number;
  pods?: { count: number; createdPerSec: number; runningSeconds: number; runningPerSec: number; fleetRssMb: number };
}

async function runSize(n: number, pods: number, settleS: number, storage: string): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-nodes-'));
  const server = await run(['server', '--data-dir', dir, '--https-port', '0', '--disable-agent', '--storage', storage, '--cluster-cidr', '100.64.0.0/10'], /admin kubeconfig written to (\S+)/);
  const kubeconfig = server.match![1]!;
  const client = new RestClient({ ...loadKubeconfig(kubeconfig), qps: 0 });
  const ac = new AbortController();
  try {
    log(`${n} nodes: starting the fleet`);
    const t0 = performance.now();
    const fleet = await run(['kubelet', '--kubeconfig', kubeconfig, '--runtime', 'simulated', '--nodes', String(n), '--node-name', 'sim', '--data-dir', join(dir, 'fleet'), '--simulated-capacity', 'cpu=32,memory=256Gi,pods=110']);
    let ready = 0;
    for (;;) {
      const list = await client.resource<Node>('nodes').list();
      ready = list.items.filter((x) => x.metadata?.name?.startsWith('sim-') && x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready >= n) break;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${ready}/${n} nodes Ready after 600 s:\n${fleet.output().slice(-2000)}`);
      if (fleet.child.exitCode !== null) throw new Error(`fleet exited:\n${fleet.output().slice(-2000)}`);
      await sleep(500);
    }
    const readySeconds = (performance.now() - t0) / 1000;
    log(`${n} nodes Ready in ${readySeconds.toFixed(1)} s; settling ${settleS} s`);
    await sleep(5000);
    const leases = countEvents(client, 'leases', { namespace: 'kube-node-lease' }, ac.signal);
    const nodeWatch = countEvents(client, 'nodes', {}, ac.signal);
    await sleep(1000);
    const l0 = leases.count();
    const w0 = nodeWatch.count();
    const s0 = procStats(fleet.child.pid!);
    await sleep(settleS * 1000);
    const s1 = procStats(fleet.child.pid!);
    const result: SizeResult = {
      nodes: n,
      readySeconds,
      nodesPerSec: n / readySeconds,
      fleetCpuPct: ((s1.cpuS - s0.cpuS) / settleS) * 100,
      fleetRssMb: s1.rssMb,
      apiserverRssMb: procStats(server.child.pid!).rssMb,
      leaseWritesPerSec: (leases.count() - l0) / settleS,
      nodeWritesPerSec: (nodeWatch.count() - w0) / settleS,
    };
    if (pods > 0) {
      log(`${n} nodes: binding ${pods} pods`);
      const podClient = client.resource<Pod>('pods');
      const p0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          for (let i = next++; i < pods; i = next++) {
            await podClient.create({
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: `p-${i}`, namespace: 'default' },
              spec: { nodeName: `sim-${i % n}`, containers: [{ name: 'c', image: 'kubets.local/pause:latest', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
            });
          }
        }),
      );
      const createdS = (performance.now() - p0) / 1000;
      let running = 0;
      for (;;) {
        const list = await podClient.listAll({ namespace: 'default', fieldSelector: 'status.phase=Running' });
        running = list.items.length;
        if (running >= pods) break;
        if (performance.now() - p0 > 900_000) throw new Error(`only ${running}/${pods} pods Running after 900 s`);
        await sleep(1000);
      }
      const runningSeconds = (performance.now() - p0) / 1000;
      result.pods = { count: pods, createdPerSec: pods / createdS, runningSeconds, runningPerSec: pods / runningSeconds, fleetRssMb: procStats(fleet.child.pid!).rssMb };
      log(`${pods} pods Running in ${runningSeconds.toFixed(1)} s`);
    }
    ac.abort();
    await fleet.stop();
    return result;
  } finally {
    ac.abort();
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: SizeResult[]): string {
  const f = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  const out = [
    '| nodes | Ready in (s) | nodes/s | fleet CPU % | fleet RSS (MiB) | apiserver RSS (MiB) | lease writes/s | node writes/s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) out.push(`| ${r.nodes} | ${f(r.readySeconds, 1)} | ${f(r.nodesPerSec)} | ${f(r.fleetCpuPct)} | ${f(r.fleetRssMb)} | ${f(r.apiserverRssMb)} | ${f(r.leaseWritesPerSec)} | ${f(r.nodeWritesPerSec, 1)} |`);
  const withPods = results.filter((r) => r.pods);
  if (withPods.length > 0) {
    out.push('', '| nodes | pods | created/s | all Running in (s) | Running/s | fleet RSS after (MiB) |', '|---:|---:|---:|---:|---:|---:|');
    for (const r of withPods) out.push(`| ${r.nodes} | ${r.pods!.count} | ${f(r.pods!.createdPerSec)} | ${f(r.pods!.runningSeconds, 1)} | ${f(r.pods!.runningPerSec)} | ${f(r.pods!.fleetRssMb)} |`);
  }
  const big = results.find((r) => r.nodes === GOALS.nodes);
  if (big) {
    out.push('', `Goal: ${GOALS.nodes} nodes Ready within ${GOALS.readyWithinS} s: ${big.readySeconds <= GOALS.readyWithinS ? 'met' : 'NOT met'} (${f(big.readySeconds, 1)} s); fleet under ${GOALS.fleetRssMb} MiB: ${big.fleetRssMb < GOALS.fleetRssMb ? 'met' : 'NOT met'} (${f(big.fleetRssMb)} MiB)`);
    if (big.pods) out.push(`Goal: at least ${GOALS.podsPerSec} pods/s reaching Running: ${big.pods.runningPerSec >= GOALS.podsPerSec ? 'met' : 'NOT met'} (${f(big.pods.runningPerSec)} pods/s)`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '1000,5000' },
      pods: { type: 'string', default: '10000' },
      'pods-on': { type: 'string', default: '5000' },
      settle: { type: 'string', default: '30' },
      storage: { type: 'string', default: 'sqlite' },
      json: { type: 'string' },
    },
  });
  const sizes = values.nodes!.split(',').map(Number);
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await runSize(n, n === Number(values['pods-on']) ? Number(values.pods) : 0, Number(values.settle), values.storage!));
  const text = report(results);
  process.stdout.write(`${text}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

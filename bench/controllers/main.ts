// Controller-manager benchmark: how fast a Deployment's pods are created, and what the controller-manager costs with a big cache.
//
// Runs `kubets server --disable-agent --disable-scheduler` (its controller-manager is the supervised child; its pid
// is in the leader lease's holderIdentity, `host_pid`). For each N it creates a Deployment of N replicas and
// measures the time until N pods exist (the deployment and replicaset controllers at work; nothing schedules or
// runs them), then deletes it and waits for the garbage collector to remove the pods. Then, with a Deployment of
// `--cache-pods` pods and `--services` Services (with selectors, so endpoints and endpointslice controllers have
// work) in place, it reports the controller-manager's RSS and idle CPU. Usage:
//   npm run bench:controllers -- [--replicas 100,1000,10000] [--cache-pods 10000] [--services 1000] [--settle 30]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';

const BIN = fileURLToPath(new URL('../../bin/kubets', import.meta.url).href.replace('/dist/bin/', '/bin/'));
const GOALS = { pods1000Seconds: 5, rssMb: 300 };
const log = (m: string) => process.stderr.write(`[bench:controllers] ${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function procStats(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

function deployment(name: string, replicas: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'bench' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'kubets.local/pause:latest' }] } },
    },
  };
}

/** Live pod counts per `app` label in namespace bench, kept by one watch (list counts are too slow at 10,000 pods). */
class PodCounter {
  private readonly counts = new Map<string, number>();
  private readonly seen = new Set<string>();

  constructor(client: RestClient, signal: AbortSignal) {
    void (async () => {
      const list = await client.resource<Pod>('pods').listAll({ namespace: 'bench' });
      for (const p of list.items) this.add(p);
      for await (const ev of client.resource<Pod>('pods').watch({ namespace: 'bench', resourceVersion: list.metadata.resourceVersion!, signal })) {
        if (ev.type === 'ADDED') this.add(ev.object);
        else if (ev.type === 'DELETED') this.remove(ev.object);
      }
    })().catch(() => undefined);
  }

  private add(p: Pod): void {
    const uid = p.metadata!.uid!;
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    const app = p.metadata?.labels?.['app'] ?? '';
    this.counts.set(app, (this.counts.get(app) ?? 0) + 1);
  }

  private remove(p: Pod): void {
    const uid = p.metadata!.uid!;
    if (!this.seen.delete(uid)) return;
    const app = p.metadata?.labels?.['app'] ?? '';
    this.counts.set(app, (this.counts.get(app) ?? 0) - 1);
  }

  count(app: string): number {
    return this.counts.get(app) ?? 0;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      replicas: { type: 'string', default: '100,1000,10000' },
      'cache-pods': { type: 'string', default: '10000' },
      services: { type: 'string', default: '1000' },
      settle: { type: 'string', default: '30' },
      json: { type: 'string' },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-ctl-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'server', '--data-dir', dir, '--https-port', '0', '--disable-agent', '--disable-scheduler'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    while (!/admin kubeconfig written to/.test(out)) {
      if (child.exitCode !== null) throw new Error(out);
      await sleep(100);
    }
    const client = new RestClient({ ...loadKubeconfig(join(dir, 'admin.kubeconfig')), qps: 0 });
    await client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    let cmPid = 0;
    while (!cmPid) {
      try {
        const lease = await client.resource<Lease>('leases').get('kube-controller-manager', { namespace: 'kube-system' });
        cmPid = Number(/_(\d+)$/.exec(lease.spec?.holderIdentity ?? '')?.[1] ?? 0);
      } catch {
        // not yet elected
      }
      await sleep(200);
    }
    await sleep(2000);
    const watchAbort = new AbortController();
    const pods = new PodCounter(client, watchAbort.signal);
    await sleep(500);
    const created: Array<{ replicas: number; seconds: number; podsPerSec: number }> = [];
    for (const n of values.replicas!.split(',').map(Number)) {
      const name = `d${n}`;
      const t0 = performance.now();
      await client.resource('deployments').create(deployment(name, n));
      while (pods.count(name) < n) await sleep(20);
      const seconds = (performance.now() - t0) / 1000;
      created.push({ replicas: n, seconds, podsPerSec: n / seconds });
      log(`${n} pods created in ${seconds.toFixed(2)} s`);
      await client.resource('deployments').delete(name, { namespace: 'bench', propagationPolicy: 'Background' });
      while (pods.count(name) > 0) await sleep(250);
    }
    const cachePods = Number(values['cache-pods']);
    const services = Number(values.services);
    log(`cache: ${cachePods} pods, ${services} services`);
    await client.resource('deployments').create(deployment('cache', cachePods));
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < services; i = next++) {
          await client.resource('services').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'bench' }, spec: { selector: { app: 'cache', shard: String(i % 100) }, ports: [{ port: 80 }] } });
        }
      }),
    );
    while (pods.count('cache') < cachePods) await sleep(250);
    await sleep(5000);
    const settle = Number(values.settle);
    const s0 = procStats(cmPid);
    await sleep(settle * 1000);
    const s1 = procStats(cmPid);
    const steady = { pods: cachePods, services, rssMb: s1.rssMb, idleCpuPct: ((s1.cpuS - s0.cpuS) / settle) * 100 };
    watchAbort.abort();
    client.close();
    const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
    const lines = ['| replicas | all pods created (s) | pods/s |', '|---:|---:|---:|'];
    for (const c of created) lines.push(`| ${c.replicas} | ${f(c.seconds, 2)} | ${f(c.podsPerSec)} |`);
    lines.push('', '| cached pods | services | controller-manager RSS (MiB) | idle CPU % |', '|---:|---:|---:|---:|', `| ${steady.pods} | ${steady.services} | ${f(steady.rssMb)} | ${f(steady.idleCpuPct, 1)} |`);
    const k = created.find((c) => c.replicas === 1000);
    if (k) lines.push('', `Goal: 1,000 pods created in under ${GOALS.pods1000Seconds} s: ${k.seconds < GOALS.pods1000Seconds ? 'met' : 'NOT met'} (${f(k.seconds, 2)} s)`);
    lines.push(`Goal: RSS under ${GOALS.rssMb} MB with ${steady.pods} pods: ${steady.rssMb < GOALS.rssMb ? 'met' : 'NOT met'} (${f(steady.rssMb)} MiB)`);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ created, steady }, null, 2));
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

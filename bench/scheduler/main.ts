// Scheduler benchmark in the manner of upstream's scheduler_perf: a real apiserver and `kubets scheduler` as separate processes, bare Node objects, pods created here.
//
// Workloads (upstream names and thresholds; the thresholds are upstream CI's on larger machines):
//   SchedulingBasic        500 nodes / 1,000 pods and 5,000 nodes / 10,000 pods   (680 pods/s at 5,000/10,000)
//   SchedulingNodeAffinity 5,000 nodes, pods require a zone label half the nodes have (220 pods/s)
//   SchedulingPodAntiAffinity 5,000 nodes, 1,000 pods, required anti-affinity per hostname (60 pods/s)
//   PreemptionBasic        500 nodes, 2,000 low-priority pods, then 500 high-priority pods that preempt 3 each (no
//                          threshold upstream; the 570 pods/s of PreemptionAsync measures plain pods among preemptors)
//   PreemptionAsync        500 nodes / 2,000 low-priority pods and 5,000 nodes / 20,000, then one preemptor every
//                          200 ms (churn) while 500 / 5,000 plain pods are measured (570 pods/s at 5,000 nodes)
// For each: pods bound per second (pods / (last binding - first create)), p50/p99 of creation -> binding as seen on a
// watch, and the scheduler's RSS at the end. Usage:
//   npm run bench:scheduler -- [--workloads basic-500,basic-5000,affinity,antiaffinity,preemption,async-500,async-5000]
//     [--json FILE] [--cpu-prof DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';

const BIN = fileURLToPath(new URL('../../bin/kubets', import.meta.url).href.replace('/dist/bin/', '/bin/'));
let cpuProfDir: string | undefined;
const log = (m: string) => process.stderr.write(`[bench:scheduler] ${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Workload {
  name: string;
  nodes: number;
  pods: number;
  threshold: number;
  node(i: number): Node;
  pod(i: number): Pod;
  /** Pods created (and bound) before the measured ones. */
  init?: { count: number; pod(i: number): Pod };
  /** A PriorityClass the pods use. */
  priorityClasses?: Array<{ name: string; value: number }>;
  /**
   * Upstream's `churn` op in mode `create`: from the start of the measured phase until its last pod is bound, one pod
   * from `pod` every `intervalMs` (a tick is skipped while the previous create is still in flight, as a Go ticker
   * drops ticks). These pods are not measured; how many bound during the measurement is reported.
   */
  churn?: { intervalMs: number; pod(i: number): Pod };
  /** A figure shown in the threshold column for comparison only (no met / not met). */
  reference?: string;
}

function node(i: number, labels: Record<string, string> = {}): Node {
  const capacity = { cpu: '4', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'kubernetes.io/os': 'linux', ...labels } },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      phase: 'Running',
    },
  };
}

function pod(name: string, extra: { labels?: Record<string, string>; spec?: Partial<Pod['spec']>; cpu?: string; memory?: string; port?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'bench', ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      containers: [{ name: 'pause', image: 'kubets.local/pause:latest', ...(extra.port ? { ports: [{ containerPort: extra.port }] } : {}), resources: { requests: { cpu: extra.cpu ?? '100m', memory: extra.memory ?? '500Mi' }, limits: { cpu: extra.cpu ?? '100m', memory: extra.memory ?? '500Mi' } } }],
      ...(extra.spec ?? {}),
    } as Pod['spec'],
  };
}

/**
 * Upstream's PreemptionAsync (scheduler_perf default_preemption/performance-config.yaml; misc/ in older trees) at
 * `nodes` nodes: 4 low-priority pods per node, a preemptor every 200 ms, `nodes` measured pods.
 */
function preemptionAsync(nodes: number, threshold: number, reference?: string): Workload {
  return {
    name: `PreemptionAsync ${nodes.toLocaleString('en-US')} nodes / ${(nodes * 4).toLocaleString('en-US')} low-priority pods / ${nodes.toLocaleString('en-US')} pods, a preemptor every 200 ms`,
    nodes,
    pods: nodes,
    threshold,
    ...(reference ? { reference } : {}),
    node: (i) => node(i),
    priorityClasses: [{ name: 'bench-high', value: 10 }],
    // pod-low-priority.yaml: 4 per node fill 3.6 of its 4 CPUs.
    init: { count: nodes * 4, pod: (i) => pod(`low-${i}`, { cpu: '900m', memory: '500Mi', port: 80, spec: { terminationGracePeriodSeconds: 0 } }) },
    // pod-high-priority.yaml: 3 CPU, so each must evict 3 of the 4 low-priority pods on some node.
    churn: { intervalMs: 200, pod: (i) => pod(`hp-${i}`, { cpu: '3', memory: '500Mi', port: 80, spec: { priorityClassName: 'bench-high' } }) },
    // pod-default.yaml: 100m / 500Mi, always schedulable in the 0.4 CPU each node has left.
    pod: (i) => pod(`p-${i}`, { port: 80 }),
  };
}

const WORKLOADS: Record<string, Workload> = {
  'basic-500': { name: 'SchedulingBasic 500 nodes / 1,000 pods', nodes: 500, pods: 1000, threshold: 0, node: (i) => node(i), pod: (i) => pod(`p-${i}`) },
  'basic-5000': { name: 'SchedulingBasic 5,000 nodes / 10,000 pods', nodes: 5000, pods: 10000, threshold: 680, node: (i) => node(i), pod: (i) => pod(`p-${i}`) },
  affinity: {
    name: 'SchedulingNodeAffinity 5,000 nodes / 5,000 pods',
    nodes: 5000,
    pods: 5000,
    threshold: 220,
    node: (i) => node(i, { 'topology.kubernetes.io/zone': i % 2 === 0 ? 'zone1' : 'zone2' }),
    pod: (i) =>
      pod(`p-${i}`, {
        spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone1'] }] }] } } } },
      }),
  },
  antiaffinity: {
    name: 'SchedulingPodAntiAffinity 5,000 nodes / 1,000 pods',
    nodes: 5000,
    pods: 1000,
    threshold: 60,
    node: (i) => node(i),
    pod: (i) =>
      pod(`p-${i}`, {
        labels: { color: 'green' },
        spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname' }] } } },
      }),
  },
  // Upstream PreemptionBasic/500Nodes: 2,000 low-priority pods (priority 0, 900m, terminationGracePeriodSeconds 0
  // so that a preempted victim is removed at once), then 500 pods of priority 10 asking 3 CPU, each of which must
  // evict 3 of the 4 low-priority pods on some node (templates pod-low-priority.yaml / pod-high-priority.yaml).
  preemption: {
    name: 'PreemptionBasic 500 nodes / 2,000 low-priority pods / 500 preemptors',
    nodes: 500,
    pods: 500,
    threshold: 0,
    node: (i) => node(i),
    priorityClasses: [{ name: 'bench-high', value: 10 }],
    init: { count: 2000, pod: (i) => pod(`low-${i}`, { cpu: '900m', memory: '500Mi', port: 80, spec: { terminationGracePeriodSeconds: 0 } }) },
    pod: (i) => pod(`p-${i}`, { cpu: '3', memory: '500Mi', port: 80, spec: { priorityClassName: 'bench-high' } }),
  },
  // Upstream PreemptionAsync: nodes each holding 4 low-priority pods (3.6 of 4 CPUs), a 3-CPU preemptor of priority
  // 10 created every 200 ms, and plain 100m pods (which always fit) measured meanwhile; the churn runs until the last
  // measured pod is bound (upstream's churn goroutine ends with the workload). Upstream's threshold (570, for
  // synchronous and asynchronous preemption alike) is for 5,000 nodes; the 500-node variant has none.
  'async-500': preemptionAsync(500, 0, "570 (upstream's 5,000-node figure)"),
  'async-5000': preemptionAsync(5000, 570),
};

interface Result {
  workload: string;
  nodes: number;
  pods: number;
  podsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  schedulerRssMb: number;
  threshold: number;
  reference?: string;
  /** With churn: preemptors created before the last measured binding, how many of them bound by then, their p50. */
  preemptors?: { created: number; bound: number; p50Ms: number; victimsDeleted: number };
}

function run(args: string[], waitFor?: RegExp): Promise<{ child: ChildProcess; out: () => string; match?: RegExpExecArray; stop(): Promise<void> }> {
  // `--cpu-prof DIR` profiles the scheduler process (written when it exits).
  const prof = args[0] === 'scheduler' && cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const child = spawn(process.execPath, [...prof, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  if (!waitFor) return Promise.resolve({ child, out: () => out, stop });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${waitFor} in:\n${out}`)), 120_000);
    child.stdout!.on('data', () => {
      const m = waitFor.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, out: () => out, match: m, stop });
      }
    });
    child.once('exit', (c) => reject(new Error(`exited ${c}:\n${out}`)));
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function pool<T>(n: number, concurrency: number, f: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < n; i = next++) await f(i);
  }));
}

async function runWorkload(w: Workload): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-sched-'));
  // The control plane without nodes, controllers or a scheduler of its own: the benchmark starts its scheduler.
  // Bare Node objects and no node lifecycle controller: as upstream's integration framework, TaintNodesByCondition
  // is off (it would leave every node tainted not-ready, with nobody to remove it).
  const server = await run(['server', '--data-dir', dir, '--https-port', '0', '--disable-agent', '--disable-controller-manager', '--disable-scheduler', '--disable-admission-plugins', 'TaintNodesByCondition'], /admin kubeconfig written to (\S+)/);
  const kubeconfig = server.match![1]!;
  const client = new RestClient({ ...loadKubeconfig(kubeconfig), qps: 0 });
  const ac = new AbortController();
  let scheduler: Awaited<ReturnType<typeof run>> | undefined;
  try {
    await client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    for (const pc of w.priorityClasses ?? []) await client.resource('priorityclasses').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value });
    log(`${w.name}: creating ${w.nodes} nodes`);
    await pool(w.nodes, 64, (i) => client.resource<Node>('nodes').create(w.node(i)));
    const serviceAccounts = client.resource('serviceaccounts');
    await serviceAccounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'bench' } }).catch(() => undefined);
    scheduler = await run(['scheduler', '--kubeconfig', join(dir, 'cred', 'kube-scheduler.kubeconfig'), '--leader-elect=false']);
    const bound = new Map<string, number>();
    const created = new Map<string, number>();
    const churnCreated = new Map<string, number>();
    const deleted = new Map<string, number>();
    void (async () => {
      try {
        for await (const ev of client.resource<Pod>('pods').watch({ namespace: 'bench', signal: ac.signal })) {
          const p = ev.object;
          const name = p.metadata?.name ?? '';
          if (ev.type === 'DELETED') deleted.set(name, performance.now());
          else if (p.spec?.nodeName && !bound.has(name)) bound.set(name, performance.now());
        }
      } catch {
        // aborted
      }
    })();
    if (w.init) {
      log(`${w.name}: ${w.init.count} initial pods`);
      await pool(w.init.count, 64, (i) => client.resource<Pod>('pods').create(w.init!.pod(i)));
      while ([...bound.keys()].filter((n) => !n.startsWith('p-')).length < w.init.count) await sleep(200);
    }
    log(`${w.name}: creating ${w.pods} pods${w.churn ? ` and a preemptor every ${w.churn.intervalMs} ms` : ''}`);
    const t0 = performance.now();
    let churnTimer: NodeJS.Timeout | undefined;
    if (w.churn) {
      const c = w.churn;
      let inFlight = false;
      churnTimer = setInterval(() => {
        if (inFlight) return;
        inFlight = true;
        const p = c.pod(churnCreated.size);
        churnCreated.set(p.metadata!.name!, performance.now());
        client
          .resource<Pod>('pods')
          .create(p)
          .catch((err: unknown) => log(`churn create ${p.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => (inFlight = false));
      }, c.intervalMs);
    }
    await pool(w.pods, 64, async (i) => {
      const p = w.pod(i);
      created.set(p.metadata!.name!, performance.now());
      await client.resource<Pod>('pods').create(p);
    });
    const deadline = t0 + 600_000;
    const measured = () => [...created.keys()].filter((n) => bound.has(n)).length;
    while (measured() < w.pods && performance.now() < deadline) await sleep(100);
    clearInterval(churnTimer);
    const lat = [...created.entries()].filter(([n]) => bound.has(n)).map(([n, t]) => bound.get(n)! - t).sort((a, b) => a - b);
    const last = Math.max(...[...created.keys()].map((n) => bound.get(n) ?? 0));
    const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? NaN;
    const result: Result = {
      workload: w.name,
      nodes: w.nodes,
      pods: lat.length,
      podsPerSec: lat.length / ((last - t0) / 1000),
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      schedulerRssMb: rssMb(scheduler.child.pid!),
      threshold: w.threshold,
      ...(w.reference ? { reference: w.reference } : {}),
    };
    if (w.churn) {
      const pre = [...churnCreated.entries()].filter(([, t]) => t <= last);
      const preLat = pre.filter(([n]) => (bound.get(n) ?? Infinity) <= last).map(([n, t]) => bound.get(n)! - t).sort((a, b) => a - b);
      const victimsDeleted = [...deleted.entries()].filter(([n, t]) => n.startsWith('low-') && t >= t0 && t <= last).length;
      result.preemptors = { created: pre.length, bound: preLat.length, p50Ms: preLat[Math.floor(preLat.length / 2)] ?? NaN, victimsDeleted };
      log(`${w.name}: ${preLat.length}/${pre.length} preemptors bound during the measurement, ${victimsDeleted} victims deleted`);
    }
    if (lat.length < w.pods) log(`${w.name}: only ${lat.length}/${w.pods} bound within 600 s`);
    return result;
  } finally {
    ac.abort();
    await scheduler?.stop();
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { workloads: { type: 'string', default: 'basic-500,basic-5000,affinity,antiaffinity,preemption,async-500,async-5000' }, json: { type: 'string' }, 'cpu-prof': { type: 'string' } } });
  cpuProfDir = values['cpu-prof'];
  const results: Result[] = [];
  for (const name of values.workloads!.split(',')) {
    const w = WORKLOADS[name];
    if (!w) throw new Error(`unknown workload ${name}; known: ${Object.keys(WORKLOADS).join(', ')}`);
    results.push(await runWorkload(w));
  }
  const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const lines = ['| workload | pods bound/s | p50 (ms) | p99 (ms) | scheduler RSS (MiB) | upstream CI threshold | |', '|---|---:|---:|---:|---:|---:|---|'];
  for (const r of results) {
    const verdict = r.threshold ? (r.podsPerSec >= r.threshold ? 'met' : 'NOT met') : '';
    const pre = r.preemptors ? `${r.preemptors.bound}/${r.preemptors.created} preemptors bound (p50 ${f(r.preemptors.p50Ms)} ms), ${r.preemptors.victimsDeleted} victims` : '';
    lines.push(`| ${r.workload} | ${f(r.podsPerSec)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.schedulerRssMb)} | ${r.threshold || r.reference || '-'} | ${[verdict, pre].filter(Boolean).join('; ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

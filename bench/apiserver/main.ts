// Apiserver load benchmark: runs `kubets apiserver` as a child process per backend and drives pod traffic at it over HTTP/2 + mTLS.
//
// For each backend (embedded sqlite, etcd started here) it measures: open-loop create+update load at
// increasing target rates (achieved QPS, p50/p99 per verb incl. get and list?limit=100), saturation
// creates/s with a fixed number in flight, the time to LIST N pods from the watch cache (rv=0) and
// from the store (limit=500 paging), event throughput to many concurrent watchers, and the server's
// RSS. Goals are printed beside the figures. Usage:
//   npm run bench:apiserver -- [--duration S] [--backends sqlite,etcd] [--rates 100,250,500,1000]
//     [--pods 10000] [--watchers 1000] [--watch-rate 50] [--inflight 64] [--conns 8]
//     [--cpu-prof DIR] [--json [FILE]]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http2 from 'node:http2';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { freePort, startEtcd, type EtcdProcess } from '../../src/storage/etcd/testing.js';
import { loadKubeconfig } from '../../src/pki/kubeconfig.js';
import { issueClientCertificate } from '../../src/pki/pki.js';

// ------------------------------------------------------------------------------------------ config

interface Config {
  durationMs: number;
  backends: string[];
  rates: number[];
  pods: number;
  watchers: number;
  watchRate: number;
  inflight: number;
  conns: number;
  cpuProfDir?: string;
}

/** The targets this benchmark reports against. */
const GOALS = {
  mutatingP99MsAt500: 50,
  saturationCreatesPerSec: 2000,
  chainCostPct: 15,
  cachedList10kMs: 300,
  idleRssMb: 200,
};

const now = () => performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

function fmt(n: number | undefined, digits = 0): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

// ------------------------------------------------------------------------------------------ the server child

interface ServerProc {
  pid: number;
  url: string;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Starts `node bin/kubets apiserver` on a free loopback port and resolves once it printed its admin kubeconfig. */
async function startServer(backend: string, etcd: EtcdProcess | undefined, cfg: Config): Promise<ServerProc> {
  const dataDir = mkdtempSync(join(tmpdir(), `kubets-bench-apiserver-${backend}-`));
  const port = await freePort();
  const nodeArgs: string[] = [];
  if (cfg.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', join(cfg.cpuProfDir, backend));
  const args = [...nodeArgs, join(repoRoot, 'bin/kubets'), 'apiserver', '--data-dir', dataDir, '--https-port', String(port)];
  if (backend === 'etcd') args.push('--storage', 'etcd', '--etcd-servers', etcd!.endpoint, '--etcd-prefix', `/bench-${Date.now().toString(36)}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`apiserver did not come up in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('admin kubeconfig written to')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`apiserver exited (${code ?? sig}) before it was ready: ${err}`));
    });
  });
  child.stdout!.resume();
  const url = /API at (\S+)/.exec(out)?.[1] ?? `https://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        process.kill(child.pid!, 'SIGTERM');
        const t = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
        }, 15_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    })());
  return { pid: child.pid!, url, child, dataDir, stop };
}

/** The resident set size of `pid` in MiB, from /proc/PID/status VmRSS. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ------------------------------------------------------------------------------------------ the HTTP/2 client

interface Reply {
  status: number;
  body: Buffer;
}

interface Creds {
  ca: string;
  /** Client certificate and key (TLS client authentication); absent for bearer-token clients. */
  cert?: string;
  key?: string;
  /** Bearer token sent on every request. */
  token?: string;
}

/** A round-robin pool of HTTP/2 sessions authenticated with the admin client certificate. */
class Client {
  private readonly sessions: http2.ClientHttp2Session[] = [];
  private next = 0;

  private constructor(private readonly url: string, private readonly creds: Creds) {}

  static async open(url: string, creds: Creds, n: number): Promise<Client> {
    const c = new Client(url, creds);
    for (let i = 0; i < n; i++) c.sessions.push(await c.connect());
    return c;
  }

  private connect(): Promise<http2.ClientHttp2Session> {
    return new Promise((resolveConn, reject) => {
      const { token: _t, ...tls } = this.creds;
      const s = http2.connect(this.url, { ...tls, maxSessionMemory: 256, settings: { initialWindowSize: 4 * 1024 * 1024 } });
      // Go's HTTP/2 transport (client-go) opens with a 4 MiB stream window and a 1 GiB connection window.
      s.once('connect', () => {
        s.setLocalWindowSize(1 << 30);
        resolveConn(s);
      });
      s.once('error', reject);
      s.on('error', () => {});
    });
  }

  /** The session for the next request (sessions that closed are replaced). */
  private session(): http2.ClientHttp2Session {
    const i = this.next++ % this.sessions.length;
    return this.sessions[i]!;
  }

  /** Sends one request and resolves with the status and whole body; rejects on transport errors. */
  request(method: string, path: string, body?: unknown): Promise<Reply> {
    return new Promise((resolveReq, reject) => {
      const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path, accept: 'application/json' };
      if (this.creds.token) headers['authorization'] = `Bearer ${this.creds.token}`;
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      if (payload) headers['content-type'] = 'application/json';
      const req = this.session().request(headers, { endStream: payload === undefined });
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => resolveReq({ status, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      if (payload) req.end(payload);
    });
  }

  /** Sends a request and parses a JSON 2xx reply; throws with the server's message otherwise. */
  async json<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString()) as T;
  }

  /** Opens a raw stream (for watches) on session `i` of the pool. */
  stream(i: number, path: string): http2.ClientHttp2Stream {
    return this.sessions[i % this.sessions.length]!.request({ ':method': 'GET', ':path': path, accept: 'application/json' });
  }

  get size(): number {
    return this.sessions.length;
  }

  close(): void {
    for (const s of this.sessions) s.destroy();
  }
}

// ------------------------------------------------------------------------------------------ objects

/** A realistic pod of about 1 KiB of JSON (labels, annotations, one container with ports, env, resources, probes, mounts). */
function podObject(ns: string, name: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: { app: 'bench-web', tier: 'frontend', 'app.kubernetes.io/version': '1.4.2', 'pod-template-hash': '7d9c8b6f5c' },
      annotations: { 'kubernetes.io/change-cause': 'kubectl apply --filename=web.yaml', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' },
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'registry.k8s.io/nginx-slim:0.27',
          imagePullPolicy: 'IfNotPresent',
          args: ['--port=8080', '--metrics-port=9102', '--log-level=info'],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9102, protocol: 'TCP' },
          ],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'GOMAXPROCS', value: '2' },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      terminationGracePeriodSeconds: 30,
    },
  };
}

async function ensureNamespace(c: Client, ns: string): Promise<void> {
  const r = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  if (r.status !== 201 && r.status !== 409) throw new Error(`create namespace ${ns}: ${r.status} ${r.body.toString().slice(0, 300)}`);
}

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

// ------------------------------------------------------------------------------------------ phase 1: open loop

interface VerbStats {
  count: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

interface RateResult {
  targetPerSec: number;
  achievedPerSec: number;
  dropped: number;
  /** Failed requests by HTTP status (or "transport") across verbs. */
  errorCodes: Record<string, number>;
  verbs: Record<'create' | 'update' | 'get' | 'list', VerbStats>;
  mutatingP99ms: number;
}

/** Pods created by the bench and not currently being written, with their latest object (for PUT). */
class PodPool {
  private readonly idle: any[] = [];
  add(obj: any): void {
    this.idle.push(obj);
  }
  /** Takes a random idle pod (so the caller owns it until it gives it back), or undefined. */
  take(): any | undefined {
    if (this.idle.length === 0) return undefined;
    const i = Math.floor(Math.random() * this.idle.length);
    const o = this.idle[i];
    this.idle[i] = this.idle[this.idle.length - 1];
    this.idle.pop();
    return o;
  }
  peekName(): string | undefined {
    return this.idle[Math.floor(Math.random() * this.idle.length)]?.metadata?.name;
  }
  get size(): number {
    return this.idle.length;
  }
}

function stats(lat: number[], errors: number): VerbStats {
  lat.sort((a, b) => a - b);
  return { count: lat.length, errors, p50ms: percentile(lat, 0.5), p99ms: percentile(lat, 0.99) };
}

let podSeq = 0;

/**
 * Issues creates and updates alternately at `rate` per second (open loop: each op's latency counts from
 * its scheduled time) plus gets and lists (limit=100) at a tenth of the rate each, for `ms`.
 */
async function openLoop(c: Client, ns: string, pool: PodPool, rate: number, ms: number): Promise<RateResult> {
  const lat: Record<string, number[]> = { create: [], update: [], get: [], list: [] };
  const errs: Record<string, number> = { create: 0, update: 0, get: 0, list: 0 };
  const errorCodes: Record<string, number> = {};
  const req = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    try {
      const r = await c.request(method, path, body);
      if (r.status >= 300) errorCodes[String(r.status)] = (errorCodes[String(r.status)] ?? 0) + 1;
      return r;
    } catch (e) {
      const what = `transport ${(e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e))}`;
      errorCodes[what] = (errorCodes[what] ?? 0) + 1;
      throw e;
    }
  };
  const maxInflight = 4096;
  let inflight = 0;
  let dropped = 0;
  let issued = 0;
  let readsIssued = 0;
  const pending = new Set<Promise<void>>();
  const readRate = Math.max(1, rate / 10);
  const t0 = now();
  const track = (verb: string, scheduled: number, p: Promise<boolean>) => {
    inflight++;
    const done = p.then(
      (ok) => {
        if (ok) lat[verb]!.push(now() - scheduled);
        else errs[verb]!++;
      },
      () => {
        errs[verb]!++;
      },
    ).finally(() => {
      inflight--;
      pending.delete(done);
    });
    pending.add(done);
  };
  const create = async (): Promise<boolean> => {
    const r = await req('POST', podsPath(ns), podObject(ns, `load-${podSeq++}`));
    if (r.status !== 201) return false;
    pool.add(JSON.parse(r.body.toString()));
    return true;
  };
  const update = async (obj: any): Promise<boolean> => {
    obj.metadata.annotations = { ...obj.metadata.annotations, 'bench/touched': String(Date.now()) };
    const r = await req('PUT', `${podsPath(ns)}/${obj.metadata.name}`, obj);
    if (r.status !== 200) {
      pool.add(obj);
      return false;
    }
    pool.add(JSON.parse(r.body.toString()));
    return true;
  };
  while (true) {
    const elapsed = now() - t0;
    if (elapsed >= ms) break;
    const dueWrites = Math.floor((elapsed / 1000) * rate) + 1; // op i is due at i/rate
    while (issued < dueWrites) {
      const scheduled = t0 + (issued * 1000) / rate;
      issued++;
      if (inflight >= maxInflight) {
        dropped++;
        continue;
      }
      const target = issued % 2 === 0 ? pool.take() : undefined;
      if (target) track('update', scheduled, update(target));
      else track('create', scheduled, create());
    }
    const dueReads = Math.floor((elapsed / 1000) * readRate) + 1;
    while (readsIssued < dueReads) {
      const scheduled = t0 + (readsIssued * 1000) / readRate;
      readsIssued++;
      const name = pool.peekName();
      if (name) track('get', scheduled, req('GET', `${podsPath(ns)}/${name}`).then((r) => r.status === 200));
      track('list', scheduled, req('GET', `${podsPath(ns)}?limit=100`).then((r) => r.status === 200));
    }
    await sleep(1);
  }
  await Promise.all(pending);
  const elapsed = now() - t0;
  const writesDone = lat['create']!.length + lat['update']!.length;
  const verbs = {
    create: stats(lat['create']!, errs['create']!),
    update: stats(lat['update']!, errs['update']!),
    get: stats(lat['get']!, errs['get']!),
    list: stats(lat['list']!, errs['list']!),
  };
  const mut = [...lat['create']!, ...lat['update']!].sort((a, b) => a - b);
  return { targetPerSec: rate, achievedPerSec: (writesDone / elapsed) * 1000, dropped, errorCodes, verbs, mutatingP99ms: percentile(mut, 0.99) };
}

// ------------------------------------------------------------------------------------------ phase 2: saturation

interface SaturationResult {
  inflight: number;
  creates: number;
  perSec: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** Keeps `inflight` creates outstanding for `ms` and reports creates/s. */
async function saturate(c: Client, ns: string, inflight: number, ms: number): Promise<SaturationResult> {
  const lat: number[] = [];
  let errors = 0;
  const t0 = now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (now() < end) {
        const s = now();
        const r = await c.request('POST', podsPath(ns), podObject(ns, `sat-${podSeq++}`));
        if (r.status === 201) lat.push(now() - s);
        else errors++;
      }
    }),
  );
  const elapsed = now() - t0;
  lat.sort((a, b) => a - b);
  return { inflight, creates: lat.length, perSec: (lat.length / elapsed) * 1000, p50ms: percentile(lat, 0.5), p99ms: percentile(lat, 0.99), errors };
}

// ------------------------------------------------------------------------------------------ phase 2b: the security chain's cost

interface ChainResult {
  /** Creates/s at saturation (64 in flight) per identity. */
  creates: { admin: number; user: number; token: number };
  /** GETs of one pod per second at saturation per identity (the cheapest request: the chain's share is largest). */
  gets: { admin: number; user: number; token: number };
}

/** Requests/s for `ms` with `inflight` concurrent loops of `op`. */
async function rate(inflight: number, ms: number, op: () => Promise<boolean>): Promise<number> {
  let n = 0;
  const t0 = now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (now() < end) if (await op()) n++;
    }),
  );
  return (n / (now() - t0)) * 1000;
}

/**
 * The cost of authentication, authorization and admission: the same creates and GETs by the admin (system:masters:
 * authorization short-circuits, APF exempt), by a user with a client certificate bound to `edit` through RBAC (APF
 * global-default), and by a service account with a bound token (JWT verification, RBAC, service-accounts level).
 */
async function chainCost(admin: Client, url: string, dataDir: string, ns: string, cfg: Config): Promise<ChainResult> {
  const tls = join(dataDir, 'tls');
  const ca = { certPem: readFileSync(join(tls, 'server-ca.crt'), 'utf8'), keyPem: readFileSync(join(tls, 'server-ca.key'), 'utf8') };
  const userPair = await issueClientCertificate(ca, { commonName: 'bench-user' });
  const binding = (name: string, subject: object) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [subject],
  });
  await admin.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('bench-user', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bench-user' }));
  await admin.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding('bench-sa', { kind: 'ServiceAccount', name: 'default', namespace: ns }));
  const tr = await admin.json<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/default/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const user = await Client.open(url, { ca: ca.certPem, cert: userPair.certPem, key: userPair.keyPem }, cfg.conns);
  const token = await Client.open(url, { ca: ca.certPem, token: tr.status.token }, cfg.conns);
  const target = `sat-target-${Date.now()}`;
  await admin.json('POST', podsPath(ns), podObject(ns, target));
  const ms = Math.max(2000, cfg.durationMs);
  // 32 in flight: within the seats of global-default (49 of the default 600), so the figures compare the work per
  // request, not APF queuing (which the fairness test covers).
  const inflight = Math.min(32, cfg.inflight);
  try {
    const create = (c: Client) => rate(inflight, ms, async () => (await c.request('POST', podsPath(ns), podObject(ns, `chain-${podSeq++}`))).status === 201);
    const get = (c: Client) => rate(inflight, ms, async () => (await c.request('GET', `${podsPath(ns)}/${target}`)).status === 200);
    // Warm up every path once (JIT, token cache, RBAC index).
    for (const c of [admin, user, token]) await rate(8, 300, async () => (await c.request('GET', `${podsPath(ns)}/${target}`)).status === 200);
    const creates = { admin: await create(admin), user: await create(user), token: await create(token) };
    const gets = { admin: await get(admin), user: await get(user), token: await get(token) };
    return { creates, gets };
  } finally {
    user.close();
    token.close();
  }
}

// ------------------------------------------------------------------------------------------ phase 2c: fairness under a flood

interface FairnessResult {
  unloadedP99ms: number;
  loadedP99ms: number;
  loadedP50ms: number;
  flood: Record<string, number>;
}

/** The flooding client of the fairness phase, in its own thread (see `fairness`). */
const FLOOD_WORKER = `
const http2 = require('node:http2');
const { parentPort, workerData: w } = require('node:worker_threads');
const sessions = Array.from({ length: 8 }, () => http2.connect(w.url, { ca: w.ca, cert: w.cert, key: w.key }));
for (const s of sessions) s.on('error', () => {});
let stop = false;
let n = 0;
const codes = {};
parentPort.on('message', () => { stop = true; });
const once = () => new Promise((resolve) => {
  const r = sessions[n++ % sessions.length].request({ ':path': w.path, accept: 'application/json' });
  let status = 0, after;
  r.on('response', (h) => { status = h[':status']; after = h['retry-after']; });
  r.on('data', () => {});
  r.on('end', () => resolve({ status, after }));
  r.on('error', () => resolve({ status: 0 }));
});
const worker = async () => {
  while (!stop) {
    const r = await once();
    codes[r.status] = (codes[r.status] || 0) + 1;
    if (r.status === 429) {
      const until = Date.now() + Number(r.after || '1') * 1000;
      while (!stop && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    }
  }
};
Promise.all(Array.from({ length: w.concurrency }, worker)).then(() => { for (const s of sessions) s.close(); parentPort.postMessage(codes); });
`;

/**
 * API Priority and Fairness at work: a client hammers LISTs of `ns` with 200 requests in flight (backing off per
 * Retry-After, as client-go) from its own thread, in a priority level of its own (what an operator configures
 * for a noisy client); meanwhile a certificate user in global-default creates ConfigMaps one at a time. Reports
 * that user's p99 without and with the flood, and the flood's status codes.
 */
async function fairness(admin: Client, url: string, dataDir: string, ns: string, cfg: Config): Promise<FairnessResult> {
  const tls = join(dataDir, 'tls');
  const ca = { certPem: readFileSync(join(tls, 'server-ca.crt'), 'utf8'), keyPem: readFileSync(join(tls, 'server-ca.key'), 'utf8') };
  const flooder = await issueClientCertificate(ca, { commonName: 'bench-flooder' });
  const writerPair = await issueClientCertificate(ca, { commonName: 'bench-writer' });
  const rb = (name: string, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
  });
  await admin.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, rb('bench-flooder', 'bench-flooder'));
  await admin.json('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, rb('bench-writer', 'bench-writer'));
  const fc = '/apis/flowcontrol.apiserver.k8s.io/v1';
  await admin.json('POST', `${fc}/prioritylevelconfigurations`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: { name: 'bench-noisy' },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 2, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 4, handSize: 2, queueLengthLimit: 5 } } } },
  });
  await admin.json('POST', `${fc}/flowschemas`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name: 'bench-noisy' },
    spec: {
      priorityLevelConfiguration: { name: 'bench-noisy' },
      matchingPrecedence: 500,
      distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: [{ kind: 'User', user: { name: 'bench-flooder' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }] }],
    },
  });
  for (let i = 0; i < 200; i++) await admin.json('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `seed-${i}` }, data: { v: 'x'.repeat(200) } });
  await sleep(600);
  const writer = await Client.open(url, { ca: ca.certPem, cert: writerPair.certPem, key: writerPair.keyPem }, 1);
  let seq = 0;
  const writes = async (n: number) => {
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = now();
      const r = await writer.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${seq++}` }, data: { v: 'y' } });
      if (r.status === 201) lat.push(now() - t);
    }
    return lat.sort((a, b) => a - b);
  };
  try {
    await writes(50);
    const unloaded = await writes(300);
    const flood = new Worker(FLOOD_WORKER, {
      eval: true,
      workerData: { url, ca: ca.certPem, cert: flooder.certPem, key: flooder.keyPem, path: `/api/v1/namespaces/${ns}/configmaps`, concurrency: 200 },
    });
    const done = new Promise<Record<string, number>>((res, rej) => {
      flood.once('message', res);
      flood.once('error', rej);
    });
    await sleep(Math.max(1500, cfg.durationMs / 2));
    const loaded = await writes(300);
    flood.postMessage('stop');
    const codes = await done;
    return { unloadedP99ms: percentile(unloaded, 0.99), loadedP99ms: percentile(loaded, 0.99), loadedP50ms: percentile(loaded, 0.5), flood: codes };
  } finally {
    writer.close();
  }
}

// ------------------------------------------------------------------------------------------ phase 3: big LIST

interface ListResult {
  pods: number;
  cachedMs: number;
  cachedRuns: number[];
  cachedBytes: number;
  pagedMs: number;
  pagedRuns: number[];
  pages: number;
}

/** Creates pods in `ns` until it holds `n`, 64 in flight. */
async function fill(c: Client, ns: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        const r = await c.request('POST', podsPath(ns), podObject(ns, `list-${i}`));
        if (r.status !== 201 && r.status !== 409) throw new Error(`fill: ${r.status} ${r.body.toString().slice(0, 200)}`);
      }
    }),
  );
}

/** Times a full LIST of `ns` from the watch cache (rv=0) and from the store (limit=500 pages), median of `runs`. */
async function bigList(c: Client, ns: string, pods: number, runs: number): Promise<ListResult> {
  const cachedRuns: number[] = [];
  let cachedBytes = 0;
  // resourceVersion=0 means "any state": right after the fill the cache may still be applying the last
  // creates. One consistent list first (served from the cache once it caught up with the store).
  const fresh = await c.json<{ items: unknown[] }>('GET', podsPath(ns));
  if (fresh.items.length !== pods) throw new Error(`consistent list: ${fresh.items.length} items, want ${pods}`);
  for (let i = 0; i < runs; i++) {
    const t = now();
    const r = await c.request('GET', `${podsPath(ns)}?resourceVersion=0`);
    // The latency is the time to the last byte of the response, as the apiserver's request duration; the
    // client's own JSON.parse of ~12 MB (80-100 ms here) is not part of it.
    cachedRuns.push(now() - t);
    const items = (JSON.parse(r.body.toString()) as { items: unknown[] }).items.length;
    cachedBytes = r.body.length;
    if (r.status !== 200 || items !== pods) throw new Error(`cached list: status ${r.status}, ${items} items, want ${pods}`);
  }
  const pagedRuns: number[] = [];
  let pages = 0;
  for (let i = 0; i < runs; i++) {
    const t = now();
    let cont = '';
    let items = 0;
    pages = 0;
    do {
      const l = await c.json<{ items: unknown[]; metadata: { continue?: string } }>('GET', `${podsPath(ns)}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      items += l.items.length;
      pages++;
      cont = l.metadata.continue ?? '';
    } while (cont);
    pagedRuns.push(now() - t);
    if (items !== pods) throw new Error(`paged list: ${items} items, want ${pods}`);
  }
  return { pods, cachedMs: median(cachedRuns), cachedRuns, cachedBytes, pagedMs: median(pagedRuns), pagedRuns, pages };
}

// ------------------------------------------------------------------------------------------ phase 4: watchers

interface WatchResult {
  watchers: number;
  sessions: number;
  writeRate: number;
  updates: number;
  expectedEvents: number;
  deliveredInWindow: number;
  deliveredTotal: number;
  eventsPerSec: number;
  drainMs: number;
  latencyP50ms: number;
  latencyP99ms: number;
  watchesLost: number;
}

/**
 * Opens `watchers` watches on pods of `ns` over a few HTTP/2 sessions, then updates pods at `rate`/s for
 * `ms`; counts events delivered to all watchers (events/s over the write window) and samples delivery
 * latency on a few watchers from a timestamp annotation.
 */
async function watchLoad(c: Client, wc: Client, ns: string, watchers: number, rate: number, ms: number): Promise<WatchResult> {
  const objs: any[] = [];
  const nPods = 50;
  for (let i = 0; i < nPods; i++) objs.push(await c.json('POST', podsPath(ns), podObject(ns, `watched-${i}`)));
  const list = await c.json<{ metadata: { resourceVersion: string } }>('GET', `${podsPath(ns)}?limit=1`);
  const rv = list.metadata.resourceVersion;
  let delivered = 0;
  let lost = 0;
  const latency: number[] = [];
  const streams: http2.ClientHttp2Stream[] = [];
  const sampled = 10;
  let closing = false;
  await Promise.all(
    Array.from({ length: watchers }, (_, i) =>
      new Promise<void>((resolveOpen, reject) => {
        const s = wc.stream(i, `${podsPath(ns)}?watch=1&resourceVersion=${rv}&timeoutSeconds=600`);
        streams.push(s);
        let buf = '';
        s.once('response', (h) => {
          if (Number(h[':status']) !== 200) reject(new Error(`watch ${i}: status ${h[':status']}`));
          else resolveOpen();
        });
        s.on('data', (d: Buffer) => {
          if (i < sampled) {
            buf += d.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              delivered++;
              const sent = Number(/"bench\/sent":"(\d+(?:\.\d+)?)"/.exec(line)?.[1]);
              if (Number.isFinite(sent)) latency.push(performance.timeOrigin + now() - sent);
            }
          } else {
            for (let k = d.indexOf(10); k >= 0; k = d.indexOf(10, k + 1)) delivered++;
          }
        });
        s.on('error', () => {});
        s.on('close', () => {
          if (!closing) lost++;
        });
      }),
    ),
  );
  log(`    ${watchers} watches open`);
  const t0 = now();
  let updates = 0;
  let issued = 0;
  const pending = new Set<Promise<void>>();
  const busy = new Set<number>();
  while (now() - t0 < ms) {
    const due = Math.floor(((now() - t0) / 1000) * rate);
    while (issued < due) {
      issued++;
      const idx = issued % nPods;
      if (busy.has(idx)) continue;
      busy.add(idx);
      const obj = objs[idx];
      obj.metadata.annotations = { ...obj.metadata.annotations, 'bench/sent': String(performance.timeOrigin + now()) };
      const p = c.request('PUT', `${podsPath(ns)}/${obj.metadata.name}`, obj).then((r) => {
        if (r.status === 200) {
          objs[idx] = JSON.parse(r.body.toString());
          updates++;
        }
      }, () => {}).finally(() => {
        busy.delete(idx);
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(2);
  }
  await Promise.all(pending);
  const windowMs = now() - t0;
  const inWindow = delivered;
  const expected = updates * watchers;
  // Let the server drain what it queued (up to 30 s).
  const drainStart = now();
  while (delivered < expected && now() - drainStart < 30_000 && lost < watchers) await sleep(50);
  const drainMs = now() - drainStart;
  closing = true;
  for (const s of streams) s.close(http2.constants.NGHTTP2_CANCEL);
  latency.sort((a, b) => a - b);
  return {
    watchers,
    sessions: wc.size,
    writeRate: rate,
    updates,
    expectedEvents: expected,
    deliveredInWindow: inWindow,
    deliveredTotal: delivered,
    eventsPerSec: (delivered / (windowMs + drainMs)) * 1000,
    drainMs,
    latencyP50ms: percentile(latency, 0.5),
    latencyP99ms: percentile(latency, 0.99),
    watchesLost: lost,
  };
}

// ------------------------------------------------------------------------------------------ one backend

interface BackendResult {
  backend: string;
  idleRssMb: number;
  rates: RateResult[];
  /** Absent when the run skipped saturation (`--inflight 0`). */
  saturation?: SaturationResult;
  /** Absent when the run skipped the big LIST (`--pods 0`). */
  list?: ListResult;
  /** Absent when the run skipped saturation (`--inflight 0`). */
  chain?: ChainResult;
  /** Absent when the run skipped saturation (`--inflight 0`). */
  fairness?: FairnessResult;
  listRssMb: number;
  watch: WatchResult | undefined;
  finalRssMb: number;
  cpuProfile?: ProfileTop[];
}

async function runBackend(backend: string, etcd: EtcdProcess | undefined, cfg: Config): Promise<BackendResult> {
  log(`[${backend}] starting apiserver`);
  const srv = await startServer(backend, etcd, cfg);
  let c: Client | undefined;
  let wc: Client | undefined;
  try {
    const kc = await loadKubeconfig(join(srv.dataDir, 'admin.kubeconfig'));
    const creds: Creds = { ca: kc.caPem!, cert: kc.clientCertPem!, key: kc.clientKeyPem! };
    c = await Client.open(kc.server, creds, cfg.conns);
    await sleep(2000);
    const idleRssMb = rssMb(srv.pid);
    log(`[${backend}] API at ${kc.server}, pid ${srv.pid}, idle RSS ${fmt(idleRssMb)} MiB`);
    await ensureNamespace(c, 'bench-load');
    await ensureNamespace(c, 'bench-list');
    await ensureNamespace(c, 'bench-watch');

    const pool = new PodPool();
    // Warm up (JIT, connections, first pods to update).
    await openLoop(c, 'bench-load', pool, 100, 1000);
    const rates: RateResult[] = [];
    for (const rate of cfg.rates) {
      const r = await openLoop(c, 'bench-load', pool, rate, cfg.durationMs);
      rates.push(r);
      log(
        `[${backend}] open loop ${rate}/s: achieved ${fmt(r.achievedPerSec)}/s, create p50/p99 ${fmt(r.verbs.create.p50ms, 1)}/${fmt(r.verbs.create.p99ms, 1)} ms, ` +
          `update ${fmt(r.verbs.update.p50ms, 1)}/${fmt(r.verbs.update.p99ms, 1)} ms, get ${fmt(r.verbs.get.p50ms, 1)}/${fmt(r.verbs.get.p99ms, 1)} ms, ` +
          `list ${fmt(r.verbs.list.p50ms, 1)}/${fmt(r.verbs.list.p99ms, 1)} ms${r.dropped ? `, dropped ${r.dropped}` : ''}` +
          `${Object.keys(r.errorCodes).length ? `, errors ${JSON.stringify(r.errorCodes)}` : ''}`,
      );
    }
    let saturation: SaturationResult | undefined;
    if (cfg.inflight > 0) {
      saturation = await saturate(c, 'bench-load', cfg.inflight, cfg.durationMs * 2);
      log(`[${backend}] saturation (${cfg.inflight} in flight): ${fmt(saturation.perSec)} creates/s, p50 ${fmt(saturation.p50ms, 1)} ms, p99 ${fmt(saturation.p99ms, 1)} ms`);
    }

    let chain: ChainResult | undefined;
    if (cfg.inflight > 0) {
      chain = await chainCost(c, kc.server, srv.dataDir, 'bench-load', cfg);
      log(
        `[${backend}] security chain: creates/s admin ${fmt(chain.creates.admin)} / cert user ${fmt(chain.creates.user)} / SA token ${fmt(chain.creates.token)}; ` +
          `GETs/s admin ${fmt(chain.gets.admin)} / cert user ${fmt(chain.gets.user)} / SA token ${fmt(chain.gets.token)}`,
      );
    }

    let fair: FairnessResult | undefined;
    if (cfg.inflight > 0) {
      await ensureNamespace(c, 'bench-fair');
      fair = await fairness(c, kc.server, srv.dataDir, 'bench-fair', cfg);
      log(`[${backend}] fairness: writer p99 ${fmt(fair.unloadedP99ms, 1)} ms alone, ${fmt(fair.loadedP99ms, 1)} ms (p50 ${fmt(fair.loadedP50ms, 1)}) beside a 200-request LIST flood that got ${JSON.stringify(fair.flood)}`);
    }

    let list: ListResult | undefined;
    if (cfg.pods > 0) {
      log(`[${backend}] creating ${cfg.pods} pods for LIST`);
      const tf = now();
      await fill(c, 'bench-list', cfg.pods);
      log(`[${backend}]   filled in ${fmt((now() - tf) / 1000, 1)} s`);
      list = await bigList(c, 'bench-list', cfg.pods, 5);
      log(`[${backend}] LIST ${cfg.pods} pods: cached (rv=0) ${fmt(list.cachedMs)} ms, paged limit=500 ${fmt(list.pagedMs)} ms (${list.pages} pages)`);
    }
    const listRssMb = rssMb(srv.pid);

    let watch: WatchResult | undefined;
    if (cfg.watchers > 0) {
      wc = await Client.open(kc.server, creds, Math.max(1, Math.ceil(cfg.watchers / 250)));
      watch = await watchLoad(c, wc, 'bench-watch', cfg.watchers, cfg.watchRate, cfg.durationMs);
      log(
        `[${backend}] ${cfg.watchers} watchers, ${cfg.watchRate} updates/s: ${fmt(watch.eventsPerSec)} events/s delivered ` +
          `(${watch.deliveredTotal}/${watch.expectedEvents}, drain ${fmt(watch.drainMs)} ms, latency p50 ${fmt(watch.latencyP50ms, 1)} ms p99 ${fmt(watch.latencyP99ms, 1)} ms, lost ${watch.watchesLost})`,
      );
    }
    await sleep(1000);
    const finalRssMb = rssMb(srv.pid);
    log(`[${backend}] RSS after the runs ${fmt(finalRssMb)} MiB`);
    return { backend, idleRssMb, rates, ...(saturation ? { saturation } : {}), ...(list ? { list } : {}), ...(chain ? { chain } : {}), ...(fair ? { fairness: fair } : {}), listRssMb, watch, finalRssMb };
  } finally {
    wc?.close();
    c?.close();
    await srv.stop();
  }
}

// ------------------------------------------------------------------------------------------ cpu profiles

interface ProfileTop {
  fn: string;
  selfPct: number;
}

/** Sums self samples per function over every .cpuprofile in `dir` and returns the top `n`. */
function profileTop(dir: string, n: number): ProfileTop[] {
  const self = new Map<string, number>();
  let total = 0;
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
    };
    for (const nd of p.nodes) {
      const hits = nd.hitCount ?? 0;
      if (!hits) continue;
      const url = nd.callFrame.url.replace(/^file:\/\//, '').replace(repoRoot + '/', '');
      const key = `${nd.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${nd.callFrame.lineNumber + 1}` : ''}`.trim();
      self.set(key, (self.get(key) ?? 0) + hits);
      total += hits;
    }
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, hits]) => ({ fn, selfPct: (hits / total) * 100 }));
}

// ------------------------------------------------------------------------------------------ report

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met';
}

function report(results: BackendResult[], cfg: Config): string {
  const out: string[] = [];
  out.push('Open-loop writes (creates+updates alternating; get and list?limit=100 each at a tenth of the rate)');
  out.push('| backend | target/s | achieved/s | create p50/p99 ms | update p50/p99 ms | get p50/p99 ms | list p50/p99 ms | errors | dropped |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const x of r.rates) {
      const v = x.verbs;
      const errors = v.create.errors + v.update.errors + v.get.errors + v.list.errors;
      out.push(
        `| ${r.backend} | ${x.targetPerSec} | ${fmt(x.achievedPerSec)} | ${fmt(v.create.p50ms, 1)} / ${fmt(v.create.p99ms, 1)} | ${fmt(v.update.p50ms, 1)} / ${fmt(v.update.p99ms, 1)} | ` +
          `${fmt(v.get.p50ms, 1)} / ${fmt(v.get.p99ms, 1)} | ${fmt(v.list.p50ms, 1)} / ${fmt(v.list.p99ms, 1)} | ${errors} | ${x.dropped} |`,
      );
    }
  }
  out.push('');
  out.push('| backend | saturation creates/s | in flight | p50 ms | p99 ms | LIST cached rv=0 ms | LIST paged limit=500 ms | watch events/s (delivered/expected) | watch p99 ms | RSS idle / after LIST / end MiB |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const w = r.watch;
    out.push(
      `| ${r.backend} | ${r.saturation ? fmt(r.saturation.perSec) : '-'} | ${r.saturation?.inflight ?? '-'} | ${r.saturation ? fmt(r.saturation.p50ms, 1) : '-'} | ${r.saturation ? fmt(r.saturation.p99ms, 1) : '-'} | ${r.list ? fmt(r.list.cachedMs) : '-'} | ${r.list ? fmt(r.list.pagedMs) : '-'} | ` +
        `${w ? `${fmt(w.eventsPerSec)} (${w.deliveredTotal}/${w.expectedEvents})` : '-'} | ${w ? fmt(w.latencyP99ms, 1) : '-'} | ${fmt(r.idleRssMb)} / ${fmt(r.listRssMb)} / ${fmt(r.finalRssMb)} |`,
    );
  }
  out.push('');
  out.push('Security chain (32 in flight): admin = system:masters certificate (authorization short-circuits, APF exempt); user = client certificate bound to `edit` by RBAC; token = service account bound token (JWT)');
  out.push('| backend | creates/s admin / user / token | user vs admin | GETs/s admin / user / token | user vs admin |');
  out.push('|---|---:|---:|---:|---:|');
  for (const r of results) {
    const ch = r.chain;
    if (!ch) continue;
    const pct = (a: number, b: number) => `${fmt(((b - a) / a) * 100, 1)}%`;
    out.push(
      `| ${r.backend} | ${fmt(ch.creates.admin)} / ${fmt(ch.creates.user)} / ${fmt(ch.creates.token)} | ${pct(ch.creates.admin, ch.creates.user)} | ${fmt(ch.gets.admin)} / ${fmt(ch.gets.user)} / ${fmt(ch.gets.token)} | ${pct(ch.gets.admin, ch.gets.user)} |`,
    );
  }
  out.push('');
  out.push('Fairness: a certificate user creating ConfigMaps one at a time, alone and beside a client flooding LISTs with 200 in flight in its own small priority level');
  out.push('| backend | writer p99 alone ms | writer p99 / p50 beside the flood ms | ratio | flood replies |');
  out.push('|---|---:|---:|---:|---|');
  for (const r of results) {
    const f = r.fairness;
    if (!f) continue;
    out.push(`| ${r.backend} | ${fmt(f.unloadedP99ms, 1)} | ${fmt(f.loadedP99ms, 1)} / ${fmt(f.loadedP50ms, 1)} | ${fmt(f.loadedP99ms / f.unloadedP99ms, 2)}x | ${Object.entries(f.flood).map(([k, v]) => `${v} x ${k}`).join(', ')} |`);
  }
  out.push('');
  out.push('Goals');
  out.push('| backend | goal | measured | verdict |');
  out.push('|---|---|---:|---|');
  for (const r of results) {
    const at500 = r.rates.find((x) => x.targetPerSec === 500);
    out.push(`| ${r.backend} | p99 of mutating calls <= ${GOALS.mutatingP99MsAt500} ms at 500 writes/s | ${at500 ? `${fmt(at500.mutatingP99ms, 1)} ms (achieved ${fmt(at500.achievedPerSec)}/s)` : 'not run'} | ${verdict(at500 ? at500.mutatingP99ms <= GOALS.mutatingP99MsAt500 && at500.achievedPerSec >= 475 : undefined)} |`);
    out.push(`| ${r.backend} | >= ${GOALS.saturationCreatesPerSec} pod creates/s at saturation | ${r.saturation ? `${fmt(r.saturation.perSec)}/s` : 'not run'} | ${verdict(r.saturation ? r.saturation.perSec >= GOALS.saturationCreatesPerSec : undefined)} |`);
    out.push(`| ${r.backend} | cached LIST of 10,000 pods < ${GOALS.cachedList10kMs} ms | ${r.list ? `${fmt(r.list.cachedMs)} ms (${r.list.pods} pods)` : 'not run'} | ${verdict(r.list?.pods === 10000 ? r.list.cachedMs < GOALS.cachedList10kMs : undefined)} |`);
    out.push(`| ${r.backend} | idle RSS < ${GOALS.idleRssMb} MB | ${fmt(r.idleRssMb)} MiB | ${verdict(r.idleRssMb < GOALS.idleRssMb)} |`);
    const cost = r.chain ? 1 - r.chain.creates.user / r.chain.creates.admin : undefined;
    out.push(`| ${r.backend} | full chain costs < ${GOALS.chainCostPct}% of create throughput | ${cost === undefined ? 'not run' : `${fmt(cost * 100, 1)}%`} | ${verdict(cost === undefined ? undefined : cost * 100 < GOALS.chainCostPct)} |`);
  }
  for (const r of results) {
    if (!r.cpuProfile?.length) continue;
    out.push('');
    out.push(`apiserver CPU profile (${r.backend}, whole run): top functions by self time`);
    out.push('| self % | function |');
    out.push('|---:|---|');
    for (const p of r.cpuProfile) out.push(`| ${fmt(p.selfPct, 1)} | ${p.fn.replace(/\|/g, '\\|')} |`);
  }
  void cfg;
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  // `--json` alone prints JSON to stdout; `--json FILE` writes it to FILE.
  const argv = process.argv.slice(2);
  const ji = argv.indexOf('--json');
  if (ji >= 0 && (argv[ji + 1] === undefined || argv[ji + 1]!.startsWith('--'))) argv[ji] = '--json=-';
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      backends: { type: 'string', default: 'sqlite,etcd' },
      rates: { type: 'string', default: '100,250,500,1000' },
      pods: { type: 'string', default: '10000' }, // 0 skips the big LIST
      watchers: { type: 'string', default: '1000' },
      'watch-rate': { type: 'string', default: '50' },
      inflight: { type: 'string', default: '64' }, // 0 skips saturation
      conns: { type: 'string', default: '8' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const cfg: Config = {
    durationMs: Number(values.duration) * 1000,
    backends: values.backends!.split(',').map((s) => s.trim()).filter(Boolean),
    rates: values.rates!.split(',').map(Number),
    pods: Number(values.pods),
    watchers: Number(values.watchers),
    watchRate: Number(values['watch-rate']),
    inflight: Number(values.inflight),
    conns: Number(values.conns),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
  };
  for (const b of cfg.backends) if (b !== 'sqlite' && b !== 'etcd') throw new Error(`unknown backend ${b}: want sqlite or etcd`);
  if (cfg.cpuProfDir) for (const b of cfg.backends) mkdirSync(join(cfg.cpuProfDir, b), { recursive: true });
  const header =
    `apiserver benchmark: ${cfg.durationMs / 1000}s per rate step (saturation ${(cfg.durationMs * 2) / 1000}s), rates ${cfg.rates.join('/')}/s, ` +
    `${cfg.pods} pods for LIST, ${cfg.watchers} watchers at ${cfg.watchRate} updates/s, ${cfg.conns} HTTP/2 connections\n` +
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load generator shares the machine with the server\n`;
  log(header);
  const etcd = cfg.backends.includes('etcd') ? await startEtcd({ name: 'bench-apiserver' }) : undefined;
  const results: BackendResult[] = [];
  try {
    for (const b of cfg.backends) {
      const r = await runBackend(b, etcd, cfg);
      if (cfg.cpuProfDir) r.cpuProfile = profileTop(join(cfg.cpuProfDir, b), 25);
      results.push(r);
    }
  } finally {
    await etcd?.stop();
  }
  const json = JSON.stringify({ config: cfg, goals: GOALS, results }, null, 2);
  if (values.json === '-') {
    process.stdout.write(json + '\n');
  } else {
    process.stdout.write('\n' + header + '\n' + report(results, cfg) + '\n');
    if (values.json) writeFileSync(values.json, json);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:apiserver: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);

// Starts real, throwaway etcd servers on loopback for tests and benchmarks (never touches any other etcd).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { accessSync, constants, rmSync } from 'node:fs';

/** One etcd process this helper started. */
export interface EtcdProcess {
  /** Member name (`--name`). */
  name: string;
  /** Client URL, e.g. "http://127.0.0.1:41234". */
  endpoint: string;
  /** Peer URL. */
  peerUrl: string;
  /** The member's fresh data directory (removed by `stop`). */
  dataDir: string;
  /** The process id; `stop` signals exactly this pid. */
  pid: number;
  /** Kills the process (SIGTERM, SIGKILL after 5 s) and removes its data directory. Idempotent. */
  stop(): Promise<void>;
  /** Kills the process like `stop` but keeps the data directory. Idempotent. */
  kill(): Promise<void>;
  /** Kills the process at once with SIGKILL (a crash: no graceful shutdown, no leader hand-off), keeping the data directory. */
  crash(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Member name; default "kubets-test". */
  name?: string;
  /** Extra command-line flags for etcd. */
  extraArgs?: string[];
}

/** An n-member etcd cluster on loopback. */
export interface EtcdCluster {
  /** Client URLs of all members, in member order. */
  endpoints: string[];
  members: EtcdProcess[];
  /** Stops every member still running and removes the data directories. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 5_000;

/** Absolute path of the etcd binary found on PATH; throws naming the package to install when absent. */
export function findEtcd(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'etcd');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error('etcd not found on PATH: install Debian package etcd-server (npm run setup does)');
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not pick a free port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

interface MemberPlan {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

/** Children still running; killed (each by its pid) if this process exits or is signalled without stopping them. */
const live = new Map<ChildProcess, string>();
function killLive(): void {
  for (const [c, dataDir] of live) {
    c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  }
  live.clear();
}
process.once('exit', killLive);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  const onSignal = () => {
    killLive();
    // Let the signal do what it would have done without this listener.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.once(sig, onSignal);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once etcd's /health endpoint at `endpoint` says healthy (it has a leader); rejects after `ms` or if the process exits. */
async function waitHealthy(endpoint: string, child: ChildProcess, stderr: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd at ${endpoint} exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr().trim().slice(-2000)}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`etcd at ${endpoint} was not healthy within ${ms} ms: ${stderr().trim().slice(-2000)}`);
}

/** Signals exactly `child` (SIGTERM, then SIGKILL after the grace period) and waits for it to exit. */
async function killChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, KILL_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function spawnMember(bin: string, m: MemberPlan, initialCluster: string, token: string, extraArgs: string[]): { child: ChildProcess; stderr: () => string } {
  const client = `http://127.0.0.1:${m.clientPort}`;
  const peer = `http://127.0.0.1:${m.peerPort}`;
  const args = [
    '--name', m.name,
    '--data-dir', m.dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', token,
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--log-level', 'error',
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env } });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 64 * 1024) err = err.slice(-32 * 1024);
  });
  child.on('error', (e) => {
    err += `\n${String(e)}`;
  });
  live.set(child, m.dataDir);
  child.once('exit', () => live.delete(child));
  return { child, stderr: () => err };
}

function asProcess(m: MemberPlan, child: ChildProcess): EtcdProcess {
  let stopped: Promise<void> | undefined;
  let removed: Promise<void> | undefined;
  const kill = () => (stopped ??= killChild(child));
  return {
    name: m.name,
    endpoint: `http://127.0.0.1:${m.clientPort}`,
    peerUrl: `http://127.0.0.1:${m.peerPort}`,
    dataDir: m.dataDir,
    pid: child.pid!,
    kill,
    crash: () => (stopped ??= killChild(child, 'SIGKILL')),
    stop: async () => {
      await kill();
      await (removed ??= rm(m.dataDir, { recursive: true, force: true }));
    },
  };
}

/**
 * Starts an n-member etcd cluster on 127.0.0.1 with fresh temp data directories and free ports, and
 * resolves once every member reports healthy. On failure everything started is stopped again.
 */
export async function startEtcdCluster(n: number, opts: StartEtcdOptions = {}): Promise<EtcdCluster> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`cluster size must be a positive integer, got ${n}`);
  const bin = findEtcd();
  const base = opts.name ?? 'kubets-test';
  const plans: MemberPlan[] = [];
  for (let i = 0; i < n; i++) {
    const name = n === 1 ? base : `${base}-${i}`;
    plans.push({ name, clientPort: await freePort(), peerPort: await freePort(), dataDir: await mkdtemp(join(tmpdir(), `kubets-etcd-${name}-`)) });
  }
  const token = `kubets-${base}-${process.pid}-${Date.now().toString(36)}`;
  const initialCluster = plans.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const started: { plan: MemberPlan; child: ChildProcess; stderr: () => string; proc: EtcdProcess }[] = [];
  try {
    for (const plan of plans) {
      const { child, stderr } = spawnMember(bin, plan, initialCluster, token, opts.extraArgs ?? []);
      if (child.pid === undefined) throw new Error(`could not start ${bin}`);
      started.push({ plan, child, stderr, proc: asProcess(plan, child) });
    }
    await Promise.all(started.map((s) => waitHealthy(s.proc.endpoint, s.child, s.stderr, READY_TIMEOUT_MS)));
  } catch (e) {
    await Promise.all(started.map((s) => s.proc.stop()));
    await Promise.all(plans.map((p) => rm(p.dataDir, { recursive: true, force: true })));
    throw e;
  }
  const members = started.map((s) => s.proc);
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

/** Starts one etcd on 127.0.0.1 (fresh temp data dir, free ports) and resolves once it answers. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const c = await startEtcdCluster(1, opts);
  return c.members[0]!;
}

// Boots the real `kubets server` binary for end-to-end suites and finds the kubectl binaries on this machine.
import { expect } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdProcess } from '../../src/storage/etcd/testing.js';

export const BIN = fileURLToPath(new URL('../../bin/kubets', import.meta.url));

/** A running `kubets server` child process. */
export interface RunningServer {
  dataDir: string;
  kubeconfig: string;
  url: string;
  pid: number;
  proc: ChildProcess;
  output: () => string;
  /** SIGTERM, wait for exit; resolves to the exit code. Removes the data dir and stops etcd. */
  stop(): Promise<number | null>;
}

/**
 * Starts `kubets server --https-port 0` on `storage` (etcd: a real etcd started here) and waits for the kubeconfig
 * line. With `opts.dataDir` the server runs on that directory and `stop()` leaves it in place (the caller owns it).
 */
export async function startServer(storage: 'sqlite' | 'etcd', extraArgs: string[] = [], opts: { dataDir?: string } = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kubets-e2e-'));
  let etcd: EtcdProcess | undefined;
  const args = [BIN, 'server', '--data-dir', dataDir, '--https-port', '0', ...extraArgs];
  if (storage === 'etcd') {
    etcd = await startEtcd({ name: 'kubets-e2e' });
    args.push('--storage', 'etcd', '--etcd-servers', etcd.endpoint);
  }
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubets server did not come up:\n${out}`)), 60_000);
    const check = () => {
      const m = /API at (https:\/\/\S+)/.exec(out);
      if (m && /admin kubeconfig written to/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubets server exited with ${code}:\n${out}`));
    });
  });
  return {
    dataDir,
    kubeconfig: path.join(dataDir, 'admin.kubeconfig'),
    url,
    pid: proc.pid!,
    proc,
    output: () => out,
    async stop() {
      const code = await new Promise<number | null>((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', (c) => {
          clearTimeout(t);
          resolve(c);
        });
        proc.kill('SIGTERM');
      });
      await etcd?.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** A kubectl binary and the minor version it reports. */
export interface Kubectl {
  path: string;
  label: string;
}

/**
 * The kubectl on PATH and every `kubectl.1.NN` beside the file it links to, each checked by running
 * `kubectl version --client`. Binaries that cannot run are returned in `broken` with the reason.
 */
export function findKubectls(): { usable: Kubectl[]; broken: Array<{ path: string; reason: string }> } {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  const candidates: string[] = [];
  if (which) {
    candidates.push(which);
    const dir = path.dirname(realpathSync(which));
    for (const f of readdirSync(dir).sort()) if (/^kubectl\.1\.\d+$/.test(f)) candidates.push(path.join(dir, f));
  }
  const usable: Kubectl[] = [];
  const broken: Array<{ path: string; reason: string }> = [];
  for (const p of candidates) {
    if (!existsSync(p)) continue;
    const r = spawnSync(p, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) {
      broken.push({ path: p, reason: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]! });
      continue;
    }
    try {
      const v = JSON.parse(r.stdout).clientVersion;
      usable.push({ path: p, label: `${path.basename(p)} ${v.gitVersion}` });
    } catch {
      broken.push({ path: p, reason: 'unparseable version output' });
    }
  }
  return { usable, broken };
}

/** A `kubets <command>` child process started by a test, with its own data dir. */
export interface KubetsProcess {
  proc: ChildProcess;
  dir: string;
  output: () => string;
  /** SIGTERM (SIGKILL after 20 s) and wait; removes the data dir unless `keepDir`. Resolves to the exit code. */
  stop(keepDir?: boolean): Promise<number | null>;
}

/** Starts `bin/kubets ...args`; `dir` (default: a new temp dir) is the process's data dir, removed by stop(). */
export function startKubets(args: string[], dir: string = mkdtempSync(path.join(os.tmpdir(), 'kubets-e2e-proc-'))): KubetsProcess {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return {
    proc,
    dir,
    output: () => out,
    stop: (keepDir = false) =>
      new Promise((resolve) => {
        const done = (code: number | null) => {
          if (!keepDir) rmSync(dir, { recursive: true, force: true });
          resolve(code);
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
        const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', (c) => {
          clearTimeout(t);
          done(c);
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Polls `f` every `everyMs` until it returns a truthy value (returned) or `timeoutMs` passes (throws, naming `what` and the last error). */
export async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = f();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * kubectl against one server's admin kubeconfig (`kubeconfig()` is read at each call, so a server started in
 * beforeAll works): `run` returns code and output, `ok` expects success and returns stdout, `json` parses
 * `-o json`, `apply` pipes a manifest to `kubectl apply -f -` and expects success.
 */
export function kubectlAgainst(kubectlPath: string, kubeconfig: () => string) {
  const run = (args: string[]) => {
    const r = spawnSync(kubectlPath, ['--kubeconfig', kubeconfig(), ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const ok = (args: string[]) => {
    const r = run(args);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };
  const json = (args: string[]) => JSON.parse(ok([...args, '-o', 'json']));
  const apply = (manifest: object) => {
    const r = spawnSync(kubectlPath, ['--kubeconfig', kubeconfig(), 'apply', '-f', '-'], { input: JSON.stringify(manifest), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  };
  return { run, ok, json, apply };
}

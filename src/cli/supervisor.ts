// Process supervisor of `kubets server`/`kubets agent`: runs components as child processes of the same binary, prefixes their output, restarts crashes with back-off.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One supervised component. */
export interface ChildSpec {
  /** Log prefix and key, e.g. 'kubelet'. Unique within a supervisor. */
  name: string;
  /** e.g. ['kubelet', '--kubeconfig', F, ...] — run as `process.execPath <bin/kubets> ...args`. */
  args: string[];
  /** Added to this process's environment (plus KUBETS_SUPERVISED=1). */
  env?: Record<string, string>;
  /** The child is ready once a line of its stdout or stderr matches; default: ready once spawned. */
  readyLine?: RegExp;
}

export interface SupervisorOptions {
  /** The script run by `process.execPath`; default: this package's bin/kubets (from src/ or dist/). */
  bin?: string;
  /** Where prefixed child output and supervisor messages go; default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Crash-loop back-off: default 1 s doubling to 30 s, reset after 60 s of uptime. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** SIGTERM, then SIGKILL after this; default 15 s. */
  stopTimeoutMs?: number;
}

/** Environment variable set on every supervised child. */
export const SUPERVISED_ENV = 'KUBETS_SUPERVISED';

/**
 * For a component command run by a Supervisor: when env KUBETS_SUPERVISED=1, watches stdin (a pipe from the
 * supervisor) and sends this process SIGTERM when it ends or closes, i.e. when the supervisor died. Node has no
 * PR_SET_PDEATHSIG; this is its stand-in. Does nothing when not supervised. Does not keep the process alive by
 * itself. Idempotent.
 */
export function exitWhenParentDies(): void {
  if (process.env[SUPERVISED_ENV] !== '1' || watching) return;
  watching = true;
  const stdin = process.stdin;
  let fired = false;
  const die = (): void => {
    if (fired) return;
    fired = true;
    process.kill(process.pid, 'SIGTERM');
  };
  stdin.on('end', die);
  stdin.on('close', die);
  stdin.on('error', die);
  stdin.on('data', () => {
    // the supervisor writes nothing; discard
  });
  stdin.resume();
  (stdin as { unref?: () => void }).unref?.();
}
let watching = false;

/** This package's bin/kubets: two levels up from src/cli/, three from dist/src/cli/. */
function defaultBin(): string {
  for (const rel of ['../../bin/kubets', '../../../bin/kubets']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL('../../bin/kubets', import.meta.url));
}

interface Entry {
  spec: ChildSpec;
  proc?: ChildProcess;
  /** Resolves once the current process has exited. */
  exited?: Promise<void>;
  startedAt: number;
  restarts: number;
  nextDelayMs: number;
  timer?: NodeJS.Timeout;
  ready: boolean;
  waiters: Set<{ resolve: () => void; reject: (e: Error) => void }>;
}

/** Formats milliseconds as seconds the way the log line shows them (`1s`, `0.25s`). */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Runs children and keeps them running. Each child's stdout and stderr lines are written to `out` as
 * `[name] line`. A child that exits while the supervisor is not stopping is restarted after a back-off that
 * doubles per crash up to maxMs and starts over when the child had run resetAfterMs. Only processes this
 * supervisor spawned are ever signalled.
 */
export class Supervisor {
  private readonly bin: string;
  private readonly out: NodeJS.WritableStream;
  private readonly backoff: { initialMs: number; maxMs: number; resetAfterMs: number };
  private readonly stopTimeoutMs: number;
  private readonly entries = new Map<string, Entry>();
  private stopping = false;

  constructor(opts: SupervisorOptions = {}) {
    this.bin = opts.bin ?? defaultBin();
    this.out = opts.out ?? process.stdout;
    this.backoff = opts.backoff ?? { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  }

  /** Starts the child and keeps it running. Throws if the name is taken or the supervisor was stopped. */
  start(spec: ChildSpec): void {
    if (this.stopping) throw new Error('supervisor is stopped');
    if (this.entries.has(spec.name)) throw new Error(`child ${spec.name} already started`);
    const entry: Entry = { spec, startedAt: 0, restarts: 0, nextDelayMs: this.backoff.initialMs, ready: false, waiters: new Set() };
    this.entries.set(spec.name, entry);
    this.launch(entry);
  }

  /** Stops all children (SIGTERM in parallel, SIGKILL after the timeout), waits for them to exit; later restarts cancelled. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      for (const w of entry.waiters) w.reject(new Error(`${entry.spec.name}: supervisor stopped`));
      entry.waiters.clear();
      const proc = entry.proc;
      if (!proc || !entry.exited) continue;
      const exited = entry.exited;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => {
        if (entry.proc === proc) proc.kill('SIGKILL');
      }, this.stopTimeoutMs);
      waits.push(exited.finally(() => clearTimeout(killer)));
    }
    await Promise.all(waits);
  }

  /** pid of a running child, for tests. */
  pid(name: string): number | undefined {
    return this.entries.get(name)?.proc?.pid;
  }

  /** How many times the child was restarted after exiting. */
  restarts(name: string): number {
    return this.entries.get(name)?.restarts ?? 0;
  }

  /** Resolves when the child is ready (see ChildSpec.readyLine); rejects after timeoutMs, on stop, or for an unknown name. */
  waitReady(name: string, timeoutMs: number): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(new Error(`no child ${name}`));
    if (entry.ready) return Promise.resolve();
    if (this.stopping) return Promise.reject(new Error(`${name}: supervisor stopped`));
    return new Promise<void>((resolve, reject) => {
      const w = {
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(t);
          reject(e);
        },
      };
      const t = setTimeout(() => {
        entry.waiters.delete(w);
        reject(new Error(`${name} not ready after ${timeoutMs}ms`));
      }, timeoutMs);
      entry.waiters.add(w);
    });
  }

  private log(name: string, line: string): void {
    this.out.write(`[${name}] ${line}\n`);
  }

  private markReady(entry: Entry): void {
    if (entry.ready) return;
    entry.ready = true;
    for (const w of entry.waiters) w.resolve();
    entry.waiters.clear();
  }

  private launch(entry: Entry): void {
    entry.timer = undefined;
    if (this.stopping) return;
    const { spec } = entry;
    const proc = spawn(process.execPath, [this.bin, ...spec.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env, [SUPERVISED_ENV]: '1' },
    });
    entry.proc = proc;
    entry.startedAt = Date.now();
    entry.ready = false;
    proc.stdin?.on('error', () => {
      // the child closed its stdin or died; nothing to write anyway
    });
    let outputDone = 0;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let resolveExited!: () => void;
    entry.exited = new Promise<void>((r) => (resolveExited = r));
    let finished = false;
    const flushers: Array<() => void> = [];
    const finish = (force = false): void => {
      // normally both pipes drained and the process gone, so every line is written before the exit is reported;
      // a grandchild holding the pipes open only delays that by a moment
      if (finished || !exitInfo || (outputDone < 2 && !force)) return;
      finished = true;
      for (const f of flushers) f();
      this.onExit(entry, proc, exitInfo.code, exitInfo.signal);
      resolveExited();
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) {
        outputDone++;
        continue;
      }
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (finished) return;
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).replace(/\r$/, '');
          buf = buf.slice(i + 1);
          this.line(entry, proc, line);
        }
      });
      const flush = (): void => {
        if (buf !== '') this.line(entry, proc, buf);
        buf = '';
      };
      flushers.push(flush);
      stream.on('close', () => {
        if (finished) return;
        flush();
        outputDone++;
        finish();
      });
    }
    proc.on('spawn', () => {
      if (!spec.readyLine && entry.proc === proc) this.markReady(entry);
    });
    proc.on('error', (err) => {
      // spawn failure: no 'exit' follows
      if (proc.pid === undefined && !exitInfo) {
        this.log(spec.name, `failed to start: ${err.message}`);
        exitInfo = { code: null, signal: null };
        outputDone = 2;
        finish();
      }
    });
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      finish();
      if (!finished) setTimeout(() => finish(true), 250);
    });
  }

  private line(entry: Entry, proc: ChildProcess, line: string): void {
    this.log(entry.spec.name, line);
    if (entry.spec.readyLine && entry.proc === proc && entry.spec.readyLine.test(line)) this.markReady(entry);
  }

  private onExit(entry: Entry, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.proc !== proc) return;
    entry.proc = undefined;
    entry.ready = false;
    const what = `exited with code ${code ?? 'none'} (signal ${signal ?? 'none'})`;
    if (this.stopping) {
      this.log(entry.spec.name, what);
      return;
    }
    if (Date.now() - entry.startedAt >= this.backoff.resetAfterMs) entry.nextDelayMs = this.backoff.initialMs;
    const delay = entry.nextDelayMs;
    entry.nextDelayMs = Math.min(delay * 2, this.backoff.maxMs);
    this.log(entry.spec.name, `${what}; restarting in ${seconds(delay)}`);
    entry.timer = setTimeout(() => {
      entry.restarts++;
      this.launch(entry);
    }, delay);
  }
}

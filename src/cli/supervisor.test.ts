// The process supervisor with real child processes: output prefixing, crash restarts with back-off, stop (SIGTERM then SIGKILL), parent-death exit.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import ts from 'typescript';
import { Supervisor, type SupervisorOptions } from './supervisor.js';

let dir = '';
let childBin = '';
let parentScript = '';

// The child: `node child.mjs <mode>`; it watches its stdin like a real component does.
const CHILD = `
import { exitWhenParentDies } from './supervisor.mjs';
exitWhenParentDies();
const mode = process.argv[2];
const stay = () => setInterval(() => {}, 1000);
if (mode === 'lines') {
  process.stdout.write('hello\\n');
  process.stderr.write('oops\\n');
  process.stdout.write('par');
  setTimeout(() => { process.stdout.write('tial\\nready now\\nlast without newline'); stay(); }, 50);
} else if (mode === 'crash') {
  console.log('starting');
  process.exitCode = 3;
} else if (mode === 'crash-late') {
  setTimeout(() => process.exit(4), Number(process.argv[3]));
} else if (mode === 'ignore-term') {
  process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  console.log('ready');
  stay();
} else if (mode === 'env') {
  console.log('FOO=' + process.env.FOO + ' SUPERVISED=' + process.env.KUBETS_SUPERVISED);
  stay();
} else {
  console.log('ready');
  stay();
}
`;

// A supervisor in its own process, so the test can kill it outright.
const PARENT = `
import { Supervisor } from './supervisor.mjs';
const s = new Supervisor({ bin: process.argv[2], out: process.stderr });
s.start({ name: 'orphan', args: ['stay'], readyLine: /ready/ });
await s.waitReady('orphan', 10000);
console.log('PID ' + s.pid('orphan'));
setInterval(() => {}, 1000);
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubets-supervisor-'));
  const src = readFileSync(new URL('./supervisor.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(dir, 'supervisor.mjs'), js);
  childBin = join(dir, 'child.mjs');
  writeFileSync(childBin, CHILD);
  parentScript = join(dir, 'parent.mjs');
  writeFileSync(parentScript, PARENT);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

const supervisors: Supervisor[] = [];
function supervisor(opts: Omit<SupervisorOptions, 'bin' | 'out'> = {}): { s: Supervisor; out: Capture } {
  const out = new Capture();
  const s = new Supervisor({ bin: childBin, out, ...opts });
  supervisors.push(s);
  return { s, out };
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Supervisor', () => {
  it('prefixes whole lines of stdout and stderr and becomes ready on the ready line', async () => {
    const { s, out } = supervisor();
    s.start({ name: 'web', args: ['lines'], readyLine: /^ready now$/ });
    await s.waitReady('web', 10_000);
    expect(out.lines()).toEqual(expect.arrayContaining(['[web] hello', '[web] oops', '[web] partial', '[web] ready now']));
    expect(out.lines()).not.toContain('[web] par');
    expect(out.text).not.toContain('last without newline');
    const pid = s.pid('web')!;
    await s.stop();
    // the unterminated last line is written once the child is gone
    expect(out.lines()).toContain('[web] last without newline');
    expect(alive(pid)).toBe(false);
  });

  it('passes env and KUBETS_SUPERVISED=1', async () => {
    const { s, out } = supervisor();
    s.start({ name: 'e', args: ['env'], env: { FOO: 'bar' }, readyLine: /FOO=/ });
    await s.waitReady('e', 10_000);
    expect(out.lines()).toContain('[e] FOO=bar SUPERVISED=1');
  });

  it('is ready once spawned without a ready line; times out with one that never shows', async () => {
    const { s } = supervisor();
    s.start({ name: 'a', args: ['stay'] });
    await s.waitReady('a', 10_000);
    expect(s.pid('a')).toBeGreaterThan(0);
    s.start({ name: 'b', args: ['stay'], readyLine: /never/ });
    await expect(s.waitReady('b', 300)).rejects.toThrow('b not ready after 300ms');
    await expect(s.waitReady('nope', 10)).rejects.toThrow('no child nope');
    expect(() => s.start({ name: 'a', args: [] })).toThrow('already started');
  });

  it('restarts a crashing child with a doubling back-off capped at the maximum', async () => {
    const { s, out } = supervisor({ backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 } });
    s.start({ name: 'crash', args: ['crash'] });
    await until(() => s.restarts('crash') >= 4);
    const delays = out.lines().filter((l) => l.includes('restarting in')).map((l) => /restarting in ([\d.]+s)/.exec(l)?.[1]);
    expect(delays.slice(0, 4)).toEqual(['0.05s', '0.1s', '0.2s', '0.2s']);
    expect(out.lines()).toContain('[crash] exited with code 3 (signal none); restarting in 0.05s');
    expect(out.lines().filter((l) => l === '[crash] starting').length).toBeGreaterThanOrEqual(4);
  });

  it('starts the back-off over after a run longer than resetAfterMs', async () => {
    const { s, out } = supervisor({ backoff: { initialMs: 30, maxMs: 1000, resetAfterMs: 100 } });
    s.start({ name: 'slow', args: ['crash-late', '200'] });
    await until(() => s.restarts('slow') >= 2);
    const delays = out.lines().filter((l) => l.includes('restarting in')).map((l) => /restarting in ([\d.]+s)/.exec(l)?.[1]);
    expect(delays.slice(0, 2)).toEqual(['0.03s', '0.03s']);
    expect(out.lines()[0]).toBe('[slow] exited with code 4 (signal none); restarting in 0.03s');
  });

  it('a child killed from outside is restarted and logged with its signal', async () => {
    const { s, out } = supervisor({ backoff: { initialMs: 20, maxMs: 100, resetAfterMs: 60_000 } });
    s.start({ name: 'k', args: ['stay'], readyLine: /ready/ });
    await s.waitReady('k', 10_000);
    const first = s.pid('k')!;
    process.kill(first, 'SIGKILL');
    await until(() => s.restarts('k') === 1 && s.pid('k') !== undefined);
    expect(s.pid('k')).not.toBe(first);
    expect(out.lines()).toContain('[k] exited with code none (signal SIGKILL); restarting in 0.02s');
    await s.waitReady('k', 10_000);
  });

  it('stop terminates every child and cancels pending restarts', async () => {
    const { s, out } = supervisor({ backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 60_000 } });
    s.start({ name: 'one', args: ['stay'], readyLine: /ready/ });
    s.start({ name: 'two', args: ['stay'], readyLine: /ready/ });
    s.start({ name: 'crash', args: ['crash'] });
    await Promise.all([s.waitReady('one', 10_000), s.waitReady('two', 10_000)]);
    await until(() => out.text.includes('[crash] exited'));
    const pids = [s.pid('one')!, s.pid('two')!];
    await s.stop();
    expect(pids.map(alive)).toEqual([false, false]);
    expect(s.pid('one')).toBeUndefined();
    expect(out.lines()).toContain('[one] exited with code none (signal SIGTERM)');
    await new Promise((r) => setTimeout(r, 250));
    expect(s.restarts('crash')).toBe(0);
    expect(s.pid('crash')).toBeUndefined();
    expect(() => s.start({ name: 'late', args: [] })).toThrow('supervisor is stopped');
  });

  it('SIGKILLs a child that ignores SIGTERM after the stop timeout', async () => {
    const { s, out } = supervisor({ stopTimeoutMs: 300 });
    s.start({ name: 'stubborn', args: ['ignore-term'], readyLine: /ready/ });
    await s.waitReady('stubborn', 10_000);
    const pid = s.pid('stubborn')!;
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(alive(pid)).toBe(false);
    expect(out.lines()).toContain('[stubborn] ignoring SIGTERM');
    expect(out.lines()).toContain('[stubborn] exited with code none (signal SIGKILL)');
  });

  it('a child exits when its supervisor process dies', async () => {
    const parent = spawn(process.execPath, [parentScript, childBin], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    parent.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    try {
      await until(() => /PID \d+/.test(text));
      const pid = Number(/PID (\d+)/.exec(text)![1]);
      expect(alive(pid)).toBe(true);
      parent.kill('SIGKILL');
      await until(() => !alive(pid), 10_000);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

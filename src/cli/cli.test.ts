// The multicall CLI, run as a user runs it: the built bin/kubets in a child process.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/kubets', import.meta.url));
const kubets = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('kubets CLI', () => {
  it.each([
    { args: ['version'], code: 0, out: /^kubets 0\.\d+\.\d+ \(Kubernetes v1\.\d+\.\d+, linux\/amd64, node v20/ },
    { args: ['--version'], code: 0, out: /^kubets 0\.\d+\.\d+/ },
    { args: ['help'], code: 0, out: /Commands:\n(.|\n)*version(.|\n)*help/ },
    { args: ['help', 'version'], code: 0, out: /Usage: kubets version/ },
    { args: [], code: 1, out: /Usage: kubets <command>/ },
  ])('kubets $args exits $code', ({ args, code, out }) => {
    const r = kubets(...args);
    expect(r.status).toBe(code);
    expect(r.stdout).toMatch(out);
  });

  it.each([
    { args: ['frobnicate'], code: 2, err: /unknown command "frobnicate"/ },
    { args: ['version', '--bogus'], code: 2, err: /unknown flag "--bogus"/ },
    { args: ['help', 'nope'], code: 2, err: /unknown command "nope"/ },
  ])('kubets $args fails with a one-line reason', ({ args, code, err }) => {
    const r = kubets(...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(err);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('version -o json carries the Kubernetes version fields', () => {
    const r = kubets('version', '-o', 'json');
    const info = JSON.parse(r.stdout) as Record<string, string>;
    expect(info.major).toBe('1');
    expect(info.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(info.platform).toBe('linux/amd64');
  });
});

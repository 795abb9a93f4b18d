// Tests of `kubets scheduler` argument and --config handling (failures before any connection).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduler } from '../../src/cli/scheduler.js';

describe('kubets scheduler', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-sched-cli-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  afterEach(() => vi.restoreAllMocks());

  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--bogus'], /unknown flag: --bogus/],
    ['no kubeconfig', [], /--kubeconfig FILE is required/],
    ['missing config file', ['--kubeconfig', 'k', '--config', path.join(dir, 'nope.yaml')], /invalid --config/],
    ['wrong apiVersion', ['--kubeconfig', 'k', '--config', file('v1beta1.yaml', 'apiVersion: kubescheduler.config.k8s.io/v1beta1\nkind: KubeSchedulerConfiguration\n')], /no kind "KubeSchedulerConfiguration" is registered/],
    ['unknown plugin', ['--kubeconfig', 'k', '--config', file('bad.yaml', 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled:\n      - name: Nope\n')], /plugin "Nope" does not exist/],
  ];
  it.each(cases)('%s exits 2', async (_n, args, re) => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await scheduler.run(args)).toBe(2);
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(re);
  });
});

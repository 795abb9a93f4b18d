// Table tests of taint/toleration matching, NoSchedule taint computation and taint swapping.
import { describe, expect, it } from 'vitest';
import type { Node, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { matchingTolerations, minTolerationTimeMs, noScheduleTaintDiff, swapTaints, toleratesTaint } from './taints.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  const cases: [string, Toleration, Taint, boolean][] = [
    ['exists with key', { key: unreachable.key, operator: 'Exists' }, unreachable, true],
    ['exists without key matches all', { operator: 'Exists' }, unreachable, true],
    ['effect mismatch', { key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' }, unreachable, false],
    ['key mismatch', { key: 'other', operator: 'Exists' }, unreachable, false],
    ['equal same value', { key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }, true],
    ['equal other value', { key: 'k', operator: 'Equal', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }, false],
    ['equal empty vs missing value', { key: unreachable.key, operator: 'Equal' }, unreachable, true],
    ['unknown operator', { key: unreachable.key, operator: 'Lt' }, unreachable, false],
  ];
  it.each(cases)('%s', (_n, tol, taint, want) => expect(toleratesTaint(tol, taint)).toBe(want));
});

describe('matchingTolerations / minTolerationTimeMs', () => {
  const tol300: Toleration = { key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
  const tol2: Toleration = { operator: 'Exists', tolerationSeconds: 2 };
  const forever: Toleration = { key: unreachable.key, operator: 'Exists' };
  const cases: [string, Taint[], Toleration[], boolean, number][] = [
    ['no taints', [], [], true, 0],
    ['untolerated', [unreachable], [], false, 0],
    ['first matching toleration is used', [unreachable], [tol300, tol2], true, 300_000],
    ['forever', [unreachable], [forever], true, -1],
    ['min over taints', [unreachable, { key: 'x', effect: 'NoExecute' }], [tol300, tol2], true, 2000],
    ['zero seconds means now', [unreachable], [{ ...tol300, tolerationSeconds: 0 }], true, 0],
  ];
  it.each(cases)('%s', (_n, taints, tols, all, min) => {
    const r = matchingTolerations(taints, tols);
    expect(r.allTolerated).toBe(all);
    if (all) expect(minTolerationTimeMs(r.used)).toBe(min);
  });
});

describe('noScheduleTaintDiff', () => {
  const node = (conds: [string, string][], taints: Taint[] = [], unschedulable = false): Node => ({
    metadata: { name: 'n' },
    spec: { taints, unschedulable },
    status: { conditions: conds.map(([type, status]) => ({ type, status })) },
  });
  const cases: [string, Node, string[], string[]][] = [
    ['healthy', node([['Ready', 'True'], ['MemoryPressure', 'False']]), [], []],
    ['unknown', node([['Ready', 'Unknown']]), ['node.kubernetes.io/unreachable'], []],
    ['not ready + disk pressure', node([['Ready', 'False'], ['DiskPressure', 'True']]), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/disk-pressure'], []],
    ['recovered removes stale', node([['Ready', 'True']], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]), [], ['node.kubernetes.io/unreachable']],
    ['foreign taints untouched', node([['Ready', 'True']], [{ key: 'dedicated', effect: 'NoSchedule' }, unreachable]), [], []],
    ['unschedulable', node([['Ready', 'True']], [], true), ['node.kubernetes.io/unschedulable'], []],
    ['already tainted', node([['Ready', 'Unknown']], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]), [], []],
  ];
  it.each(cases)('%s', (_n, n, add, remove) => {
    const d = noScheduleTaintDiff(n);
    expect(d.add.map((t) => t.key)).toEqual(add);
    expect(d.add.every((t) => t.effect === 'NoSchedule')).toBe(true);
    expect(d.remove.map((t) => t.key)).toEqual(remove);
  });
});

describe('swapTaints', () => {
  const now = new Date('2024-05-01T10:00:00.123Z');
  const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
  it('adds with timeAdded and removes the opposite', () => {
    const r = swapTaints([notReady, { key: 'a', effect: 'NoSchedule' }], [unreachable], [notReady], now);
    expect(r.changed).toBe(true);
    expect(r.taints).toEqual([{ key: 'a', effect: 'NoSchedule' }, { ...unreachable, timeAdded: '2024-05-01T10:00:00Z' }]);
  });
  it('is a no-op when already in the wanted state', () => {
    const r = swapTaints([{ ...unreachable, timeAdded: 'x' }], [unreachable], [notReady], now);
    expect(r.changed).toBe(false);
    expect(r.taints[0]!.timeAdded).toBe('x');
  });
  it('removes only matching key and effect', () => {
    const r = swapTaints([unreachable, { key: unreachable.key, effect: 'NoSchedule' }], [], [unreachable], now);
    expect(r.taints).toEqual([{ key: unreachable.key, effect: 'NoSchedule' }]);
  });
});

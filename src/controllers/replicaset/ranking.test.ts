// Unit tests of scale-down ranking: upstream's ActivePodsWithRanks order, deletion cost parsing and getPodsToDelete.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deleteBefore, getPodsToDelete, podDeletionCost, rankByRelatedPodsOnSameNode, POD_DELETION_COST_ANNOTATION } from './ranking.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface P {
  name?: string;
  uid?: string;
  node?: string;
  phase?: string;
  ready?: number | false; // seconds ago it became ready
  cost?: string;
  restarts?: number;
  sidecarRestarts?: number;
  created?: number; // seconds ago
}

function pod(p: P): Pod {
  return {
    metadata: {
      name: p.name ?? 'p',
      uid: p.uid ?? p.name ?? 'u',
      ...(p.created !== undefined ? { creationTimestamp: ago(p.created) } : {}),
      ...(p.cost !== undefined ? { annotations: { [POD_DELETION_COST_ANNOTATION]: p.cost } } : {}),
    },
    spec: {
      containers: [{ name: 'c' }],
      ...(p.node ? { nodeName: p.node } : {}),
      ...(p.sidecarRestarts !== undefined ? { initContainers: [{ name: 'side', restartPolicy: 'Always' }] } : {}),
    },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.ready === undefined || p.ready === false ? [{ type: 'Ready', status: 'False' }] : [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.ready) }],
      containerStatuses: [{ name: 'c', restartCount: p.restarts ?? 0 } as never],
      ...(p.sidecarRestarts !== undefined ? { initContainerStatuses: [{ name: 'side', restartCount: p.sidecarRestarts } as never] } : {}),
    },
  };
}

describe('podDeletionCost', () => {
  it.each<[string | undefined, number]>([
    [undefined, 0],
    ['0', 0],
    ['100', 100],
    ['-5', -5],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
    ['2147483648', 0],
    ['+10', 0],
    ['008', 0],
    ['1.5', 0],
    ['abc', 0],
    ['', 0],
    ['-', 0],
  ])('%s -> %d', (v, want) => {
    expect(podDeletionCost(v === undefined ? undefined : { [POD_DELETION_COST_ANNOTATION]: v })).toBe(want);
  });
});

describe('deleteBefore (first is deleted before second)', () => {
  const base: P = { node: 'n1', phase: 'Running', ready: 3600, created: 7200 };
  it.each<{ name: string; first: P; second: P; rankFirst?: number; rankSecond?: number }>([
    { name: 'unassigned before assigned', first: { ...base, node: '' }, second: base },
    { name: 'Pending before Unknown', first: { ...base, phase: 'Pending', ready: false }, second: { ...base, phase: 'Unknown', ready: false } },
    { name: 'Unknown before Running', first: { ...base, phase: 'Unknown' }, second: base },
    { name: 'Pending before Running', first: { ...base, phase: 'Pending' }, second: base },
    { name: 'not ready before ready', first: { ...base, ready: false }, second: base },
    { name: 'lower deletion cost first', first: { ...base, cost: '-1' }, second: { ...base, cost: '10', ready: 10 } },
    { name: 'deletion cost beats readiness time', first: { ...base, cost: '1', ready: 100000 }, second: { ...base, cost: '2', ready: 1 } },
    { name: 'more doubled up first', first: base, second: base, rankFirst: 3, rankSecond: 1 },
    { name: 'recently ready first', first: { ...base, ready: 10, name: 'a' }, second: { ...base, ready: 100000, name: 'b' } },
    { name: 'more restarts first', first: { ...base, restarts: 5, name: 'z' }, second: { ...base, restarts: 1, name: 'a' } },
    { name: 'more sidecar restarts first at equal restarts', first: { ...base, sidecarRestarts: 3, name: 'z' }, second: { ...base, sidecarRestarts: 0, name: 'a' } },
    { name: 'newer first', first: { ...base, created: 10, name: 'z' }, second: { ...base, created: 100000, name: 'a' } },
    { name: 'missing creation time first', first: { ...base, created: undefined, name: 'z' }, second: { ...base, name: 'a' } },
    { name: 'same log2 age bucket: lower uid first', first: { ...base, created: 3000, uid: 'a' }, second: { ...base, created: 3001, uid: 'b' } },
    { name: 'restarts count before creation time', first: { ...base, restarts: 2, created: 100000 }, second: { ...base, created: 10 } },
  ])('$name', ({ first, second, rankFirst, rankSecond }) => {
    const a = { pod: pod(first), rank: rankFirst ?? 0 };
    const b = { pod: pod(second), rank: rankSecond ?? 0 };
    expect(deleteBefore(a, b, NOW)).toBe(true);
    expect(deleteBefore(b, a, NOW)).toBe(false);
  });

  it('identical pods are not ordered', () => {
    const a = { pod: pod({ ...base }), rank: 0 };
    expect(deleteBefore(a, { pod: pod({ ...base }), rank: 0 }, NOW)).toBe(false);
  });
});

describe('rankByRelatedPodsOnSameNode', () => {
  it('counts active related pods per node', () => {
    const pods = [pod({ name: 'a', node: 'n1' }), pod({ name: 'b', node: 'n2' }), pod({ name: 'c' })];
    const related = [...pods, pod({ name: 'd', node: 'n1' }), pod({ name: 'e', node: 'n1', phase: 'Succeeded' }), pod({ name: 'f' })];
    expect(rankByRelatedPodsOnSameNode(pods, related).map((r) => r.rank)).toEqual([2, 1, 2]);
  });
});

describe('getPodsToDelete', () => {
  const pods = [
    pod({ name: 'old-ready', node: 'n1', ready: 90000, created: 100000 }),
    pod({ name: 'pending', node: 'n1', phase: 'Pending', ready: false, created: 5 }),
    pod({ name: 'unassigned', phase: 'Pending', ready: false, created: 50 }),
    pod({ name: 'new-ready', node: 'n2', ready: 10, created: 20 }),
    pod({ name: 'not-ready', node: 'n2', ready: false, created: 1000 }),
  ];
  it.each<[number, string[]]>([
    [0, []],
    [1, ['unassigned']],
    [2, ['unassigned', 'pending']],
    [3, ['unassigned', 'pending', 'not-ready']],
    [4, ['unassigned', 'pending', 'not-ready', 'new-ready']],
  ])('diff %d', (diff, want) => {
    expect(getPodsToDelete(pods, pods, diff, NOW).map((p) => p.metadata!.name)).toEqual(want);
  });
  it('all of them without ordering when diff covers every pod', () => {
    expect(getPodsToDelete(pods, pods, 5, NOW).map((p) => p.metadata!.name)).toEqual(pods.map((p) => p.metadata!.name));
  });
  it('prefers pods on the node crowded with related pods', () => {
    const mine = [pod({ name: 'on-n1', node: 'n1', ready: 3600, created: 3600 }), pod({ name: 'on-n2', node: 'n2', ready: 3600, created: 3600 })];
    const related = [...mine, pod({ name: 'x', node: 'n2' }), pod({ name: 'y', node: 'n2' })];
    expect(getPodsToDelete(mine, related, 1, NOW).map((p) => p.metadata!.name)).toEqual(['on-n2']);
    expect(getPodsToDelete(mine, mine, 1, NOW).map((p) => p.metadata!.name)).toHaveLength(1);
  });
});

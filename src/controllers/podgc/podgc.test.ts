// Pod GC selection: terminated pods beyond the threshold (evicted and oldest first), unscheduled terminating pods.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { terminatedPodsToDelete, unscheduledTerminatingPods } from './podgc.js';

const pod = (name: string, phase: string, created: string, extra: { reason?: string; node?: string; deleting?: boolean } = {}): Pod => ({
  metadata: { name, namespace: 'd', creationTimestamp: created, ...(extra.deleting ? { deletionTimestamp: created } : {}) },
  spec: { containers: [], ...(extra.node ? { nodeName: extra.node } : {}) },
  status: { phase, ...(extra.reason ? { reason: extra.reason } : {}) },
});

describe('podgc', () => {
  const pods = [
    pod('new', 'Succeeded', '2024-01-03T00:00:00Z'),
    pod('old', 'Failed', '2024-01-01T00:00:00Z'),
    pod('mid', 'Succeeded', '2024-01-02T00:00:00Z'),
    pod('evicted', 'Failed', '2024-01-04T00:00:00Z', { reason: 'Evicted' }),
    pod('running', 'Running', '2023-01-01T00:00:00Z'),
  ];
  it.each([
    [10, []],
    [4, []],
    [2, ['evicted', 'old']],
    [1, ['evicted', 'old', 'mid']],
    [0, []],
  ] as const)('threshold %d', (threshold, want) => expect(terminatedPodsToDelete(pods, threshold).map((p) => p.metadata!.name)).toEqual(want));
  it('unscheduled terminating pods', () => {
    const ps = [pod('a', 'Pending', '2024-01-01T00:00:00Z', { deleting: true }), pod('b', 'Running', '2024-01-01T00:00:00Z', { deleting: true, node: 'n' }), pod('c', 'Pending', '2024-01-01T00:00:00Z')];
    expect(unscheduledTerminatingPods(ps).map((p) => p.metadata!.name)).toEqual(['a']);
  });
});

// Table-driven tests of the namespace controller's pure parts: conditions, estimates, leftovers, resource selection.
import { describe, expect, it } from 'vitest';
import type { NamespaceStatus } from 'kubernetes-types/core/v1.js';
import { lookupResource } from '../../api/resources.js';
import { CONDITION_TYPES, NamespaceConditionUpdater, updateConditions } from './conditions.js';
import { remainingRequeueMs } from './controller.js';
import { estimateForPods, gvrString, judgeRemaining, namespacedDeletableResources } from './deleter.js';

const T0 = new Date('2024-05-01T10:00:00.123Z');
const T1 = new Date('2024-05-01T10:00:30Z');

describe('NamespaceConditionUpdater', () => {
  it('sets every condition to its ok variant when nothing failed', () => {
    const status: NamespaceStatus = {};
    const u = new NamespaceConditionUpdater(() => T0);
    expect(u.update(status)).toBe(true);
    expect(status.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'False', 'ContentRemoved'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentRemoved'],
    ]);
    expect(status.conditions![0]!.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
    expect(new NamespaceConditionUpdater(() => T1).update(status)).toBe(false);
  });

  it('reports remaining content, finalizers and content failures with upstream messages', () => {
    const status: NamespaceStatus = {};
    const u = new NamespaceConditionUpdater(() => T0);
    u.processContentTotals({
      remainingByResource: new Map([['pods.', 2], ['deployments.apps', 1], ['secrets.', 0]]),
      remainingByFinalizer: new Map([['example.com/b', 1], ['example.com/a', 3]]),
    });
    u.processDeleteContentErr('z failed');
    u.processDeleteContentErr('a failed');
    u.update(status);
    const get = (t: string) => status.conditions!.find((c) => c.type === t)!;
    expect(get('NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances' });
    expect(get('NamespaceFinalizersRemaining')).toMatchObject({ status: 'True', reason: 'SomeFinalizerRemain', message: 'Some finalizers are remaining: example.com/a in 3 resource instances, example.com/b in 1 resource instances' });
    expect(get('NamespaceDeletionContentFailure')).toMatchObject({ status: 'True', reason: 'ContentDeletionFailed', message: 'Failed to delete all resource types, 2 remaining: a failed, z failed' });
  });

  it('moves lastTransitionTime only when the status flips', () => {
    const status: NamespaceStatus = {};
    const u = new NamespaceConditionUpdater(() => T0);
    u.processContentTotals({ remainingByResource: new Map([['pods.', 1]]), remainingByFinalizer: new Map() });
    u.update(status);
    const before = status.conditions!.find((c) => c.type === 'NamespaceContentRemaining')!;
    expect(before.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
    // Same status, new message: time kept.
    const u2 = new NamespaceConditionUpdater(() => T1);
    u2.processContentTotals({ remainingByResource: new Map([['pods.', 2]]), remainingByFinalizer: new Map() });
    expect(u2.update(status)).toBe(true);
    expect(status.conditions!.find((c) => c.type === 'NamespaceContentRemaining')!.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
    // Flip to False: time moves.
    expect(updateConditions(status, [], T1)).toBe(true);
    const after = status.conditions!.find((c) => c.type === 'NamespaceContentRemaining')!;
    expect(after).toMatchObject({ status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed', lastTransitionTime: '2024-05-01T10:00:30Z' });
    expect(status.conditions!.length).toBe(CONDITION_TYPES.length);
  });
});

describe('estimateForPods', () => {
  const pod = (grace: number | undefined, phase = 'Running') => ({ spec: { containers: [], ...(grace === undefined ? {} : { terminationGracePeriodSeconds: grace }) }, status: { phase } });
  it.each([
    { pods: [], now: T0, want: 0 },
    { pods: [pod(30), pod(10)], now: new Date(T0.getTime() + 1000), want: 30 },
    { pods: [pod(60, 'Succeeded'), pod(5)], now: T0, want: 5 },
    { pods: [pod(30)], now: new Date(T0.getTime() + 30_000), want: 0 },
    { pods: [pod(undefined)], now: T0, want: 0 },
  ])('%#', ({ pods, now, want }) => {
    expect(estimateForPods(pods as any, T0, now)).toBe(want);
  });
});

describe('judgeRemaining', () => {
  const pods = lookupResource('', 'v1', 'pods')!;
  it.each([
    { items: [], estimate: 0, want: { estimateSeconds: 0, remaining: 0 } },
    { items: [{ metadata: {} }], estimate: 20, want: { estimateSeconds: 20, remaining: 1 } },
    { items: [{ metadata: { finalizers: ['f'] } }, { metadata: { finalizers: ['f'] } }], estimate: 0, want: { estimateSeconds: 15, remaining: 2 } },
    { items: [{ metadata: {} }], estimate: 0, want: { estimateSeconds: 0, remaining: 1, error: 'unexpected items still remain in namespace: ns for gvr: { v1 pods}' } },
  ])('%#', ({ items, estimate, want }) => {
    expect(judgeRemaining(pods, 'ns', items, estimate)).toMatchObject(want);
  });
  it('counts finalizers', () => {
    expect(judgeRemaining(pods, 'ns', [{ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['a'] } }], 0).finalizers).toEqual(new Map([['a', 2], ['b', 1]]));
  });
});

describe('resources and timing', () => {
  const names = namespacedDeletableResources().map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource));
  it.each(['pods', 'configmaps', 'secrets', 'services', 'events', 'deployments.apps', 'leases.coordination.k8s.io'])('deletes %s', (n) => expect(names).toContain(n));
  it.each(['bindings', 'namespaces', 'nodes', 'localsubjectaccessreviews.authorization.k8s.io'])('skips %s', (n) => expect(names).not.toContain(n));
  it('formats GVRs as Go does', () => {
    expect(gvrString(lookupResource('apps', 'v1', 'deployments')!)).toBe('{apps v1 deployments}');
  });
  it.each([
    [0, 1000],
    [15, 8000],
    [30, 16000],
  ])('requeue after estimate %i s: %i ms', (e, ms) => expect(remainingRequeueMs(e)).toBe(ms));
});

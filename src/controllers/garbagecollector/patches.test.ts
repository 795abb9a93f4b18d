// Table-driven tests of the garbage collector's pure helpers: monitored resources, classification, patches.
import { describe, expect, it } from 'vitest';
import type { OwnerReference } from './graph.js';
import {
  LruSet,
  RestMappingError,
  classifyReferences,
  deletableResources,
  deleteOwnerRefsPatch,
  propagationFor,
  removeFinalizerPatch,
  resolveKind,
  unblockOwnerRefsPatch,
} from './patches.js';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `n${uid}`, uid, ...extra });

describe('deletableResources', () => {
  const names = deletableResources().map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource));
  it.each(['pods', 'configmaps', 'secrets', 'namespaces', 'replicasets.apps', 'jobs.batch', 'leases.coordination.k8s.io'])('monitors %s', (n) => {
    expect(names).toContain(n);
  });
  it.each(['events', 'events.events.k8s.io', 'bindings', 'componentstatuses', 'tokenreviews.authentication.k8s.io'])('skips %s', (n) => {
    expect(names).not.toContain(n);
  });
});

describe('resolveKind', () => {
  it.each([
    { av: 'v1', kind: 'Pod', want: { group: '', version: 'v1', resource: 'pods', namespaced: true } },
    { av: 'apps/v1', kind: 'ReplicaSet', want: { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } },
    { av: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', want: { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', namespaced: true } },
    { av: 'v1', kind: 'Node', want: { group: '', version: 'v1', resource: 'nodes', namespaced: false } },
  ])('$av $kind', ({ av, kind, want }) => {
    expect(resolveKind(av, kind)).toEqual(want);
  });
  it('throws a RestMappingError for an unknown kind', () => {
    expect(() => resolveKind('example.com/v1', 'Widget')).toThrow(RestMappingError);
  });
});

describe('classifyReferences', () => {
  it('splits solid, dangling and waiting references', () => {
    const refs = [ref('1'), ref('2'), ref('3'), ref('4')];
    const out = classifyReferences(refs, [
      { uid: '1' },
      undefined,
      { uid: 'other' },
      { uid: '4', deletionTimestamp: 't', finalizers: ['foregroundDeletion'] },
    ]);
    expect(out.solid.map((r) => r.uid)).toEqual(['1']);
    expect(out.dangling.map((r) => r.uid)).toEqual(['2', '3']);
    expect(out.waiting.map((r) => r.uid)).toEqual(['4']);
  });
});

describe('patches', () => {
  it.each([
    { refs: [ref('1'), ref('2')], drop: ['1'], want: { metadata: { resourceVersion: '7', ownerReferences: [ref('2')] } } },
    { refs: [ref('1')], drop: ['1'], want: { metadata: { resourceVersion: '7', ownerReferences: null } } },
    { refs: [ref('1')], drop: ['9'], want: undefined },
  ])('deleteOwnerRefsPatch %#', ({ refs, drop, want }) => {
    expect(deleteOwnerRefsPatch(refs, drop, '7')).toEqual(want);
  });

  it.each([
    { refs: [ref('1', { blockOwnerDeletion: true }), ref('2')], want: { metadata: { resourceVersion: '3', ownerReferences: [ref('1', { blockOwnerDeletion: false }), ref('2')] } } },
    { refs: [ref('1', { blockOwnerDeletion: false })], want: undefined },
  ])('unblockOwnerRefsPatch %#', ({ refs, want }) => {
    expect(unblockOwnerRefsPatch(refs, '3')).toEqual(want);
  });

  it.each([
    { fins: ['foregroundDeletion'], f: 'foregroundDeletion', want: { metadata: { resourceVersion: '5', finalizers: null } } },
    { fins: ['a', 'orphan'], f: 'orphan', want: { metadata: { resourceVersion: '5', finalizers: ['a'] } } },
    { fins: ['a'], f: 'orphan', want: undefined },
    { fins: undefined, f: 'orphan', want: undefined },
  ])('removeFinalizerPatch %#', ({ fins, f, want }) => {
    expect(removeFinalizerPatch(fins, f, '5')).toEqual(want);
  });

  it.each([
    { fins: undefined, want: 'Background' },
    { fins: ['orphan'], want: 'Orphan' },
    { fins: ['foregroundDeletion'], want: 'Foreground' },
    { fins: ['x'], want: 'Background' },
  ])('propagationFor $fins', ({ fins, want }) => {
    expect(propagationFor(fins)).toBe(want);
  });
});

describe('LruSet', () => {
  it('evicts the least recently used key', () => {
    const s = new LruSet(2);
    s.add('a');
    s.add('b');
    expect(s.has('a')).toBe(true);
    s.add('c');
    expect(s.has('b')).toBe(false);
    expect(s.has('a')).toBe(true);
    expect(s.size).toBe(2);
  });
});

// Table-driven tests of the garbage collector's dependency graph.
import { describe, expect, it } from 'vitest';
import { DependencyGraph, deletionStartsWithFinalizer, referencesDiffs, type GraphNode, type ObjectIdentity, type OwnerReference } from './graph.js';

const id = (name: string, uid: string, namespace = 'ns', kind = 'ConfigMap'): ObjectIdentity => ({ apiVersion: 'v1', kind, name, uid, namespace });
const ref = (name: string, uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...extra });

function setup() {
  const log = { del: [] as string[], orphan: [] as string[], absent: [] as string[], invalid: [] as string[] };
  const g = new DependencyGraph({
    attemptToDelete: (n: GraphNode) => log.del.push(n.identity.name),
    attemptToOrphan: (n: GraphNode) => log.orphan.push(n.identity.name),
    absent: (i) => log.absent.push(i.name),
    invalidNamespace: (d, r) => log.invalid.push(`${d.identity.name}->${r.name}`),
  });
  return { g, log };
}

describe('DependencyGraph', () => {
  it('links dependents to observed owners and creates (and queues) virtual owners', () => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1'), {});
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('owner', 'u1'), ref('ghost', 'u9')] });
    expect([...g.get('u1')!.dependents].map((d) => d.identity.name)).toEqual(['dep']);
    expect(g.get('u9')!.observed).toBe(false);
    expect(g.get('u9')!.identity.namespace).toBe('ns');
    expect(log.del).toEqual(['ghost']);
  });

  it('an observed delete queues the dependents and records the owner as absent', () => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1'), {});
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('owner', 'u1')] });
    g.observeDeleted(id('owner', 'u1'));
    expect(g.get('u1')).toBeUndefined();
    expect(log.del).toEqual(['dep']);
    expect(log.absent).toEqual(['owner']);
  });

  it('deleting a dependent re-queues an owner that is deleting its dependents', () => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1'), {});
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('owner', 'u1', { blockOwnerDeletion: true })] });
    g.observe(id('owner', 'u1'), { deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }, {});
    expect(g.get('u1')!.deletingDependents).toBe(true);
    expect(g.get('u1')!.blockingDependents().map((d) => d.identity.name)).toEqual(['dep']);
    expect(log.del).toEqual(['dep', 'owner']);
    g.observeDeleted(id('dep', 'u2'));
    expect(log.del).toEqual(['dep', 'owner', 'owner']);
    expect(g.get('u1')!.blockingDependents()).toEqual([]);
  });

  const transitions: { name: string; prev: any; next: any; orphan: string[]; del: string[] }[] = [
    { name: 'orphan finalizer appears with deletion', prev: {}, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, orphan: ['owner'], del: [] },
    { name: 'already orphaning: no new transition', prev: { deletionTimestamp: 't', finalizers: ['orphan'] }, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, orphan: [], del: [] },
    { name: 'foreground deletion starts', prev: {}, next: { deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }, orphan: [], del: ['dep', 'owner'] },
    { name: 'deletion without GC finalizers', prev: {}, next: { deletionTimestamp: 't', finalizers: ['x'] }, orphan: [], del: [] },
  ];
  it.each(transitions)('transition: $name', ({ prev, next, orphan, del }) => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1'), prev);
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('owner', 'u1')] });
    log.orphan.length = 0;
    log.del.length = 0;
    g.observe(id('owner', 'u1'), next, prev);
    expect(log.orphan).toEqual(orphan);
    expect(log.del).toEqual(del);
  });

  it('removing or unblocking a blocking reference queues the owner', () => {
    const { g, log } = setup();
    g.observe(id('a', 'ua'), {});
    g.observe(id('b', 'ub'), {});
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('a', 'ua', { blockOwnerDeletion: true }), ref('b', 'ub', { blockOwnerDeletion: true })] });
    log.del.length = 0;
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('b', 'ub', { blockOwnerDeletion: false })] });
    expect(log.del.sort()).toEqual(['a', 'b']);
    expect(g.get('ua')!.dependents.size).toBe(0);
    expect(g.get('ub')!.dependents.size).toBe(1);
  });

  it('a virtual delete removes a virtual owner and queues its dependents', () => {
    const { g, log } = setup();
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('ghost', 'u9')] });
    log.del.length = 0;
    g.virtualDelete(id('ghost', 'u9'));
    expect(g.get('u9')).toBeUndefined();
    expect(log.del).toEqual(['dep']);
    expect(log.absent).toEqual(['ghost']);
  });

  it('a virtual delete under other coordinates keeps an observed node', () => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1'), {});
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('wrong-name', 'u1')] });
    log.del.length = 0;
    g.virtualDelete(id('wrong-name', 'u1'));
    expect(g.get('u1')!.observed).toBe(true);
    expect(log.del).toEqual(['dep']);
  });

  it('a dependent in another namespace than its observed owner is reported and queued', () => {
    const { g, log } = setup();
    g.observe(id('owner', 'u1', 'a'), {});
    g.observe(id('dep', 'u2', 'b'), { ownerReferences: [ref('owner', 'u1')] });
    expect(log.invalid).toEqual(['dep->owner']);
    expect(log.del).toEqual(['dep']);
  });

  it('observing a virtual owner marks it observed', () => {
    const { g } = setup();
    g.observe(id('dep', 'u2'), { ownerReferences: [ref('owner', 'u1')] });
    g.observe(id('owner', 'u1'), {});
    expect(g.get('u1')!.observed).toBe(true);
    expect(g.get('u1')!.dependents.size).toBe(1);
  });
});

describe('referencesDiffs', () => {
  it.each([
    { old: [ref('a', '1')], next: [ref('a', '1')], added: [], removed: [], changed: 0 },
    { old: [ref('a', '1')], next: [ref('b', '2')], added: ['2'], removed: ['1'], changed: 0 },
    { old: [ref('a', '1', { blockOwnerDeletion: true })], next: [ref('a', '1')], added: [], removed: [], changed: 1 },
  ])('diffs $old.length → $next.length', ({ old, next, added, removed, changed }) => {
    const d = referencesDiffs(old, next);
    expect(d.added.map((r) => r.uid)).toEqual(added);
    expect(d.removed.map((r) => r.uid)).toEqual(removed);
    expect(d.changed.length).toBe(changed);
  });
});

describe('deletionStartsWithFinalizer', () => {
  it.each([
    { prev: undefined, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, want: true },
    { prev: { finalizers: ['orphan'] }, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, want: true },
    { prev: { deletionTimestamp: 't', finalizers: [] }, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, want: true },
    { prev: { deletionTimestamp: 't', finalizers: ['orphan'] }, next: { deletionTimestamp: 't', finalizers: ['orphan'] }, want: false },
    { prev: undefined, next: { finalizers: ['orphan'] }, want: false },
  ])('%#', ({ prev, next, want }) => {
    expect(deletionStartsWithFinalizer(prev, next, 'orphan')).toBe(want);
  });
});

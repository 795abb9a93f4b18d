// Tests for the informer store: keys, indexes kept in step with updates/deletes, freezing.
import { describe, it, expect } from 'vitest';
import { NAMESPACE_INDEX, Store, metaKey, splitMetaKey } from './store.js';

const pod = (ns: string | undefined, name: string, node = '') => ({ metadata: { name, ...(ns ? { namespace: ns } : {}) }, spec: { nodeName: node } });

describe('metaKey', () => {
  it.each([
    [pod('default', 'a'), 'default/a'],
    [pod(undefined, 'n1'), 'n1'],
    [{}, ''],
  ])('%j -> %s', (obj, key) => {
    expect(metaKey(obj)).toBe(key);
  });
  it('splits keys back', () => {
    expect(splitMetaKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitMetaKey('a')).toEqual({ namespace: '', name: 'a' });
  });
});

describe('Store', () => {
  it('indexes by namespace and custom indexers and keeps them in step', () => {
    const s = new Store<ReturnType<typeof pod>>({ node: (p) => (p.spec.nodeName ? [p.spec.nodeName] : []) });
    s.put(pod('a', 'p1', 'n1'));
    s.put(pod('a', 'p2', 'n2'));
    s.put(pod('b', 'p3', 'n1'));
    expect(s.byIndex(NAMESPACE_INDEX, 'a').map(metaKey).sort()).toEqual(['a/p1', 'a/p2']);
    expect(s.byIndex('node', 'n1').map(metaKey).sort()).toEqual(['a/p1', 'b/p3']);
    // move p1 to n2
    const { old } = s.put(pod('a', 'p1', 'n2'));
    expect(old?.spec.nodeName).toBe('n1');
    expect(s.byIndex('node', 'n1').map(metaKey)).toEqual(['b/p3']);
    expect(s.byIndex('node', 'n2').map(metaKey).sort()).toEqual(['a/p1', 'a/p2']);
    expect(s.remove('b/p3')?.metadata.name).toBe('p3');
    expect(s.byIndex('node', 'n1')).toEqual([]);
    expect(s.keys().sort()).toEqual(['a/p1', 'a/p2']);
    expect(s.get('a/p2')?.spec.nodeName).toBe('n2');
    expect(() => s.byIndex('nope', 'x')).toThrow(/does not exist/);
  });

  it('indexers added later index existing objects; conflicts throw', () => {
    const s = new Store<ReturnType<typeof pod>>();
    s.put(pod('a', 'p1', 'n1'));
    s.addIndexers({ node: (p) => [p.spec.nodeName] });
    expect(s.byIndex('node', 'n1').length).toBe(1);
    expect(() => s.addIndexers({ node: () => [] })).toThrow(/conflict/);
  });

  it('deep-freezes stored objects', () => {
    const s = new Store<ReturnType<typeof pod>>();
    const { obj } = s.put(pod('a', 'p1', 'n1'));
    expect(Object.isFrozen(obj)).toBe(true);
    expect(Object.isFrozen(obj.metadata)).toBe(true);
    expect(Object.isFrozen(obj.spec)).toBe(true);
    expect(() => {
      (obj.spec as { nodeName: string }).nodeName = 'x';
    }).toThrow(TypeError);
  });
});

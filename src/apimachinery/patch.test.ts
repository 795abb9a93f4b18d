// JSON merge patch and JSON patch: the RFC 7386 and RFC 6902 example tables, plus the error cases.
import { describe, it, expect } from 'vitest';
import { applyJsonPatch, applyMergePatch, createMergePatch, PatchError, type Json } from './patch.js';

describe('JSON merge patch (RFC 7386 appendix A)', () => {
  it.each<[Json, Json, Json]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => {
    const before = JSON.stringify(target);
    expect(applyMergePatch(target, patch)).toEqual(result);
    expect(JSON.stringify(target)).toBe(before); // the target is not modified
  });

  it.each<[Json, Json]>([
    [{ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 4 }, e: [1] }],
    [{ metadata: { labels: { app: 'web', tier: 'x' } } }, { metadata: { labels: { app: 'web' } } }],
    [{ a: [1, 2] }, { a: [2, 1] }],
  ])('createMergePatch(%j, %j) round-trips', (from, to) => {
    expect(applyMergePatch(from, createMergePatch(from, to))).toEqual(to);
  });
});

describe('JSON patch (RFC 6902 appendix A)', () => {
  it.each<[string, Json, unknown, Json]>([
    ['add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['add a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['add to the end of an array', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['escaped pointer tokens', { 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }], { 'a/b': 3 }],
    ['test then copy', { foo: { bar: 1 } }, [{ op: 'test', path: '/foo/bar', value: 1 }, { op: 'copy', from: '/foo', path: '/baz' }], { foo: { bar: 1 }, baz: { bar: 1 } }],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
  ])('%s', (_name, doc, ops, result) => {
    const before = JSON.stringify(doc);
    expect(applyJsonPatch(doc, ops)).toEqual(result);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it.each<[string, Json, unknown, RegExp]>([
    ['remove a missing key', { foo: 'bar' }, [{ op: 'remove', path: '/baz' }], /nonexistent key "baz"/],
    ['add below a missing key', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /"\/baz\/bat" does not exist/],
    ['failed test', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /test failed/],
    ['index out of bounds', { foo: [1] }, [{ op: 'add', path: '/foo/5', value: 2 }], /out of bounds/],
    ['bad index', { foo: [1] }, [{ op: 'replace', path: '/foo/01', value: 2 }], /invalid array index "01"/],
    ['not an array', { foo: 1 }, { op: 'add' }, /must be an array/],
    ['missing value', { foo: 1 }, [{ op: 'add', path: '/x' }], /needs a value/],
    ['unknown op', { foo: 1 }, [{ op: 'frob', path: '/foo' }], /unexpected kind: frob/],
    ['pointer without slash', { foo: 1 }, [{ op: 'remove', path: 'foo' }], /must start with "\/"/],
    ['move into own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/c' }], /own child/],
  ])('%s fails with PatchError', (_name, doc, ops, message) => {
    expect(() => applyJsonPatch(doc, ops)).toThrow(PatchError);
    expect(() => applyJsonPatch(doc, ops)).toThrow(message);
  });

  it('is atomic: a failing later operation leaves nothing applied', () => {
    const doc = { a: 1 };
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/a', value: 9 }])).toThrow(PatchError);
    expect(doc).toEqual({ a: 1 });
  });
});

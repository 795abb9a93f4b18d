// Unit tests of the ControllerRevision helpers: FNV hashes, safe encoding, canonical JSON, naming, ordering, truncation.
import { describe, expect, it } from 'vitest';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import {
  canonicalJson,
  controllerRevisionName,
  equalRevision,
  fnv32,
  fnv32a,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  revisionsToTruncate,
  safeEncodeString,
  sortControllerRevisions,
  templateFromRevision,
  templatePatch,
} from './history.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('fnv', () => {
  it.each([
    ['', 0x811c9dc5, 0x811c9dc5],
    ['a', 0x050c5d7e, 0xe40c292c],
    ['foobar', 0x31f0b262, 0xbf9cf968],
  ])('%j', (s, one, oneA) => {
    expect(fnv32(bytes(s))).toBe(one);
    expect(fnv32a(bytes(s))).toBe(oneA);
  });
  it('continues from a seed like writing twice', () => {
    expect(fnv32(bytes('bar'), fnv32(bytes('foo')))).toBe(fnv32(bytes('foobar')));
  });
});

describe('safeEncodeString', () => {
  it.each([
    ['0', '4'], // '0' = 48, 48 % 27 = 21 -> '4'
    ['123', '567'],
    ['', ''],
  ])('%j -> %j', (s, want) => expect(safeEncodeString(s)).toBe(want));
});

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: [1, 'x'], c: { z: null, y: true } }, '{"a":[1,"x"],"b":1,"c":{"y":true,"z":null}}'],
    [{ s: '<a&b>' }, '{"s":"\\u003ca\\u0026b\\u003e"}'],
    [{ u: undefined, v: 1 }, '{"v":1}'],
  ])('%j', (v, want) => expect(canonicalJson(v)).toBe(want));
});

describe('template patches', () => {
  const set = { spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'i' }] }, metadata: { labels: { app: 'a' } } } } };
  it('records only the template with $patch replace, keys sorted', () => {
    expect(templatePatch(set)).toBe('{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"image":"i","name":"c"}]}}}}');
  });
  it('round-trips the template', () => {
    expect(templateFromRevision({ data: JSON.parse(templatePatch(set)) })).toEqual(set.spec.template);
  });
  it('does not depend on replicas', () => {
    expect(templatePatch({ ...set, spec: { ...set.spec, replicas: 5 } })).toBe(templatePatch(set));
  });
});

describe('revision naming', () => {
  it('hashes deterministically, the probe changes the hash', () => {
    const h0 = hashControllerRevision('{"a":1}');
    expect(h0).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(hashControllerRevision('{"a":1}')).toBe(h0);
    expect(hashControllerRevision('{"a":1}', 0)).not.toBe(h0);
    expect(hashControllerRevision('{"a":1}', 1)).not.toBe(hashControllerRevision('{"a":1}', 0));
    expect(hashControllerRevision('{"a":2}')).not.toBe(h0);
  });
  it('truncates long prefixes', () => {
    expect(controllerRevisionName('web', 'abc')).toBe('web-abc');
    expect(controllerRevisionName('x'.repeat(300), 'abc')).toBe(`${'x'.repeat(223)}-abc`);
  });
  it('builds a revision with labels, hash label and owner', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
    const r = newControllerRevision({ metadata: { name: 'web', namespace: 'ns' } }, ref, { app: 'a' }, '{"x":1}', 3, 0);
    const hash = hashControllerRevision('{"x":1}', 0);
    expect(r.metadata?.name).toBe(`web-${hash}`);
    expect(r.metadata?.labels).toEqual({ app: 'a', 'controller.kubernetes.io/hash': hash });
    expect(r.revision).toBe(3);
    expect(r.data).toEqual({ x: 1 });
    expect(r.metadata?.ownerReferences).toEqual([ref]);
  });
});

const rev = (name: string, revision: number, ts = '2024-01-01T00:00:00Z', data: unknown = { n: name }): ControllerRevision => ({
  metadata: { name, creationTimestamp: ts },
  revision,
  data: data as object,
});

describe('ordering and truncation', () => {
  it('sorts by revision, then time, then name', () => {
    const got = sortControllerRevisions([rev('c', 2), rev('b', 1, '2024-01-02T00:00:00Z'), rev('a', 1, '2024-01-02T00:00:00Z'), rev('z', 1)]);
    expect(got.map((r) => r.metadata?.name)).toEqual(['z', 'a', 'b', 'c']);
  });
  it('nextRevision', () => {
    expect(nextRevision([])).toBe(1);
    expect(nextRevision([rev('a', 4), rev('b', 2)])).toBe(5);
  });
  it('equalRevision compares data', () => {
    expect(equalRevision(rev('a', 1, undefined, { x: 1, y: 2 }), rev('b', 2, undefined, { y: 2, x: 1 }))).toBe(true);
    expect(equalRevision(rev('a', 1, undefined, { x: 1 }), rev('b', 2, undefined, { x: 2 }))).toBe(false);
    expect(equalRevision(undefined, undefined)).toBe(true);
  });
  it.each<[string, string[], number, string[]]>([
    ['under the limit', [], 10, []],
    ['oldest non-live first', ['r2'], 1, ['r1', 'r3']],
    ['limit 0 keeps only live', ['r3'], 0, ['r1', 'r2', 'r4']],
  ])('%s', (_n, live, limit, want) => {
    const revs = [rev('r1', 1), rev('r2', 2), rev('r3', 3), rev('r4', 4)];
    const out = revisionsToTruncate(limit === 10 ? revs.slice(0, 2) : revs, new Set(live), limit);
    expect(out.map((r) => r.metadata?.name)).toEqual(want);
  });
});

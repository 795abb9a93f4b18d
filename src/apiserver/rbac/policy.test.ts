// PolicyRule semantics: upstream Covers, CompactRules and CompactString.
import { describe, it, expect } from 'vitest';
import { coversAll, compactRules, compactString, breakdownRule, ruleEquals, type PolicyRule } from './policy.js';

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

describe('coversAll', () => {
  it.each<[string, PolicyRule[], PolicyRule[], boolean]>([
    ['same verbs subset', [rule(['get', 'list'], [''], ['pods'])], [rule(['get'], [''], ['pods'])], true],
    ['missing verb', [rule(['get', 'list'], [''], ['pods'])], [rule(['get', 'delete'], [''], ['pods'])], false],
    ['star verb', [rule(['*'], [''], ['pods'])], [rule(['escalate'], [''], ['pods'])], true],
    ['star group', [rule(['get'], ['*'], ['pods'])], [rule(['get'], ['apps', 'x.io'], ['pods'])], true],
    ['other group', [rule(['get'], [''], ['pods'])], [rule(['get'], ['apps'], ['pods'])], false],
    ['star resource', [rule(['get'], [''], ['*'])], [rule(['get'], [''], ['pods', 'pods/log'])], true],
    ['*/scale covers x/scale', [rule(['get'], ['apps'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments/scale'])], true],
    ['*/scale does not cover the resource', [rule(['get'], ['apps'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments'])], false],
    ['resource does not cover its subresource', [rule(['get'], [''], ['pods'])], [rule(['get'], [''], ['pods/log'])], false],
    ['no names covers names', [rule(['get'], [''], ['pods'])], [rule(['get'], [''], ['pods'], ['a'])], true],
    ['names cover the same names', [rule(['get'], [''], ['pods'], ['a', 'b'])], [rule(['get'], [''], ['pods'], ['a'])], true],
    ['names do not cover other names', [rule(['get'], [''], ['pods'], ['a'])], [rule(['get'], [''], ['pods'], ['b'])], false],
    ['names do not cover all names', [rule(['get'], [''], ['pods'], ['a'])], [rule(['get'], [''], ['pods'])], false],
    ['url exact', [urls(['get'], ['/healthz'])], [urls(['get'], ['/healthz'])], true],
    ['url prefix', [urls(['get'], ['/api/*'])], [urls(['get'], ['/api/v1', '/api/'])], true],
    ['url prefix needs its slash', [urls(['get'], ['/api/*'])], [urls(['get'], ['/apis'])], false],
    ['resource rules do not cover urls', [rule(['*'], ['*'], ['*'])], [urls(['get'], ['/metrics'])], false],
    ['several owners together', [rule(['get'], [''], ['pods']), rule(['list'], [''], ['pods'])], [rule(['get', 'list'], [''], ['pods'])], true],
    ['nothing requested', [], [], true],
  ])('%s', (_n, owner, requested, covered) => {
    expect(coversAll(owner, requested).covered).toBe(covered);
  });

  it('reports the atomic missing rules in order', () => {
    const { missing } = coversAll([rule(['get'], [''], ['pods'])], [rule(['get', 'list'], ['', 'apps'], ['pods']), urls(['get'], ['/x'])]);
    expect(missing).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['pods'], verbs: ['list'] },
      { nonResourceURLs: ['/x'], verbs: ['get'] },
    ]);
  });
});

describe('breakdownRule', () => {
  it('splits groups x resources x verbs x names, then urls x verbs', () => {
    expect(breakdownRule({ verbs: ['get', 'update'], apiGroups: [''], resources: ['cm'], resourceNames: ['a', 'b'] })).toHaveLength(4);
    expect(breakdownRule({ verbs: ['get'], nonResourceURLs: ['/a', '/b'] })).toEqual([
      { nonResourceURLs: ['/a'], verbs: ['get'] },
      { nonResourceURLs: ['/b'], verbs: ['get'] },
    ]);
  });
});

describe('compactRules / compactString', () => {
  it('merges verbs of simple rules per group/resource/name', () => {
    const missing = coversAll([], [rule(['get', 'list'], [''], ['pods', 'secrets']), rule(['get'], [''], ['configmaps'], ['a', 'b'])]).missing;
    const out = compactRules(missing).map(compactString).sort();
    expect(out).toEqual([
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    ]);
  });
  it('keeps complex rules as they are, first', () => {
    const complex = rule(['get'], ['', 'apps'], ['pods']);
    const out = compactRules([rule(['get'], [''], ['pods']), complex, rule(['list'], [''], ['pods'])]);
    expect(out).toEqual([complex, { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  });
  it('prints non-resource rules', () => {
    expect(compactString(urls(['get', 'post'], ['/metrics']))).toBe('{NonResourceURLs:["/metrics"], Verbs:["get" "post"]}');
  });
});

describe('ruleEquals', () => {
  it('treats missing and empty lists alike', () => {
    expect(ruleEquals({ verbs: ['get'], resourceNames: [] }, { verbs: ['get'] })).toBe(true);
    expect(ruleEquals({ verbs: ['get'], apiGroups: [''] }, { verbs: ['get'] })).toBe(false);
  });
});

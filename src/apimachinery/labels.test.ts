// Label selectors: string parsing, metav1.LabelSelector conversion, matching, canonical strings and upstream error messages.
import { describe, it, expect } from 'vitest';
import {
  labelSelectorFromSet,
  labelsEverything,
  labelsNothing,
  newRequirement,
  parseSelector,
  SelectorParseError,
  selectorFromLabelSelector,
  type MetaLabelSelector,
} from './labels.js';

describe('parseSelector: requirements and canonical strings', () => {
  it.each([
    { in: '', reqs: [], str: '' },
    { in: '   ', reqs: [], str: '' },
    { in: 'a=b', reqs: [{ key: 'a', operator: '=', values: ['b'] }], str: 'a=b' },
    { in: 'a==b', reqs: [{ key: 'a', operator: '==', values: ['b'] }], str: 'a==b' },
    { in: 'a!=b', reqs: [{ key: 'a', operator: '!=', values: ['b'] }], str: 'a!=b' },
    { in: 'a=', reqs: [{ key: 'a', operator: '=', values: [''] }], str: 'a=' },
    { in: 'a in (y,x)', reqs: [{ key: 'a', operator: 'in', values: ['x', 'y'] }], str: 'a in (x,y)' },
    { in: 'a notin (x)', reqs: [{ key: 'a', operator: 'notin', values: ['x'] }], str: 'a notin (x)' },
    { in: 'a in ()', reqs: [{ key: 'a', operator: 'in', values: [''] }], str: 'a in ()' },
    { in: 'a in (,x)', reqs: [{ key: 'a', operator: 'in', values: ['', 'x'] }], str: 'a in (,x)' },
    { in: 'a in (x,)', reqs: [{ key: 'a', operator: 'in', values: ['', 'x'] }], str: 'a in (,x)' },
    { in: 'a in (x,x)', reqs: [{ key: 'a', operator: 'in', values: ['x'] }], str: 'a in (x)' },
    { in: 'a', reqs: [{ key: 'a', operator: 'exists', values: [] }], str: 'a' },
    { in: '!a', reqs: [{ key: 'a', operator: '!', values: [] }], str: '!a' },
    { in: 'a>1', reqs: [{ key: 'a', operator: 'gt', values: ['1'] }], str: 'a>1' },
    { in: 'a<10', reqs: [{ key: 'a', operator: 'lt', values: ['10'] }], str: 'a<10' },
    { in: 'in in (notin)', reqs: [{ key: 'in', operator: 'in', values: ['notin'] }], str: 'in in (notin)' },
    {
      in: ' z = 1 , !y ,x in ( b , a ), w ',
      reqs: [
        { key: 'w', operator: 'exists', values: [] },
        { key: 'x', operator: 'in', values: ['a', 'b'] },
        { key: 'y', operator: '!', values: [] },
        { key: 'z', operator: '=', values: ['1'] },
      ],
      str: 'w,x in (a,b),!y,z=1',
    },
    {
      in: 'example.com/app=web,app.kubernetes.io/name notin (db)',
      reqs: [
        { key: 'app.kubernetes.io/name', operator: 'notin', values: ['db'] },
        { key: 'example.com/app', operator: '=', values: ['web'] },
      ],
      str: 'app.kubernetes.io/name notin (db),example.com/app=web',
    },
    { in: 'b=1,a=2,b!=3', reqs: [{ key: 'a', operator: '=', values: ['2'] }, { key: 'b', operator: '=', values: ['1'] }, { key: 'b', operator: '!=', values: ['3'] }], str: 'a=2,b=1,b!=3' },
  ])('$in', ({ in: input, reqs, str }) => {
    const sel = parseSelector(input);
    expect(sel.requirements).toEqual(reqs);
    expect(sel.toString()).toBe(str);
    expect(sel.empty()).toBe(reqs.length === 0);
    // The canonical string re-parses to the same selector.
    expect(parseSelector(sel.toString()).toString()).toBe(str);
  });
});

describe('parseSelector: matching', () => {
  const labels = { app: 'web', tier: 'frontend', replicas: '3', neg: '-5', empty: '', big: '9223372036854775807' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['missing=web', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=web', true],
    ['app in (db,web)', true],
    ['app in (db)', false],
    ['missing in (web)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['empty=', true],
    ['empty', true],
    ['missing=', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['replicas<3', false],
    ['neg<0', true],
    ['app>1', false], // non-integer label never matches Gt/Lt
    ['missing<1', false],
    ['big>9223372036854775806', true],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['constructor', false], // prototype keys are not labels
    ['!toString', true],
  ] as const)('%s → %s', (s, want) => {
    expect(parseSelector(s).matches(labels)).toBe(want);
  });

  it.each([
    ['', true],
    ['a', false],
    ['!a', true],
    ['a!=b', true],
    ['a notin (b)', true],
    ['a=b', false],
  ])('undefined labels: %s → %s', (s, want) => {
    expect(parseSelector(s).matches(undefined)).toBe(want);
  });
});

describe('parseSelector: errors', () => {
  const longName = 'a'.repeat(64);
  it.each([
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b,,c', "found ',', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=b\tc', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    [
      'a b/c=d',
      "unable to parse requirement: found 'b/c', expected: in, notin, =, ==, !=, gt, lt",
    ],
    [
      'a/b/c=d',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      '-a=b',
      `unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [`${longName}=b`, `unable to parse requirement: <nil>: Invalid value: "${longName}": name part must be no more than 63 characters`],
    ['/a=b', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['Example.com/a', 'unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part a lowercase RFC 1123 subdomain must consist of'],
    ['a/=b', 'unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty'],
    ['a=b$c', 'unable to parse requirement: values[0][a]: Invalid value: "b$c": a valid label must be an empty string or consist of'],
    ['a=-b', 'unable to parse requirement: values[0][a]: Invalid value: "-b": a valid label must be'],
    [`a=${longName}`, `unable to parse requirement: values[0][a]: Invalid value: "${longName}": must be no more than 63 characters`],
    ['a in (ok,bad$)', 'unable to parse requirement: values[0][a]: Invalid value: "bad$": a valid label'],
    ['a>b', `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a<', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a>99999999999999999999', `values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a>-1', 'unable to parse requirement: values[0][a]: Invalid value: "-1": a valid label must be'],
  ])('%j', (s, msg) => {
    let caught: unknown;
    try {
      parseSelector(s);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SelectorParseError);
    expect((caught as Error).name).toBe('SelectorParseError');
    expect((caught as Error).message).toContain(msg);
  });
});

describe('selectorFromLabelSelector', () => {
  const labels = { app: 'web', tier: 'frontend' };
  it.each<{ name: string; ls: MetaLabelSelector | null | undefined; str: string; empty: boolean; matches: boolean }>([
    { name: 'null → nothing', ls: null, str: '', empty: false, matches: false },
    { name: 'undefined → nothing', ls: undefined, str: '', empty: false, matches: false },
    { name: '{} → everything', ls: {}, str: '', empty: true, matches: true },
    { name: 'empty lists → everything', ls: { matchLabels: {}, matchExpressions: [] }, str: '', empty: true, matches: true },
    { name: 'matchLabels', ls: { matchLabels: { tier: 'frontend', app: 'web' } }, str: 'app=web,tier=frontend', empty: false, matches: true },
    { name: 'matchLabels mismatch', ls: { matchLabels: { app: 'db' } }, str: 'app=db', empty: false, matches: false },
    {
      name: 'In',
      ls: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] },
      str: 'app in (api,web)',
      empty: false,
      matches: true,
    },
    { name: 'NotIn', ls: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, str: 'app notin (web)', empty: false, matches: false },
    { name: 'Exists', ls: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, str: 'tier', empty: false, matches: true },
    { name: 'DoesNotExist', ls: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: [] }] }, str: '!env', empty: false, matches: true },
    {
      name: 'both, sorted by key',
      ls: { matchLabels: { tier: 'frontend' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      str: 'app,tier=frontend',
      empty: false,
      matches: true,
    },
  ])('$name', ({ ls, str, empty, matches }) => {
    const sel = selectorFromLabelSelector(ls);
    expect(sel.toString()).toBe(str);
    expect(sel.empty()).toBe(empty);
    expect(sel.matches(labels)).toBe(matches);
  });

  it('nothing matches even no labels', () => {
    expect(selectorFromLabelSelector(null).matches({})).toBe(false);
    expect(selectorFromLabelSelector(null).requirements).toEqual([]);
  });

  it.each<{ name: string; ls: MetaLabelSelector; msg: string }>([
    { name: 'In without values', ls: { matchExpressions: [{ key: 'a', operator: 'In' }] }, msg: `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty` },
    { name: 'NotIn with []', ls: { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, msg: "values set can't be empty" },
    {
      name: 'Exists with values',
      ls: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      msg: 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    },
    { name: 'DoesNotExist with values', ls: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x', 'y'] }] }, msg: '[]string{"x", "y"}' },
    { name: 'bad key', ls: { matchLabels: { 'a b': 'c' } }, msg: 'key: Invalid value: "a b": name part must consist of' },
    { name: 'bad value', ls: { matchLabels: { a: 'b c' } }, msg: 'values[0][a]: Invalid value: "b c": a valid label must be' },
    { name: 'bad expression key', ls: { matchExpressions: [{ key: '', operator: 'Exists' }] }, msg: 'key: Invalid value: "": name part must be non-empty' },
    {
      name: 'bad operator',
      ls: { matchExpressions: [{ key: 'a', operator: 'Gt' as unknown as 'In', values: ['1'] }] },
      msg: '"Gt" is not a valid label selector operator',
    },
  ])('$name', ({ ls, msg }) => {
    expect(() => selectorFromLabelSelector(ls)).toThrow(SelectorParseError);
    expect(() => selectorFromLabelSelector(ls)).toThrow(msg);
  });

  it('several errors aggregate as [a, b]', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: '-x', operator: 'Exists', values: ['$'] }] })).toThrow(
      /^\[key: Invalid value: "-x": .*, values: Invalid value: \[\]string\{"\$"\}: values set must be empty .*, values\[0\]\[-x\]: Invalid value: "\$": .*\]$/,
    );
  });
});

describe('helpers', () => {
  it.each([
    { sel: labelsEverything(), str: '', empty: true, matches: true },
    { sel: labelsNothing(), str: '', empty: false, matches: false },
    { sel: labelSelectorFromSet({ b: '2', a: '1' }), str: 'a=1,b=2', empty: false, matches: true },
    { sel: labelSelectorFromSet(undefined), str: '', empty: true, matches: true },
  ])('$str / empty=$empty', ({ sel, str, empty, matches }) => {
    expect(sel.toString()).toBe(str);
    expect(sel.empty()).toBe(empty);
    expect(sel.matches({ a: '1', b: '2' })).toBe(matches);
  });

  it('requirements are frozen', () => {
    const sel = parseSelector('a in (x,y)');
    expect(Object.isFrozen(sel.requirements)).toBe(true);
    expect(Object.isFrozen(sel.requirements[0])).toBe(true);
    expect(Object.isFrozen(sel.requirements[0]?.values)).toBe(true);
  });

  it.each([
    ['a', 'gt', ['1', '2'], "for 'Gt', 'Lt' operators, exactly one value is required"],
    ['a', '=', [], 'exact-match compatibility requires one single value'],
    ['a', 'bogus', ['x'], 'operator: Unsupported value: "bogus"'],
  ] as const)('newRequirement(%s, %s, %j) rejects', (key, op, values, msg) => {
    expect(() => newRequirement(key, op as never, values)).toThrow(msg);
  });
});

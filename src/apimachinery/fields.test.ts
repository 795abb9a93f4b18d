// Field selectors: parsing, escaping, matching, canonical strings, exact-match lookup and upstream error messages.
import { describe, it, expect } from 'vitest';
import {
  escapeFieldValue,
  fieldSelectorFromSet,
  fieldsEverything,
  FieldSelectorParseError,
  parseFieldSelector,
  unescapeFieldValue,
} from './fields.js';
import { SelectorParseError } from './labels.js';

describe('parseFieldSelector: requirements and canonical strings', () => {
  it.each([
    { in: '', reqs: [], str: '' },
    { in: ',', reqs: [], str: '' },
    { in: 'a=b', reqs: [{ field: 'a', operator: '=', value: 'b' }], str: 'a=b' },
    { in: 'a==b', reqs: [{ field: 'a', operator: '=', value: 'b' }], str: 'a=b' },
    { in: 'a!=b', reqs: [{ field: 'a', operator: '!=', value: 'b' }], str: 'a!=b' },
    { in: 'a=', reqs: [{ field: 'a', operator: '=', value: '' }], str: 'a=' },
    { in: 'a=!b', reqs: [{ field: 'a', operator: '=', value: '!b' }], str: 'a=!b' },
    { in: 'a==!b', reqs: [{ field: 'a', operator: '=', value: '!b' }], str: 'a=!b' },
    {
      in: 'spec.nodeName=node-1,metadata.name!=web',
      reqs: [
        { field: 'metadata.name', operator: '!=', value: 'web' },
        { field: 'spec.nodeName', operator: '=', value: 'node-1' },
      ],
      str: 'metadata.name!=web,spec.nodeName=node-1',
    },
    { in: 'a=b,,c=d,', reqs: [{ field: 'a', operator: '=', value: 'b' }, { field: 'c', operator: '=', value: 'd' }], str: 'a=b,c=d' },
    { in: 'a=x\\,y', reqs: [{ field: 'a', operator: '=', value: 'x,y' }], str: 'a=x\\,y' },
    { in: 'a=x\\=y', reqs: [{ field: 'a', operator: '=', value: 'x=y' }], str: 'a=x\\=y' },
    { in: 'a=x\\\\y', reqs: [{ field: 'a', operator: '=', value: 'x\\y' }], str: 'a=x\\\\y' },
    { in: 'a=x\\!y', reqs: [{ field: 'a', operator: '=', value: 'x!y' }], str: 'a=x!y' },
    { in: 'a!=\\,', reqs: [{ field: 'a', operator: '!=', value: ',' }], str: 'a!=\\,' },
    { in: 'a\\!=b', reqs: [{ field: 'a!', operator: '=', value: 'b' }], str: 'a\\!=b' },
    { in: 'a\\==b', reqs: [{ field: 'a=', operator: '=', value: 'b' }], str: 'a\\==b' },
    { in: 'a =b', reqs: [{ field: 'a ', operator: '=', value: 'b' }], str: 'a =b' },
  ])('$in', ({ in: input, reqs, str }) => {
    const sel = parseFieldSelector(input);
    expect(sel.requirements).toEqual(reqs);
    expect(sel.toString()).toBe(str);
    expect(sel.empty()).toBe(reqs.length === 0);
    // The canonical string re-parses to the same requirements.
    expect(parseFieldSelector(sel.toString()).requirements).toEqual(reqs);
  });
});

describe('parseFieldSelector: matching', () => {
  const fields = { 'metadata.name': 'web', 'metadata.namespace': 'default', 'spec.nodeName': '', 'status.phase': 'Running,Ready' };
  it.each([
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['metadata.name!=web', false],
    ['metadata.name=web,metadata.namespace=default', true],
    ['metadata.name=web,metadata.namespace=kube-system', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['missing=', true], // a missing field reads as ''
    ['missing=x', false],
    ['missing!=x', true],
    ['status.phase=Running\\,Ready', true],
    ['constructor=', true], // prototype keys are not fields
  ] as const)('%s → %s', (s, want) => {
    expect(parseFieldSelector(s).matches(fields)).toBe(want);
  });
});

describe('requiresExactMatch', () => {
  it.each([
    ['spec.nodeName=node-1', 'spec.nodeName', 'node-1'],
    ['spec.nodeName==node-1', 'spec.nodeName', 'node-1'],
    ['spec.nodeName=', 'spec.nodeName', ''],
    ['metadata.name=web,spec.nodeName=n\\,1', 'spec.nodeName', 'n,1'],
    ['spec.nodeName!=node-1', 'spec.nodeName', undefined],
    ['metadata.name=web', 'spec.nodeName', undefined],
    ['', 'spec.nodeName', undefined],
  ])('%s / %s → %s', (s, field, want) => {
    expect(parseFieldSelector(s).requiresExactMatch(field)).toBe(want);
  });
});

describe('parseFieldSelector: errors', () => {
  it.each([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a\\=b', "invalid selector: 'a\\=b'; can't understand 'a\\=b'"],
    ['a=b=c', "invalid field selector: unescaped character in value: '='"],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a\\q=b', 'invalid field selector: invalid escape sequence: \\q'],
  ])('%j', (s, msg) => {
    let caught: unknown;
    try {
      parseFieldSelector(s);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FieldSelectorParseError);
    expect(caught).toBeInstanceOf(SelectorParseError);
    expect((caught as Error).message).toBe(msg);
  });
});

describe('escaping and helpers', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['a!b', 'a!b'],
    ['', ''],
  ])('escapeFieldValue(%j) = %j and round-trips', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it('fieldSelectorFromSet builds sorted f=v terms', () => {
    const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'a,b' });
    expect(sel.toString()).toBe('metadata.name=a\\,b,spec.nodeName=n1');
    expect(sel.matches({ 'metadata.name': 'a,b', 'spec.nodeName': 'n1' })).toBe(true);
    expect(sel.requiresExactMatch('spec.nodeName')).toBe('n1');
  });

  it('fieldsEverything matches anything', () => {
    const sel = fieldsEverything();
    expect(sel.empty()).toBe(true);
    expect(sel.toString()).toBe('');
    expect(sel.matches({})).toBe(true);
  });
});

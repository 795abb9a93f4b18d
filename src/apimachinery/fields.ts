// Field selectors (`?fieldSelector=`) with k8s.io/apimachinery/pkg/fields semantics: `f=v`, `f==v`, `f!=v`, ANDed by ','.
import { SelectorParseError } from './labels.js';

/** Thrown for an unparsable field selector; a SelectorParseError, so one catch handles both kinds of selector. */
export class FieldSelectorParseError extends SelectorParseError {
  override name = 'FieldSelectorParseError';
}

/** `'='` covers both `=` and `==` (upstream treats them alike and prints `=`). */
export type FieldOperator = '=' | '!=';

/** One term of a field selector; `field` and `value` are unescaped. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** A parsed field selector: every requirement must hold (AND); no requirements matches everything. */
export interface FieldSelector {
  /** Requirements in upstream's order (terms sorted by their raw text). */
  readonly requirements: readonly FieldRequirement[];
  /**
   * True when every requirement holds for `fields`. As upstream, a missing field reads as '', so
   * `f=` matches an object without `f` and `f!=x` matches it too.
   */
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** True when the selector has no requirements. */
  empty(): boolean;
  /** Canonical form: `f=v` / `f!=v` terms joined by ',', with `\`, `,`, `=` escaped in values (and also `!` in field names). */
  toString(): string;
  /** The value `v` when the selector holds the term `field=v` (the first such term), else undefined; used for e.g. `spec.nodeName=` watches. */
  requiresExactMatch(field: string): string | undefined;
}

/** Escapes a value for a field selector string (upstream fields.EscapeValue): `\` → `\\`, `,` → `\,`, `=` → `\=`. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Escapes a field name so that it re-parses as the same name: like values, plus `!` → `\!`. */
const escapeFieldName = (s: string): string => s.replace(/[\\,=!]/g, (c) => `\\${c}`);

/**
 * Unescapes a field selector value (upstream fields.UnescapeValue, extended with `\!`): `\\`, `\,`, `\=`, `\!`
 * become the bare character. Throws FieldSelectorParseError on any other escape, a trailing lone `\`,
 * or an unescaped `,` or `=`.
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=' || c === '!') out += c;
      else throw new FieldSelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new FieldSelectorParseError(`invalid field selector: unescaped character in value: '${c}'`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new FieldSelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not escaped by a backslash (upstream splitTerms). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/**
 * Splits a term at its first unescaped operator, trying `!=` then `==` then `=` at each position
 * (upstream splitTerm, except that escaped characters never start an operator).
 */
function splitTerm(term: string): [string, (typeof termOperators)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class AndSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  constructor(reqs: readonly FieldRequirement[]) {
    this.requirements = Object.freeze(reqs.map((r) => Object.freeze({ ...r })));
  }
  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => {
      const actual = hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
      return r.operator === '=' ? actual === r.value : actual !== r.value;
    });
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map((r) => `${escapeFieldName(r.field)}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.operator === '=' && r.field === field)?.value;
  }
}

/**
 * Parses a `?fieldSelector=` string (upstream fields.ParseSelector): terms split on unescaped ',', sorted by
 * their raw text, empty terms skipped; each term is `field=value`, `field==value` or `field!=value` with
 * backslash escapes (`\\`, `\,`, `\=`, `\!`). No whitespace trimming (as upstream). '' matches everything.
 * Throws FieldSelectorParseError (`invalid selector: '<s>'; can't understand '<term>'`, or an escape error).
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort(byCodeUnit);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) throw new FieldSelectorParseError(`invalid selector: '${s}'; can't understand '${part}'`);
    const [lhs, op, rhs] = split;
    reqs.push({ field: unescapeFieldValue(lhs), operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(rhs) });
  }
  return new AndSelector(reqs);
}

/** A selector of `f=v` terms, one per entry, sorted by field (upstream fields.SelectorFromSet). */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelector {
  return new AndSelector(
    Object.keys(set)
      .sort(byCodeUnit)
      .map((field) => ({ field, operator: '=' as const, value: set[field] ?? '' })),
  );
}

/** A selector that matches every object. */
export const fieldsEverything = (): FieldSelector => new AndSelector([]);

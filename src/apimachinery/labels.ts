// Label selectors (`?labelSelector=` strings and metav1.LabelSelector objects) with k8s.io/apimachinery/pkg/labels semantics.
import { isQualifiedName, isValidLabelValue } from './validation.js';

/**
 * Requirement operators, spelled as upstream's `selection.Operator` values.
 * `'exists'` is a bare key (`a`), `'!'` is `!a` (DoesNotExist), `'gt'`/`'lt'` are `a>1`/`a<1`.
 */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** One validated requirement of a label selector. `values` is never mutated after construction. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/**
 * A parsed, validated label selector. All requirements must match (AND).
 * An empty selector matches everything; the "nothing" selector (from a nil metav1.LabelSelector)
 * matches nothing, is not empty and prints as ''.
 */
export interface LabelSelector {
  /** Requirements sorted by key (stable), as upstream's internalSelector. */
  readonly requirements: readonly LabelRequirement[];
  /** True when every requirement matches `labels` (undefined is treated as no labels). */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector has no requirements and so matches everything. */
  empty(): boolean;
  /** Canonical string form: requirements joined by ',', values of each requirement sorted; re-parses to an equal selector. */
  toString(): string;
}

/** Operators of metav1.LabelSelectorRequirement. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** metav1.LabelSelectorRequirement (structural). */
export interface MetaLabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector (structural). */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: MetaLabelSelectorRequirement[];
}

/** Thrown for any unparsable or invalid label (or field) selector; the message follows upstream's wording. */
export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

// ---------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation), with upstream messages.

// Key and value checks are the shared ones of validation.ts (upstream's IsQualifiedName, IsValidLabelValue).

/** Go's %#v for the bad values we report: a string quoted, a []string as `[]string{"a", "b"}`. */
function goValue(v: string | readonly string[]): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** field.Invalid(path, value, detail).Error() */
const invalidMsg = (path: string, value: string | readonly string[], detail: string): string => `${path}: Invalid value: ${goValue(value)}: ${detail}`;

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated inside [a, b]. */
function aggregate(msgs: readonly string[]): string | undefined {
  const uniq = [...new Set(msgs)];
  if (uniq.length === 0) return undefined;
  if (uniq.length === 1) return uniq[0];
  return `[${uniq.join(', ')}]`;
}

function validateLabelKey(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length === 0 ? undefined : invalidMsg(path, key, errs.join('; '));
}

/** Parses a Go strconv.ParseInt(s, 10, 64) integer; undefined when Go would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

// ---------------------------------------------------------------------------
// Requirements

/**
 * upstream labels.NewRequirement: validates key, operator arity and values, and returns a frozen requirement.
 * Values are kept in the given order (toString sorts a copy). Throws SelectorParseError with upstream's
 * field-error wording (e.g. `key: Invalid value: "a b": name part must consist of ...`).
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[] = []): LabelRequirement {
  return makeRequirement(key, operator, values, '');
}

/** `pathPrefix` is upstream's field.Path of the requirement ('' = nil path). */
function makeRequirement(key: string, operator: LabelOperator, values: readonly string[], pathPrefix: string): LabelRequirement {
  const child = (name: string): string => (pathPrefix === '' ? name : `${pathPrefix}.${name}`);
  const errs: string[] = [];
  const keyErr = validateLabelKey(key, child('key'));
  if (keyErr !== undefined) errs.push(keyErr);
  const valuePath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidMsg(valuePath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidMsg(valuePath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidMsg(valuePath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidMsg(valuePath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalidMsg(`${valuePath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(
        `${child('operator')}: Unsupported value: ${JSON.stringify(operator)}: supported values: "!", "!=", "=", "==", "exists", "gt", "in", "lt", "notin"`,
      );
  }
  values.forEach((v, i) => {
    const vErrs = isValidLabelValue(v);
    if (vErrs.length > 0) errs.push(invalidMsg(`${valuePath}[${i}][${key}]`, v, vErrs.join('; ')));
  });
  const msg = aggregate(errs);
  if (msg !== undefined) throw new SelectorParseError(msg);
  return Object.freeze({ key, operator, values: Object.freeze([...values]) });
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** upstream Requirement.Matches. Gt/Lt compare as int64 and never match a missing or non-integer label. */
export function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || value === undefined || r.values.length !== 1) return false;
      const lv = parseInt64(value);
      const rv = parseInt64(r.values[0] ?? '');
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** upstream Requirement.String: `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>1`, `k<1` (values sorted). */
export function requirementToString(r: LabelRequirement): string {
  const prefix = r.operator === '!' ? '!' : '';
  if (r.operator === 'exists' || r.operator === '!') return `${prefix}${r.key}`;
  const vals = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort(byCodeUnit).join(',');
  switch (r.operator) {
    case 'in':
      return `${r.key} in (${vals})`;
    case 'notin':
      return `${r.key} notin (${vals})`;
    case 'gt':
      return `${r.key}>${vals}`;
    case 'lt':
      return `${r.key}<${vals}`;
    default:
      return `${r.key}${r.operator}${vals}`;
  }
}

// ---------------------------------------------------------------------------
// Selectors

class InternalSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  constructor(reqs: readonly LabelRequirement[]) {
    // Stable sort by key, like upstream's sort.Sort(ByKey) for distinct keys.
    this.requirements = Object.freeze([...reqs].sort((a, b) => byCodeUnit(a.key, b.key)));
  }
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

class NothingSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[] = Object.freeze([]);
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
}

const EVERYTHING: LabelSelector = new InternalSelector([]);
const NOTHING: LabelSelector = new NothingSelector();

/** The selector that matches every object (upstream labels.Everything). */
export const labelsEverything = (): LabelSelector => EVERYTHING;
/** The selector that matches no object (upstream labels.Nothing). */
export const labelsNothing = (): LabelSelector => NOTHING;

/** A selector ANDing the given requirements (sorted by key). */
export const labelSelectorFromRequirements = (reqs: readonly LabelRequirement[]): LabelSelector => new InternalSelector(reqs);

/** upstream labels.SelectorFromSet: `k=v` for each entry; throws on an invalid key or value. */
export function labelSelectorFromSet(set: Readonly<Record<string, string>> | undefined): LabelSelector {
  if (set === undefined) return EVERYTHING;
  return new InternalSelector(Object.entries(set).map(([k, v]) => newRequirement(k, '=', [v])));
}

// ---------------------------------------------------------------------------
// String syntax: lexer and parser (upstream labels.Parse)

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'ident' | 'in' | '<' | '!=' | 'notin' | '(';
interface Item {
  tok: Tok;
  lit: string;
}

const string2token: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] ?? '')) pos++;
    if (pos >= input.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const start = pos;
    if (isSpecialSymbol(input[pos] ?? '')) {
      // Longest run of special symbols that is still a token.
      let last: Item | undefined;
      while (pos < input.length && isSpecialSymbol(input[pos] ?? '')) {
        const buf = input.slice(start, pos + 1);
        const tok = string2token.get(buf);
        if (tok !== undefined) last = { tok, lit: buf };
        else if (last !== undefined) break;
        pos++;
      }
      if (last === undefined) {
        items.push({ tok: 'error', lit: `error expected: keyword found '${input.slice(start, pos)}'` });
      } else {
        pos = start + last.lit.length;
        items.push(last);
      }
    } else {
      while (pos < input.length && !isSpecialSymbol(input[pos] ?? '') && !isWhitespace(input[pos] ?? '')) pos++;
      const word = input.slice(start, pos);
      items.push({ tok: string2token.get(word) ?? 'ident', lit: word });
    }
  }
}

const binaryOperators = 'in, notin, =, ==, !=, gt, lt';

/** Parse context: in 'values' context the keywords `in`/`notin` are plain identifiers. */
type Ctx = 'keyAndOperator' | 'values';

class Parser {
  private pos = 0;
  constructor(private readonly items: readonly Item[]) {}

  private at(i: number): Item {
    return this.items[Math.min(i, this.items.length - 1)] ?? { tok: 'eos', lit: '' };
  }
  private static inCtx(item: Item, ctx: Ctx): Item {
    if (ctx === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'ident', lit: item.lit };
    return item;
  }
  lookahead(ctx: Ctx): Item {
    return Parser.inCtx(this.at(this.pos), ctx);
  }
  consume(ctx: Ctx): Item {
    const item = this.at(this.pos);
    if (this.pos < this.items.length - 1) this.pos++;
    return Parser.inCtx(item, ctx);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'eos') return reqs;
      if (tok !== 'ident' && tok !== '!') throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.parseRequirement());
      } catch (e) {
        throw new SelectorParseError(`unable to parse requirement: ${(e as Error).message}`);
      }
      const next = this.consume('values');
      if (next.tok === 'eos') return reqs;
      if (next.tok === ',') {
        const after = this.lookahead('values');
        if (after.tok !== 'ident' && after.tok !== '!') throw new SelectorParseError(`found '${after.lit}', expected: identifier after ','`);
        continue;
      }
      throw new SelectorParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
    }
  }

  private parseRequirement(): LabelRequirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred !== undefined) return makeRequirement(key, inferred, [], '');
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return makeRequirement(key, op, [...values].sort(byCodeUnit), '');
  }

  /** Returns the key and, for unary requirements (`a`, `!a`), the operator. */
  private parseKeyAndInferOperator(): [string, LabelOperator | undefined] {
    let op: LabelOperator | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      op = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'ident') throw new SelectorParseError(`found '${item.lit}', expected: identifier`);
    const keyErr = validateLabelKey(item.lit, '<nil>');
    if (keyErr !== undefined) throw new SelectorParseError(keyErr);
    const next = this.lookahead('values').tok;
    if ((next === 'eos' || next === ',') && op === undefined) op = 'exists';
    return [item.lit, op];
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorParseError(`found '${lit}', expected: ${binaryOperators}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('values');
    if (open.tok !== '(') throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    if (tok === 'ident' || tok === ',') {
      const s = this.parseIdentifiersList();
      const close = this.consume('values');
      if (close.tok !== ')') throw new SelectorParseError(`found '${close.lit}', expected: ')'`);
      return s;
    }
    if (tok === ')') {
      this.consume('values');
      return new Set(['']); // "()" is the set holding the empty value
    }
    throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  /** Identifiers separated by commas up to (not including) ')'; empty slots (`(,a`, `a,)`, `a,,b`) add ''. */
  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'ident') {
        s.add(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return s;
        throw new SelectorParseError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (s.size === 0) s.add('');
        const next = this.lookahead('values').tok;
        if (next === ')') {
          s.add('');
          return s;
        }
        if (next === ',') {
          this.consume('values');
          s.add('');
        }
        continue;
      }
      throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('values').tok;
    if (next === 'eos' || next === ',') return new Set(['']);
    const { tok, lit } = this.consume('values');
    if (tok === 'ident') return new Set([lit]);
    throw new SelectorParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses the `?labelSelector=` string syntax (upstream labels.Parse): comma-separated (AND) requirements
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>n`, `k<n`; whitespace between tokens
 * is ignored; '' (or only whitespace) yields the empty selector, which matches everything.
 * Keys and values are validated like upstream. Throws SelectorParseError with upstream's message.
 */
export function parseSelector(s: string): LabelSelector {
  const reqs = new Parser(lex(s)).parse();
  return reqs.length === 0 ? EVERYTHING : new InternalSelector(reqs);
}

/**
 * Converts a metav1.LabelSelector (upstream metav1.LabelSelectorAsSelector): null/undefined → matches nothing;
 * `{}` (no matchLabels, no matchExpressions) → matches everything; otherwise matchLabels become `k=v` and
 * matchExpressions In/NotIn/Exists/DoesNotExist requirements. In/NotIn need at least one value, Exists/DoesNotExist none.
 * Throws SelectorParseError on an invalid key, value, operator or value count.
 */
export function selectorFromLabelSelector(ls: MetaLabelSelector | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return NOTHING;
  const matchLabels = Object.entries(ls.matchLabels ?? {});
  const exprs = ls.matchExpressions ?? [];
  if (matchLabels.length + exprs.length === 0) return EVERYTHING;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of exprs) {
    let op: LabelOperator;
    switch (expr.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw new SelectorParseError(`${JSON.stringify(String(expr.operator))} is not a valid label selector operator`);
    }
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return new InternalSelector(reqs);
}

// Shared helpers of the per-kind validators: loose readers of untyped JSON objects, deep equality, and the
// upstream validators every kind uses (label selectors, int-or-percent, quantities, immutable fields).
import {
  field,
  type FieldError,
  FieldImmutableErrorMsg,
  IsNegativeErrorMsg,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  parseQuantity,
  regexError,
  type Quantity,
  QuantityParseError,
  selectorFromLabelSelector,
  type LabelSelector,
  type MetaLabelSelector,
  validateLabels,
} from '../../apimachinery/index.js';

/** An untyped API object (or sub-object) as decoded from JSON. */
export type Obj = Record<string, any>;

/** `v` when it is a plain JSON object, else undefined. */
export function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** `v` when it is an array, else []. */
export function asArr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** `v` when it is a string, else ''. (Go's zero value for a string field.) */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** `v` when it is a number, else 0. (Go's zero value for an int field.) */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** A string-to-string map field; non-objects read as {}. */
export function strMap(v: unknown): Record<string, string> {
  return (asObj(v) ?? {}) as Record<string, string>;
}

/** Keys of `m` sorted as Go's sort.Strings sorts them (byte order), for deterministic error order. */
export function sortedKeys(m: Obj | undefined): string[] {
  return Object.keys(m ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Structural equality of two JSON values as apiequality.Semantic.DeepEqual sees decoded objects: `undefined`,
 * `null` and an absent key are the same; quantities compare by value when both sides parse.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ao = a as Obj;
    const bo = b as Obj;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** A deep copy of a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** upstream ValidateImmutableField with deep equality: `Invalid value: <new>: field is immutable`. */
export function immutable(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [field.invalid(path, newVal ?? null, FieldImmutableErrorMsg)];
}

/** upstream ValidateNonnegativeField for an optional number (absent = 0). */
export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, IsNegativeErrorMsg)] : [];
}

/** upstream ValidateDNS1123Label on a field. */
export function dnsLabel(v: string, path: string): FieldError[] {
  return isDNS1123Label(v).map((m) => field.invalid(path, v, m));
}

/** upstream ValidateDNS1123Subdomain on a field. */
export function dnsSubdomain(v: string, path: string): FieldError[] {
  return isDNS1123Subdomain(v).map((m) => field.invalid(path, v, m));
}

/** upstream ValidateQualifiedName / ValidateLabelName on a field. */
export function qualifiedName(v: string, path: string): FieldError[] {
  return isQualifiedName(v).map((m) => field.invalid(path, v, m));
}

/** Runs a name validator (e.g. nameIsDNSSubdomain) against a reference to another object. */
export function nameRef(fn: (n: string, prefix: boolean) => string[], v: string, path: string): FieldError[] {
  return fn(v, false).map((m) => field.invalid(path, v, m));
}

/** upstream metav1validation.ValidateLabelSelectorRequirement (strict label values). */
function validateSelectorRequirement(sr: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = asArr(sr['values']);
  switch (sr['operator']) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(field.invalid(`${path}.operator`, str(sr['operator']), 'not a valid selector operator'));
  }
  errs.push(...qualifiedName(str(sr['key']), `${path}.key`));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(str(v))) errs.push(field.invalid(`${path}.values[${i}]`, v, m));
  });
  return errs;
}

/** upstream metav1validation.ValidateLabelSelector (nil selector is valid). */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const ps = asObj(sel);
  if (!ps) return [];
  const errs = validateLabels(strMap(ps['matchLabels']), `${path}.matchLabels`);
  asArr(ps['matchExpressions']).forEach((e, i) => errs.push(...validateSelectorRequirement(asObj(e) ?? {}, `${path}.matchExpressions[${i}]`)));
  return errs;
}

/** metav1.LabelSelectorAsSelector, or undefined when the selector cannot be converted. */
export function toSelector(sel: unknown): LabelSelector | undefined {
  try {
    return selectorFromLabelSelector(asObj(sel) as MetaLabelSelector | undefined);
  } catch {
    return undefined;
  }
}

/** A quantity field parsed, or the parse error message. */
export function quantity(v: unknown): { q?: Quantity; err?: string } {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') return { err: 'quantities must be a string or number' };
  try {
    return { q: parseQuantity(v) };
  } catch (e) {
    return { err: e instanceof QuantityParseError || e instanceof Error ? e.message : String(e) };
  }
}

/** An IntOrString value as upstream intstr sees it. */
export type IntOrString = { type: 'int'; int: number } | { type: 'string'; str: string } | { type: 'none' };

/** Reads an IntOrString field. */
export function intOrString(v: unknown): IntOrString {
  if (typeof v === 'number') return { type: 'int', int: v };
  if (typeof v === 'string') return { type: 'string', str: v };
  return { type: 'none' };
}

/** upstream IsValidPercent: `^[0-9]+%$`. */
export function isValidPercent(s: string): string[] {
  return /^[0-9]+%$/.test(s) ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%')];
}

/** upstream getIntOrPercentValue: the int, or the number of a valid percent; 0 otherwise. */
export function intOrPercentValue(v: unknown): number {
  const x = intOrString(v);
  if (x.type === 'int') return x.int;
  if (x.type === 'string' && isValidPercent(x.str).length === 0) return Number(x.str.slice(0, -1));
  return 0;
}

/** upstream ValidatePositiveIntOrPercent (apps). */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  const x = intOrString(v);
  if (x.type === 'string') return isValidPercent(x.str).map((m) => field.invalid(path, x.str, m));
  if (x.type === 'int') return nonNegative(x.int, path);
  return [];
}

/** upstream IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const x = intOrString(v);
  if (x.type !== 'string' || isValidPercent(x.str).length > 0) return [];
  return Number(x.str.slice(0, -1)) > 100 ? [field.invalid(path, x.str, 'must not be greater than 100%')] : [];
}

export { field, type FieldError };

// Resource lists for quota (upstream k8s.io/apiserver/pkg/quota/v1 resources.go): exact Quantity maps and their arithmetic.
import { parseQuantity, Quantity } from '../../../apimachinery/index.js';

/** A corev1.ResourceList with parsed quantities: resource name → quantity. */
export type ResourceList = Map<string, Quantity>;

/**
 * Parses a JSON ResourceList (`{"pods": "10", "requests.memory": "1Gi"}`). Values that are not valid quantities
 * are skipped (the apiserver validates quota objects; a stray bad value must not make every admission fail).
 */
export function parseResourceList(rec: Readonly<Record<string, unknown>> | null | undefined): ResourceList {
  const out: ResourceList = new Map();
  if (!rec || typeof rec !== 'object') return out;
  for (const [k, v] of Object.entries(rec)) {
    const q = toQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** A quantity from a JSON value (string or number), undefined when it is not one. */
export function toQuantity(v: unknown): Quantity | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/** The JSON form of a ResourceList: canonical quantity strings, keys sorted (as Go marshals maps). */
export function resourceListToJSON(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = (list.get(k) as Quantity).toString();
  return out;
}

/** Upstream quota.Add: the sum of `a` and `b`, keys of both. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? cur.add(v) : v);
  }
  return out;
}

/** Upstream quota.Subtract: `a - b` for keys of both (values of `b` missing from `a` are negated). */
export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? cur.sub(v) : v.neg());
  }
  return out;
}

/** Upstream quota.SubtractWithNonNegativeResult: `a - b`, negatives replaced by zero; keys of both. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  const zero = Quantity.fromValue(0);
  for (const [k, v] of a) {
    const other = b.get(k);
    const d = other ? v.sub(other) : v;
    out.set(k, d.sign() > 0 ? d : zero);
  }
  for (const k of b.keys()) if (!out.has(k)) out.set(k, zero);
  return out;
}

/** Upstream quota.Mask: the entries of `list` whose names are in `names`. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

/** Upstream quota.RemoveZeros: the non-zero entries. */
export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, v]) => !v.isZero()));
}

/** Upstream quota.IsNegative: names whose quantity is below zero. */
export function negativeNames(list: ResourceList): string[] {
  return [...list].filter(([, v]) => v.sign() < 0).map(([k]) => k);
}

/** Upstream quota.Equals: same keys with equal values. */
export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || !o.equal(v)) return false;
  }
  return true;
}

/**
 * Upstream quota.LessThanOrEqual: whether `a[k] <= b[k]` for every key of `b` that `a` also has (keys only in one
 * of them are not compared). Also returns the names that exceed, sorted.
 */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { ok: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, limit] of b) {
    const v = a.get(k);
    if (v && v.cmp(limit) > 0) exceeded.push(k);
  }
  exceeded.sort();
  return { ok: exceeded.length === 0, exceeded };
}

/** Upstream prettyPrint: `a=1,b=2Gi`, keys sorted, canonical quantities. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${(list.get(k) as Quantity).toString()}`)
    .join(',');
}

/** Upstream prettyPrintResourceNames: names sorted, joined by `,`. */
export function prettyPrintNames(names: Iterable<string>): string {
  return [...names].sort().join(',');
}

// Small helpers for in-place defaulting of untyped JSON API objects.

/** An untyped API object (or sub-object). */
export type Obj = Record<string, any>;

/** `v` when it is a plain object, else undefined. */
export function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** `o[k]` when it is a plain object; otherwise sets `o[k] = {}` (replacing null/undefined only) and returns it, or undefined for a malformed value. */
export function child(o: Obj, k: string): Obj | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    o[k] = {};
    return o[k] as Obj;
  }
  return obj(v);
}

/** Plain-object elements of `v` when it is an array. */
export function items(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter((x): x is Obj => obj(x) !== undefined) : [];
}

/** Sets `o[k] = v` when `o[k]` is undefined or null (Go's nil pointer / zero string semantics: '' also counts when `emptyString`). */
export function def(o: Obj, k: string, v: unknown, emptyString = false): void {
  if (o[k] === undefined || o[k] === null || (emptyString && o[k] === '')) o[k] = v;
}

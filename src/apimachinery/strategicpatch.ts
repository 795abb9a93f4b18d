// Strategic merge patch (application/strategic-merge-patch+json): apply, two-way and three-way creation, as upstream's k8s.io/apimachinery/pkg/util/strategicpatch.
import { stringify as toYaml } from 'yaml';
import { PatchError, deepEqual, type Json } from './patch.js';
import type { PatchField, PatchSchema } from './patchschema.js';

type JsonMap = { [k: string]: Json };

const DIRECTIVE = '$patch';
const DELETE = 'delete';
const REPLACE = 'replace';
const MERGE = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// Upstream's error texts (k8s.io/apimachinery/pkg/util/mergepatch/errors.go).
const ERR_BAD_JSON_DOC = 'invalid JSON document';
const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';
const ERR_BAD_FORMAT_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_BAD_FORMAT_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_BAD_FORMAT_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------------------------
// Go-style rendering, so that error messages read exactly as upstream's `fmt.Errorf("%v", ...)` renders them.

function goNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  // %v of a float64 is %g with the shortest digits: exponent form when exp < -4 || exp >= 6 (e.g. 1e+06).
  if (exp < -4 || exp >= 6) {
    const [mant, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
  }
  return String(n);
}

/** `fmt.Sprintf("%v", v)` of a decoded JSON value: `map[a:1 b:[x y]]`, `<nil>` for null. */
export function goFormat(v: Json | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  const keys = Object.keys(v).sort();
  return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
}

/** `reflect.TypeOf(v).String()` of a decoded JSON value. */
function goType(v: Json | undefined): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

const errNoMergeKey = (m: Json | undefined, key: string): PatchError =>
  new PatchError(`map: ${isMap(m) ? goFormat(m) : 'map[]'} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: 'map' | 'list', actual: Json | undefined): PatchError =>
  new PatchError(`expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goType(actual)}`);
const errBadPatchType = (t: Json | undefined, m: JsonMap): PatchError =>
  new PatchError(`unknown patch type: ${typeof t === 'string' ? t : `%!s(${goType(t)}=${goFormat(t)})`} in map: ${goFormat(m)}`);

// ---------------------------------------------------------------------------------------------------------------
// Schema lookups.

type Kind = 'null' | 'number' | 'string' | 'boolean' | 'map' | 'list';

function kindOf(v: Json): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v as 'number' | 'string' | 'boolean';
}

/** The schema of a string-keyed map's values: every key resolves to the value schema with no strategy. */
function mapValuesSchema(name: string, values: PatchSchema | undefined): PatchSchema {
  const field: PatchField = values ? { kind: 'object', strategies: [], schema: values } : { kind: 'primitive', strategies: [] };
  return { name: `map[string]${values?.name ?? 'interface {}'}`, field: () => field };
}

interface FieldMeta {
  /** Schema to merge a nested map with (struct schema, or the value schema of a string map). */
  mapSchema: PatchSchema | undefined;
  /** Schema of list elements. */
  elemSchema: PatchSchema | undefined;
  strategy: string;
  retainKeys: boolean;
  mergeKey: string;
}

/** Upstream's extractRetainKeysPatchStrategy: split `retainKeys` from the other strategy. */
function splitStrategies(strategies: readonly string[]): { retainKeys: boolean; strategy: string } {
  if (strategies.length === 0) return { retainKeys: false, strategy: '' };
  if (strategies.length === 1) {
    const s = strategies[0]!;
    return s === RETAIN_KEYS_STRATEGY ? { retainKeys: true, strategy: '' } : { retainKeys: false, strategy: s };
  }
  if (strategies.length === 2) {
    if (strategies[0] === RETAIN_KEYS_STRATEGY) return { retainKeys: true, strategy: strategies[1]! };
    if (strategies[1] === RETAIN_KEYS_STRATEGY) return { retainKeys: true, strategy: strategies[0]! };
  }
  throw new PatchError(`unexpected patch strategy: [${strategies.join(' ')}]`);
}

function lookup(schema: PatchSchema | undefined, key: string): FieldMeta {
  const f = schema?.field(key);
  if (!f) return { mapSchema: undefined, elemSchema: undefined, strategy: '', retainKeys: false, mergeKey: '' };
  const { retainKeys, strategy } = splitStrategies(f.strategies);
  let mapSchema: PatchSchema | undefined;
  if (f.kind === 'object') mapSchema = f.schema;
  else if (f.kind === 'map') mapSchema = mapValuesSchema(key, f.elements);
  return { mapSchema, elemSchema: f.elements, strategy, retainKeys, mergeKey: f.mergeKey ?? '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Small list helpers shared by apply and diff.

/** Upstream's sliceElementType: every element of every list has the same kind, and none is a list. */
function sliceElementKind(...lists: Json[][]): Kind {
  let prev: Kind | undefined;
  for (const l of lists) {
    for (const v of l) {
      const k = kindOf(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'list') throw new PatchError(ERR_NO_LIST_OF_LISTS);
      } else if (prev !== k) {
        throw new PatchError(`list element types are not identical: ${goFormat(lists as Json)}`);
      }
    }
  }
  if (prev === undefined) throw new PatchError('no elements in any of the given slices');
  return prev;
}

/** The value an element is identified by: its merge key value for maps, itself for primitives. */
function identity(item: Json, mergeKey: string, kind: Kind): Json | undefined {
  if (kind === 'map') return isMap(item) ? item[mergeKey] : undefined;
  return item;
}

/** First index of each identity in `list` (upstream's `index`, made O(1)). */
function indexer(list: readonly Json[], mergeKey: string, kind: Kind): (v: Json) => number {
  const first = new Map<unknown, number>();
  list.forEach((item, i) => {
    const id = identity(item, mergeKey, kind);
    if (!first.has(id)) first.set(id, i);
  });
  return (v) => first.get(identity(v, mergeKey, kind)) ?? -1;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: Json[][]): void {
  for (const l of lists) {
    for (const item of l) {
      if (!isMap(item)) throw errBadArgType('map', item);
      if (!(mergeKey in item)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** Splits a list of maps into the elements to keep and those carrying `$patch: delete`. */
function extractToDeleteItems(l: Json[]): [Json[], Json[]] {
  const keep: Json[] = [];
  const del: Json[] = [];
  for (const v of l) {
    if (!isMap(v)) throw errBadArgType('map', v);
    if (v[DIRECTIVE] === DELETE) del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

/** Upstream's normalizeSliceOrder: stable sort of `toSort` by position in `order`; deletions go last. */
function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: Kind): Json[] {
  let items = toSort;
  let toDelete: Json[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const idx = indexer(order, mergeKey, kind);
  const keyed = items.map((v) => ({ v, i: idx(v) }));
  if (keyed.every((x) => x.i >= 0)) {
    keyed.sort((a, b) => a.i - b.i); // stable
  } else {
    // Upstream's comparator answers "less" whenever one side is not in `order`; insertion sort (what Go's
    // SliceStable runs on short lists) reproduces its outcome.
    const less = (a: { i: number }, b: { i: number }): boolean => (a.i >= 0 && b.i >= 0 ? a.i < b.i : true);
    for (let i = 1; i < keyed.length; i++) {
      for (let j = i; j > 0 && less(keyed[j]!, keyed[j - 1]!); j--) {
        const t = keyed[j]!;
        keyed[j] = keyed[j - 1]!;
        keyed[j - 1] = t;
      }
    }
  }
  return [...keyed.map((x) => x.v), ...toDelete];
}

/**
 * Upstream's mergeSortedSlice: interleaves server-only items (`left`, in live order) into patch items (`right`):
 * a server-only item goes first only while both it and the next patch item are in the live list and it precedes
 * that item there; items new to the list therefore come before the remaining server-only ones.
 */
function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: Kind): Json[] {
  const idx = indexer(serverOrder, mergeKey, kind);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = idx(left[i]!);
      const ri = idx(right[j]!);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function normalizeElementOrder(patch: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string, kind: Kind): Json[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function findMapByKey(list: Json[], key: string, value: Json | undefined): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw new PatchError(`value for key ${i} is not a map.`);
    if (key in v && v[key] === value) return i;
  }
  return -1;
}

function partitionPrimitives(list: Json[], by: Json[]): [Json[], Json[]] {
  const inBy = new Set<unknown>(by);
  const inside: Json[] = [];
  const outside: Json[] = [];
  for (const v of list) (inBy.has(v) ? inside : outside).push(v);
  return [inside, outside];
}

function partitionMaps(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const inside: Json[] = [];
  const outside: Json[] = [];
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType('map', v);
    if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
    (findMapByKey(by, mergeKey, v[mergeKey]) >= 0 ? inside : outside).push(v);
  }
  return [inside, outside];
}

function partition(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  return mergeKey === '' ? partitionPrimitives(list, by) : partitionMaps(list, by, mergeKey);
}

/** Removes duplicate scalars, keeping the first occurrence. */
function dedupe(list: Json[]): Json[] {
  const seen = new Set<unknown>();
  const out: Json[] = [];
  for (const v of list) {
    if (typeof v === 'object' && v !== null) out.push(v);
    else if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Apply.

interface MergeOptions {
  /** Server side: apply `$deleteFromPrimitiveList`, `$retainKeys`, `$setElementOrder` (false when merging two patches). */
  mergeParallelList: boolean;
  /** Server side: a `null` for a field the original lacks is dropped rather than kept. */
  ignoreUnmatchedNulls: boolean;
}

const isDirectiveKey = (k: string): boolean =>
  k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER);

/**
 * Upstream's removeDirectives: a map carrying `$patch` is dropped (returns undefined), recursively. With `all`
 * (server side), the parallel-list and retainKeys directive keys and null map values are dropped as well, so no
 * directive reaches a stored object.
 */
function removeDirectives(v: Json, all: boolean): Json | undefined {
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const e of v) {
      const r = removeDirectives(e, all);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  if (!isMap(v)) return v;
  if (DIRECTIVE in v) return undefined;
  const out: JsonMap = {};
  for (const [k, e] of Object.entries(v)) {
    if (all && (isDirectiveKey(k) || e === null)) continue;
    const r = removeDirectives(e, all);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

function handleDirectiveInMergeMap(directive: Json | undefined, patch: JsonMap, opts: MergeOptions): JsonMap {
  if (directive === REPLACE) {
    const rest: JsonMap = { ...patch };
    delete rest[DIRECTIVE];
    return opts.mergeParallelList ? (removeDirectives(rest, true) as JsonMap) : rest;
  }
  if (directive === DELETE) return {};
  throw errBadPatchType(directive, patch);
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw new PatchError(ERR_BAD_FORMAT_PRIMITIVE_LIST);
    if (prefix === SET_ELEMENT_ORDER) throw new PatchError(ERR_BAD_FORMAT_SET_ELEMENT_ORDER);
    throw new PatchError(`fail to find unknown prefix "${prefix}" in ${s}\n`);
  }
  return s.slice(slash + 1);
}

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap, opts: MergeOptions): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS]!;
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    if (RETAIN_KEYS in original) {
      if (!deepEqual(original[RETAIN_KEYS]!, retain)) {
        throw new PatchError(`${goFormat(original[RETAIN_KEYS])} and ${goFormat(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`);
      }
    } else {
      original[RETAIN_KEYS] = retain;
    }
    return;
  }
  if (!Array.isArray(retain)) throw new PatchError(ERR_BAD_FORMAT_RETAIN_KEYS);
  const keep = new Set<unknown>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw new PatchError(ERR_BAD_FORMAT_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isMap(left)) throw errBadArgType('map', left);
  if (!isMap(right)) throw errBadArgType('map', right);
  if (!(mergeKey in left)) throw errNoMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/** The relative order of the patch list's items must agree with the `$setElementOrder` list (deletions aside). */
function validatePatchWithSetOrderList(patchList: Json[], setOrder: Json[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    if (isMap(nonDelete[p]) && DIRECTIVE in (nonDelete[p] as JsonMap)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p]!, setOrder[s]!, mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw new PatchError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(setOrder)}\n`);
  }
}

/** Processes every `$setElementOrder/<list>` of `patch` together with `<list>`, removing both from `patch`. */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const setOrder = patch[key]!;
    if (!opts.mergeParallelList) {
      if (key in original) {
        if (!deepEqual(original[key]!, setOrder)) throw new PatchError(ERR_BAD_FORMAT_SET_ELEMENT_ORDER);
      } else {
        original[key] = setOrder;
      }
    }
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType('list', setOrder);
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = listKey in original;
    const foundPatch = listKey in patch;
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('list', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('list', patchList);
    const origArr = (foundOriginal ? originalList : []) as Json[];
    const patchArr = (foundPatch ? patchList : []) as Json[];
    const meta = lookup(schema, listKey);
    validatePatchWithSetOrderList(patchArr, setOrder, meta.mergeKey);

    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = origArr;
    else if (!foundOriginal && foundPatch) merged = opts.mergeParallelList ? (removeDirectives(patchArr, true) as Json[]) : patchArr;
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(origArr, patchArr, meta, false, opts);
    else continue;

    const [patchItems, serverOnly] = partition(merged, setOrder, meta.mergeKey);
    const kind = sliceElementKind(origArr, patchArr);
    original[listKey] = normalizeElementOrder(patchItems, serverOnly, setOrder, origArr, meta.mergeKey, kind);
    delete patch[listKey];
  }
}

/** A value taken from the patch for a field the original lacks (or holds with another type). */
function newValue(v: Json, opts: MergeOptions): Json | undefined {
  if (opts.ignoreUnmatchedNulls && v === null) return undefined;
  return removeDirectives(v, opts.mergeParallelList);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, opts: MergeOptions): JsonMap {
  if (DIRECTIVE in patch) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch, opts);
  applyRetainKeysDirective(original, patch, opts);
  mergePatchIntoOriginal(original, patch, schema, opts);

  for (const [rawKey, patchV] of Object.entries(patch)) {
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      if (!opts.mergeParallelList) {
        original[rawKey] = patchV;
        continue;
      }
      k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    if (!(k in original) || kindOf(original[k]!) !== kindOf(patchV)) {
      if (!isDeleteList) {
        const v = newValue(patchV, opts);
        if (v === undefined) delete original[k];
        else original[k] = v;
      }
      continue;
    }
    const origV = original[k]!;
    const meta = lookup(schema, k);
    if (isMap(origV)) {
      original[k] = meta.strategy !== REPLACE ? mergeMap(origV, patchV as JsonMap, meta.mapSchema, opts) : (newValue(patchV, opts) as JsonMap);
    } else if (Array.isArray(origV)) {
      original[k] = mergeSliceHandler(origV, patchV as Json[], meta, isDeleteList, opts);
    } else {
      original[k] = patchV;
    }
  }
  return original;
}

function mergeSliceHandler(original: Json[], patch: Json[], meta: FieldMeta, isDeleteList: boolean, opts: MergeOptions): Json[] {
  if (meta.strategy === MERGE) return mergeSlice(original, patch, meta, opts, isDeleteList);
  return opts.mergeParallelList ? (removeDirectives(patch, true) as Json[]) : patch;
}

function mergeSlice(original: Json[], patch: Json[], meta: FieldMeta, opts: MergeOptions, isDeleteList: boolean): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  const mergeKey = meta.mergeKey;
  let merged: Json[];
  let orig = original;
  let pat = patch;
  if (kind !== 'map') {
    if (opts.mergeParallelList && isDeleteList) {
      const del = new Set<unknown>(patch);
      return original.filter((v) => !del.has(v));
    }
    merged = dedupe([...original, ...patch]);
  } else {
    if (mergeKey === '') throw new PatchError(`cannot merge lists without merge key for ${meta.elemSchema?.name ?? 'map'}`);
    let replaced: boolean;
    [orig, pat, replaced] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    if (replaced && opts.mergeParallelList) orig = removeDirectives(orig, true) as Json[];
    merged = mergeSliceWithoutSpecialElements(orig, pat, mergeKey, meta.elemSchema, opts);
  }
  const [patchItems, serverOnly] = partition(merged, pat, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, pat, orig, mergeKey, kind);
}

/**
 * Applies `$patch: delete` / `$patch: replace` elements: returns the (new) original, the rest of the patch, and
 * whether the list is replaced (the new original is then the patch's plain elements and nothing is left to merge).
 */
function mergeSliceWithSpecialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[], boolean] {
  const plain: Json[] = [];
  let replace = false;
  let orig = original;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(DIRECTIVE in m)) {
      plain.push(v);
      continue;
    }
    const t = m[DIRECTIVE];
    if (t === DELETE) {
      if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
      const value = m[mergeKey];
      orig = orig.filter((e) => !(isMap(e) && mergeKey in e && e[mergeKey] === value));
    } else if (t === REPLACE) {
      replace = true;
    } else if (t === MERGE) {
      throw new PatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(t, m);
    }
  }
  if (replace) return [plain, [], true];
  return [orig, plain, false];
}

function mergeSliceWithoutSpecialElements(original: Json[], patch: Json[], mergeKey: string, elemSchema: PatchSchema | undefined, opts: MergeOptions): Json[] {
  const out = [...original];
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
    const i = findMapByKey(out, mergeKey, m[mergeKey]);
    if (i >= 0) {
      out[i] = mergeMap(out[i] as JsonMap, m, elemSchema, opts);
    } else {
      const nv = opts.mergeParallelList ? removeDirectives(m, true) : m;
      if (nv !== undefined) out.push(nv);
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch to `original` and returns the result; neither argument is modified.
 *
 * Both documents must be JSON objects (`null` original counts as `{}`), else `PatchError("invalid JSON
 * document")`. Fields are merged by the patch metadata in `schema` (undefined, or a field the schema does not
 * know: maps merge recursively and lists are replaced, as in a JSON merge patch). Supports `null` deletion,
 * `$patch: replace|delete` on maps and as list elements, `$deleteFromPrimitiveList/<f>`, `$setElementOrder/<f>`,
 * `$retainKeys`, merging of primitive lists (set union) and of object lists by merge key, with upstream's
 * ordering rules. No directive remains in the output. Bad patches throw `PatchError` with upstream's messages.
 */
export function applyStrategicMergePatch(original: Json, patch: Json, schema: PatchSchema | undefined): Json {
  if (original !== null && !isMap(original)) throw new PatchError(ERR_BAD_JSON_DOC);
  if (!isMap(patch)) throw new PatchError(ERR_BAD_JSON_DOC);
  const orig: JsonMap = original === null ? {} : structuredClone(original);
  const pat: JsonMap = structuredClone(patch);
  return mergeMap(orig, pat, schema, { mergeParallelList: true, ignoreUnmatchedNulls: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Diff (patch creation).

interface DiffOptions {
  setElementOrder: boolean;
  ignoreChangesAndAdditions: boolean;
  ignoreDeletions: boolean;
  buildRetainKeysDirective: boolean;
}

/** `fmt.Sprintf("%v")`-string order, as upstream's sortScalars. */
function sortScalars(list: Json[]): Json[] {
  return [...list].sort((a, b) => {
    const x = goFormat(a);
    const y = goFormat(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function diffMaps(original: JsonMap, modified: JsonMap, schema: PatchSchema | undefined, opts: DiffOptions): JsonMap {
  const patch: JsonMap = {};
  const retainKeys: Json[] = [];
  for (const [key, modV] of Object.entries(modified)) {
    if (opts.buildRetainKeysDirective && modV !== null) retainKeys.push(key);
    if (!(key in original)) {
      if (!opts.ignoreChangesAndAdditions) patch[key] = modV;
      continue;
    }
    const origV = original[key]!;
    if (key === DIRECTIVE) {
      if (typeof origV !== 'string' || typeof modV !== 'string') throw new PatchError(`invalid value for special key: ${DIRECTIVE}`);
      if (origV !== modV) patch[key] = modV;
      continue;
    }
    if (kindOf(origV) !== kindOf(modV)) {
      if (!opts.ignoreChangesAndAdditions) patch[key] = modV;
      continue;
    }
    if (isMap(origV)) handleMapDiff(key, origV, modV as JsonMap, patch, schema, opts);
    else if (Array.isArray(origV)) handleSliceDiff(key, origV, modV as Json[], patch, schema, opts);
    else if (!opts.ignoreChangesAndAdditions && !deepEqual(origV, modV)) patch[key] = modV;
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!(key in modified)) patch[key] = null;
  }
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField(original, modified))) {
    patch[RETAIN_KEYS] = sortScalars(retainKeys);
  }
  return patch;
}

function hasAdditionalNewField(original: JsonMap, modified: JsonMap): boolean {
  return Object.entries(original).some(([k, v]) => v !== null && !(k in modified));
}

function handleMapDiff(key: string, original: JsonMap, modified: JsonMap, patch: JsonMap, schema: PatchSchema | undefined, opts: DiffOptions): void {
  const meta = lookup(schema, key);
  if (meta.strategy === REPLACE) {
    if (!opts.ignoreChangesAndAdditions) patch[key] = modified;
    return;
  }
  const p = diffMaps(original, modified, meta.mapSchema, { ...opts, buildRetainKeysDirective: meta.retainKeys });
  if (Object.keys(p).length > 0) patch[key] = p;
}

function handleSliceDiff(key: string, original: Json[], modified: Json[], patch: JsonMap, schema: PatchSchema | undefined, opts: DiffOptions): void {
  const meta = lookup(schema, key);
  if (meta.strategy !== MERGE) {
    if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = modified;
    return;
  }
  const [add, del, order] = diffLists(original, modified, meta.elemSchema, meta.mergeKey, { ...opts, buildRetainKeysDirective: meta.retainKeys });
  if (add.length > 0) patch[key] = add;
  if (del.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST}/${key}`] = del;
  if (order.length > 0) patch[`${SET_ELEMENT_ORDER}/${key}`] = order;
}

function diffLists(original: Json[], modified: Json[], elemSchema: PatchSchema | undefined, mergeKey: string, opts: DiffOptions): [Json[], Json[], Json[]] {
  if (original.length === 0) {
    if (modified.length === 0 || opts.ignoreChangesAndAdditions) return [[], [], []];
    return [modified, [], []];
  }
  const kind = sliceElementKind(original, modified);
  if (kind === 'map') {
    const [changes, deletions] = diffListsOfMaps(original, modified, elemSchema, mergeKey, opts);
    const patchList = [...normalizeSliceOrder(changes, modified, mergeKey, kind), ...deletions];
    const orderSame = isOrderSame(original, modified, mergeKey);
    let order: Json[] = [];
    if (opts.setElementOrder && ((!opts.ignoreChangesAndAdditions && (patchList.length > 0 || !orderSame)) || (!opts.ignoreDeletions && patchList.length > 0))) {
      order = modified.map((v) => ({ [mergeKey]: (v as JsonMap)[mergeKey]! }));
    }
    return [patchList, [], order];
  }
  const [adds, deletions] = diffListsOfScalars(original, modified, opts);
  const patchList = normalizeSliceOrder(adds, modified, mergeKey, kind);
  let order: Json[] = [];
  if (opts.setElementOrder && ((!opts.ignoreDeletions && deletions.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)))) {
    order = modified;
  }
  return [patchList, deletions, order];
}

function isOrderSame(original: Json[], modified: Json[], mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((m, i) => mergeKeyValueEqual(original[i]!, m, mergeKey));
}

function diffListsOfScalars(original: Json[], modified: Json[], opts: DiffOptions): [Json[], Json[]] {
  const o = sortScalars(original);
  const m = sortScalars(modified);
  const adds: Json[] = [];
  const dels: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const os = i < o.length ? goFormat(o[i]) : undefined;
    const ms = j < m.length ? goFormat(m[j]) : undefined;
    if (os !== undefined && ms !== undefined && os === ms) {
      i++;
      j++;
    } else if (os === undefined || (ms !== undefined && os > ms)) {
      if (!opts.ignoreChangesAndAdditions) adds.push(m[j]!);
      j++;
    } else {
      if (!opts.ignoreDeletions) dels.push(o[i]!);
      i++;
    }
  }
  return [adds, dedupe(dels)];
}

function sortByMergeKey(list: Json[], mergeKey: string): JsonMap[] {
  return list
    .map((v) => {
      if (!isMap(v)) throw errBadArgType('map', v);
      return v;
    })
    .sort((a, b) => {
      const x = goFormat(a[mergeKey]);
      const y = goFormat(b[mergeKey]);
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

function diffListsOfMaps(original: Json[], modified: Json[], elemSchema: PatchSchema | undefined, mergeKey: string, opts: DiffOptions): [Json[], Json[]] {
  const patch: Json[] = [];
  const deletions: Json[] = [];
  const o = sortByMergeKey(original, mergeKey);
  const m = sortByMergeKey(modified, mergeKey);
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    let os: string | undefined;
    let ms: string | undefined;
    if (i < o.length) {
      if (!(mergeKey in o[i]!)) throw errNoMergeKey(o[i], mergeKey);
      os = goFormat(o[i]![mergeKey]);
    }
    if (j < m.length) {
      if (!(mergeKey in m[j]!)) throw errNoMergeKey(m[j], mergeKey);
      ms = goFormat(m[j]![mergeKey]);
    }
    if (os !== undefined && ms !== undefined && os === ms) {
      const p = diffMaps(o[i]!, m[j]!, elemSchema, opts);
      if (Object.keys(p).length > 0) {
        p[mergeKey] = m[j]![mergeKey]!;
        patch.push(p);
      }
      i++;
      j++;
    } else if (os === undefined || (ms !== undefined && os > ms)) {
      if (!opts.ignoreChangesAndAdditions) patch.push(m[j]!);
      j++;
    } else {
      if (!opts.ignoreDeletions) deletions.push({ [mergeKey]: o[i]![mergeKey]!, [DIRECTIVE]: DELETE });
      i++;
    }
  }
  return [patch, deletions];
}

function asDocument(v: Json): JsonMap {
  if (v === null) return {};
  if (!isMap(v)) throw new PatchError(ERR_BAD_JSON_DOC);
  return v;
}

/**
 * The strategic merge patch that turns `original` into `modified` (upstream's CreateTwoWayMergePatch, with
 * `$setElementOrder` lists): `applyStrategicMergePatch(original, patch, schema)` equals `modified` for documents
 * without explicit nulls. Inputs are not modified; `null` counts as `{}`; other non-objects throw `PatchError`.
 */
export function createTwoWayMergePatch(original: Json, modified: Json, schema: PatchSchema | undefined): Json {
  const o = structuredClone(asDocument(original));
  const m = structuredClone(asDocument(modified));
  return diffMaps(o, m, schema, { setElementOrder: true, ignoreChangesAndAdditions: false, ignoreDeletions: false, buildRetainKeysDirective: false });
}

/**
 * What `kubectl apply` sends (upstream's CreateThreeWayMergePatch): changes from `current` (live) to `modified`
 * (the new manifest) without deletions, plus deletions from `original` (last-applied) to `modified`. With
 * `overwrite` false, a patch touching fields changed differently between `original` and `current` throws
 * `PatchError` with upstream's conflict message. Inputs are not modified.
 */
export function createThreeWayMergePatch(original: Json, modified: Json, current: Json, schema: PatchSchema | undefined, overwrite = true): Json {
  const o = structuredClone(asDocument(original));
  const m = structuredClone(asDocument(modified));
  const c = structuredClone(asDocument(current));
  const base = { setElementOrder: true, ignoreChangesAndAdditions: false, ignoreDeletions: false, buildRetainKeysDirective: false };
  const delta = diffMaps(c, m, schema, { ...base, ignoreDeletions: true });
  const deletions = diffMaps(o, m, schema, { ...base, ignoreChangesAndAdditions: true });
  const patch = mergeMap(deletions, delta, schema, { mergeParallelList: false, ignoreUnmatchedNulls: false });
  if (!overwrite) {
    const changed = diffMaps(structuredClone(o), structuredClone(c), schema, { ...base, setElementOrder: false });
    if (mapsHaveConflicts(patch, changed, schema)) {
      throw new PatchError(`patch:\n${yamlOf(patch)}\nconflicts with changes made from original to current:\n${yamlOf(changed)}\n`);
    }
  }
  return patch;
}

function yamlOf(v: Json): string {
  return toYaml(v, { sortMapEntries: true, indentSeq: false });
}

// ---------------------------------------------------------------------------------------------------------------
// Conflict detection (upstream's MergingMapsHaveConflicts), for createThreeWayMergePatch(..., overwrite=false).

function fieldsHaveConflicts(left: Json, right: Json, meta: FieldMeta | undefined, schema: PatchSchema | undefined): boolean {
  if (isMap(left)) {
    if (!isMap(right)) return true;
    const lm = DIRECTIVE in left;
    const rm = DIRECTIVE in right;
    if (lm || rm) {
      if (lm !== rm) return true;
      if (left[DIRECTIVE] !== right[DIRECTIVE]) return true;
    }
    if (meta?.strategy === REPLACE) return false;
    return mapsHaveConflicts(left, right, schema);
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    return slicesHaveConflicts(left, right, meta ?? lookup(undefined, ''));
  }
  return !deepEqual(left, right);
}

function mapsHaveConflicts(left: JsonMap, right: JsonMap, schema: PatchSchema | undefined): boolean {
  for (const [key, lv] of Object.entries(left)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || !(key in right)) continue;
    const meta = lookup(schema, key);
    if (fieldsHaveConflicts(lv, right[key]!, meta, meta.mapSchema)) return true;
  }
  return false;
}

function slicesHaveConflicts(left: Json[], right: Json[], meta: FieldMeta): boolean {
  if (left.length === 0 && right.length === 0) return false;
  const kind = sliceElementKind(left, right);
  if (meta.strategy === MERGE) {
    if (kind !== 'map') return false;
    const byKey = (l: Json[]): Map<string, JsonMap> => {
      const out = new Map<string, JsonMap>();
      for (const v of l) {
        if (!isMap(v)) throw new PatchError(`invalid element type in merging list:${goFormat(l)}`);
        if (!(meta.mergeKey in v)) throw new PatchError(`cannot find merge key \`${meta.mergeKey}\` in merging list element:${goFormat(v)}`);
        out.set(goFormat(v[meta.mergeKey]), v);
      }
      return out;
    };
    const l = byKey(left);
    const r = byKey(right);
    for (const [k, lv] of l) {
      const rv = r.get(k);
      if (rv !== undefined && fieldsHaveConflicts(lv, rv, undefined, meta.elemSchema)) return true;
    }
    return false;
  }
  if (left.length !== right.length) return true;
  const l = kind !== 'map' ? sortScalars(dedupe(left)) : left;
  const r = kind !== 'map' ? sortScalars(dedupe(right)) : right;
  return l.some((v, i) => fieldsHaveConflicts(v, r[i]!, undefined, meta.elemSchema));
}

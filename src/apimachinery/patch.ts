// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as `kubectl patch --type merge|json` sends them.

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A patch that cannot be applied; the apiserver turns it into a 422 (upstream answers bad patches that way). */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

/**
 * RFC 7386: objects merge key by key, `null` deletes a key, anything else (arrays included) replaces.
 * Neither argument is modified; the result shares no structure with them.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: { [k: string]: Json } = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/**
 * The merge patch that turns `from` into `to` (what `kubectl apply` computes for CRDs and what a client
 * can send as `--type merge`): changed keys, `null` for removed ones; arrays are replaced whole.
 */
export function createMergePatch(from: Json, to: Json): Json {
  if (!isObject(from) || !isObject(to)) return clone(to);
  const patch: { [k: string]: Json } = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) patch[k] = clone(v);
    else if (!deepEqual(from[k]!, v)) patch[k] = isObject(from[k]) && isObject(v) ? createMergePatch(from[k]!, v) : clone(v);
  }
  return patch;
}

/** Structural equality of JSON values (object key order ignored). */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k]!, b[k]!));
  }
  return false;
}

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

/** RFC 6901: "/a/b~1c/0" -> ["a", "b/c", "0"]. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}": must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new PatchError(`invalid JSON pointer "${pointer}": bad escape`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function arrayIndex(arr: Json[], token: string, path: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in path "${path}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`array index ${i} out of bounds in path "${path}"`);
  return i;
}

/** The container that holds the last token of `path`, and that token. */
function parentOf(doc: Json, path: string): { parent: Json; key: string } {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError('the root cannot be the target of this operation');
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)]!;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw new PatchError(`path "${path}" does not exist`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function get(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)]!;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw new PatchError(`path "${path}" does not exist`);
  }
  return cur;
}

function add(doc: Json, path: string, value: Json): Json {
  if (path === '') return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`path "${path}": parent is not an object or array`);
  return doc;
}

function remove(doc: Json, path: string): Json {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, false), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`unable to remove nonexistent key "${key}": path "${path}" does not exist`);
  return doc;
}

/**
 * RFC 6902 over a copy of `doc`: operations apply in order and the patch is atomic (any failure throws
 * `PatchError` and nothing is returned). `doc` is not modified.
 */
export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let out = clone(doc);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw as unknown) || typeof raw.path !== 'string') throw new PatchError('each JSON patch operation needs "op" and "path"');
    const needValue = raw.op === 'add' || raw.op === 'replace' || raw.op === 'test';
    if (needValue && !('value' in raw)) throw new PatchError(`operation "${raw.op}" on "${raw.path}" needs a value`);
    switch (raw.op) {
      case 'add':
        out = add(out, raw.path, clone(raw.value!));
        break;
      case 'remove':
        out = remove(out, raw.path);
        break;
      case 'replace':
        get(out, raw.path); // must exist
        out = raw.path === '' ? clone(raw.value!) : add(remove(out, raw.path), raw.path, clone(raw.value!));
        break;
      case 'move': {
        if (typeof raw.from !== 'string') throw new PatchError('operation "move" needs "from"');
        if (raw.path.startsWith(raw.from + '/')) throw new PatchError(`cannot move "${raw.from}" into its own child "${raw.path}"`);
        const v = get(out, raw.from);
        out = add(remove(out, raw.from), raw.path, v);
        break;
      }
      case 'copy': {
        if (typeof raw.from !== 'string') throw new PatchError('operation "copy" needs "from"');
        out = add(out, raw.path, clone(get(out, raw.from)));
        break;
      }
      case 'test':
        if (!deepEqual(get(out, raw.path), raw.value!)) throw new PatchError(`testing value ${raw.path} failed: test failed`);
        break;
      default:
        throw new PatchError(`unexpected kind: ${String((raw as { op?: unknown }).op)}`);
    }
  }
  return out;
}

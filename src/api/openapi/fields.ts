// Field-level views of the model: strategic-merge-patch schemas and unknown-field detection for fieldValidation.
import type { PatchField, PatchSchema } from '../../apimachinery/patchschema.js';
import { definitionFor, definitions, resolve, type Schema } from './model.js';

/** Whether a resolved schema is a struct with named fields (as opposed to a map, list, primitive or opaque value). */
function isStruct(s: Schema): boolean {
  return s.type === 'object' && s.properties !== undefined && !preservesUnknown(s);
}

function preservesUnknown(s: Schema): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true;
}

const schemas = new Map<string, DefinitionPatchSchema>();

/** The patch schema of a definition by upstream name, cached; undefined when the definition is not a struct. */
function patchSchemaOfDefinition(name: string): PatchSchema | undefined {
  const cached = schemas.get(name);
  if (cached) return cached;
  const def = definitions().get(name);
  if (!def || !isStruct(def)) return undefined;
  const s = new DefinitionPatchSchema(name, def);
  schemas.set(name, s);
  return s;
}

/** The struct schema an (unresolved) element/value schema refers to, if it is a struct. */
function structOf(s: Schema | undefined): PatchSchema | undefined {
  if (!s) return undefined;
  return s.$ref !== undefined ? patchSchemaOfDefinition(s.$ref) : undefined;
}

class DefinitionPatchSchema implements PatchSchema {
  private readonly fields = new Map<string, PatchField | undefined>();

  constructor(
    readonly name: string,
    private readonly def: Schema,
  ) {}

  field(name: string): PatchField | undefined {
    if (this.fields.has(name)) return this.fields.get(name);
    const prop = Object.prototype.hasOwnProperty.call(this.def.properties ?? {}, name)
      ? this.def.properties?.[name]
      : undefined;
    const f = prop ? toPatchField(prop) : undefined;
    this.fields.set(name, f);
    return f;
  }
}

function toPatchField(prop: Schema): PatchField {
  const strategy = prop['x-kubernetes-patch-strategy'];
  const strategies = strategy ? strategy.split(',').map((x) => x.trim()).filter((x) => x !== '') : [];
  const mergeKey = prop['x-kubernetes-patch-merge-key'];
  const r = resolve(prop);
  if (r.type === 'array') {
    const elements = structOf(r.items);
    return {
      kind: 'list',
      strategies,
      ...(mergeKey !== undefined ? { mergeKey } : {}),
      ...(elements ? { elements } : {}),
      primitiveElements: elements === undefined,
    };
  }
  if (r.type === 'object' && r.additionalProperties !== undefined) {
    const elements = structOf(r.additionalProperties);
    return { kind: 'map', strategies, ...(elements ? { elements } : {}) };
  }
  if (isStruct(r)) {
    const schema = structOf(prop);
    if (schema) return { kind: 'object', strategies, schema };
  }
  return { kind: 'primitive', strategies };
}

/**
 * The strategic-merge-patch schema of `group`/`version`/`kind` ('' = core), e.g. `('', 'v1', 'Pod')`, built
 * lazily from the model and cached per definition; undefined for a kind the model does not know. Lists carry
 * upstream's `patchStrategy`/`patchMergeKey`; maps (labels, `resources.limits`) are `map`; Quantity,
 * IntOrString, Time, RawExtension and FieldsV1 are `primitive` (opaque values).
 */
export function patchSchemaFor(group: string, version: string, kind: string): PatchSchema | undefined {
  const name = definitionFor(group, version, kind);
  return name === undefined ? undefined : patchSchemaOfDefinition(name);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A path under construction: segments pushed and popped while walking; joined only when reported. */
type Segments = (string | number)[];

function pathOf(segs: Segments, last?: string): string {
  let p = '';
  for (const x of segs) p = typeof x === 'number' ? `${p}[${x}]` : p === '' ? x : `${p}.${x}`;
  if (last !== undefined) p = p === '' ? last : `${p}.${last}`;
  return p;
}

const hasOwn = Object.prototype.hasOwnProperty;

function walk(s: Schema, value: unknown, segs: Segments, out: string[]): void {
  const r = resolve(s);
  if (preservesUnknown(r)) return;
  if (r.type === 'array') {
    if (!Array.isArray(value) || !r.items) return;
    for (let i = 0; i < value.length; i++) {
      const el: unknown = value[i];
      if (el === null || typeof el !== 'object') continue; // only objects and lists can hold unknown fields
      segs.push(i);
      walk(r.items, el, segs, out);
      segs.pop();
    }
    return;
  }
  if (!isPlainObject(value)) return;
  if (r.type === 'object' && r.additionalProperties !== undefined) {
    const sub = r.additionalProperties;
    if (typeof sub !== 'object') return;
    for (const k in value) {
      const v = value[k];
      if (v === null || typeof v !== 'object') continue;
      segs.push(k);
      walk(sub, v, segs, out);
      segs.pop();
    }
    return;
  }
  if (!isStruct(r)) return;
  const props = r.properties ?? {};
  for (const k in value) {
    const sub = hasOwn.call(props, k) ? props[k] : undefined;
    if (sub === undefined) {
      out.push(pathOf(segs, k));
      continue;
    }
    const v = value[k];
    if (v === null || typeof v !== 'object') continue;
    segs.push(k);
    walk(sub, v, segs, out);
    segs.pop();
  }
}

/**
 * Paths of the fields present in `obj` that the schema of `group`/`version`/`kind` does not define, in document
 * order and in the form of upstream's `strict decoding error: unknown field "spec.containers[0].foo"`: dot
 * separated, `[i]` for list elements. Free-form maps (labels, annotations, `data`, `resources.limits`), opaque
 * values (RawExtension, FieldsV1) and values whose JSON type does not match the schema are not descended into.
 * Returns [] when the kind is unknown to the model.
 */
export function unknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  const name = definitionFor(group, version, kind);
  if (name === undefined) return [];
  const out: string[] = [];
  walk({ $ref: name }, obj, [], out);
  return out;
}

/** A JSON value whose type does not fit the schema (what Go's json decoder refuses to unmarshal). */
export interface TypeMismatch {
  /** Dotted path, e.g. `spec.template.metadata.labels.app`. */
  readonly path: string;
  /** The Go-ish type the schema wants: `string`, `int32`, `int64`, `float64`, `bool`, `[]T`, `struct`, `map`. */
  readonly want: string;
  /** The JSON type found: `string`, `number`, `bool`, `array`, `object`. */
  readonly got: string;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function wantOf(r: Schema): string | undefined {
  if (r.format === 'int-or-string') return undefined;
  switch (r.type) {
    case 'string':
      return r.format === 'byte' ? 'string' : 'string';
    case 'integer':
      return r.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'array';
    case 'object':
      return r.additionalProperties !== undefined ? 'map' : 'struct';
    default:
      return isStruct(r) ? 'struct' : undefined;
  }
}

function fits(want: string, v: unknown): boolean {
  switch (want) {
    case 'string':
      return typeof v === 'string';
    case 'int32':
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float64':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    default:
      return isPlainObject(v);
  }
}

function typeWalk(s: Schema, value: unknown, segs: Segments): TypeMismatch | undefined {
  if (value === null || value === undefined) return undefined;
  // Quantities decode from numbers as well as strings.
  if (s.$ref === 'io.k8s.apimachinery.pkg.api.resource.Quantity' && typeof value === 'number') return undefined;
  const r = resolve(s);
  if (preservesUnknown(r)) return undefined;
  const want = wantOf(r);
  if (want === undefined) {
    if (r.format === 'int-or-string' && typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      return { path: pathOf(segs), want: 'intstr.IntOrString', got: jsonType(value) };
    }
    return undefined;
  }
  if (!fits(want, value)) return { path: pathOf(segs), want, got: jsonType(value) };
  if (want === 'array' && r.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      segs.push(i);
      const m = typeWalk(r.items, value[i], segs);
      segs.pop();
      if (m) return m;
    }
  } else if (want === 'map' && isPlainObject(value) && r.additionalProperties !== undefined && typeof r.additionalProperties === 'object') {
    for (const k in value) {
      segs.push(k);
      const m = typeWalk(r.additionalProperties, value[k], segs);
      segs.pop();
      if (m) return m;
    }
  } else if (want === 'struct' && isPlainObject(value)) {
    const props = r.properties ?? {};
    for (const k in value) {
      const sub = hasOwn.call(props, k) ? props[k] : undefined;
      if (sub === undefined) continue;
      segs.push(k);
      const m = typeWalk(sub, value[k], segs);
      segs.pop();
      if (m) return m;
    }
  }
  return undefined;
}

/**
 * The first value in `obj` whose JSON type does not fit the schema of `group`/`version`/`kind` (e.g. a label
 * value `true` where a string is wanted), in document order; undefined when every typed value fits or the kind is
 * unknown. IntOrString accepts integers and strings; Quantity accepts strings (numbers are handled by callers).
 */
export function typeMismatch(group: string, version: string, kind: string, obj: unknown): TypeMismatch | undefined {
  const name = definitionFor(group, version, kind);
  if (name === undefined) return undefined;
  return typeWalk({ $ref: name }, obj, []);
}

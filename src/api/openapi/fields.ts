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

function walk(s: Schema, value: unknown, path: string, out: string[]): void {
  const r = resolve(s);
  if (preservesUnknown(r)) return;
  if (r.type === 'array') {
    if (!Array.isArray(value) || !r.items) return;
    value.forEach((el, i) => walk(r.items as Schema, el, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  if (r.type === 'object' && r.additionalProperties !== undefined) {
    for (const [k, v] of Object.entries(value)) walk(r.additionalProperties, v, path === '' ? k : `${path}.${k}`, out);
    return;
  }
  if (!isStruct(r)) return;
  const props = r.properties ?? {};
  for (const [k, v] of Object.entries(value)) {
    const p = path === '' ? k : `${path}.${k}`;
    const sub = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
    if (sub === undefined) out.push(p);
    else walk(sub, v, p, out);
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
  walk({ $ref: name }, obj, '', out);
  return out;
}

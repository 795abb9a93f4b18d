// The OpenAPI model of every kubernetes-types definition: the generated model plus the hand-written extensions, built lazily.
import { gunzipSync } from 'node:zlib';
import { groups } from '../resources.js';
import { EXTENSIONS, ATOMIC_STRUCTS } from './extensions.js';
import { MODEL_GZIP_BASE64 } from './model.gen.js';

/** A group/version/kind as upstream's x-kubernetes-group-version-kind lists it. */
export interface GVKExtension {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
}

/**
 * One schema of the model, Swagger 2.0 / OpenAPI 3 compatible, except that `$ref` holds the bare definition name
 * (`io.k8s.api.core.v1.PodSpec`); the document builders rewrite it to `#/definitions/...` or
 * `#/components/schemas/...`.
 */
export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  additionalProperties?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  'x-kubernetes-group-version-kind'?: GVKExtension[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface Model {
  readonly definitions: ReadonlyMap<string, Schema>;
  /** `group/version/kind` -> definition name */
  readonly byGVK: ReadonlyMap<string, string>;
}

let model: Model | undefined;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

function applyIntegerFormat(s: Schema, format: string | undefined): void {
  if (s.type === 'integer') {
    if (format === 'double') {
      s.type = 'number';
      s.format = 'double';
    } else s.format = format ?? 'int32';
  } else if (s.type === 'array' && s.items) applyIntegerFormat(s.items, format);
  else if (s.type === 'object' && s.additionalProperties) applyIntegerFormat(s.additionalProperties, format);
}

function build(): Model {
  const raw = JSON.parse(gunzipSync(Buffer.from(MODEL_GZIP_BASE64, 'base64')).toString('utf8')) as {
    definitions: Record<string, Schema>;
  };
  const definitions = new Map<string, Schema>();
  for (const [name, def] of Object.entries(raw.definitions)) {
    const ext = EXTENSIONS[name] ?? {};
    for (const [prop, s] of Object.entries(def.properties ?? {})) {
      const e = ext[prop];
      applyIntegerFormat(s, e?.format);
      if (e?.strategy) s['x-kubernetes-patch-strategy'] = e.strategy;
      if (e?.mergeKey) s['x-kubernetes-patch-merge-key'] = e.mergeKey;
      if (e?.listType) s['x-kubernetes-list-type'] = e.listType;
      if (e?.mapKeys) s['x-kubernetes-list-map-keys'] = [...e.mapKeys];
    }
    if (ATOMIC_STRUCTS.has(name)) def['x-kubernetes-map-type'] = 'atomic';
    definitions.set(name, def);
  }
  // Meta kinds registered in every group-version, as upstream lists them.
  const everyGV: GVKExtension[] = [];
  for (const g of groups()) for (const v of g.versions) everyGV.push({ group: g.name, kind: '', version: v });
  for (const kind of ['DeleteOptions', 'WatchEvent']) {
    const def = definitions.get(`${META}${kind}`);
    if (def) def['x-kubernetes-group-version-kind'] = everyGV.map((x) => ({ ...x, kind }));
  }
  const status = definitions.get(`${META}Status`);
  if (status) status['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'Status', version: 'v1' }];

  const byGVK = new Map<string, string>();
  for (const [name, def] of definitions) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
      if (!byGVK.has(key)) byGVK.set(key, name);
    }
  }
  return { definitions, byGVK };
}

function get(): Model {
  model ??= build();
  return model;
}

/**
 * Every definition of the model by upstream name (`$ref`s hold bare names). Built on first call and shared:
 * callers must not mutate the schemas.
 */
export function definitions(): ReadonlyMap<string, Schema> {
  return get().definitions;
}

/**
 * The upstream definition name of `group`/`version`/`kind` ('' = core), e.g. `('apps', 'v1', 'Deployment')` ->
 * `io.k8s.api.apps.v1.Deployment`; undefined when no definition carries that group-version-kind.
 */
export function definitionFor(group: string, version: string, kind: string): string | undefined {
  return get().byGVK.get(`${group}/${version}/${kind}`);
}

/** Follows a chain of `$ref`s to the schema it names (the schema itself when it is not a ref). */
export function resolve(s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 8 && cur.$ref !== undefined; i++) {
    const next = get().definitions.get(cur.$ref);
    if (!next) break;
    cur = next;
  }
  return cur;
}

/** The names of the definitions reachable from `roots` through `$ref`s (including the roots), sorted. */
export function reachable(roots: Iterable<string>): string[] {
  const defs = get().definitions;
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (s: Schema | undefined): void => {
    if (!s) return;
    if (s.$ref !== undefined && !seen.has(s.$ref)) stack.push(s.$ref);
    visit(s.items);
    visit(s.additionalProperties);
    for (const p of Object.values(s.properties ?? {})) visit(p);
  };
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    const def = defs.get(name);
    if (!def) continue;
    seen.add(name);
    visit(def);
  }
  return [...seen].sort();
}

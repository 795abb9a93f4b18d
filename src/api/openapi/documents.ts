// Builds the /openapi/v2 (Swagger 2.0) and /openapi/v3 (OpenAPI 3.0) documents of the served resources, as kube-apiserver does.
import { createHash } from 'node:crypto';
import { groups, lookupGroup, resourcesFor, type ResourceInfo, type SubresourceInfo } from '../resources.js';
import { definitionFor, definitions, reachable, type Schema } from './model.js';

/** The Kubernetes version the documents announce in `info.version`. */
export const OPENAPI_INFO_VERSION = 'v1.32.0';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

// ---------------------------------------------------------------------------------------------------------------
// Neutral description of paths and operations, rendered to v2 or v3.

interface Param {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly type: 'string' | 'integer' | 'boolean';
  readonly required?: boolean;
}

interface Response {
  /** Definition name of the body, or 'string' for a plain string body. */
  readonly schema: string;
}

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

interface Operation {
  readonly method: Method;
  readonly operationId: string;
  readonly description: string;
  readonly tag: string;
  readonly action: string;
  readonly gvk?: { group: string; version: string; kind: string };
  readonly params: readonly Param[];
  /** Definition name of the request body. */
  readonly body?: string;
  readonly patch?: boolean;
  readonly watchable?: boolean;
  readonly responses: Readonly<Record<string, Response>>;
}

interface PathItem {
  readonly path: string;
  readonly params: readonly Param[];
  readonly ops: readonly Operation[];
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });

const PRETTY = q(
  'pretty',
  'string',
  "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);
const DRY_RUN = q(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = q(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const FIELD_MANAGER_PATCH = q(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
);
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
);
const FORCE = q(
  'force',
  'boolean',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
);
const LIST_PARAMS: readonly Param[] = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
];
const DELETE_PARAMS: readonly Param[] = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
  q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.'),
  q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
];
const NAMESPACE: Param = {
  name: 'namespace',
  in: 'path',
  type: 'string',
  required: true,
  description: 'object name and auth scope, such as for teams and projects',
};
const nameParam = (kind: string): Param => ({
  name: 'name',
  in: 'path',
  type: 'string',
  required: true,
  description: `name of the ${kind}`,
});

const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PRODUCES_WATCH = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

function groupId(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const tagOf = (group: string, version: string): string => {
  const g = groupId(group);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}`;
};
const prefixOf = (group: string, version: string): string => (group === '' ? `/api/${version}` : `/apis/${group}/${version}`);

/** The paths of one served group-version, in path order. */
function groupVersionPaths(group: string, version: string): PathItem[] {
  const prefix = prefixOf(group, version);
  const G = `${groupId(group)}${cap(version)}`;
  const tag = tagOf(group, version);
  const items: PathItem[] = [
    {
      path: `${prefix}/`,
      params: [],
      ops: [
        {
          method: 'get',
          operationId: `get${G}APIResources`,
          description: 'get available resources',
          tag,
          action: '',
          params: [],
          responses: { '200': { schema: `${META}APIResourceList` } },
        },
      ],
    },
  ];
  for (const info of resourcesFor(group, version)) items.push(...resourcePaths(info, group, version, prefix, G, tag));
  return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function resourcePaths(info: ResourceInfo, group: string, version: string, prefix: string, G: string, tag: string): PathItem[] {
  const kind = info.kind;
  const def = definitionFor(group, version, kind);
  if (def === undefined) return [];
  const listDef = definitionFor(group, version, `${kind}List`);
  const gvk = { group, version, kind };
  const ns = info.namespaced ? 'Namespaced' : '';
  const base = info.namespaced ? `${prefix}/namespaces/{namespace}/${info.resource}` : `${prefix}/${info.resource}`;
  const scope = info.namespaced ? [NAMESPACE] : [];
  const has = (v: string): boolean => (info.verbs as readonly string[]).includes(v);
  const out: PathItem[] = [];
  const writes = (patch: boolean): Param[] => [DRY_RUN, patch ? FIELD_MANAGER_PATCH : FIELD_MANAGER, FIELD_VALIDATION, ...(patch ? [FORCE] : [])];

  const collection: Operation[] = [];
  if (has('list') && listDef) {
    collection.push({
      method: 'get', operationId: `list${G}${ns}${kind}`, description: `list or watch objects of kind ${kind}`, tag,
      action: 'list', gvk, params: LIST_PARAMS, watchable: true, responses: { '200': { schema: listDef } },
    });
  }
  if (has('create')) {
    collection.push({
      method: 'post', operationId: `create${G}${ns}${kind}`, description: `create ${article(kind)} ${kind}`, tag,
      action: 'post', gvk, params: writes(false), body: def,
      responses: { '200': { schema: def }, '201': { schema: def }, '202': { schema: def } },
    });
  }
  if (has('deletecollection')) {
    collection.push({
      method: 'delete', operationId: `delete${G}Collection${ns}${kind}`, description: `delete collection of ${kind}`, tag,
      action: 'deletecollection', gvk, params: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
      body: `${META}DeleteOptions`, responses: { '200': { schema: `${META}Status` } },
    });
  }
  if (collection.length > 0) out.push({ path: base, params: [...scope, PRETTY], ops: collection });

  const item: Operation[] = [];
  if (has('get')) {
    item.push({
      method: 'get', operationId: `read${G}${ns}${kind}`, description: `read the specified ${kind}`, tag, action: 'get', gvk,
      params: [], responses: { '200': { schema: def } },
    });
  }
  if (has('update')) {
    item.push({
      method: 'put', operationId: `replace${G}${ns}${kind}`, description: `replace the specified ${kind}`, tag, action: 'put', gvk,
      params: writes(false), body: def, responses: { '200': { schema: def }, '201': { schema: def } },
    });
  }
  if (has('delete')) {
    item.push({
      method: 'delete', operationId: `delete${G}${ns}${kind}`, description: `delete ${article(kind)} ${kind}`, tag, action: 'delete', gvk,
      params: DELETE_PARAMS, body: `${META}DeleteOptions`, responses: { '200': { schema: `${META}Status` }, '202': { schema: `${META}Status` } },
    });
  }
  if (has('patch')) {
    item.push({
      method: 'patch', operationId: `patch${G}${ns}${kind}`, description: `partially update the specified ${kind}`, tag, action: 'patch', gvk,
      params: writes(true), body: `${META}Patch`, patch: true, responses: { '200': { schema: def }, '201': { schema: def } },
    });
  }
  if (item.length > 0) out.push({ path: `${base}/{name}`, params: [nameParam(kind), ...scope, PRETTY], ops: item });

  if (info.namespaced && has('list') && listDef) {
    out.push({
      path: `${prefix}/${info.resource}`,
      params: [PRETTY],
      ops: [
        {
          method: 'get', operationId: `list${G}${kind}ForAllNamespaces`, description: `list or watch objects of kind ${kind}`, tag,
          action: 'list', gvk, params: LIST_PARAMS, watchable: true, responses: { '200': { schema: listDef } },
        },
      ],
    });
  }

  for (const sub of info.subresources) {
    const p = subresourcePath(info, sub, group, version, G, ns, tag, base, scope, writes);
    if (p) out.push(p);
  }
  return out;
}

function subresourcePath(
  info: ResourceInfo,
  sub: SubresourceInfo,
  group: string,
  version: string,
  G: string,
  ns: string,
  tag: string,
  base: string,
  scope: Param[],
  writes: (patch: boolean) => Param[],
): PathItem | undefined {
  const kind = info.kind;
  const Sub = cap(sub.name);
  const subGroup = sub.group ?? group;
  const subVersion = sub.version ?? version;
  const path = `${base}/{name}/${sub.name}`;
  const params = [nameParam(sub.name === 'log' || sub.kind.endsWith('Options') ? kind : sub.kind), ...scope, PRETTY];
  if (sub.name === 'log') {
    return {
      path, params,
      ops: [{
        method: 'get', operationId: `read${G}${ns}${kind}Log`, description: `read log of the specified ${kind}`, tag, action: 'get',
        gvk: { group, version, kind }, params: [], responses: { '200': { schema: 'string' } },
      }],
    };
  }
  const def = definitionFor(subGroup, subVersion, sub.kind);
  // connect subresources (exec, attach, portforward, proxy) have no schema'd body and are not described here.
  if (def === undefined || sub.kind.endsWith('Options')) return undefined;
  const gvk = { group: subGroup, version: subVersion, kind: sub.kind };
  const ops: Operation[] = [];
  for (const verb of sub.verbs) {
    if (verb === 'get') {
      ops.push({
        method: 'get', operationId: `read${G}${ns}${kind}${Sub}`, description: `read ${sub.name} of the specified ${kind}`, tag,
        action: 'get', gvk, params: [], responses: { '200': { schema: def } },
      });
    } else if (verb === 'update') {
      ops.push({
        method: 'put', operationId: `replace${G}${ns}${kind}${Sub}`, description: `replace ${sub.name} of the specified ${kind}`, tag,
        action: 'put', gvk, params: writes(false), body: def, responses: { '200': { schema: def }, '201': { schema: def } },
      });
    } else if (verb === 'patch') {
      ops.push({
        method: 'patch', operationId: `patch${G}${ns}${kind}${Sub}`, description: `partially update ${sub.name} of the specified ${kind}`, tag,
        action: 'patch', gvk, params: writes(true), body: `${META}Patch`, patch: true, responses: { '200': { schema: def }, '201': { schema: def } },
      });
    } else if (verb === 'create') {
      ops.push({
        method: 'post', operationId: `create${G}${ns}${kind}${Sub}`, description: `create ${sub.name} of ${article(kind)} ${kind}`, tag,
        action: 'post', gvk, params: writes(false), body: def,
        responses: { '200': { schema: def }, '201': { schema: def }, '202': { schema: def } },
      });
    }
  }
  return ops.length > 0 ? { path, params, ops } : undefined;
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

const METHOD_ORDER: readonly Method[] = ['get', 'put', 'post', 'delete', 'patch'];

// ---------------------------------------------------------------------------------------------------------------
// Schema rendering.

type Json = Record<string, unknown>;

/** Deep copy of a model schema with `$ref`s rewritten under `refPrefix`; v3 wraps described refs in `allOf`. */
function renderSchema(s: Schema, refPrefix: string, v3: boolean, top = false): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'items' || k === 'additionalProperties') out[k] = renderSchema(v as Schema, refPrefix, v3);
    else if (k === 'properties') {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, renderSchema(ps, refPrefix, v3)]),
      );
    } else if (Array.isArray(v)) out[k] = v.map((x: unknown) => (typeof x === 'object' && x !== null ? { ...x } : x));
    else out[k] = v;
  }
  if (s.$ref !== undefined) {
    const ref = `${refPrefix}${s.$ref}`;
    if (v3 && !top && Object.keys(out).length > 0) return { ...out, allOf: [{ $ref: ref }] };
    return { $ref: ref, ...out };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Swagger 2.0.

function v2Param(p: Param): Json {
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in, ...(p.required ? { required: true } : {}) };
}

function v2Operation(op: Operation): Json {
  const params: Json[] = [];
  if (op.body !== undefined) params.push({ name: 'body', in: 'body', required: !op.body.endsWith('DeleteOptions'), schema: { $ref: `#/definitions/${op.body}` } });
  params.push(...op.params.map(v2Param));
  const responses: Json = {};
  for (const [code, r] of Object.entries(op.responses)) {
    responses[code] = {
      description: code === '200' ? 'OK' : code === '201' ? 'Created' : 'Accepted',
      schema: r.schema === 'string' ? { type: 'string' } : { $ref: `#/definitions/${r.schema}` },
    };
  }
  responses['401'] = { description: 'Unauthorized' };
  return {
    description: op.description,
    consumes: op.patch ? PATCH_TYPES : ['*/*'],
    produces: op.responses['200']?.schema === 'string' ? ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] : op.watchable ? PRODUCES_WATCH : PRODUCES,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    ...(params.length > 0 ? { parameters: params } : {}),
    responses,
    'x-kubernetes-action': op.action,
    ...(op.gvk ? { 'x-kubernetes-group-version-kind': op.gvk } : {}),
  };
}

function pathItemsToV2(items: readonly PathItem[], paths: Json): void {
  for (const item of items) {
    const p: Json = {};
    for (const m of METHOD_ORDER) {
      const op = item.ops.find((o) => o.method === m);
      if (op) p[m] = v2Operation(op);
    }
    if (item.params.length > 0) p['parameters'] = item.params.map(v2Param);
    paths[item.path] = p;
  }
}

/** Definitions reachable from the operations' bodies and responses plus every meta/v1 type. */
function definitionsFor(items: readonly PathItem[], withAllMeta: boolean): string[] {
  const roots = new Set<string>();
  for (const item of items) {
    for (const op of item.ops) {
      if (op.body !== undefined) roots.add(op.body);
      for (const r of Object.values(op.responses)) if (r.schema !== 'string') roots.add(r.schema);
    }
  }
  if (withAllMeta) for (const name of definitions().keys()) if (name.startsWith(META)) roots.add(name);
  return reachable(roots);
}

let v2Cache: Json | undefined;

/**
 * The Swagger 2.0 document of `/openapi/v2`: paths for every served resource (list/create/deletecollection,
 * get/put/patch/delete, status/scale/binding/eviction/token/ephemeralcontainers/log subresources) with
 * operationId, x-kubernetes-action and x-kubernetes-group-version-kind, and the definitions they reach (plus every
 * meta/v1 type). Built once and shared: callers must not mutate it.
 */
export function openApiV2(): object {
  if (v2Cache) return v2Cache;
  const paths: Json = {};
  const all: PathItem[] = [];
  for (const g of groups()) {
    for (const v of g.versions) {
      const items = groupVersionPaths(g.name, v);
      all.push(...items);
    }
  }
  pathItemsToV2(discoveryPaths(), paths);
  pathItemsToV2(all, paths);
  const defs = definitions();
  const definitionsOut: Json = {};
  for (const name of definitionsFor([...discoveryPaths(), ...all], true)) {
    const d = defs.get(name);
    if (d) definitionsOut[name] = renderSchema(d, '#/definitions/', false, true);
  }
  v2Cache = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: OPENAPI_INFO_VERSION },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    definitions: definitionsOut,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
  return v2Cache;
}

/** Discovery paths (`/api/`, `/apis/`, `/apis/<group>/`) with their operations. */
function discoveryPaths(): PathItem[] {
  return [...discoveryPathsFor('api'), ...discoveryPathsFor('apis'), ...groups().filter((g) => g.name !== '').flatMap((g) => discoveryPathsFor(`apis/${g.name}`))];
}

function discoveryPathsFor(docPath: string): PathItem[] {
  const op = (operationId: string, description: string, tag: string, schema: string): PathItem => ({
    path: `/${docPath}/`,
    params: [],
    ops: [{ method: 'get', operationId, description, tag, action: '', params: [], responses: { '200': { schema: `${META}${schema}` } } }],
  });
  if (docPath === 'api') return [op('getCoreAPIVersions', 'get available API versions', 'core', 'APIVersions')];
  if (docPath === 'apis') return [op('getAPIVersions', 'get available API versions', 'apis', 'APIGroupList')];
  const group = docPath.slice('apis/'.length);
  if (docPath.startsWith('apis/') && !group.includes('/') && group !== '' && lookupGroup(group)) {
    const g = groupId(group);
    const lower = `${g.charAt(0).toLowerCase()}${g.slice(1)}`;
    return [op(`get${g}APIGroup`, 'get information of a group', lower, 'APIGroup')];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI 3.0.

function v3Param(p: Param): Json {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function v3Operation(op: Operation): Json {
  const responses: Json = {};
  for (const [code, r] of Object.entries(op.responses)) {
    const schema = r.schema === 'string' ? { type: 'string' } : { $ref: `#/components/schemas/${r.schema}` };
    const types = r.schema === 'string' ? ['text/plain'] : op.watchable ? PRODUCES_WATCH : PRODUCES;
    responses[code] = {
      description: code === '200' ? 'OK' : code === '201' ? 'Created' : 'Accepted',
      content: Object.fromEntries([...types].sort().map((t) => [t, { schema }])),
    };
  }
  responses['401'] = { description: 'Unauthorized' };
  const out: Json = {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
  };
  if (op.params.length > 0) out['parameters'] = op.params.map(v3Param);
  if (op.body !== undefined) {
    const schema = { $ref: `#/components/schemas/${op.body}` };
    out['requestBody'] = {
      content: Object.fromEntries((op.patch ? PATCH_TYPES : ['*/*']).map((t) => [t, { schema }])),
      ...(op.body.endsWith('DeleteOptions') ? {} : { required: true }),
    };
  }
  out['responses'] = responses;
  out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = op.gvk;
  return out;
}

function v3Document(items: readonly PathItem[], withAllMeta: boolean): Json {
  const paths: Json = {};
  for (const item of items) {
    const p: Json = {};
    for (const m of METHOD_ORDER) {
      const op = item.ops.find((o) => o.method === m);
      if (op) p[m] = v3Operation(op);
    }
    if (item.params.length > 0) p['parameters'] = item.params.map(v3Param);
    paths[item.path] = p;
  }
  const defs = definitions();
  const schemas: Json = {};
  for (const name of definitionsFor(items, withAllMeta)) {
    const d = defs.get(name);
    if (d) schemas[name] = renderSchema(d, '#/components/schemas/', true, true);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: OPENAPI_INFO_VERSION },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

interface V3Entry {
  readonly doc: Json;
  readonly body: string;
  readonly hash: string;
}

const v3Cache = new Map<string, V3Entry | null>();

/** The served v3 document paths: `api`, `api/v1`, `apis`, `apis/<group>`, `apis/<group>/<version>`. */
function v3Paths(): string[] {
  const out = ['api', 'apis'];
  for (const g of groups()) {
    if (g.name !== '') out.push(`apis/${g.name}`);
    for (const v of g.versions) out.push(g.name === '' ? `api/${v}` : `apis/${g.name}/${v}`);
  }
  return out.sort();
}

function v3Entry(path: string): V3Entry | undefined {
  const p = path.replace(/^\/+|\/+$/g, '');
  const cached = v3Cache.get(p);
  if (cached !== undefined) return cached ?? undefined;
  let doc: Json | undefined;
  const disc = discoveryPathsFor(p);
  if (disc.length > 0) doc = v3Document(disc, false);
  else {
    const m = /^api\/([^/]+)$/.exec(p) ?? /^apis\/([^/]+\/[^/]+)$/.exec(p);
    if (m) {
      const [group, version] = p.startsWith('api/') ? ['', m[1] ?? ''] : (m[1] ?? '').split('/') as [string, string];
      if (lookupGroup(group)?.versions.includes(version)) doc = v3Document(groupVersionPaths(group, version), false);
    }
  }
  if (!doc) {
    v3Cache.set(p, null);
    return undefined;
  }
  const body = JSON.stringify(doc);
  const entry = { doc, body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
  v3Cache.set(p, entry);
  return entry;
}

/**
 * The OpenAPI 3.0.0 document served at `/openapi/v3/<path>` for `path` = `api/v1`, `apis/<group>/<version>`,
 * `api`, `apis` or `apis/<group>` (leading/trailing slashes ignored); undefined when not served. Operations carry
 * `dryRun`, `fieldManager` and `fieldValidation` query parameters on POST/PUT/PATCH as upstream (kubectl's
 * query-parameter verifier looks for `fieldValidation` on the PATCH operation of the kind). Components hold only the
 * schemas reachable from the group-version's operations. Cached and shared: callers must not mutate it.
 */
export function openApiV3(path: string): object | undefined {
  return v3Entry(path)?.doc;
}

/**
 * The JSON text of `openApiV3(path)` exactly as hashed by `openApiV3Hash`, for serving; undefined when not
 * served.
 */
export function openApiV3Body(path: string): string | undefined {
  return v3Entry(path)?.body;
}

/**
 * The stable content hash of the v3 document at `path` (uppercase hex SHA-512 of `openApiV3Body(path)`), as the
 * `?hash=` of the root's serverRelativeURL; undefined when not served. Upstream serves `/openapi/v3/<path>?hash=H`
 * with `Cache-Control: public, immutable` and `Etag: "H"` when H is current, redirects (301) a stale H to the
 * current URL, and answers without `hash` with `Cache-Control: no-cache, private` and the same Etag.
 */
export function openApiV3Hash(path: string): string | undefined {
  return v3Entry(path)?.hash;
}

/**
 * The `/openapi/v3` discovery root: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=H"}, ...}}`
 * for every served document path (see `openApiV3`).
 */
export function openApiV3Root(): object {
  const paths: Json = {};
  for (const p of v3Paths()) {
    const hash = openApiV3Hash(p);
    if (hash !== undefined) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

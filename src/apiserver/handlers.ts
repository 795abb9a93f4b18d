// Resource request handlers: get, list, watch, create, update, patch, delete, deletecollection and the subresources.
import { REVIEW_RESOURCES, review } from './reviews.js';
import { tokenRequest } from './authn/index.js';
import {
  PatchError,
  StatusError,
  applyJsonPatch,
  applyMergePatch,
  badRequest,
  conflict,
  field,
  forbidden,
  internalError,
  invalid,
  methodNotSupported,
  notFound,
  parseFieldSelector,
  parseSelector,
  resourceExpired,
  toStatusError,
  tooManyRequests,
  unsupportedMediaType,
  applyStrategicMergePatch,
  type FieldSelector,
  type Json,
  type LabelSelector,
} from '../apimachinery/index.js';
import { lookupSubresource, type ResourceInfo } from '../api/index.js';
import type { ApiServer } from './server.js';
import { negotiate, parseBody, readBody, sendJson, type Negotiated, type Req, type Res } from './http.js';
import type { RequestInfo } from './requestinfo.js';
import { ResourceStore, matches, nowTime, stripRv, type DeleteOpts, type Obj, type Selection } from './registry.js';
import { withResourceVersion, type CacheEvent, type CacheWatchItem } from './watchcache.js';
import { fieldSetFor, supportedFieldLabels } from './fields.js';
import { toTable, toPartialList, toPartial } from './tables.js';
import type { UserInfo } from './authn.js';

/** Everything a handler needs about one request. */
export interface RequestContext {
  readonly req: Req;
  readonly res: Res;
  readonly info: RequestInfo;
  readonly query: URLSearchParams;
  readonly user: UserInfo;
  readonly resource: ResourceInfo;
  readonly store: ResourceStore;
  /** The apiVersion the client speaks (`v1`, `apps/v1`). */
  readonly apiVersion: string;
  readonly warnings: string[];
  /** Called (in order, errors ignored) once the handler has finished, successfully or not. */
  readonly onDone?: (() => void)[];
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** Dispatches a resource request. Throws StatusError; the caller writes it. */
export async function handleResource(server: ApiServer, ctx: RequestContext): Promise<void> {
  const { info } = ctx;
  const sub = info.subresource;
  if (sub) {
    const sr = lookupSubresource(ctx.resource, sub);
    if (!sr) throw notFound({ group: ctx.resource.group, resource: `${ctx.resource.resource}/${sub}` }, info.name);
    switch (sub) {
      case 'status':
        return handleStatus(server, ctx);
      case 'scale':
        return handleScale(server, ctx);
      case 'binding':
        return handleBinding(server, ctx, info.name);
      case 'eviction':
        return handleEviction(server, ctx);
      case 'finalize':
        return handleFinalize(server, ctx);
      case 'token':
        return handleTokenRequest(server, ctx);
      case 'approval':
        return handleApproval(server, ctx);
      default:
        throw methodNotSupported({ group: ctx.resource.group, resource: `${ctx.resource.resource}/${sub}` }, info.verb);
    }
  }
  if (ctx.resource.resource === 'bindings' && ctx.resource.group === '') {
    if (info.verb !== 'create') throw methodNotSupported(ctx.store.gr, info.verb);
    return handleBinding(server, ctx, '');
  }
  if (ctx.resource.resource === 'componentstatuses') return handleComponentStatuses(server, ctx);
  if (REVIEW_RESOURCES[`${ctx.resource.group}/${ctx.resource.resource}`]) return handleReview(server, ctx);
  if (!ctx.resource.verbs.includes(info.verb as any)) throw methodNotSupported(ctx.store.gr, info.verb);
  switch (info.verb) {
    case 'get':
      return handleGet(server, ctx);
    case 'list':
      return handleList(server, ctx);
    case 'watch':
      return handleWatch(server, ctx);
    case 'create':
      return handleCreate(server, ctx);
    case 'update':
      return handleUpdate(server, ctx, '');
    case 'patch':
      return handlePatch(server, ctx, '');
    case 'delete':
      return handleDelete(server, ctx);
    case 'deletecollection':
      return handleDeleteCollection(server, ctx);
    default:
      throw methodNotSupported(ctx.store.gr, info.verb);
  }
}

// ------------------------------------------------------------------------------------------ responses

/** Sends one object in the client's version and form. */
function sendObject(server: ApiServer, ctx: RequestContext, code: number, obj: Obj, neg?: Negotiated): void {
  const n = neg ?? negotiate(ctx.req.headers.accept, true);
  const out = server.toExternal(obj, ctx.apiVersion, ctx.resource);
  server.audits.get(ctx.req)?.logResponseObject(out);
  const headers = warningHeaders(ctx);
  if (n.as === 'table') {
    sendJson(ctx.res, code, toTable(ctx.resource, [out], n.metaVersion, out.metadata?.resourceVersion ?? '', ctx.query.get('includeObject')), n.format, headers);
    return;
  }
  if (n.as === 'partial') {
    sendJson(ctx.res, code, toPartial(out, n.metaVersion), n.format, headers);
    return;
  }
  sendJson(ctx.res, code, out, n.format, headers);
}

function warningHeaders(ctx: RequestContext): Record<string, string> {
  if (ctx.warnings.length === 0) return {};
  return { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

// ------------------------------------------------------------------------------------------ reads

async function handleGet(server: ApiServer, ctx: RequestContext): Promise<void> {
  const neg = negotiate(ctx.req.headers.accept, true);
  const rv = ctx.query.get('resourceVersion');
  let obj: Obj;
  if (rv === '0') {
    await ctx.store.cache.start();
    const c = ctx.store.cache.get(ctx.store.key(ctx.info.namespace, ctx.info.name));
    if (!c) throw notFound(ctx.store.gr, ctx.info.name);
    obj = c.obj;
  } else {
    obj = await ctx.store.get(ctx.info.namespace, ctx.info.name);
  }
  sendObject(server, ctx, 200, obj, neg);
}

/** Parses labelSelector/fieldSelector into a selection; 400 for bad selectors and unsupported field labels. */
function selection(ctx: RequestContext): Selection {
  let labels: LabelSelector | undefined;
  let fields: FieldSelector | undefined;
  const ls = ctx.query.get('labelSelector');
  const fsText = ctx.query.get('fieldSelector');
  try {
    if (ls) labels = parseSelector(ls);
  } catch (err) {
    throw badRequest(`unable to parse requirement: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    if (fsText) fields = parseFieldSelector(fsText);
  } catch (err) {
    throw badRequest(err instanceof Error ? err.message : String(err));
  }
  const kindKey = `${ctx.resource.storage!.group}/${ctx.resource.storage!.kind}`;
  if (fields) {
    const supported = supportedFieldLabels(kindKey);
    for (const r of fields.requirements) {
      if (!supported.has(r.field)) {
        throw badRequest(`field label not supported: ${r.field}`);
      }
    }
  }
  return {
    namespace: ctx.resource.namespaced ? ctx.info.namespace : '',
    ...(labels ? { labels } : {}),
    ...(fields ? { fields } : {}),
    fieldSet: (o: Obj) => fieldSetFor(kindKey, o),
  };
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, key: string, prefix: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: key.slice(prefix.length) + '\u0000' };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(token: string, prefix: string): { rv: number; after: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    const start = t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start;
    return { rv: t.rv, after: prefix + start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function parseRv(s: string | null, what = 'resourceVersion'): number | undefined {
  if (s === null || s === '') return undefined;
  if (!/^[0-9]+$/.test(s)) throw badRequest(`invalid ${what}: ${s}`);
  return Number(s);
}

async function handleList(server: ApiServer, ctx: RequestContext): Promise<void> {
  const neg = negotiate(ctx.req.headers.accept, true);
  const sel = selection(ctx);
  const q = ctx.query;
  const limit = Number(q.get('limit') ?? 0) || 0;
  const cont = q.get('continue') ?? '';
  const rvText = q.get('resourceVersion');
  const rvMatch = q.get('resourceVersionMatch') ?? '';
  if (rvMatch && rvMatch !== 'NotOlderThan' && rvMatch !== 'Exact') {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [field.notSupported('resourceVersionMatch', rvMatch, ['Exact', 'NotOlderThan', ''])]);
  }
  if (rvMatch && (rvText === null || rvText === '')) {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
  }
  if (cont && rvText) {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [field.forbidden('resourceVersion', 'specifying resource version is not allowed when using continue')]);
  }
  const rv = parseRv(rvText);
  const prefix = ctx.store.keyPrefix(sel.namespace);
  let items: Obj[];
  let revision: number;
  let continueToken: string | undefined;
  if (cont) {
    const t = decodeContinue(cont, prefix);
    const page = await ctx.store.listFromStore(sel, { limit, revision: t.rv, continueKey: t.after });
    items = page.items;
    revision = page.revision;
    if (page.continueKey) continueToken = encodeContinue(revision, page.continueKey, prefix);
  } else if (rv === 0 || (rv !== undefined && rvMatch === 'NotOlderThan') || rv === undefined) {
    // Served from the watch cache: resourceVersion=0 (any), NotOlderThan N, or a consistent read, with or without
    // a limit (the cache first catches up with the store's current revision, as upstream's ConsistentListFromCache,
    // on by default since 1.31). Later pages (continue) and exact resourceVersions go to the store.
    const min = rv === undefined ? await server.currentRevision() : rv;
    const snap = await ctx.store.listFromCache(sel, min);
    revision = snap.revision;
    let list = snap.items;
    if (limit > 0 && rv === undefined && list.length > limit) {
      const last = list[limit - 1]!;
      continueToken = encodeContinue(revision, last.key, prefix);
      list = list.slice(0, limit);
    }
    items = list.map((c) => c.obj);
  } else {
    if (rv !== undefined && rvMatch !== 'Exact' && rvMatch !== '') {
      throw badRequest(`invalid resourceVersionMatch: ${rvMatch}`);
    }
    const page = await ctx.store.listFromStore(sel, { limit, ...(rv !== undefined ? { revision: rv } : {}) });
    items = page.items;
    revision = page.revision;
    if (page.continueKey) continueToken = encodeContinue(revision, page.continueKey, prefix);
  }
  const external = items.map((o) => server.toExternal(o, ctx.apiVersion, ctx.resource));
  if (neg.as === 'table') {
    const table = toTable(ctx.resource, external, neg.metaVersion, String(revision), q.get('includeObject'));
    if (continueToken) table.metadata.continue = continueToken;
    sendJson(ctx.res, 200, table, neg.format, warningHeaders(ctx));
    return;
  }
  if (neg.as === 'partial') {
    const l = toPartialList(external, neg.metaVersion, String(revision));
    if (continueToken) (l.metadata as any).continue = continueToken;
    sendJson(ctx.res, 200, l, neg.format, warningHeaders(ctx));
    return;
  }
  const metadata: Obj = { resourceVersion: String(revision) };
  if (continueToken) metadata.continue = continueToken;
  if (neg.format === 'json') {
    // Items are serialised once per stored object and version and the list is assembled from the strings,
    // so repeated lists of a large collection from the watch cache do not re-encode unchanged objects.
    const parts: string[] = [];
    for (const o of items) parts.push(itemJson(server, o, ctx));
    const text = `{"kind":${JSON.stringify(`${ctx.resource.kind}List`)},"apiVersion":${JSON.stringify(ctx.apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[${parts.join(',')}]}\n`;
    const buf = Buffer.from(text);
    ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(buf.length), 'Cache-Control': 'no-cache, private', ...warningHeaders(ctx) });
    ctx.res.end(buf);
    return;
  }
  const body = {
    kind: `${ctx.resource.kind}List`,
    apiVersion: ctx.apiVersion,
    metadata,
    items: external.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
  // Upstream lists carry kind/apiVersion only on the list; items stay bare.
  sendJson(ctx.res, 200, body, neg.format, warningHeaders(ctx));
}

// ------------------------------------------------------------------------------------------ watch

/** Watch events queued per connection before the watcher is considered too slow and cut off. */
const WATCH_QUEUE_LIMIT = 20000;

async function handleWatch(server: ApiServer, ctx: RequestContext): Promise<void> {
  const neg = negotiate(ctx.req.headers.accept, true);
  const q = ctx.query;
  const selBase = selection(ctx);
  let sel: Selection = selBase;
  if (ctx.info.name) {
    // GET .../pods/NAME?watch=1: a watch of one object.
    const byName = parseFieldSelector(`metadata.name=${ctx.info.name}`);
    const fields = selBase.fields ? parseFieldSelector(`${selBase.fields.toString()},metadata.name=${ctx.info.name}`) : byName;
    sel = { ...selBase, fields };
  }
  const rvText = q.get('resourceVersion');
  const rv = parseRv(rvText);
  const allowBookmarks = ['1', 'true'].includes((q.get('allowWatchBookmarks') ?? '').toLowerCase());
  const sendInitialText = q.get('sendInitialEvents');
  const sendInitial = sendInitialText !== null ? ['1', 'true'].includes(sendInitialText.toLowerCase()) : undefined;
  const rvMatch = q.get('resourceVersionMatch') ?? '';
  if (sendInitial !== undefined) {
    if (rvMatch !== 'NotOlderThan') {
      throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        field.forbidden('sendInitialEvents', "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan"),
      ]);
    }
    if (!allowBookmarks && sendInitial) {
      throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        field.forbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set to true when sendInitialEvents is specified'),
      ]);
    }
  }
  const timeoutSec = Number(q.get('timeoutSeconds') ?? '') || 1800 + Math.floor(Math.random() * 1800);
  const store = ctx.store;
  await store.cache.start();

  // Initial state: synthetic ADDED events for rv unset / 0 (legacy) or sendInitialEvents=true.
  let startRev: number;
  let initial: Obj[] = [];
  const wantInitial = sendInitial ?? (rv === undefined || rv === 0);
  if (wantInitial) {
    const min = rv === undefined || rv === 0 ? (rv === undefined ? await server.currentRevision() : 0) : rv;
    const snap = await store.listFromCache(sel, min);
    startRev = snap.revision;
    initial = snap.items.map((c) => c.obj);
  } else {
    startRev = rv ?? 0;
    if (startRev > store.cache.revision) await store.cache.waitFresh(startRev);
  }

  const res = ctx.res;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' };
  if (ctx.req.httpVersionMajor === 2) delete headers['Transfer-Encoding'];
  res.writeHead(200, headers);
  (res as any).flushHeaders?.();

  const kindKey = `${store.info.storage!.group}/${store.info.storage!.kind}`;
  let ended = false;
  let queued = 0;
  let lastRev = startRev;
  // Every watcher of the same version and form shares one encoding of each event (keyed by the cached object).
  const formKey = `${type_key(ctx.apiVersion, neg, q.get('includeObject'))}`;
  const encodeEvent = (type: string, obj: Obj): string => {
    let perObj = encodedEvents.get(obj);
    const key = `${type}|${formKey}`;
    const hit = perObj?.get(key);
    if (hit !== undefined) return hit;
    const text = encodeEventUncached(type, obj);
    if (!perObj) encodedEvents.set(obj, (perObj = new Map()));
    perObj.set(key, text);
    return text;
  };
  const encodeEventUncached = (type: string, obj: Obj): string => {
    let o: Obj = obj;
    if (type !== 'BOOKMARK' && type !== 'ERROR') {
      o = server.toExternal(obj, ctx.apiVersion, ctx.resource);
      if (neg.as === 'table') o = toTable(ctx.resource, [o], neg.metaVersion, o.metadata?.resourceVersion ?? '', q.get('includeObject'));
      else if (neg.as === 'partial') o = toPartial(o, neg.metaVersion);
    }
    return JSON.stringify({ type, object: o }) + '\n';
  };
  const write = (chunk: string): void => {
    if (ended) return;
    queued++;
    const ok = (res as any).write(chunk, () => {
      queued--;
    });
    if (!ok && queued > WATCH_QUEUE_LIMIT) finish();
  };
  const bookmark = (rev: number, extraAnnotations?: Record<string, string>): void => {
    const md: Obj = { resourceVersion: String(rev) };
    if (extraAnnotations) md.annotations = extraAnnotations;
    const kind = neg.as === 'table' ? 'Table' : ctx.resource.kind;
    const apiVersion = neg.as === 'table' ? `meta.k8s.io/${neg.metaVersion}` : ctx.apiVersion;
    write(JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: md } }) + '\n');
  };

  for (const o of initial) write(encodeEvent('ADDED', o));
  if (sendInitial) bookmark(startRev, { 'k8s.io/initial-events-end': 'true' });

  const push = (item: CacheWatchItem): void => {
    if (ended) return;
    if ('bookmark' in item) {
      if (allowBookmarks && item.bookmark > lastRev) {
        lastRev = item.bookmark;
        bookmark(item.bookmark);
      }
      return;
    }
    for (const ev of item.events) {
      if (ev.rev <= lastRev) continue;
      lastRev = ev.rev;
      const out = filterEvent(sel, ev, kindKey);
      if (out) write(encodeEvent(out.type, out.obj));
    }
  };
  let unsubscribe: () => void = () => {};
  const finish = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    server.untrackWatch(finish);
    try {
      res.end();
    } catch {
      /* gone */
    }
  };
  try {
    unsubscribe = store.cache.watch(startRev, { push, end: () => finish() });
  } catch (err) {
    const se = toStatusError(err);
    write(JSON.stringify({ type: 'ERROR', object: se.status }) + '\n');
    finish();
    return;
  }
  server.trackWatch(finish);
  const timer = setTimeout(finish, timeoutSec * 1000);
  // Periodic bookmarks carry the cache's revision forward for quiet watches (upstream sends them about every minute).
  const bookmarkTimer = setInterval(() => {
    if (allowBookmarks && store.cache.revision > lastRev) {
      lastRev = store.cache.revision;
      bookmark(lastRev);
    }
  }, 30_000);
  ctx.req.on('close', finish);
  res.on('close', finish);
  await new Promise<void>((resolve) => {
    if (ended) resolve();
    res.on('close', () => resolve());
    res.on('finish', () => resolve());
  });
}

/** List-item JSON (no kind/apiVersion) per stored object and apiVersion; only frozen (cached, immutable) objects are kept. */
const encodedItems = new WeakMap<object, Map<string, string>>();

function itemJson(server: ApiServer, o: Obj, ctx: RequestContext): string {
  const frozen = Object.isFrozen(o);
  const hit = frozen ? encodedItems.get(o)?.get(ctx.apiVersion) : undefined;
  if (hit !== undefined) return hit;
  const { apiVersion: _a, kind: _k, ...rest } = server.toExternal(o, ctx.apiVersion, ctx.resource);
  const text = JSON.stringify(rest);
  if (frozen) {
    let m = encodedItems.get(o);
    if (!m) encodedItems.set(o, (m = new Map()));
    m.set(ctx.apiVersion, text);
  }
  return text;
}

/** Encoded watch events per cached object (frozen, shared), so N watchers cost one JSON.stringify. */
const encodedEvents = new WeakMap<object, Map<string, string>>();

function type_key(apiVersion: string, neg: Negotiated, includeObject: string | null): string {
  return `${apiVersion}|${neg.as}|${neg.metaVersion}|${includeObject ?? ''}`;
}

/** Turns a cache event into what a filtered watcher sees (ADDED/MODIFIED/DELETED), or undefined. */
export function filterEvent(sel: Selection, ev: CacheEvent, _kindKey: string): { type: string; obj: Obj } | undefined {
  const prefixOk = (o: Obj | undefined): boolean => !!o && (!sel.namespace || o.metadata?.namespace === sel.namespace);
  const cur = ev.type === 'DELETED' ? false : prefixOk(ev.obj) && matches(sel, ev.obj);
  const prev = ev.prev !== undefined && prefixOk(ev.prev) && matches(sel, ev.prev);
  if (ev.type === 'DELETED') return prev ? { type: 'DELETED', obj: ev.obj } : undefined;
  if (cur && prev) return { type: 'MODIFIED', obj: ev.obj };
  if (cur && !prev) return { type: 'ADDED', obj: ev.obj };
  if (!cur && prev) return { type: 'DELETED', obj: ev.obj };
  return undefined;
}

// ------------------------------------------------------------------------------------------ writes

interface WriteParams {
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
}

function writeParams(ctx: RequestContext): WriteParams {
  const dry = ctx.query.getAll('dryRun');
  for (const d of dry) {
    if (d !== 'All') {
      throw invalid({ group: 'meta.k8s.io', kind: 'CreateOptions' }, '', [field.notSupported('dryRun', [d], ['All'])]);
    }
  }
  const fv = ctx.query.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw badRequest(`fieldValidation parameter unsupported: ${fv}. Must be one of: Ignore, Warn, Strict`);
  }
  return { dryRun: dry.length > 0, fieldValidation: fv };
}

/** Reads and decodes an object body for create/update, checking kind/apiVersion against the endpoint. */
async function readObject(server: ApiServer, ctx: RequestContext, params: WriteParams, expectKind: string): Promise<Obj> {
  const body = await readBody(ctx.req);
  const { value, duplicates } = parseBody(body, ctx.req.headers['content-type']);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
  }
  const obj = value as Obj;
  server.audits.get(ctx.req)?.logRequestObject(obj);
  checkTypeMeta(obj, ctx.apiVersion, expectKind);
  obj.apiVersion ??= ctx.apiVersion;
  obj.kind ??= expectKind;
  const [g, v] = splitApiVersion(ctx.apiVersion);
  server.hooks.checkTypes(g, v, expectKind, obj);
  fieldValidation(server, ctx, params, obj, duplicates);
  return obj;
}

function checkTypeMeta(obj: Obj, apiVersion: string, kind: string): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw badRequest(`${obj.kind} in version "${apiVersion.split('/').pop()}" cannot be handled as a ${kind}: no kind "${obj.kind}" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`);
  }
}

/** Applies fieldValidation: Strict -> 400 on unknown/duplicate fields, Warn -> warnings, Ignore -> nothing. */
function fieldValidation(server: ApiServer, ctx: RequestContext, params: WriteParams, obj: Obj, duplicates: string[]): void {
  if (params.fieldValidation === 'Ignore') return;
  const [group, version] = splitApiVersion(ctx.apiVersion);
  const unknown = server.hooks.unknownFields(group, version, obj.kind ?? ctx.resource.kind, obj);
  const problems = [...duplicates.map((d) => `duplicate field "${d}"`), ...unknown.map((u) => `unknown field "${u}"`)];
  if (problems.length === 0) return;
  if (params.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  ctx.warnings.push(...problems);
}

export function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

async function handleCreate(server: ApiServer, ctx: RequestContext): Promise<void> {
  const params = writeParams(ctx);
  const ext = await readObject(server, ctx, params, ctx.resource.kind);
  const created = await createObject(server, ctx, ext, params);
  sendObject(server, ctx, 201, created);
}

/** The create path shared by POST and create-on-PUT: namespace, system metadata, defaults, validation, admission. */
async function createObject(server: ApiServer, ctx: RequestContext, ext: Obj, params: WriteParams): Promise<Obj> {
  const store = ctx.store;
  const meta = (ext.metadata ??= {});
  if (ctx.resource.namespaced) {
    if (meta.namespace && meta.namespace !== ctx.info.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = ctx.info.namespace;
  } else if (meta.namespace) {
    delete meta.namespace;
  }
  if (ctx.info.name && meta.name && meta.name !== ctx.info.name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${ctx.info.name})`);
  }
  let obj = server.toInternal(ext, ctx.apiVersion, ctx.resource);
  store.prepareCreate(obj, ctx.user);
  server.hooks.applyDefaults(ctx.resource, obj);
  // As upstream: mutating admission, then validation of the result, then validating admission.
  const attrs = { operation: 'CREATE' as const, ctx, obj, dryRun: params.dryRun };
  await server.admit(attrs, 'mutate');
  store.validateCreate(obj);
  await server.admit(attrs, 'validate');
  obj = await server.beforeCreate(ctx.resource, obj, params.dryRun);
  try {
    return await store.create(obj, { dryRun: params.dryRun });
  } catch (err) {
    await server.afterFailedCreate(ctx.resource, obj, params.dryRun);
    throw err;
  }
}

async function handleUpdate(server: ApiServer, ctx: RequestContext, subresource: UpdatePath): Promise<void> {
  const params = writeParams(ctx);
  const ext = await readObject(server, ctx, params, ctx.resource.kind);
  const meta = (ext.metadata ??= {});
  if (meta.name !== undefined && meta.name !== ctx.info.name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${ctx.info.name})`);
  }
  meta.name = ctx.info.name;
  if (ctx.resource.namespaced) {
    if (meta.namespace && meta.namespace !== ctx.info.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = ctx.info.namespace;
  }
  const result = await updateObject(server, ctx, subresource, params, () => ext, true);
  sendObject(server, ctx, result.created ? 201 : 200, result.obj);
}

/**
 * The update path shared by PUT, PATCH and the status/scale subresources. `produce` gets the current object in
 * the client's version (undefined when absent) and returns the desired one in the client's version.
 */
async function updateObject(
  server: ApiServer,
  ctx: RequestContext,
  subresource: UpdatePath,
  params: WriteParams,
  produce: (currentExternal: Obj | undefined) => Obj | Promise<Obj>,
  allowCreate: boolean,
): Promise<{ obj: Obj; created: boolean }> {
  const store = ctx.store;
  let createdObj: Obj | undefined;
  const res = await store.update(
    ctx.info.namespace,
    ctx.info.name,
    async (current) => {
      if (!current) {
        if (!allowCreate || !store.allowCreateOnUpdate || subresource !== '') throw notFound(store.gr, ctx.info.name);
        const ext = await produce(undefined);
        // Create through PUT: run the create path instead and stop the update loop.
        createdObj = await createObject(server, ctx, ext, params);
        throw new CreatedOnUpdate();
      }
      const currentExt = server.toExternal(current, ctx.apiVersion, ctx.resource);
      const desiredExt = await produce(structuredClone(currentExt));
      const clientRv = desiredExt.metadata?.resourceVersion;
      let obj = server.toInternal(desiredExt, ctx.apiVersion, ctx.resource);
      obj = store.prepareUpdate(obj, current, subresource);
      server.hooks.applyDefaults(ctx.resource, obj);
      server.preserveAllocated(ctx.resource, obj, current);
      if (clientRv) obj.metadata.resourceVersion = clientRv;
      else obj.metadata.resourceVersion = current.metadata.resourceVersion;
      if (clientRv && clientRv !== current.metadata.resourceVersion) throw conflict(store.gr, ctx.info.name);
      const attrs = { operation: 'UPDATE' as const, ctx, obj, old: current, dryRun: params.dryRun };
      await server.admit(attrs, 'mutate');
      store.validateUpdate(obj, current, subresource);
      await server.admit(attrs, 'validate');
      obj = await server.beforeUpdate(ctx.resource, obj, current, params.dryRun);
      if (!clientRv) delete obj.metadata.resourceVersion;
      return obj;
    },
    { dryRun: params.dryRun },
  ).catch((err) => {
    if (err instanceof CreatedOnUpdate) return undefined;
    throw err;
  });
  if (!res) return { obj: createdObj!, created: true };
  return res;
}

class CreatedOnUpdate extends Error {}

/** What an update writes: the whole object, its status, or (CertificateSigningRequests) its approval conditions. */
type UpdatePath = '' | 'status' | 'approval';

async function handlePatch(server: ApiServer, ctx: RequestContext, subresource: UpdatePath): Promise<void> {
  const params = writeParams(ctx);
  const ct = ctx.req.headers['content-type'] ?? '';
  const mt = ct.split(';')[0]!.trim().toLowerCase();
  if (!PATCH_TYPES.includes(mt)) throw unsupportedMediaType(ct);
  if (mt === 'application/apply-patch+yaml') {
    throw unsupportedMediaType(`${ct}: server-side apply is not supported by this server`);
  }
  const body = await readBody(ctx.req);
  const { value: patch } = parseBody(body, 'application/json', ['application/json']);
  if (mt === 'application/json-patch+json') {
    if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    if (patch.length > 10000) {
      throw requestTooLargeOps(patch.length);
    }
  } else if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  }
  const [group, version] = splitApiVersion(ctx.apiVersion);
  const result = await updateObject(
    server,
    ctx,
    subresource,
    params,
    (current) => {
      if (!current) throw notFound(ctx.store.gr, ctx.info.name);
      const base = stripRv(current);
      let patched: Json;
      try {
        if (mt === 'application/json-patch+json') patched = applyJsonPatch(base as Json, patch);
        else if (mt === 'application/merge-patch+json') patched = applyMergePatch(base as Json, patch as Json);
        else patched = applyStrategicMergePatch(base as Json, patch as Json, server.hooks.patchSchema(group, version, ctx.resource.kind));
      } catch (err) {
        if (err instanceof PatchError) throw invalidPatch(ctx, err.message);
        if (err instanceof StatusError) throw err;
        throw badRequest(err instanceof Error ? err.message : String(err));
      }
      if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('patch produced a non-object');
      const out = patched as Obj;
      // resourceVersion in the patch is a precondition; absent, the current one applies (no conflict).
      const patchRv = (patch as Obj)?.metadata?.resourceVersion;
      out.metadata ??= {};
      if (patchRv !== undefined && mt !== 'application/json-patch+json') out.metadata.resourceVersion = patchRv;
      else if (mt === 'application/json-patch+json' && out.metadata.resourceVersion !== undefined) {
        /* a json patch that touched resourceVersion pins it */
      } else delete out.metadata.resourceVersion;
      if (out.apiVersion !== ctx.apiVersion || out.kind !== ctx.resource.kind) checkTypeMeta(out, ctx.apiVersion, ctx.resource.kind);
      server.hooks.checkTypes(group, version, ctx.resource.kind, out);
      if (params.fieldValidation !== 'Ignore') {
        const unknown = server.hooks.unknownFields(group, version, ctx.resource.kind, out);
        if (unknown.length > 0) {
          const msg = unknown.map((u) => `unknown field "${u}"`);
          if (params.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${msg.join(', ')}`);
          ctx.warnings.push(...msg);
        }
      }
      return out;
    },
    false,
  );
  sendObject(server, ctx, 200, result.obj);
}

function requestTooLargeOps(n: number): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `The allowed maximum operations in a JSON patch is 10000, got ${n}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

function invalidPatch(ctx: RequestContext, message: string): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Invalid',
    details: { name: ctx.info.name, group: ctx.resource.group, kind: ctx.resource.kind, causes: [{ type: 'FieldValueInvalid', message }] },
    code: 422,
  } as any);
}

// ------------------------------------------------------------------------------------------ delete

async function readDeleteOptions(ctx: RequestContext): Promise<DeleteOpts> {
  const opts: DeleteOpts = {};
  const body = await readBody(ctx.req);
  let o: Obj = {};
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    const { value } = parseBody(body, ctx.req.headers['content-type']);
    if (value && typeof value === 'object' && !Array.isArray(value)) o = value as Obj;
  }
  const q = ctx.query;
  const grace = o.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined) {
    if (!Number.isFinite(grace)) throw badRequest('invalid gracePeriodSeconds');
    opts.gracePeriodSeconds = grace;
  }
  let policy = o.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  const orphan = o.orphanDependents ?? (q.get('orphanDependents') !== null ? q.get('orphanDependents') === 'true' : undefined);
  if (orphan !== undefined && policy !== undefined) {
    throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
      field.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'),
    ]);
  }
  if (orphan !== undefined) {
    policy = orphan ? 'Orphan' : 'Background';
    opts.orphanDependents = !!orphan;
  }
  if (policy !== undefined) {
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [field.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil'])]);
    }
    opts.propagationPolicy = policy;
  }
  if (o.preconditions) opts.preconditions = o.preconditions;
  const dry: string[] = o.dryRun ?? q.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [field.notSupported('dryRun', [d], ['All'])]);
  if (dry.length > 0) opts.dryRun = true;
  return opts;
}

async function handleDelete(server: ApiServer, ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const current = await ctx.store.get(ctx.info.namespace, ctx.info.name);
  await server.admit({ operation: 'DELETE', ctx, obj: current, old: current, dryRun: !!opts.dryRun });
  const r = await ctx.store.delete(ctx.info.namespace, ctx.info.name, opts);
  if (r.deleted) await server.afterDelete(ctx.resource, r.obj, !!opts.dryRun);
  // As upstream: 200, or 202 Accepted when the object stays (finalizers, grace period) and the client asked for
  // cascading with the deprecated orphanDependents=false.
  const code = !r.deleted && opts.orphanDependents === false ? 202 : 200;
  if (r.deleted && !RETURNS_DELETED_OBJECT.has(`${ctx.resource.group}/${ctx.resource.resource}`)) {
    // Most kinds answer a completed delete with a Status naming what went (details.kind is the resource).
    const details = { name: r.obj.metadata?.name ?? ctx.info.name, group: ctx.resource.group, kind: ctx.resource.resource, uid: r.obj.metadata?.uid };
    sendJson(ctx.res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }, negotiate(ctx.req.headers.accept, false).format, warningHeaders(ctx));
    return;
  }
  sendObject(server, ctx, code, r.obj);
}

/** The kinds whose storage returns the deleted object itself (upstream's ReturnDeletedObject), by group/resource. */
const RETURNS_DELETED_OBJECT = new Set([
  '/pods',
  '/services',
  '/serviceaccounts',
  '/namespaces',
  '/persistentvolumes',
  '/persistentvolumeclaims',
  'storage.k8s.io/storageclasses',
]);

async function handleDeleteCollection(server: ApiServer, ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const sel = selection(ctx);
  const list = await ctx.store.listFromStore(sel, {});
  const deleted: Obj[] = [];
  for (const obj of list.items) {
    try {
      await server.admit({ operation: 'DELETE', ctx: { ...ctx, info: { ...ctx.info, name: obj.metadata.name, namespace: obj.metadata.namespace ?? '' } }, obj, old: obj, dryRun: !!opts.dryRun });
      const r = await ctx.store.delete(obj.metadata.namespace ?? '', obj.metadata.name, opts);
      if (r.deleted) await server.afterDelete(ctx.resource, r.obj, !!opts.dryRun);
      deleted.push(r.obj);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) continue;
      throw err;
    }
  }
  const neg = negotiate(ctx.req.headers.accept, false);
  sendJson(
    ctx.res,
    200,
    {
      kind: `${ctx.resource.kind}List`,
      apiVersion: ctx.apiVersion,
      metadata: { resourceVersion: String(list.revision) },
      items: deleted.map((o) => server.toExternal(o, ctx.apiVersion, ctx.resource)),
    },
    neg.format,
  );
}

// ------------------------------------------------------------------------------------------ subresources

async function handleStatus(server: ApiServer, ctx: RequestContext): Promise<void> {
  switch (ctx.info.verb) {
    case 'get':
      return handleGet(server, ctx);
    case 'update':
      return handleUpdate(server, ctx, 'status');
    case 'patch':
      return handlePatch(server, ctx, 'status');
    default:
      throw methodNotSupported({ group: ctx.resource.group, resource: `${ctx.resource.resource}/status` }, ctx.info.verb);
  }
}

/** `certificatesigningrequests/approval`: get, or update/patch of the Approved/Denied conditions (see csrStrategy). */
async function handleApproval(server: ApiServer, ctx: RequestContext): Promise<void> {
  switch (ctx.info.verb) {
    case 'get':
      return handleGet(server, ctx);
    case 'update':
      return handleUpdate(server, ctx, 'approval');
    case 'patch':
      return handlePatch(server, ctx, 'approval');
    default:
      throw methodNotSupported({ group: ctx.resource.group, resource: `${ctx.resource.resource}/approval` }, ctx.info.verb);
  }
}

/** Where each scalable kind keeps its replicas and selector. */
function scaleOf(obj: Obj, ctx: RequestContext): Obj {
  const isRc = ctx.resource.kind === 'ReplicationController';
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  let selector = '';
  if (isRc) {
    selector = Object.entries(spec.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  } else if (spec.selector) {
    selector = labelSelectorString(spec.selector);
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

function labelSelectorString(sel: Obj): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${[...(e.values ?? [])].sort().join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${[...(e.values ?? [])].sort().join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.join(',');
}

async function handleScale(server: ApiServer, ctx: RequestContext): Promise<void> {
  const verb = ctx.info.verb;
  if (verb === 'get') {
    const obj = await ctx.store.get(ctx.info.namespace, ctx.info.name);
    sendJson(ctx.res, 200, scaleOf(obj, ctx));
    return;
  }
  if (verb !== 'update' && verb !== 'patch') throw methodNotSupported({ group: ctx.resource.group, resource: `${ctx.resource.resource}/scale` }, verb);
  const params = writeParams(ctx);
  const body = await readBody(ctx.req);
  const ct = ctx.req.headers['content-type'] ?? '';
  const mt = ct.split(';')[0]!.trim().toLowerCase();
  const { value } = parseBody(body, verb === 'patch' ? 'application/json' : ct, ['application/json', 'application/yaml']);
  const result = await ctx.store.update(
    ctx.info.namespace,
    ctx.info.name,
    (current) => {
      if (!current) throw notFound(ctx.store.gr, ctx.info.name);
      const scale = scaleOf(current, ctx);
      let desired: Obj;
      if (verb === 'update') desired = value as Obj;
      else if (mt === 'application/json-patch+json') desired = applyJsonPatch(scale as Json, value) as Obj;
      else desired = applyMergePatch(scale as Json, value as Json) as Obj;
      const replicas = desired?.spec?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid({ group: 'autoscaling', kind: 'Scale' }, ctx.info.name, [
          field.invalid('spec.replicas', replicas ?? null, 'must be greater than or equal to 0'),
        ]);
      }
      const rv = desired.metadata?.resourceVersion;
      if (verb === 'update' && rv && rv !== current.metadata.resourceVersion) throw conflict(ctx.store.gr, ctx.info.name);
      const next = structuredClone(current);
      next.spec = { ...(next.spec ?? {}), replicas };
      const prepared = ctx.store.prepareUpdate(next, current, '');
      return prepared;
    },
    { dryRun: params.dryRun },
  );
  sendJson(ctx.res, 200, scaleOf(result.obj, ctx));
}

/** `serviceaccounts/token`: a TokenRequest answered with a signed, bound service-account token (never stored). */
async function handleTokenRequest(server: ApiServer, ctx: RequestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw methodNotSupported({ group: '', resource: 'serviceaccounts/token' }, ctx.info.verb);
  const params = writeParams(ctx);
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  const reqObj = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Obj;
  const sa = await ctx.store.get(ctx.info.namespace, ctx.info.name);
  if (!server.tokenIssuer) throw internalError(new Error('service-account token signing is not configured on this server'));
  await server.admit({ operation: 'CREATE', ctx, obj: reqObj, dryRun: params.dryRun });
  const out = await tokenRequest({ issuer: server.tokenIssuer, reader: server.objects, apiAudiences: server.apiAudiences, warnings: ctx.warnings }, sa, reqObj);
  const neg = negotiate(ctx.req.headers.accept, false);
  sendJson(ctx.res, 201, out, neg.format, warningHeaders(ctx));
}

/** authorization.k8s.io and authentication.k8s.io reviews: answered from the request, never stored. */
async function handleReview(server: ApiServer, ctx: RequestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw methodNotSupported({ group: ctx.resource.group, resource: ctx.resource.resource }, ctx.info.verb);
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
  checkTypeMeta(value as Obj, ctx.apiVersion, ctx.resource.kind);
  const out = await review(`${ctx.resource.group}/${ctx.resource.resource}`, ctx.apiVersion, value as Obj, ctx.user, ctx.info.namespace, server.reviews);
  const neg = negotiate(ctx.req.headers.accept, false);
  sendJson(ctx.res, 201, out, neg.format, warningHeaders(ctx));
}

async function handleBinding(server: ApiServer, ctx: RequestContext, podName: string): Promise<void> {
  if (ctx.info.verb !== 'create') throw methodNotSupported({ group: '', resource: 'pods/binding' }, ctx.info.verb);
  const params = writeParams(ctx);
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  const b = (value ?? {}) as Obj;
  const name = podName || b.metadata?.name;
  if (!name) throw badRequest('name is required for binding');
  if (podName && b.metadata?.name && b.metadata.name !== podName) {
    throw badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${podName})`);
  }
  const node = b.target?.name;
  if (b.target?.kind && b.target.kind !== 'Node') {
    throw invalid({ group: '', kind: 'Binding' }, name, [field.notSupported('target.kind', b.target.kind, ['Node', '<empty>'])]);
  }
  if (!node) throw invalid({ group: '', kind: 'Binding' }, name, [field.required('target.name')]);
  const pods = server.store('', 'pods');
  await pods.update(
    ctx.info.namespace,
    name,
    (pod) => {
      if (!pod) throw notFound(pods.gr, name);
      if (pod.metadata.deletionTimestamp) {
        throw conflict(pods.gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      }
      if (pod.spec?.nodeName) {
        throw conflict(pods.gr, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      }
      if (b.metadata?.uid && b.metadata.uid !== pod.metadata.uid) {
        throw conflict(pods.gr, name, `Precondition failed: UID in precondition: ${b.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
      }
      pod.spec.nodeName = node;
      const annotations = b.metadata?.annotations;
      if (annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
      const conds: Obj[] = (pod.status ??= {}).conditions ?? [];
      const now = nowTime();
      const sched = conds.find((c) => c.type === 'PodScheduled');
      if (sched) Object.assign(sched, { status: 'True', lastTransitionTime: now, reason: undefined, message: undefined });
      else conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
      for (const c of conds) {
        if (c.reason === undefined) delete c.reason;
        if (c.message === undefined) delete c.message;
      }
      pod.status.conditions = conds;
      return pod;
    },
    { dryRun: params.dryRun },
  );
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

async function handleEviction(server: ApiServer, ctx: RequestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw methodNotSupported({ group: '', resource: 'pods/eviction' }, ctx.info.verb);
  const params = writeParams(ctx);
  const body = await readBody(ctx.req);
  const { value } = parseBody(body, ctx.req.headers['content-type']);
  const ev = (value ?? {}) as Obj;
  if (ev.metadata?.name && ev.metadata.name !== ctx.info.name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pods = server.store('', 'pods');
  const pod = await pods.get(ctx.info.namespace, ctx.info.name);
  const phase = pod.status?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (!terminal && !pod.metadata.deletionTimestamp) {
    const pdbs = server.store('policy', 'poddisruptionbudgets');
    const list = await pdbs.listFromStore({ namespace: ctx.info.namespace }, {});
    const { selectorFromLabelSelector } = await import('../apimachinery/index.js');
    const matching = list.items.filter((p) => {
      try {
        return selectorFromLabelSelector(p.spec?.selector).matches(pod.metadata.labels ?? {}) && !!p.spec?.selector;
      } catch {
        return false;
      }
    });
    if (matching.length > 1) {
      throw internalError(new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
    }
    const pdb = matching[0];
    if (pdb) {
      const allowed = pdb.status?.disruptionsAllowed ?? 0;
      if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0) || allowed <= 0) {
        const e = tooManyRequests(
          `Cannot evict pod as it would violate the pod's disruption budget.`,
          0,
        );
        e.status.details = { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently` }] } as any;
        throw e;
      }
      if (!params.dryRun) {
        await pdbs.update(ctx.info.namespace, pdb.metadata.name, (cur) => {
          if (!cur) throw notFound(pdbs.gr, pdb.metadata.name);
          cur.status = { ...(cur.status ?? {}), disruptionsAllowed: Math.max(0, (cur.status?.disruptionsAllowed ?? 0) - 1) };
          cur.status.disruptedPods = { ...(cur.status.disruptedPods ?? {}), [ctx.info.name]: nowTime() };
          return cur;
        });
      }
    }
  }
  const opts: DeleteOpts = { ...(ev.deleteOptions ?? {}) };
  if (params.dryRun) opts.dryRun = true;
  const r = await pods.delete(ctx.info.namespace, ctx.info.name, opts);
  if (r.deleted) await server.afterDelete(pods.info, r.obj, params.dryRun);
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

async function handleFinalize(server: ApiServer, ctx: RequestContext): Promise<void> {
  if (ctx.info.verb !== 'update') throw methodNotSupported({ group: '', resource: 'namespaces/finalize' }, ctx.info.verb);
  const params = writeParams(ctx);
  const ext = await readObject(server, ctx, params, 'Namespace');
  const store = ctx.store;
  const res = await store.update(
    '',
    ctx.info.name,
    (cur) => {
      if (!cur) throw notFound(store.gr, ctx.info.name);
      const rv = ext.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) throw conflict(store.gr, ctx.info.name);
      cur.spec = { ...(cur.spec ?? {}), finalizers: ext.spec?.finalizers ?? [] };
      if (cur.spec.finalizers.length === 0) delete cur.spec.finalizers;
      return cur;
    },
    { dryRun: params.dryRun },
  );
  let obj = res.obj;
  // A terminating namespace with no finalizers left goes now.
  if (obj.metadata.deletionTimestamp && !(obj.spec?.finalizers ?? []).length && !(obj.metadata.finalizers ?? []).length && !params.dryRun) {
    const d = await store.delete('', ctx.info.name).catch(() => undefined);
    if (d) obj = d.obj;
  }
  sendObject(server, ctx, 200, obj);
}

async function handleComponentStatuses(server: ApiServer, ctx: RequestContext): Promise<void> {
  const healthy = await server.storageHealthy();
  const item = (name: string, ok: boolean, message: string) => ({
    kind: 'ComponentStatus',
    apiVersion: 'v1',
    metadata: { name },
    conditions: [{ type: 'Healthy', status: ok ? 'True' : 'False', ...(ok ? { message } : { error: message }) }],
  });
  const items = [item('etcd-0', healthy, healthy ? 'ok' : 'storage unreachable'), item('controller-manager', true, 'ok'), item('scheduler', true, 'ok')];
  const neg = negotiate(ctx.req.headers.accept, true);
  if (ctx.info.verb === 'get') {
    const it = items.find((i) => i.metadata.name === ctx.info.name);
    if (!it) throw notFound({ group: '', resource: 'componentstatuses' }, ctx.info.name);
    if (neg.as === 'table') sendJson(ctx.res, 200, toTable(ctx.resource, [it], neg.metaVersion, '', null));
    else sendJson(ctx.res, 200, it);
    return;
  }
  if (ctx.info.verb !== 'list') throw methodNotSupported({ group: '', resource: 'componentstatuses' }, ctx.info.verb);
  ctx.warnings.push('v1 ComponentStatus is deprecated in v1.19+');
  if (neg.as === 'table') sendJson(ctx.res, 200, toTable(ctx.resource, items, neg.metaVersion, '', null), 'json', warningHeaders(ctx));
  else sendJson(ctx.res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items }, 'json', warningHeaders(ctx));
}

export { forbidden, resourceExpired, withResourceVersion };

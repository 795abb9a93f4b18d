// Parses a request path and method into what it addresses (upstream's RequestInfo), the input of authz and routing.

/**
 * What a request addresses. For resource requests (`/api/v1/...`, `/apis/G/V/...`) every resource field is
 * set (empty string when absent); for anything else (`/healthz`, `/openapi/v2`, discovery roots) only `path`
 * and `verb` (the lower-case HTTP method) are meaningful.
 *
 * Verbs follow upstream: GET on a collection is `list` (or `watch` with `?watch=1|true`), GET on an item is
 * `get` (or `watch` for `?watch` on an item, which becomes a watch with a name field selector), POST `create`,
 * PUT `update`, PATCH `patch`, DELETE on an item `delete`, DELETE on a collection `deletecollection`.
 * The legacy `/api/v1/watch/...` and `/apis/G/V/watch/...` prefixes give `watch`.
 */
export interface RequestInfo {
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly verb: string;
  /** `api` or `apis`. */
  readonly apiPrefix: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** Path segments after the API version (`namespaces/ns/pods/x/status`), for error messages. */
  readonly parts: readonly string[];
}

const METHOD_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', GET: 'get', HEAD: 'get', DELETE: 'delete' };

/** Parses `path` (no query) and `method`; `query` decides `watch`. Never throws. */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = path.split('/').filter((s, i) => !(i === 0 && s === ''));
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop();
  let i = 0;
  const prefix = segs[i++];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let group = '';
  if (prefix === 'apis') {
    if (segs.length < 3) return nonResource; // /apis, /apis/G
    group = segs[i++] ?? '';
  } else if (segs.length < 2) return nonResource; // /api
  const version = segs[i++] ?? '';
  let parts = segs.slice(i).map(decodeSegment);
  if (parts.length === 0) return nonResource; // /api/v1, /apis/G/V: discovery
  let verb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  let legacyWatch = false;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
    verb = 'watch';
  }
  let namespace = '';
  // namespaces/NS/RESOURCE... is a namespaced request; namespaces/NAME[/status|/finalize] is the namespace itself.
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2 && parts[2] !== 'status' && parts[2] !== 'finalize') parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
  if (!legacyWatch) {
    const w = query.get('watch');
    const isWatch = w !== null && w !== '0' && w.toLowerCase() !== 'false';
    if (verb === 'get' && isWatch) verb = 'watch';
    else if (verb === 'get' && name === '') verb = 'list';
    else if (verb === 'delete' && name === '') verb = 'deletecollection';
  }
  return {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix: prefix,
    apiGroup: group,
    apiVersion: version,
    namespace,
    resource,
    subresource,
    name,
    parts,
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

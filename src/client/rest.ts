// HTTP/2 REST client for the kubets apiserver: typed resource clients, retries, client-side rate limiting, watches.
import http2 from 'node:http2';
import type { Status, StatusReason } from '../apimachinery/status.js';
import { RESOURCES, resolveResource, type ResourceInfo } from '../api/resources.js';
import { buildInfo } from '../version/index.js';
import type { ClientConfig } from './kubeconfig.js';

/** A non-2xx answer from the apiserver, carrying its Status body (or one synthesised from the code and text). */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;
  constructor(status: Status) {
    super(status.message);
    this.name = 'ApiError';
    this.code = status.code;
    this.reason = status.reason ?? '';
    this.status = status;
  }
}

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'ServerTimeout',
};

/** client-go's messages for responses that carry no Status (errors.NewGenericServerResponse). */
function genericMessage(code: number): string {
  switch (code) {
    case 400: return 'the server rejected our request for an unknown reason';
    case 401: return 'the server has asked for the client to provide credentials';
    case 403: return 'the server does not allow access to the requested resource';
    case 404: return 'the server could not find the requested resource';
    case 405: return 'the server does not allow this method on the requested resource';
    case 409: return 'the server reported a conflict';
    case 410: return 'the server has expired the requested resource';
    case 422: return 'the server rejected our request due to an error in our request';
    case 429: return 'the server has received too many requests and has asked us to try again later';
    case 500: return 'an error on the server has prevented the request from succeeding';
    case 503: return 'the server is currently unable to handle the request';
    case 504: return 'the server was unable to return a response in the time allotted, but may still be processing the request';
    default: return `an error on the server ("unknown") has prevented the request from succeeding`;
  }
}

/** Builds an ApiError from a response code and body: the body's Status when it is one, else a synthesised Status. */
export function apiErrorFrom(code: number, body: Buffer | string): ApiError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const s = JSON.parse(text) as Partial<Status>;
    if (s && s.kind === 'Status' && typeof s.code === 'number') return new ApiError(s as Status);
  } catch {
    // not JSON
  }
  const trimmed = text.trim();
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: trimmed !== '' && trimmed.length < 1024 ? trimmed : genericMessage(code),
    reason: REASONS[code] ?? ('' as StatusReason),
    code,
  });
}

const isApi = (e: unknown): e is ApiError => e instanceof ApiError;
/** 404 / NotFound. */
export const isNotFound = (e: unknown): boolean => isApi(e) && (e.reason === 'NotFound' || (e.reason === '' && e.code === 404));
/** 409 / Conflict (optimistic concurrency failure). */
export const isConflict = (e: unknown): boolean => isApi(e) && e.reason === 'Conflict';
/** 409 / AlreadyExists. */
export const isAlreadyExists = (e: unknown): boolean => isApi(e) && e.reason === 'AlreadyExists';
/** 410, reason Gone or Expired (resource version too old, continue token expired). */
export const isGone = (e: unknown): boolean => isApi(e) && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
/** 429 / TooManyRequests. */
export const isTooManyRequests = (e: unknown): boolean => isApi(e) && (e.code === 429 || e.reason === 'TooManyRequests');
/** 403 / Forbidden. */
export const isForbidden = (e: unknown): boolean => isApi(e) && (e.code === 403 || e.reason === 'Forbidden');
/** 422 / Invalid. */
export const isInvalid = (e: unknown): boolean => isApi(e) && (e.code === 422 || e.reason === 'Invalid');

/** Where a resource lives on the wire. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

const refCache = new Map<string, ResourceRef>();

/**
 * Resolves a plural, singular, kind or short name (optionally `name.group`) to the served resource and its
 * preferred version, restricted to `group` when given. Throws an Error when nothing matches.
 */
export function resourceRef(kindOrResource: string, group?: string): ResourceRef {
  const key = `${kindOrResource}|${group ?? '*'}`;
  const hit = refCache.get(key);
  if (hit) return hit;
  let info: ResourceInfo | undefined;
  if (group !== undefined) {
    const lower = kindOrResource.toLowerCase();
    info = RESOURCES.find(
      (x) => x.group === group && (x.resource === lower || x.singularName === lower || x.kind.toLowerCase() === lower || x.shortNames.includes(lower)),
    );
  } else {
    info = resolveResource(kindOrResource)[0]?.info;
  }
  if (!info) throw new Error(`the server doesn't have a resource type "${kindOrResource}"${group ? ` in group "${group}"` : ''}`);
  const ref: ResourceRef = Object.freeze({ group: info.group, version: info.versions[0] ?? 'v1', resource: info.resource, namespaced: info.namespaced });
  refCache.set(key, ref);
  return ref;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}
export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
  sendInitialEvents?: boolean;
}
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}
export interface ObjectList<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}
export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}
export interface DeleteOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Typed verbs on one resource. */
export interface ResourceClient<T extends { metadata?: any }> {
  readonly ref: ResourceRef;
  get(name: string, opts?: { namespace?: string; signal?: AbortSignal }): Promise<T>;
  /** One page. */
  list(opts?: ListOptions): Promise<ObjectList<T>>;
  /** Follows `continue` until the last page; items concatenated, metadata of the last page. */
  listAll(opts?: ListOptions): Promise<ObjectList<T>>;
  /** Namespace defaults to obj.metadata.namespace. */
  create(obj: T, opts?: WriteOptions): Promise<T>;
  update(obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>;
  patch(name: string, patch: unknown, type: PatchType, opts?: WriteOptions & { subresource?: string; force?: boolean }): Promise<T>;
  /** Resolves with the response body (the deleted object or a Status). */
  delete(name: string, opts?: DeleteOptions): Promise<unknown>;
  /** POST to a subresource: pods/binding, pods/eviction, serviceaccounts/token ... */
  createSubresource<R = unknown>(name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R>;
  /**
   * Streams watch events until the server ends the watch, `signal` aborts, or an error; ends (returns) normally
   * when the server closes the stream. An ERROR event is yielded as-is (the informer handles 410).
   */
  watch(opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

type Query = Record<string, string | number | boolean | undefined>;

/** Options of {@link RestClient.request}. */
export interface RequestOptions {
  method: string;
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** Thrown for transport failures (connection refused/reset, timeouts, client closed). */
export class TransportError extends Error {
  constructor(message: string, readonly retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** A token bucket (golang.org/x/time/rate semantics with reservations): `take()` returns the wait in ms. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(readonly qps: number, readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.last = now();
  }
  /** Reserves one token and returns how long (ms) the caller must wait before using it (0 = now). */
  take(): number {
    if (this.qps <= 0) return 0;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.qps) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }
}

const CANCEL = http2.constants.NGHTTP2_CANCEL;
const STREAM_WINDOW = 4 * 1024 * 1024; // client-go's HTTP/2 stream window
const CONN_WINDOW = 1 << 30; // and connection window
const MAX_429_RETRIES = 10;
const MAX_RETRIES = 5;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('This operation was aborted', 'AbortError');
}

function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  let s = '';
  for (const k in q) {
    const v = q[k];
    if (v === undefined || v === '') continue;
    s += (s === '' ? '?' : '&') + k + '=' + encodeURIComponent(String(v));
  }
  return s;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  return JSON.parse(body.toString('utf8'));
}

/**
 * A client of one apiserver over a single HTTP/2 session (reconnected when it closes, errors or receives GOAWAY).
 * Non-watch requests pass a qps/burst token bucket; 429 is retried (up to 10 times, honouring Retry-After) for
 * every verb, 5xx and connection errors only for GETs and watch establishment (200 ms doubling to 5 s, 5 tries).
 */
export class RestClient {
  readonly config: ClientConfig;
  private sessionCache: http2.ClientHttp2Session | undefined;
  private readonly bucket: TokenBucket;
  private readonly baseHeaders: Record<string, string>;
  private readonly timeoutMs: number;
  private closed = false;
  private readonly live = new Set<http2.ClientHttp2Stream>();
  /** Backoff base for 5xx/connection retries (ms); tests shorten it. */
  retryBaseMs = 200;

  constructor(config: ClientConfig) {
    this.config = { ...config, server: config.server.replace(/\/+$/, '') };
    this.bucket = new TokenBucket(config.qps ?? 50, config.burst ?? 100);
    this.timeoutMs = config.timeoutMs ?? 60_000;
    this.baseHeaders = {
      accept: 'application/json',
      'user-agent': config.userAgent ?? `kubets/${buildInfo().kubetsVersion}`,
    };
    if (config.token) this.baseHeaders['authorization'] = `Bearer ${config.token}`;
  }

  /**
   * Replaces the bearer token for requests from now on (a refreshed service-account token); requests and
   * watches already sent keep the one they were sent with.
   */
  setToken(token: string): void {
    (this.config as { token?: string }).token = token;
    this.baseHeaders['authorization'] = `Bearer ${token}`;
  }

  /** A typed client for `ref` (a string is resolved with {@link resourceRef}). */
  resource<T extends { metadata?: any } = any>(ref: ResourceRef | string): ResourceClient<T> {
    return new ResourceClientImpl<T>(this, typeof ref === 'string' ? resourceRef(ref) : ref);
  }

  private session(): http2.ClientHttp2Session {
    const cur = this.sessionCache;
    if (cur && !cur.closed && !cur.destroyed) return cur;
    if (this.closed) throw new TransportError('client is closed', false);
    const c = this.config;
    const s = http2.connect(c.server, {
      ...(c.caPem !== undefined ? { ca: c.caPem } : {}),
      ...(c.certPem !== undefined ? { cert: c.certPem } : {}),
      ...(c.keyPem !== undefined ? { key: c.keyPem } : {}),
      maxSessionMemory: 256,
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    const drop = () => {
      if (this.sessionCache === s) this.sessionCache = undefined;
    };
    s.once('connect', () => {
      try {
        s.setLocalWindowSize(CONN_WINDOW);
      } catch {
        // session already gone
      }
    });
    s.on('error', drop);
    s.on('close', drop);
    s.on('goaway', drop);
    if (this.live.size === 0) s.unref(); // an idle client does not keep the process alive; in-flight streams ref it (track)
    this.sessionCache = s;
    return s;
  }

  /** Registers an in-flight stream: it keeps the process alive and is cancelled by close(). */
  private track(stream: http2.ClientHttp2Stream): void {
    this.live.add(stream);
    if (this.live.size === 1) this.sessionCache?.ref();
  }

  private untrack(stream: http2.ClientHttp2Stream): void {
    if (this.live.delete(stream) && this.live.size === 0) this.sessionCache?.unref();
  }

  /** One attempt: sends the request and buffers the whole response. */
  private once(method: string, path: string, headers: http2.OutgoingHttpHeaders, payload: Buffer | undefined, signal: AbortSignal | undefined): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session().request({ ...headers, ':method': method, ':path': path }, { endStream: payload === undefined });
      } catch (e) {
        return reject(e instanceof TransportError ? e : new TransportError(`${method} ${path}: ${(e as Error).message}`, true, { cause: e }));
      }
      this.track(stream);
      let settled = false;
      let ended = false;
      let status = 0;
      let rh: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const finish = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.untrack(stream);
        if (err) {
          if (!stream.closed) stream.close(CANCEL);
          reject(err);
        } else resolve({ status, headers: rh, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      };
      const timer = setTimeout(() => finish(new TransportError(`${method} ${path}: request timed out after ${this.timeoutMs}ms`, false)), this.timeoutMs);
      const onAbort = () => finish(abortError(signal!));
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      stream.on('response', (h) => {
        status = Number(h[':status']);
        rh = h;
      });
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        ended = status !== 0;
        if (ended) finish(undefined);
      });
      stream.on('close', () => {
        if (ended) finish(undefined);
        else if (this.closed) finish(new TransportError(`${method} ${path}: client closed`, false));
        else finish(new TransportError(`${method} ${path}: stream closed before the response ended (code ${stream.rstCode})`, true));
      });
      stream.on('error', (e) => finish(new TransportError(`${method} ${path}: ${e.message}`, !this.closed, { cause: e })));
      if (payload !== undefined) stream.end(payload);
    });
  }

  /** Raw request; JSON in/out; throws ApiError on non-2xx (after retries) and TransportError on connection failures. */
  async request<T = unknown>(opts: RequestOptions): Promise<T> {
    const r = await this.exchange(opts, false);
    return parseJson(r.body) as T;
  }

  /** Sends with rate limiting and retries; returns the 2xx response or throws. `watch` skips the rate limiter. */
  private async exchange(opts: RequestOptions, watch: boolean): Promise<RawResponse> {
    const method = opts.method.toUpperCase();
    const path = opts.path + encodeQuery(opts.query);
    const headers: http2.OutgoingHttpHeaders = { ...this.baseHeaders };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const idempotent = method === 'GET' || method === 'HEAD';
    let throttled = 0;
    let failures = 0;
    for (;;) {
      if (!watch) {
        const wait = this.bucket.take();
        if (wait > 0) await sleep(wait, opts.signal);
      }
      let res: RawResponse;
      try {
        res = watch ? await this.open(method, path, headers, opts.signal) : await this.once(method, path, headers, payload, opts.signal);
      } catch (e) {
        if (!(e instanceof TransportError) || !e.retriable || !idempotent || ++failures >= MAX_RETRIES || this.closed) throw e;
        await sleep(this.backoff(failures), opts.signal);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (watch) {
        const stream = (res as { stream?: http2.ClientHttp2Stream }).stream;
        res = { ...res, body: await drain(res) };
        if (stream) this.untrack(stream);
      }
      if (res.status === 429 && ++throttled <= MAX_429_RETRIES) {
        await sleep(retryAfterMs(res.headers, 1000), opts.signal);
        continue;
      }
      if (res.status >= 500 && idempotent && ++failures < MAX_RETRIES) {
        await sleep(Math.max(this.backoff(failures), retryAfterMs(res.headers, 0)), opts.signal);
        continue;
      }
      throw apiErrorFrom(res.status, res.body);
    }
  }

  private backoff(n: number): number {
    return Math.min(5000, this.retryBaseMs * 2 ** (n - 1));
  }

  /** Opens a streaming GET; resolves with the status and headers once they arrive (body = empty; stream attached). */
  private open(method: string, path: string, headers: http2.OutgoingHttpHeaders, signal: AbortSignal | undefined): Promise<RawResponse & { stream?: http2.ClientHttp2Stream }> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session().request({ ...headers, ':method': method, ':path': path }, { endStream: true });
      } catch (e) {
        return reject(e instanceof TransportError ? e : new TransportError(`${method} ${path}: ${(e as Error).message}`, true, { cause: e }));
      }
      this.track(stream);
      let done = false;
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        this.untrack(stream);
        signal?.removeEventListener('abort', onAbort);
        if (!stream.closed) stream.close(CANCEL);
        reject(err);
      };
      const onAbort = () => fail(abortError(signal!));
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      stream.once('response', (h) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        resolve({ status: Number(h[':status']), headers: h, body: Buffer.alloc(0), stream });
      });
      stream.once('close', () => fail(new TransportError(`${method} ${path}: stream closed without response`, !this.closed)));
      stream.once('error', (e) => fail(new TransportError(`${method} ${path}: ${e.message}`, !this.closed, { cause: e })));
    });
  }

  /** Opens a watch (rate-limit exempt, retried like a GET) and yields its events. */
  async *watchStream<T>(path: string, query: Query, signal: AbortSignal | undefined): AsyncGenerator<WatchEvent<T>> {
    const res = (await this.exchange({ method: 'GET', path, query, ...(signal ? { signal } : {}) }, true)) as RawResponse & { stream?: http2.ClientHttp2Stream };
    const stream = res.stream!;
    const onAbort = () => {
      if (!stream.closed) stream.close(CANCEL);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let buf = '';
    try {
      stream.setEncoding('utf8');
      try {
        for await (const chunk of stream as AsyncIterable<string>) {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim() === '') continue;
            yield JSON.parse(line) as WatchEvent<T>;
          }
        }
      } catch (e) {
        if (signal?.aborted) return;
        if (this.closed) return;
        const code = (e as { code?: string }).code;
        // A stream reset by the server (or the session going away) ends the watch like a close does.
        if (code === 'ERR_HTTP2_STREAM_ERROR' || code === 'ERR_HTTP2_STREAM_CANCEL' || code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        throw e;
      }
      if (buf.trim() !== '') yield JSON.parse(buf) as WatchEvent<T>;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.untrack(stream);
      if (!stream.closed) stream.close(CANCEL);
    }
  }

  /** Closes the session; pending requests reject and watches end. Further requests fail. */
  close(): void {
    this.closed = true;
    for (const s of this.live) if (!s.closed) s.close(CANCEL);
    this.live.clear();
    this.sessionCache?.destroy();
    this.sessionCache = undefined;
  }
}

function drain(res: RawResponse & { stream?: http2.ClientHttp2Stream }): Promise<Buffer> {
  const s = res.stream;
  if (!s) return Promise.resolve(res.body);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function retryAfterMs(h: http2.IncomingHttpHeaders, dflt: number): number {
  const v = h['retry-after'];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) && n >= 0 && v !== undefined ? n * 1000 : dflt;
}

class ResourceClientImpl<T extends { metadata?: any }> implements ResourceClient<T> {
  private readonly prefix: string;
  constructor(private readonly c: RestClient, readonly ref: ResourceRef) {
    this.prefix = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  }

  /** Path of the collection (namespace '' or undefined = all namespaces for namespaced resources). */
  private path(ns: string | undefined, name?: string, sub?: string): string {
    let p = this.prefix;
    if (this.ref.namespaced && ns) p += `/namespaces/${encodeURIComponent(ns)}`;
    p += `/${this.ref.resource}`;
    if (name !== undefined) {
      if (name === '') throw new Error('resource name may not be empty');
      p += `/${encodeURIComponent(name)}`;
    }
    if (sub) p += `/${sub}`;
    return p;
  }

  private ns(explicit: string | undefined, obj?: { metadata?: any }): string | undefined {
    if (!this.ref.namespaced) return undefined;
    return explicit ?? (obj?.metadata?.namespace as string | undefined) ?? 'default';
  }

  private write(o: WriteOptions | undefined): Query | undefined {
    if (!o || (!o.dryRun && !o.fieldManager)) return undefined;
    return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager };
  }

  get(name: string, opts?: { namespace?: string; signal?: AbortSignal }): Promise<T> {
    return this.c.request<T>({ method: 'GET', path: this.path(this.ns(opts?.namespace), name), ...(opts?.signal ? { signal: opts.signal } : {}) });
  }

  list(opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.c.request<ObjectList<T>>({ method: 'GET', path: this.path(this.ref.namespaced ? opts.namespace : undefined), query: listQuery(opts) });
  }

  async listAll(opts: ListOptions = {}): Promise<ObjectList<T>> {
    let page = await this.list(opts);
    const items = [...page.items];
    while (page.metadata?.continue) {
      page = await this.list({ ...opts, continue: page.metadata.continue, resourceVersion: undefined, resourceVersionMatch: undefined });
      for (const it of page.items) items.push(it);
    }
    const md: ObjectList<T>['metadata'] = {};
    if (page.metadata?.resourceVersion !== undefined) md.resourceVersion = page.metadata.resourceVersion;
    return { apiVersion: page.apiVersion, kind: page.kind, metadata: md, items };
  }

  create(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.request<T>({ method: 'POST', path: this.path(this.ns(opts?.namespace, obj)), query: this.write(opts), body: obj, ...(opts?.signal ? { signal: opts.signal } : {}) });
  }

  update(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.request<T>({ method: 'PUT', path: this.path(this.ns(opts?.namespace, obj), obj.metadata?.name ?? ''), query: this.write(opts), body: obj, ...(opts?.signal ? { signal: opts.signal } : {}) });
  }

  updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.request<T>({ method: 'PUT', path: this.path(this.ns(opts?.namespace, obj), obj.metadata?.name ?? '', 'status'), query: this.write(opts), body: obj, ...(opts?.signal ? { signal: opts.signal } : {}) });
  }

  patch(name: string, patch: unknown, type: PatchType, opts?: WriteOptions & { subresource?: string; force?: boolean }): Promise<T> {
    const q: Query = this.write(opts) ?? {};
    if (opts?.force !== undefined) q['force'] = opts.force;
    if (type === 'apply' && !q['fieldManager']) throw new Error('PATCH with apply requires a fieldManager');
    return this.c.request<T>({
      method: 'PATCH',
      path: this.path(this.ns(opts?.namespace), name, opts?.subresource),
      query: q,
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
      contentType: PATCH_CONTENT[type],
      ...(opts?.signal ? { signal: opts.signal } : {}),
    });
  }

  delete(name: string, opts: DeleteOptions = {}): Promise<unknown> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    let any = false;
    if (opts.gracePeriodSeconds !== undefined) (body['gracePeriodSeconds'] = opts.gracePeriodSeconds), (any = true);
    if (opts.propagationPolicy !== undefined) (body['propagationPolicy'] = opts.propagationPolicy), (any = true);
    if (opts.preconditions !== undefined) (body['preconditions'] = opts.preconditions), (any = true);
    if (opts.dryRun) (body['dryRun'] = ['All']), (any = true);
    return this.c.request({ method: 'DELETE', path: this.path(this.ns(opts.namespace), name), ...(any ? { body } : {}) });
  }

  createSubresource<R = unknown>(name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R> {
    return this.c.request<R>({ method: 'POST', path: this.path(this.ns(opts?.namespace, body as { metadata?: any }), name, subresource), query: this.write(opts), body, ...(opts?.signal ? { signal: opts.signal } : {}) });
  }

  watch(opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const q = listQuery(opts);
    q['watch'] = 1;
    if (opts.allowWatchBookmarks) q['allowWatchBookmarks'] = true;
    if (opts.timeoutSeconds !== undefined) q['timeoutSeconds'] = opts.timeoutSeconds;
    if (opts.sendInitialEvents !== undefined) q['sendInitialEvents'] = opts.sendInitialEvents;
    return this.c.watchStream<T>(this.path(this.ref.namespaced ? opts.namespace : undefined), q, opts.signal);
  }
}

function listQuery(o: ListOptions): Query {
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
  };
}

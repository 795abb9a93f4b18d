// HTTP plumbing of the apiserver: request bodies (capped, parsed safely), content negotiation, JSON/Status responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { parseDocument } from 'yaml';
import { decodeProtobufObject, isProtobufMediaType } from '../api/protobuf/index.js';
import { StatusError, badRequest, notAcceptable, requestEntityTooLarge, unsupportedMediaType, type Status } from '../apimachinery/index.js';

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

/** Request bodies above this are refused with 413 (upstream's 3 MiB limit for JSON bodies). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Documents nested deeper than this are refused with 400 (protects recursive code below). */
export const MAX_DEPTH = 1000;

/** Reads the whole body; 413 past `MAX_BODY_BYTES` (the rest is drained, not buffered). */
export async function readBody(req: Req, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    (req as any).resume?.();
    throw requestEntityTooLarge(`limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const c of req as AsyncIterable<Buffer>) {
    if (tooLarge) continue;
    size += c.length;
    if (size > limit) {
      tooLarge = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(c);
  }
  if (tooLarge) throw requestEntityTooLarge(`limit is ${limit}`);
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header without parameters, lower case ('' when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Parses a request body as JSON or YAML (by Content-Type; JSON when absent). YAML is parsed with alias expansion
 * capped, so "billion laughs" documents fail fast. Throws 400 for malformed or too deeply nested documents, 415 for
 * other media types. Returns the value and the duplicate-field paths found (for fieldValidation).
 */
export function parseBody(body: Buffer, contentType: string | undefined, allowed: readonly string[] = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']): { value: unknown; duplicates: string[] } {
  const mt = mediaType(contentType) || 'application/json';
  if (isProtobufMediaType(mt) && allowed.includes('application/vnd.kubernetes.protobuf')) {
    // kubectl's typed clients send Kubernetes protobuf: decode to the JSON shape upstream's JSON would have.
    try {
      return { value: decodeProtobufObject(body), duplicates: [] };
    } catch (err) {
      throw badRequest(err instanceof Error ? err.message : String(err));
    }
  }
  if (!allowed.includes(mt) && !(mt === 'application/yaml' && allowed.includes('application/json'))) throw unsupportedMediaType(contentType ?? '');
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('Object \'Kind\' is missing in \'\'');
  let value: unknown;
  if (mt === 'application/yaml' || mt === 'application/apply-patch+yaml') {
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) throw badRequest(`error converting YAML to JSON: ${doc.errors[0]!.message}`);
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (err instanceof RangeError) throw badRequest('json: exceeded max depth');
      throw badRequest(`couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (mt === 'application/json' || mt.endsWith('+json')) {
    const { duplicates, depth } = scanJson(text);
    if (depth > MAX_DEPTH) throw badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
    return { value, duplicates };
  }
  if (depthExceeds(value, MAX_DEPTH)) throw badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
  return { value, duplicates: [] };
}

function depthExceeds(v: unknown, max: number): boolean {
  // Iterative so a deep document cannot overflow the stack here.
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const c of Object.values(x as object)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

/**
 * Paths of keys that appear twice in one JSON object (`metadata.name`, `spec.containers[0].image`), found by a
 * small scanner over the text (JSON.parse silently keeps the last). Returns [] for invalid JSON.
 */
export function findDuplicateFields(text: string): string[] {
  return scanJson(text).duplicates;
}

/** One open container while scanning: an object's keys so far, or a list's current index. */
interface ScanFrame {
  keys: Set<string> | undefined;
  index: number;
  /** The key or index this container has in its parent (undefined at the top). */
  at: string | number | undefined;
}

const QUOTE = 34; // "
const BACKSLASH = 92;

/**
 * One pass over JSON text (already known to parse): the paths of duplicate keys and the deepest nesting of
 * objects and lists. Paths are only built for duplicates. Returns what it found so far if the text is not JSON.
 */
export function scanJson(text: string): { duplicates: string[]; depth: number } {
  const out: string[] = [];
  let depth = 0;
  let i = 0;
  const n = text.length;
  const stack: ScanFrame[] = [];
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  /** Skips a string at `i`; returns its contents when `want` (decoded only when it has escapes). */
  const str = (want: boolean): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE || Number.isNaN(c)) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    if (!want) return '';
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const pathTo = (k: string): string => {
    let p = '';
    for (let d = 1; d < stack.length; d++) {
      const at = stack[d]!.at;
      p = typeof at === 'number' ? `${p}[${at}]` : p === '' ? at! : `${p}.${at}`;
    }
    return p === '' ? k : `${p}.${k}`;
  };
  const key = (f: ScanFrame): string => {
    const k = str(true);
    if (f.keys!.has(k)) out.push(pathTo(k));
    f.keys!.add(k);
    ws();
    i++; // ':'
    return k;
  };
  try {
    let expectValue = true;
    let pending: string | number | undefined;
    while (i < n) {
      ws();
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (expectValue) {
        if (c === 123 /* { */ || c === 91 /* [ */) {
          const obj = c === 123;
          const f: ScanFrame = { keys: obj ? new Set() : undefined, index: 0, at: pending };
          stack.push(f);
          if (stack.length > depth) depth = stack.length;
          i++;
          ws();
          if (text.charCodeAt(i) === (obj ? 125 : 93)) {
            i++;
            stack.pop();
            expectValue = false;
            continue;
          }
          pending = obj ? key(f) : 0;
          continue;
        }
        if (c === QUOTE) str(false);
        else {
          for (;;) {
            const d = text.charCodeAt(i);
            if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9 || Number.isNaN(d)) break;
            i++;
          }
        }
        expectValue = false;
        continue;
      }
      // after a value: ',' or a closer
      const top = stack[stack.length - 1];
      if (!top) break;
      if (c === 44 /* , */) {
        i++;
        if (top.keys) {
          ws();
          pending = key(top);
        } else pending = ++top.index;
        expectValue = true;
        continue;
      }
      if (c === 125 || c === 93) {
        i++;
        stack.pop();
        continue;
      }
      i++;
    }
  } catch {
    return { duplicates: out, depth };
  }
  return { duplicates: out, depth };
}

/** What the client asked the response to be. */
export interface Negotiated {
  /** 'table' for meta.k8s.io Table, 'partial' for PartialObjectMetadata(List), 'object' otherwise. */
  as: 'object' | 'table' | 'partial';
  /** meta.k8s.io version for table/partial (v1 or v1beta1). */
  metaVersion: string;
  /** 'json' or 'yaml'. */
  format: 'json' | 'yaml';
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Splits an Accept header into media ranges with lower-cased parameters. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...ps] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of ps) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: (type ?? '').trim().toLowerCase(), params };
  });
}

/**
 * Chooses the response form for a resource request from the Accept header: the first acceptable range wins
 * (Table and PartialObjectMetadata need `g=meta.k8s.io` and v1 or v1beta1; protobuf is skipped in favour of a
 * later JSON range). Throws 406 when nothing acceptable is offered.
 */
export function negotiate(header: string | undefined, allowTable: boolean): Negotiated {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return { as: 'object', metaVersion: 'v1', format: 'json' };
  for (const r of ranges) {
    const isJson = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    const isYaml = r.type === 'application/yaml';
    if (!isJson && !isYaml) continue;
    const format = isYaml ? 'yaml' : 'json';
    const as = r.params['as'];
    if (!as) return { as: 'object', metaVersion: 'v1', format };
    if (r.params['g'] !== 'meta.k8s.io') continue;
    const v = r.params['v'] ?? '';
    if (v !== 'v1' && v !== 'v1beta1') continue;
    if (as === 'Table' && allowTable) return { as: 'table', metaVersion: v, format };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { as: 'partial', metaVersion: v, format };
  }
  throw notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

/** Writes a JSON (or YAML) body with status `code`. */
export function sendJson(res: Res, code: number, body: unknown, format: 'json' | 'yaml' = 'json', headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    try {
      res.end();
    } catch {
      /* connection gone */
    }
    return;
  }
  let text: string;
  let type: string;
  if (format === 'yaml') {
    text = toYaml(body);
    type = 'application/yaml';
  } else {
    text = JSON.stringify(body);
    type = 'application/json';
  }
  const buf = Buffer.from(text + '\n');
  res.writeHead(code, { 'Content-Type': headers['Content-Type'] ?? type, 'Content-Length': String(buf.length), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(buf);
}

let yamlStringify: ((v: unknown) => string) | undefined;
function toYaml(v: unknown): string {
  return (yamlStringify ?? JSON.stringify)(v);
}
import('yaml').then((m) => (yamlStringify = (v) => m.stringify(v)));

/** Writes a Status error. */
export function sendStatus(res: Res, err: StatusError, extraHeaders: Record<string, string> = {}): void {
  const st: Status = err.status;
  const headers: Record<string, string> = { ...extraHeaders };
  const retry = st.details?.retryAfterSeconds;
  if (retry && (st.code === 429 || st.code === 503 || st.code === 504 || st.code === 500)) headers['Retry-After'] = String(retry);
  sendJson(res, st.code, st, 'json', headers);
}

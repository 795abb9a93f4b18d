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
  if (depthExceeds(value, MAX_DEPTH)) throw badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
  const duplicates = mt === 'application/json' || mt.endsWith('+json') ? findDuplicateFields(text) : [];
  return { value, duplicates };
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
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Iterative walk with an explicit stack of containers.
  type Frame = { kind: 'obj'; path: string; keys: Set<string> } | { kind: 'arr'; path: string; index: number };
  const stack: Frame[] = [];
  const join = (p: string, k: string) => (p ? `${p}.${k}` : k);
  try {
    let expectValue = true;
    let pendingPath = '';
    while (i < n) {
      ws();
      if (i >= n) break;
      const c = text[i]!;
      if (expectValue) {
        if (c === '{') {
          stack.push({ kind: 'obj', path: pendingPath, keys: new Set() });
          i++;
          ws();
          if (text[i] === '}') {
            i++;
            stack.pop();
            expectValue = false;
            continue;
          }
          // read key
          const f = stack[stack.length - 1] as Extract<Frame, { kind: 'obj' }>;
          const k = str();
          if (f.keys.has(k)) out.push(join(f.path, k));
          f.keys.add(k);
          ws();
          i++; // ':'
          pendingPath = join(f.path, k);
          continue;
        }
        if (c === '[') {
          stack.push({ kind: 'arr', path: pendingPath, index: 0 });
          i++;
          ws();
          if (text[i] === ']') {
            i++;
            stack.pop();
            expectValue = false;
            continue;
          }
          pendingPath = `${pendingPath}[0]`;
          continue;
        }
        if (c === '"') str();
        else while (i < n && !',}] \n\r\t'.includes(text[i]!)) i++;
        expectValue = false;
        continue;
      }
      // after a value: ',' or a closer
      const top = stack[stack.length - 1];
      if (!top) break;
      if (c === ',') {
        i++;
        if (top.kind === 'obj') {
          ws();
          const k = str();
          if (top.keys.has(k)) out.push(join(top.path, k));
          top.keys.add(k);
          ws();
          i++;
          pendingPath = join(top.path, k);
        } else {
          top.index++;
          pendingPath = `${top.path}[${top.index}]`;
        }
        expectValue = true;
        continue;
      }
      if (c === '}' || c === ']') {
        i++;
        stack.pop();
        continue;
      }
      i++;
    }
  } catch {
    return out;
  }
  return out;
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

// Encodes the /openapi/v2 document as gnostic's openapi.v2.Document protobuf, the form client-go asks for.
//
// client-go's DiscoveryClient.OpenAPISchema() requests /openapi/v2 with
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and decodes the body as
// github.com/google/gnostic-models/openapiv2.Document (OpenAPIv2.proto). Field numbers below are those of that
// file. Vendor extensions are NamedAny{name, Any{yaml}} with the value's YAML (JSON text, a YAML subset), as
// gnostic produces them.
import { openApiV2 } from './documents.js';

type Json = Record<string, unknown>;

/** A protobuf message under construction: a list of already-encoded fields. */
class Message {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private tag(field: number, wire: number): void {
    this.push(varint(field * 8 + wire));
  }

  /** A string field; proto3 omits empty strings. */
  string(field: number, v: unknown): this {
    if (typeof v !== 'string' || v === '') return this;
    const b = Buffer.from(v, 'utf8');
    this.tag(field, 2);
    this.push(varint(b.length));
    this.push(b);
    return this;
  }

  /** A repeated string field. */
  strings(field: number, v: unknown): this {
    if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') this.stringAlways(field, s);
    return this;
  }

  private stringAlways(field: number, s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.tag(field, 2);
    this.push(varint(b.length));
    this.push(b);
  }

  /** A bool field; proto3 omits false. */
  bool(field: number, v: unknown): this {
    if (v !== true) return this;
    this.tag(field, 0);
    this.push(varint(1));
    return this;
  }

  /** A nested message field (written even when empty, as presence matters for oneofs). */
  message(field: number, m: Message | undefined): this {
    if (!m) return this;
    const b = m.bytes();
    this.tag(field, 2);
    this.push(varint(b.length));
    this.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

/** NamedAny entries for every `x-` key of `o`. */
function vendorExtensions(m: Message, field: number, o: Json): void {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-')) continue;
    m.message(field, new Message().string(1, k).message(2, new Message().string(2, `${JSON.stringify(v)}\n`)));
  }
}

function schema(s: Json): Message {
  const m = new Message().string(1, s['$ref']).string(2, s['format']).string(4, s['description']).strings(19, s['required']);
  const ap = obj(s['additionalProperties']);
  if (ap) m.message(21, new Message().message(1, schema(ap)));
  else if (typeof s['additionalProperties'] === 'boolean') m.message(21, new Message().bool(2, s['additionalProperties']));
  if (typeof s['type'] === 'string') m.message(22, new Message().strings(1, [s['type']]));
  const items = obj(s['items']);
  if (items) m.message(23, new Message().message(1, schema(items)));
  if (Array.isArray(s['allOf'])) for (const x of s['allOf']) if (obj(x)) m.message(24, schema(x as Json));
  const props = obj(s['properties']);
  if (props) {
    const p = new Message();
    for (const [name, ps] of Object.entries(props)) p.message(1, new Message().string(1, name).message(2, schema(ps as Json)));
    m.message(25, p);
  }
  vendorExtensions(m, 31, s);
  return m;
}

function parameter(p: Json): Message {
  let param: Message;
  if (p['in'] === 'body') {
    const s = obj(p['schema']);
    param = new Message().message(
      1,
      new Message().string(1, p['description']).string(2, p['name']).string(3, p['in']).bool(4, p['required']).message(5, s ? schema(s) : undefined),
    );
  } else {
    // QueryParameterSubSchema (3) and PathParameterSubSchema (4) differ in the numbers after `name`.
    const isPath = p['in'] === 'path';
    const sub = new Message()
      .bool(1, p['required'])
      .string(2, p['in'])
      .string(3, p['description'])
      .string(4, p['name'])
      .string(isPath ? 5 : 6, p['type'])
      .bool(isPath ? 19 : 20, p['uniqueItems']);
    param = new Message().message(2, new Message().message(isPath ? 4 : 3, sub));
  }
  return new Message().message(1, param);
}

function operation(op: Json): Message {
  const m = new Message().strings(1, op['tags']).string(3, op['description']).string(5, op['operationId']);
  m.strings(6, op['produces']).strings(7, op['consumes']);
  if (Array.isArray(op['parameters'])) for (const p of op['parameters']) m.message(8, parameter(p as Json));
  const responses = new Message();
  for (const [code, r] of Object.entries(obj(op['responses']) ?? {})) {
    const rj = r as Json;
    const s = obj(rj['schema']);
    const resp = new Message().string(1, rj['description']).message(2, s ? new Message().message(1, schema(s)) : undefined);
    responses.message(1, new Message().string(1, code).message(2, new Message().message(1, resp)));
  }
  m.message(9, responses);
  m.strings(10, op['schemes']);
  vendorExtensions(m, 13, op);
  return m;
}

const PATH_METHODS: ReadonlyArray<[string, number]> = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

let cached: Buffer | undefined;

/**
 * The `/openapi/v2` document (see `openApiV2`) encoded as gnostic's `openapi.v2.Document` protobuf, for requests
 * accepting `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (client-go, kubectl). Built once and
 * shared.
 */
export function openApiV2Protobuf(): Buffer {
  if (cached) return cached;
  const doc = openApiV2() as Json;
  const info = obj(doc['info']) ?? {};
  const d = new Message().string(1, doc['swagger']).message(2, new Message().string(1, info['title']).string(2, info['version']));
  const paths = new Message();
  for (const [path, item] of Object.entries(obj(doc['paths']) ?? {})) {
    const ij = item as Json;
    const pi = new Message();
    for (const [method, field] of PATH_METHODS) {
      const op = obj(ij[method]);
      if (op) pi.message(field, operation(op));
    }
    if (Array.isArray(ij['parameters'])) for (const p of ij['parameters']) pi.message(9, parameter(p as Json));
    paths.message(2, new Message().string(1, path).message(2, pi));
  }
  d.message(8, paths);
  const defs = new Message();
  for (const [name, s] of Object.entries(obj(doc['definitions']) ?? {})) {
    defs.message(1, new Message().string(1, name).message(2, schema(s as Json)));
  }
  d.message(9, defs);
  for (const req of (doc['security'] as Json[] | undefined) ?? []) {
    const sr = new Message();
    for (const [name, scopes] of Object.entries(req)) sr.message(1, new Message().string(1, name).message(2, new Message().strings(1, scopes)));
    d.message(12, sr);
  }
  const secDefs = new Message();
  for (const [name, sd] of Object.entries(obj(doc['securityDefinitions']) ?? {})) {
    const s = sd as Json;
    const apiKey = new Message().string(1, s['type']).string(2, s['name']).string(3, s['in']).string(4, s['description']);
    secDefs.message(1, new Message().string(1, name).message(2, new Message().message(2, apiKey)));
  }
  d.message(13, secDefs);
  cached = d.bytes();
  return cached;
}

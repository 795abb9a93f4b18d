// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) <-> the JSON object shape upstream's JSON encoding gives.

import { MESSAGES, KINDS, LIST_WRAPPERS } from './schema.gen.js';
import { FieldFlag, type FieldSpec } from './types.js';
import { ProtobufError, Reader, WireType, Writer } from './wire.js';

export { ProtobufError } from './wire.js';
export type { FieldSpec, MessageTable } from './types.js';

/** Media type kubectl sends. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4-byte prefix (`k8s\0`) in front of every enveloped object. */
export const PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** True when a Content-Type / Accept value names the Kubernetes protobuf media type (parameters ignored). */
export function isProtobufMediaType(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return (contentType.split(';')[0] ?? '').trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const TIME = META + 'Time';
const MICRO_TIME = META + 'MicroTime';
const DURATION = META + 'Duration';
const FIELDS_V1 = META + 'FieldsV1';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';

type Json = unknown;
type JsonObject = Record<string, unknown>;

/**
 * The protobuf message name for an apiVersion/kind, e.g. ('apps/v1', 'Deployment') ->
 * 'k8s.io.api.apps.v1.Deployment'; undefined when kubets has no protobuf schema for it.
 */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  const kinds = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  return kinds && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
}

function notRegistered(apiVersion: string, kind: string): Error {
  return new ProtobufError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
}

function fieldsOf(message: string): readonly FieldSpec[] {
  const fields = Object.hasOwn(MESSAGES, message) ? MESSAGES[message] : undefined;
  if (!fields) throw new ProtobufError(`no protobuf schema for message ${message}`);
  return fields;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes an enveloped body (`k8s\0` + runtime.Unknown) into `{apiVersion, kind, ...fields}` JSON, apiVersion and
 * kind taken from the envelope. Throws an Error for a missing magic prefix, truncated or malformed data, a
 * content encoding, or an apiVersion/kind without a schema (`no kind "Foo" is registered for version "v1"`).
 */
export function decodeProtobufObject(body: Uint8Array): Record<string, any> {
  if (body.length === 0) throw new ProtobufError('empty data');
  if (body.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufError(
      `provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`,
    );
  }
  if (body.length === PROTOBUF_MAGIC.length) throw new ProtobufError('empty body');
  const envelope = decodeUnknown(body.subarray(PROTOBUF_MAGIC.length));
  if (envelope.contentEncoding) {
    throw new ProtobufError(`unsupported protobuf content encoding ${JSON.stringify(envelope.contentEncoding)}`);
  }
  if (!envelope.kind) throw new ProtobufError(`Object 'Kind' is missing in protobuf envelope`);
  const message = messageNameFor(envelope.apiVersion, envelope.kind);
  if (!message) throw notRegistered(envelope.apiVersion, envelope.kind);
  const fields = decodeMessage(message, envelope.raw);
  return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...(fields as JsonObject) };
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Reads a runtime.Unknown: typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4. */
function decodeUnknown(data: Uint8Array): Envelope {
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = new Reader(data);
  while (!r.done()) {
    const [no, wt] = r.key();
    if (no >= 1 && no <= 4 && wt !== WireType.LengthDelimited) {
      throw new ProtobufError(`proto: wrong wireType = ${wt} for field ${no} of runtime.Unknown`);
    }
    if (no === 1) {
      const t = new Reader(r.bytes());
      while (!t.done()) {
        const [tn, tw] = t.key();
        if (tn === 1 && tw === WireType.LengthDelimited) out.apiVersion = t.string();
        else if (tn === 2 && tw === WireType.LengthDelimited) out.kind = t.string();
        else t.skip(tw);
      }
    } else if (no === 2) out.raw = r.bytes();
    else if (no === 3) out.contentEncoding = r.string();
    else if (no === 4) out.contentType = r.string();
    else r.skip(wt);
  }
  return out;
}

/**
 * Decodes the bytes of one message (no envelope) into its JSON value: an object for ordinary messages, a string
 * for Quantity/Time/MicroTime/Duration, a number or string for IntOrString, the embedded JSON for
 * RawExtension/FieldsV1, an array for list wrappers. Throws ProtobufError on malformed data.
 */
export function decodeMessage(message: string, data: Uint8Array): Json {
  switch (message) {
    case QUANTITY: {
      const s = rawFields(data).get(1);
      return s instanceof Uint8Array && s.length > 0 ? TEXT_DECODER.decode(s) : '0';
    }
    case INT_OR_STRING: {
      const v = rawFields(data);
      const str = v.get(3);
      if (varintOf(v.get(1)) === 1n) return str instanceof Uint8Array ? TEXT_DECODER.decode(str) : '';
      return Number(BigInt.asIntN(32, varintOf(v.get(2))));
    }
    case TIME:
    case MICRO_TIME: {
      // A zero Go time marshals to an empty message and to JSON null.
      if (data.length === 0) return null;
      const v = rawFields(data);
      const seconds = Number(BigInt.asIntN(64, varintOf(v.get(1))));
      return formatTime(seconds, Number(BigInt.asIntN(32, varintOf(v.get(2)))), message === MICRO_TIME);
    }
    case DURATION:
      return formatDuration(BigInt.asIntN(64, varintOf(rawFields(data).get(1))));
    case RAW_EXTENSION:
    case FIELDS_V1: {
      const bytes = rawFields(data).get(1);
      if (!(bytes instanceof Uint8Array) || bytes.length === 0) return null;
      try {
        return JSON.parse(TEXT_DECODER.decode(bytes)) as Json;
      } catch {
        throw new ProtobufError(`${message.slice(message.lastIndexOf('.') + 1)} does not hold JSON`);
      }
    }
  }
  const obj = readFields(message, data);
  if (LIST_WRAPPERS.has(message)) return obj['items'] ?? [];
  return obj;
}

const TEXT_DECODER = new TextDecoder('utf-8');

/** Last value of each varint or length-delimited field of a small message (fixed-width fields are skipped). */
function rawFields(data: Uint8Array): Map<number, bigint | Uint8Array> {
  const out = new Map<number, bigint | Uint8Array>();
  const r = new Reader(data);
  while (!r.done()) {
    const [no, wt] = r.key();
    if (wt === WireType.Varint) out.set(no, r.varint64());
    else if (wt === WireType.LengthDelimited) out.set(no, r.bytes());
    else r.skip(wt);
  }
  return out;
}

function varintOf(v: bigint | Uint8Array | undefined): bigint {
  return typeof v === 'bigint' ? v : 0n;
}

/** Reads every field of a message into a JSON object, applying the Go JSON omission rules. */
function readFields(message: string, data: Uint8Array): JsonObject {
  const specs = fieldsOf(message);
  const byNumber = new Map<number, FieldSpec>();
  for (const f of specs) byNumber.set(f[1], f);
  const out: JsonObject = {};
  const r = new Reader(data);
  while (!r.done()) {
    const [no, wt] = r.key();
    const spec = byNumber.get(no);
    if (!spec) {
      r.skip(wt);
      continue;
    }
    const [name, , type, flags] = spec;
    if (type.startsWith('map<')) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType(wt, name);
      const [k, v] = readMapEntry(type, r.bytes(), name);
      const map = (out[name] ??= {}) as JsonObject;
      map[k] = v;
    } else if (flags & FieldFlag.Repeated) {
      const list = (out[name] ??= []) as Json[];
      if (wt === WireType.LengthDelimited && isPackable(type)) {
        const packed = new Reader(r.bytes());
        while (!packed.done()) list.push(readValue(packed, type, wireTypeOf(type), name));
      } else list.push(readValue(r, type, wt, name));
    } else if (flags & FieldFlag.Inline) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType(wt, name);
      const inner = decodeMessage(type, r.bytes());
      if (inner && typeof inner === 'object') Object.assign(out, inner);
    } else {
      const value = readValue(r, type, wt, name);
      // A non-pointer Go field is always on the wire; its zero value is what `omitempty` leaves out of JSON.
      if (!(flags & (FieldFlag.Pointer | FieldFlag.NoOmitEmpty)) && isScalar(type) && isZero(value)) delete out[name];
      else out[name] = value;
    }
  }
  return out;
}

function readMapEntry(type: string, data: Uint8Array, name: string): [string, Json] {
  const [kt, vt] = splitMap(type);
  const r = new Reader(data);
  let key: Json = zeroOf(kt);
  let value: Json | undefined;
  while (!r.done()) {
    const [no, wt] = r.key();
    if (no === 1) key = readValue(r, kt, wt, name);
    else if (no === 2) value = readValue(r, vt, wt, name);
    else r.skip(wt);
  }
  if (value === undefined) value = isScalar(vt) ? zeroOf(vt) : decodeMessage(vt, new Uint8Array(0));
  return [String(key), value];
}

function splitMap(type: string): [string, string] {
  const inner = type.slice(4, -1);
  const comma = inner.indexOf(',');
  return [inner.slice(0, comma).trim(), inner.slice(comma + 1).trim()];
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);
const FIXED64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);

function isScalar(type: string): boolean {
  return VARINT_TYPES.has(type) || FIXED32_TYPES.has(type) || FIXED64_TYPES.has(type) || type === 'string' || type === 'bytes';
}

function isPackable(type: string): boolean {
  return VARINT_TYPES.has(type) || FIXED32_TYPES.has(type) || FIXED64_TYPES.has(type);
}

function wireTypeOf(type: string): number {
  if (VARINT_TYPES.has(type)) return WireType.Varint;
  if (FIXED32_TYPES.has(type)) return WireType.Fixed32;
  if (FIXED64_TYPES.has(type)) return WireType.Fixed64;
  return WireType.LengthDelimited;
}

function zeroOf(type: string): Json {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

function isZero(value: Json): boolean {
  return value === '' || value === 0 || value === false;
}

function wrongWireType(wt: number, name: string): ProtobufError {
  return new ProtobufError(`proto: wrong wireType = ${wt} for field ${name}`);
}

function readValue(r: Reader, type: string, wt: number, name: string): Json {
  if (wt !== wireTypeOf(type)) throw wrongWireType(wt, name);
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      return r.varint64() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint64()));
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varint64()));
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint64()));
    case 'uint64':
      return Number(r.varint64());
    case 'sint32':
    case 'sint64': {
      const v = r.varint64();
      return Number((v >> 1n) ^ -(v & 1n));
    }
    case 'fixed32':
      return r.fixed32().getUint32(0, true);
    case 'sfixed32':
      return r.fixed32().getInt32(0, true);
    case 'float':
      return r.fixed32().getFloat32(0, true);
    case 'fixed64':
      return Number(r.fixed64().getBigUint64(0, true));
    case 'sfixed64':
      return Number(r.fixed64().getBigInt64(0, true));
    case 'double':
      return r.fixed64().getFloat64(0, true);
    default:
      return decodeMessage(type, r.bytes());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes a JSON object with apiVersion and kind into enveloped protobuf bytes (`k8s\0` + runtime.Unknown with an
 * empty contentEncoding/contentType). Fields the schema does not know are dropped. Throws an Error for a kind
 * without a schema or a value of the wrong JSON type.
 */
export function encodeProtobufObject(obj: Record<string, any>): Uint8Array {
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  if (!kind) throw new ProtobufError(`Object 'Kind' is missing in object`);
  const message = messageNameFor(apiVersion, kind);
  if (!message) throw notRegistered(apiVersion, kind);
  const typeMeta = new Writer().key(1, WireType.LengthDelimited).string(apiVersion);
  typeMeta.key(2, WireType.LengthDelimited).string(kind);
  const unknown = new Writer()
    .key(1, WireType.LengthDelimited)
    .bytes(typeMeta.finish())
    .key(2, WireType.LengthDelimited)
    .bytes(encodeMessage(message, obj))
    .key(3, WireType.LengthDelimited)
    .string('')
    .key(4, WireType.LengthDelimited)
    .string('');
  return new Writer().raw(PROTOBUF_MAGIC).raw(unknown.finish()).finish();
}

/** Encodes a JSON value as the bytes of one message (no envelope); the inverse of decodeMessage. */
export function encodeMessage(message: string, value: Json): Uint8Array {
  const w = new Writer();
  switch (message) {
    case QUANTITY:
      if (typeof value !== 'string' && typeof value !== 'number') throw typeError(value, 'quantity', message);
      return w.key(1, WireType.LengthDelimited).string(String(value)).finish();
    case INT_OR_STRING:
      if (typeof value === 'number') {
        return w.key(1, WireType.Varint).varint(0).key(2, WireType.Varint).varint(value).key(3, WireType.LengthDelimited).string('').finish();
      }
      if (typeof value === 'string') {
        return w.key(1, WireType.Varint).varint(1).key(2, WireType.Varint).varint(0).key(3, WireType.LengthDelimited).string(value).finish();
      }
      throw typeError(value, 'int or string', message);
    case TIME:
    case MICRO_TIME: {
      if (value === null || value === undefined || value === '') return w.finish();
      if (typeof value !== 'string') throw typeError(value, 'RFC3339 time', message);
      const [seconds, nanos] = parseTime(value);
      w.key(1, WireType.Varint).varint(seconds);
      // metav1.Time keeps whole seconds only (its JSON form does too); MicroTime carries the fraction.
      w.key(2, WireType.Varint).varint(message === TIME ? 0 : nanos);
      return w.finish();
    }
    case DURATION:
      if (typeof value !== 'string') throw typeError(value, 'duration', message);
      return w.key(1, WireType.Varint).varint(parseDuration(value)).finish();
    case RAW_EXTENSION:
    case FIELDS_V1:
      if (value === null || value === undefined) return w.finish();
      return w.key(1, WireType.LengthDelimited).string(JSON.stringify(value)).finish();
  }
  if (LIST_WRAPPERS.has(message)) {
    if (value === null || value === undefined) return w.finish();
    writeFields(w, message, { items: value });
    return w.finish();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(value, 'object', message);
  writeFields(w, message, value as JsonObject);
  return w.finish();
}

function writeFields(w: Writer, message: string, obj: JsonObject): void {
  for (const [name, no, type, flags] of fieldsOf(message)) {
    if (flags & FieldFlag.Inline) {
      w.key(no, WireType.LengthDelimited).bytes(encodeMessage(type, obj));
      continue;
    }
    const value = Object.hasOwn(obj, name) ? obj[name] : undefined;
    if (value === undefined) continue;
    if (type.startsWith('map<')) {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) throw typeError(value, 'object', `${message}.${name}`);
      const [kt, vt] = splitMap(type);
      for (const [k, v] of Object.entries(value as JsonObject)) {
        const entry = new Writer();
        writeValue(entry, 1, kt, kt === 'string' ? k : Number(k), name);
        writeValue(entry, 2, vt, v, name);
        w.key(no, WireType.LengthDelimited).bytes(entry.finish());
      }
    } else if (flags & FieldFlag.Repeated) {
      if (value === null) continue;
      if (!Array.isArray(value)) throw typeError(value, 'array', `${message}.${name}`);
      for (const item of value) writeValue(w, no, type, item, name);
    } else if (value === null) {
      // Go's JSON null for a zero Time/RawExtension: keep it present as an empty message so it decodes back to null.
      if (type === TIME || type === MICRO_TIME || type === RAW_EXTENSION || type === FIELDS_V1) {
        w.key(no, WireType.LengthDelimited).bytes(new Uint8Array(0));
      }
    } else writeValue(w, no, type, value, name);
  }
}

function writeValue(w: Writer, no: number, type: string, value: Json, name: string): void {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw typeError(value, 'string', name);
      w.key(no, WireType.LengthDelimited).string(value);
      return;
    case 'bytes':
      if (typeof value !== 'string') throw typeError(value, 'base64 string', name);
      w.key(no, WireType.LengthDelimited).bytes(Buffer.from(value, 'base64'));
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw typeError(value, 'boolean', name);
      w.key(no, WireType.Varint).varint(value ? 1 : 0);
      return;
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      w.key(no, WireType.Varint).varint(toInteger(value, name));
      return;
    case 'sint32':
    case 'sint64': {
      const v = BigInt(toInteger(value, name));
      w.key(no, WireType.Varint).varint((v << 1n) ^ (v < 0n ? -1n : 0n));
      return;
    }
    case 'fixed32':
    case 'sfixed32':
    case 'float': {
      const n = toNumber(value, name);
      w.key(no, WireType.Fixed32).fixed32((v) =>
        type === 'float' ? v.setFloat32(0, n, true) : type === 'fixed32' ? v.setUint32(0, n, true) : v.setInt32(0, n, true),
      );
      return;
    }
    case 'fixed64':
    case 'sfixed64':
    case 'double': {
      const n = toNumber(value, name);
      w.key(no, WireType.Fixed64).fixed64((v) =>
        type === 'double' ? v.setFloat64(0, n, true) : v.setBigInt64(0, BigInt(Math.trunc(n)), true),
      );
      return;
    }
    default:
      w.key(no, WireType.LengthDelimited).bytes(encodeMessage(type, value));
  }
}

function toNumber(value: Json, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw typeError(value, 'number', name);
}

function toInteger(value: Json, name: string): number | bigint {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  const n = toNumber(value, name);
  if (!Number.isInteger(n)) throw typeError(value, 'integer', name);
  return n;
}

function typeError(value: Json, expected: string, where: string): ProtobufError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return new ProtobufError(`cannot encode ${got} as ${expected} for ${where}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Time and duration forms

/** RFC3339 in UTC, `2024-01-02T03:04:05Z`, or with 6 fractional digits for MicroTime. */
function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return base + 'Z';
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses RFC3339 (any offset, optional fraction) into [unix seconds, nanoseconds]. */
function parseTime(s: string): [number, number] {
  const m = RFC3339.exec(s);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${(m[4] ?? 'Z').toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new ProtobufError(`cannot parse ${JSON.stringify(s)} as an RFC3339 time`);
  const nanos = Number(((m[3] ?? '') + '000000000').slice(0, 9));
  return [Math.floor(ms / 1000), nanos];
}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.Duration.String() of a nanosecond count: `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000n) out = `${u}ns`;
  else if (u < 1_000_000n) out = fraction(u, 3) + 'µs';
  else if (u < 1_000_000_000n) out = fraction(u, 6) + 'ms';
  else {
    const h = u / 3_600_000_000_000n;
    const m = (u / 60_000_000_000n) % 60n;
    out = (h > 0n ? `${h}h` : '') + (h > 0n || m > 0n ? `${m}m` : '') + fraction(u % 60_000_000_000n, 9) + 's';
  }
  return neg ? '-' + out : out;
}

function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${v / scale}${frac ? '.' + frac : ''}`;
}

/** Parses a Go duration string (`1h30m`, `-1.5s`, `300ms`) into nanoseconds. */
export function parseDuration(s: string): bigint {
  const bad = () => new ProtobufError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw bad();
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && !m[2])) throw bad();
    const unit = UNIT_NS[m[3] ?? ''] ?? 1n;
    const frac = m[2] ?? '';
    total += BigInt(m[1] || '0') * unit + (BigInt(frac || '0') * unit) / 10n ** BigInt(frac.length);
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

// Protobuf wire-format primitives: a bounds-checked reader and a growable writer (varints, fixed, length-delimited).

/** Wire types of the protobuf encoding. */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

/** Thrown for malformed or truncated protobuf data. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const TEXT_DECODER = new TextDecoder('utf-8');
const TEXT_ENCODER = new TextEncoder();

/** Sequential reader over one message's bytes; every read throws ProtobufError('unexpected EOF') past the end. */
export class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** True once every byte has been consumed. */
  done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Reads an unsigned varint of up to 64 bits as a bigint. */
  varint64(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new ProtobufError('unexpected EOF');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufError('proto: integer overflow');
  }

  /** Reads an unsigned varint, exact as a number when it fits 2^53 (fast path for small values). */
  varint(): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new ProtobufError('unexpected EOF');
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    this.pos = start;
    return Number(this.varint64());
  }

  /** Reads a field key, returning [field number, wire type]. */
  key(): [number, number] {
    const k = this.varint();
    return [Math.floor(k / 8), k % 8];
  }

  /** Reads a length-delimited payload (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.buf.length) throw new ProtobufError('unexpected EOF');
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Reads a length-delimited UTF-8 string. */
  string(): string {
    return TEXT_DECODER.decode(this.bytes());
  }

  /** Reads 4 little-endian bytes. */
  fixed32(): DataView {
    return this.fixed(4);
  }

  /** Reads 8 little-endian bytes. */
  fixed64(): DataView {
    return this.fixed(8);
  }

  private fixed(n: number): DataView {
    if (this.pos + n > this.buf.length) throw new ProtobufError('unexpected EOF');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return view;
  }

  /** Skips one value of the given wire type (groups are rejected: Kubernetes never uses them). */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint64();
        return;
      case WireType.Fixed64:
        this.fixed(8);
        return;
      case WireType.LengthDelimited:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.fixed(4);
        return;
      default:
        throw new ProtobufError(`proto: illegal wireType ${wireType}`);
    }
  }
}

/** Append-only byte buffer producing protobuf wire data. */
export class Writer {
  private buf = new Uint8Array(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes an unsigned varint; negative or bigint values are written as 64-bit two's complement. */
  varint(value: number | bigint): this {
    if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) {
      this.reserve(8);
      let v = value;
      while (v >= 0x80) {
        this.buf[this.len++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      this.buf[this.len++] = v;
      return this;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** Writes a field key. */
  key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** Writes a length-delimited payload. */
  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** Writes a length-delimited UTF-8 string. */
  string(s: string): this {
    return this.bytes(TEXT_ENCODER.encode(s));
  }

  /** Writes raw bytes with no length prefix. */
  raw(data: Uint8Array): this {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** Writes 4 bytes filled by `fill` (little-endian DataView setters). */
  fixed32(fill: (view: DataView) => void): this {
    return this.fixed(4, fill);
  }

  /** Writes 8 bytes filled by `fill` (little-endian DataView setters). */
  fixed64(fill: (view: DataView) => void): this {
    return this.fixed(8, fill);
  }

  private fixed(n: number, fill: (view: DataView) => void): this {
    this.reserve(n);
    fill(new DataView(this.buf.buffer, this.buf.byteOffset + this.len, n));
    this.len += n;
    return this;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// Service ClusterIP and NodePort allocation: bitmaps kept in the store and changed by compare-and-swap, so several apiservers never hand out one value twice.
import type { Backend } from '../storage/index.js';
import { ConflictError, KeyExistsError } from '../storage/index.js';
import { formatIp, parseCidr, parseIp } from '../pki/index.js';

/** Why an allocation failed. */
export class AllocationError extends Error {
  constructor(
    readonly reason: 'taken' | 'range' | 'full',
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A range of `size` integers [0, size) with a bitmap of taken ones at `key`. Every change reads the bitmap and
 * writes it back with the revision read (retrying on conflict), so concurrent allocators agree.
 * `staticSize` leading offsets are only handed out on request or when the rest is full (upstream's static subrange).
 */
export class RangeAllocator {
  constructor(
    private readonly backend: Backend,
    readonly key: string,
    readonly size: number,
    readonly rangeText: string,
    private readonly staticSize = 0,
  ) {}

  private async read(): Promise<{ bits: Uint8Array; rev: number }> {
    const { kv } = await this.backend.get(this.key);
    if (!kv) return { bits: new Uint8Array(Math.ceil(this.size / 8)), rev: 0 };
    const rec = JSON.parse(dec.decode(kv.value)) as { range: string; data: string };
    const bits = new Uint8Array(Math.ceil(this.size / 8));
    // A range that changed size keeps the offsets that still fit.
    bits.set(Buffer.from(rec.data, 'base64').subarray(0, bits.length));
    return { bits, rev: kv.modRevision };
  }

  private async write(bits: Uint8Array, rev: number): Promise<void> {
    const value = enc.encode(JSON.stringify({ range: this.rangeText, data: Buffer.from(bits).toString('base64') }));
    if (rev === 0) await this.backend.create(this.key, value);
    else await this.backend.update(this.key, value, rev);
  }

  private async change(fn: (bits: Uint8Array) => number | undefined): Promise<number | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { bits, rev } = await this.read();
      const r = fn(bits);
      if (r === undefined) return undefined;
      try {
        await this.write(bits, rev);
        return r;
      } catch (err) {
        if ((err instanceof ConflictError || err instanceof KeyExistsError) && attempt < 50) continue;
        throw err;
      }
    }
  }

  /** Whether `n` is taken. */
  async has(n: number): Promise<boolean> {
    const { bits } = await this.read();
    return n >= 0 && n < this.size && isSet(bits, n);
  }

  /** Takes `n`; AllocationError 'range' or 'taken'. */
  async allocate(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0 || n >= this.size) throw new AllocationError('range', 'out of range');
    let taken = false;
    await this.change((bits) => {
      if (isSet(bits, n)) {
        taken = true;
        return undefined;
      }
      set(bits, n, true);
      return n;
    });
    if (taken) throw new AllocationError('taken', 'already allocated');
  }

  /** Takes a free offset, at random in the dynamic part first; AllocationError 'full' when none is left. */
  async allocateNext(): Promise<number> {
    const r = await this.change((bits) => {
      const pick = (lo: number, hi: number): number | undefined => {
        const span = hi - lo;
        if (span <= 0) return undefined;
        const start = lo + Math.floor(Math.random() * span);
        for (let i = 0; i < span; i++) {
          const n = lo + ((start - lo + i) % span);
          if (!isSet(bits, n)) return n;
        }
        return undefined;
      };
      const n = pick(this.staticSize, this.size) ?? pick(0, this.staticSize);
      if (n === undefined) return undefined;
      set(bits, n, true);
      return n;
    });
    if (r === undefined) throw new AllocationError('full', 'range is full');
    return r;
  }

  /** Frees `n` (no-op when free or out of range). */
  async release(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0 || n >= this.size) return;
    await this.change((bits) => {
      if (!isSet(bits, n)) return undefined;
      set(bits, n, false);
      return n;
    });
  }
}

function isSet(bits: Uint8Array, n: number): boolean {
  return ((bits[n >> 3] ?? 0) & (1 << (n & 7))) !== 0;
}

function set(bits: Uint8Array, n: number, v: boolean): void {
  const i = n >> 3;
  bits[i] = v ? (bits[i] ?? 0) | (1 << (n & 7)) : (bits[i] ?? 0) & ~(1 << (n & 7));
}

/** ClusterIPs of one service CIDR: offsets 0..size-1 are network+1 .. broadcast-1 (IPv4) or network+1.. (IPv6, capped). */
export class ServiceIpAllocator {
  readonly alloc: RangeAllocator;
  private readonly network: bigint;
  private readonly family: 4 | 6;
  readonly size: number;

  constructor(backend: Backend, readonly cidr: string) {
    const c = parseCidr(cidr);
    this.network = c.network;
    this.family = c.family;
    const hostBits = (c.family === 4 ? 32 : 128) - c.prefix;
    const total = hostBits >= 20 ? 1 << 20 : 2 ** hostBits;
    this.size = Math.max(0, c.family === 4 ? total - 2 : total - 1);
    // Upstream reserves the lower part of the range for static IPs: min(max(16, size/16), 256).
    const staticSize = Math.min(Math.max(16, Math.floor(this.size / 16)), 256);
    this.alloc = new RangeAllocator(backend, '/registry/ranges/serviceips', this.size, cidr, Math.min(staticSize, this.size));
  }

  /** The IP of offset `n`. */
  ip(n: number): string {
    return formatIp({ family: this.family, value: this.network + 1n + BigInt(n) });
  }

  /** The offset of `ip`, or undefined when it is outside the allocatable range. */
  offset(ip: string): number | undefined {
    let v: bigint;
    try {
      const p = parseIp(ip);
      if (p.family !== this.family) return undefined;
      v = p.value;
    } catch {
      return undefined;
    }
    const n = v - this.network - 1n;
    if (n < 0n || n >= BigInt(this.size)) return undefined;
    return Number(n);
  }

  async allocate(ip: string): Promise<void> {
    const n = this.offset(ip);
    if (n === undefined) throw new AllocationError('range', 'out of range');
    await this.alloc.allocate(n);
  }

  async allocateNext(): Promise<string> {
    return this.ip(await this.alloc.allocateNext());
  }

  async release(ip: string): Promise<void> {
    const n = this.offset(ip);
    if (n !== undefined) await this.alloc.release(n);
  }
}

/** NodePorts in `base..base+size-1`. */
export class NodePortAllocator {
  readonly alloc: RangeAllocator;
  constructor(
    backend: Backend,
    readonly base: number,
    readonly size: number,
  ) {
    const staticSize = Math.min(Math.max(16, Math.floor(size / 32)), 128);
    this.alloc = new RangeAllocator(backend, '/registry/ranges/servicenodeports', size, `${base}-${base + size - 1}`, Math.min(staticSize, size));
  }

  inRange(port: number): boolean {
    return port >= this.base && port < this.base + this.size;
  }

  async allocate(port: number): Promise<void> {
    if (!this.inRange(port)) throw new AllocationError('range', 'out of range');
    await this.alloc.allocate(port - this.base);
  }

  async allocateNext(): Promise<number> {
    return this.base + (await this.alloc.allocateNext());
  }

  async release(port: number): Promise<void> {
    if (this.inRange(port)) await this.alloc.release(port - this.base);
  }
}

/** Parses `30000-32767` (or a single port) into base and size; throws on bad input. */
export function parsePortRange(text: string): { base: number; size: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`invalid port range ${JSON.stringify(text)}: want LOW-HIGH`);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port range ${JSON.stringify(text)}`);
  return { base: lo, size: hi - lo + 1 };
}

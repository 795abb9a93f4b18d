// IPv4 address management for the simulated runtime, behaving like the CNI host-local plugin: per-node ranges and a process-wide pool of fallback /24s.

/** Parses dotted IPv4 into a 32-bit unsigned number, or undefined. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Formats a 32-bit unsigned number as dotted IPv4. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * An IPv4 range as host-local sees a subnet: the network address and the broadcast address are never handed
 * out, the first host address (`.1`) is the gateway (the node's bridge) and is reserved too. Allocation is
 * round-robin from the last address handed out, as host-local does, so a released address is not reused at once.
 */
export class IPv4Range {
  /** The subnet as given, e.g. `10.244.1.0/24`. */
  readonly cidr: string;
  private readonly first: number;
  private readonly last: number;
  private readonly gateway: number;
  private readonly used = new Set<number>();
  private cursor: number;

  /** Throws Error on a string that is not an IPv4 CIDR. */
  constructor(cidr: string) {
    const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
    const addr = m ? parseIPv4(m[1] ?? '') : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (addr === undefined || !(bits >= 0 && bits <= 32)) throw new Error(`invalid CIDR address: ${cidr}`);
    const size = 2 ** (32 - bits);
    const network = addr - (addr % size);
    this.cidr = `${formatIPv4(network)}/${bits}`;
    // host-local's default range: network+1 .. broadcast-1 (for /31 and /32 the whole subnet).
    this.first = size <= 2 ? network : network + 1;
    this.last = size <= 2 ? network + size - 1 : network + size - 2;
    this.gateway = this.first;
    this.cursor = this.gateway;
  }

  /** host-local's name for the range in its errors: `first-last`. */
  get rangeSet(): string {
    return `${formatIPv4(this.first)}-${formatIPv4(this.last)}`;
  }

  /** How many addresses are handed out. */
  get inUse(): number {
    return this.used.size;
  }

  /** True when `ip` is inside this range. */
  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  /** The next free address, or undefined when none is left. */
  allocate(): string | undefined {
    const span = this.last - this.first + 1;
    for (let i = 1; i <= span; i++) {
      const candidate = this.first + ((this.cursor - this.first + i) % span);
      if (candidate === this.gateway && span > 1) continue;
      if (this.used.has(candidate)) continue;
      this.used.add(candidate);
      this.cursor = candidate;
      return formatIPv4(candidate);
    }
    return undefined;
  }

  /** Marks `ip` as handed out (state restored after a restart); addresses outside the range are ignored. */
  reserve(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined && n >= this.first && n <= this.last) this.used.add(n);
  }

  /** Returns `ip` to the range; unknown addresses are ignored. */
  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }
}

/** The pool fallback ranges are cut from (one /24 per runtime that needs one). */
export const FALLBACK_POOL = '10.254.0.0/16';
const fallbackInUse = new Set<number>();

/**
 * Takes a free /24 from {@link FALLBACK_POOL}, shared by every runtime in the process so that their addresses
 * never overlap; undefined when all 256 are taken. Give it back with {@link releaseFallbackCidr}.
 */
export function acquireFallbackCidr(): string | undefined {
  for (let i = 0; i < 256; i++) {
    if (!fallbackInUse.has(i)) {
      fallbackInUse.add(i);
      return `10.254.${i}.0/24`;
    }
  }
  return undefined;
}

/** Returns a /24 taken by {@link acquireFallbackCidr}. */
export function releaseFallbackCidr(cidr: string): void {
  const m = /^10\.254\.(\d+)\.0\/24$/.exec(cidr);
  if (m) fallbackInUse.delete(Number(m[1]));
}

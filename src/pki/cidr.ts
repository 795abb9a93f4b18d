// IPv4/IPv6 address and CIDR helpers for the cluster PKI (service IP derivation, SAN normalisation).
import { isIPv4, isIPv6 } from 'node:net';

/** A parsed IP address: its family and its value as an unsigned integer (32 or 128 bits). */
export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

/**
 * Parses a textual IPv4 or IPv6 address (IPv6 may embed a dotted IPv4 tail, e.g. `::ffff:1.2.3.4`;
 * zone ids such as `%eth0` are rejected). Throws an Error naming the input when it is not an address.
 */
export function parseIp(text: string): ParsedIp {
  if (isIPv4(text)) {
    let value = 0n;
    for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
    return { family: 4, value };
  }
  if (isIPv6(text) && !text.includes('%')) {
    let s = text;
    // Convert an embedded IPv4 tail into two hextets.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4 && v4[1] !== undefined) {
      const n = parseIp(v4[1]).value;
      s = s.slice(0, s.length - v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head = '', tail] = s.split('::') as [string, string | undefined];
    const headParts = head === '' ? [] : head.split(':');
    const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
    const missing = 8 - headParts.length - tailParts.length;
    const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
    let value = 0n;
    for (const p of parts) value = (value << 16n) | BigInt(parseInt(p, 16));
    return { family: 6, value };
  }
  throw new Error(`invalid IP address ${JSON.stringify(text)}`);
}

/**
 * Formats an address canonically: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, longest run of
 * two or more zero hextets compressed to `::`, first run on ties).
 */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) {
    const b: number[] = [];
    for (let i = 3; i >= 0; i--) b.push(Number((ip.value >> BigInt(i * 8)) & 0xffn));
    return b.join('.');
  }
  const h: number[] = [];
  for (let i = 7; i >= 0; i--) h.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (h[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = h.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Returns the canonical text form of an address (see {@link formatIp}); throws on invalid input. */
export function canonicalIp(text: string): string {
  return formatIp(parseIp(text));
}

/** A parsed CIDR: the masked network address and the prefix length. */
export interface ParsedCidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

/**
 * Parses `ADDRESS/PREFIX`. Host bits are masked off (like Go's net.ParseCIDR), so `10.96.5.0/16`
 * yields network 10.96.0.0. Throws an Error with a descriptive message on malformed input.
 */
export function parseCidr(cidr: string): ParsedCidr {
  const text = cidr.trim();
  const slash = text.indexOf('/');
  if (slash < 0) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: missing "/prefix"`);
  const addr = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  let ip: ParsedIp;
  try {
    ip = parseIp(addr);
  } catch {
    throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: ${JSON.stringify(addr)} is not an IP address`);
  }
  const bits = ip.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: prefix must be an integer between 0 and ${bits}`);
  }
  const prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, network, prefix };
}

/**
 * Returns the first usable IP of a service CIDR (network address + 1), which is the ClusterIP of
 * the `kubernetes` Service and therefore must be a SAN of the apiserver's serving certificate:
 * `10.96.0.0/16` → `10.96.0.1`, `fd00::/108` → `fd00::1`.
 * Throws an Error with a clear message for malformed input or a range with no room for it (/32, /128).
 */
export function firstServiceIp(cidr: string): string {
  const c = parseCidr(cidr);
  const bits = c.family === 4 ? 32 : 128;
  if (c.prefix >= bits) {
    throw new Error(`service CIDR ${JSON.stringify(cidr)} is too small: it has no address after the network address`);
  }
  return formatIp({ family: c.family, value: c.network + 1n });
}

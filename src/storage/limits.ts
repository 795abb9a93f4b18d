// Request size checks shared by every backend (etcd refuses requests over --max-request-bytes).
import { RequestTooLargeError } from './errors.js';
import { MAX_REQUEST_BYTES } from './types.js';

/** Throws `RequestTooLargeError` if the key or value exceeds `MAX_REQUEST_BYTES`. */
export function checkSize(key: string, value?: Uint8Array): void {
  const k = Buffer.byteLength(key);
  if (k > MAX_REQUEST_BYTES) throw new RequestTooLargeError('key', k, MAX_REQUEST_BYTES);
  if (value && value.byteLength + k > MAX_REQUEST_BYTES) throw new RequestTooLargeError('value', value.byteLength, MAX_REQUEST_BYTES);
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code-point order (which
 * is UTF-8 byte order); undefined when there is none (empty prefix, or only U+10FFFF characters).
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (cps.length > 0) {
    const last = cps.pop()!;
    if (last < 0x10ffff) {
      let next = last + 1;
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // skip the surrogate block
      return String.fromCodePoint(...cps, next);
    }
  }
  return undefined;
}

/** etcd's range_end for a prefix: the key with its last byte below 0xff incremented; a single 0 byte means "to the end". */
export function prefixEndBytes(prefix: Uint8Array): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i]! += 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

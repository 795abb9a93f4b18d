// Value transformers: round trips, byte layouts, upstream/NIST vectors, prefix selection, staleness and failures.
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aescbcTransformer,
  aesgcmTransformer,
  aggregateMessage,
  identityTransformer,
  isEncrypted,
  prefixTransformers,
  secretboxTransformer,
  type Transformer,
} from './transformer.js';

const enc = new TextEncoder();
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const fixed = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);

describe('cipher round trips (upstream TestRoundTrip lengths)', () => {
  const lengths = [0, 1, 2, 15, 16, 17, 128, 1024];
  const table: Array<[string, Transformer]> = [
    ['aescbc 16-byte key', aescbcTransformer(new Uint8Array(16).fill(0x61))],
    ['aescbc 24-byte key', aescbcTransformer(new Uint8Array(24).fill(0x62))],
    ['aescbc 32-byte key', aescbcTransformer(new Uint8Array(32).fill(0x63))],
    ['aesgcm 16-byte key', aesgcmTransformer(new Uint8Array(16).fill(0x61))],
    ['aesgcm 32-byte key', aesgcmTransformer(new Uint8Array(32).fill(0x63))],
    ['secretbox', secretboxTransformer(new Uint8Array(32).fill(0x64))],
  ];
  for (const [name, t] of table) {
    it(name, () => {
      for (const l of lengths) {
        const data = new Uint8Array(Buffer.from(Array.from({ length: l }, (_, i) => (i * 7 + l) & 0xff)));
        const stored = t.toStorage(data, '/registry/secrets/ns/a');
        if (l >= 16) expect(Buffer.from(stored).includes(Buffer.from(data))).toBe(false);
        const back = t.fromStorage(stored, '/registry/secrets/ns/a');
        expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
        expect(back.stale).toBe(false);
      }
    });
  }
});

describe('byte layouts', () => {
  it('aescbc: IV then CBC ciphertext with PKCS#7 padding (NIST SP 800-38A F.2.1 first block)', () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const iv = hex('000102030405060708090a0b0c0d0e0f');
    const t = aescbcTransformer(key, () => iv);
    const pt = hex('6bc1bee22e409f96e93d7e117393172a');
    const out = t.toStorage(pt, 'k');
    // one full block of plaintext gets a whole block of padding: IV + 2 blocks
    expect(out.length).toBe(16 + 32);
    expect(Buffer.from(out.subarray(0, 16)).toString('hex')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(Buffer.from(out.subarray(16, 32)).toString('hex')).toBe('7649abac8119b246cee98e9b12e9197d');
    // the last block decrypts (raw) to 16 bytes of 0x10
    const d = createDecipheriv('aes-128-cbc', key, out.subarray(16, 32));
    d.setAutoPadding(false);
    const last = Buffer.concat([d.update(out.subarray(32)), d.final()]);
    expect(last.equals(Buffer.alloc(16, 0x10))).toBe(true);
  });

  it('aesgcm decrypts upstream recorded ciphertext (TestGCMLegacyDataCompatibility), AD is the storage key', () => {
    const t = aesgcmTransformer(enc.encode('snorlax_awesomes'));
    const legacy = hex('9f27c8fcea8a58c467d8e437dbf2d85955f9b4bd912f4ef967d788a0cb07797dac0a3f0a0845605ca85ac8562b4ae1');
    expect(Buffer.from(t.fromStorage(legacy, 'bamboo').data).toString()).toBe('pandas are the best');
    expect(() => t.fromStorage(legacy, 'incorrect_context')).toThrow('cipher: message authentication failed');
  });

  it('aesgcm: 12-byte nonce, ciphertext, 16-byte tag', () => {
    const t = aesgcmTransformer(new Uint8Array(32), fixed(7));
    const out = t.toStorage(enc.encode('hello'), 'k');
    expect(out.length).toBe(12 + 5 + 16);
    expect(Array.from(out.subarray(0, 12))).toEqual(new Array(12).fill(7));
  });

  it('secretbox: 24-byte nonce then the sealed box (tag first); CBC has no authenticated data', () => {
    const t = secretboxTransformer(new Uint8Array(32).fill(1), fixed(9));
    const out = t.toStorage(enc.encode('hello'), 'k1');
    expect(out.length).toBe(24 + 16 + 5);
    expect(Array.from(out.subarray(0, 24))).toEqual(new Array(24).fill(9));
    // secretbox and aescbc ignore the storage key (upstream: no authenticated data)
    expect(Buffer.from(t.fromStorage(out, 'other').data).toString()).toBe('hello');
    const cbc = aescbcTransformer(new Uint8Array(32));
    expect(Buffer.from(cbc.fromStorage(cbc.toStorage(enc.encode('x'), 'a'), 'b').data).toString()).toBe('x');
  });
});

describe('corrupt and wrong-key values fail with upstream messages', () => {
  const cbc = aescbcTransformer(new Uint8Array(32).fill(1));
  const table: Array<[string, () => unknown, string]> = [
    ['cbc too short', () => cbc.fromStorage(new Uint8Array(8), 'k'), 'the stored data was shorter than the required size'],
    ['cbc not block multiple', () => cbc.fromStorage(new Uint8Array(16 + 5), 'k'), 'the stored data is not a multiple of the block size'],
    ['cbc empty body', () => cbc.fromStorage(new Uint8Array(16), 'k'), 'invalid PKCS7 data (empty or not padded)'],
    ['gcm too short', () => aesgcmTransformer(new Uint8Array(16)).fromStorage(new Uint8Array(4), 'k'), 'the stored data was shorter than the required size'],
    ['secretbox too short', () => secretboxTransformer(new Uint8Array(32)).fromStorage(new Uint8Array(39), 'k'), 'the stored data was shorter than the required size'],
    [
      'secretbox wrong key',
      () => secretboxTransformer(new Uint8Array(32).fill(2)).fromStorage(secretboxTransformer(new Uint8Array(32).fill(3)).toStorage(enc.encode('s'), 'k'), 'k'),
      'output array was not large enough for encryption',
    ],
    ['identity on encrypted data', () => identityTransformer.fromStorage(enc.encode('k8s:enc:aescbc:v1:k:xxxx'), 'k'), 'identity transformer tried to read encrypted data'],
    ['secretbox key size', () => secretboxTransformer(new Uint8Array(16)), 'expected key size 32 for secretbox provider, got 16'],
  ];
  for (const [name, fn, msg] of table) it(name, () => expect(fn).toThrow(msg));

  it('aescbc with the wrong key fails (padding check) or at least never returns the plaintext', () => {
    const a = aescbcTransformer(new Uint8Array(32).fill(1));
    const b = aescbcTransformer(new Uint8Array(32).fill(2));
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      const stored = a.toStorage(enc.encode('top secret value'), 'k');
      try {
        const got = b.fromStorage(stored, 'k');
        expect(Buffer.from(got.data).toString()).not.toBe('top secret value');
      } catch (err) {
        expect((err as Error).message).toMatch(/^invalid (PKCS7 data \(empty or not padded\)|padding on input)$/);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(10);
  });
});

describe('prefixTransformers (upstream TestCBCKeyRotation and NewPrefixTransformers)', () => {
  const k1 = aescbcTransformer(enc.encode('abcdefghijklmnop'));
  const k2 = aescbcTransformer(enc.encode('0123456789abcdef'));
  const first = { prefix: enc.encode('first:'), transformer: k1 };
  const second = { prefix: enc.encode('second:'), transformer: k2 };

  it('writes with the first; reads by prefix; stale when not read by the first', () => {
    const p = prefixTransformers('test error', [first, second]);
    const out = p.toStorage(enc.encode('firstvalue'), 'k');
    expect(Buffer.from(out.subarray(0, 6)).toString()).toBe('first:');
    expect(p.fromStorage(out, 'k')).toMatchObject({ stale: false });
    const reversed = prefixTransformers('test error', [second, first]);
    const r = reversed.fromStorage(out, 'k');
    expect(Buffer.from(r.data).toString()).toBe('firstvalue');
    expect(r.stale).toBe(true);
  });

  it('no matching prefix gives the configured error; failures of matches are aggregated', () => {
    const p = prefixTransformers('no matching prefix found', [first]);
    expect(() => p.fromStorage(enc.encode('plain'), 'k')).toThrow('no matching prefix found');
    const bad = { prefix: enc.encode('first:'), transformer: aescbcTransformer(new Uint8Array(16)) };
    const both = prefixTransformers('x', [bad, { prefix: enc.encode('first:'), transformer: secretboxTransformer(new Uint8Array(32)) }]);
    expect(() => both.fromStorage(concatStr('first:', new Uint8Array(21)), 'k')).toThrow(
      '[the stored data is not a multiple of the block size, the stored data was shorter than the required size]',
    );
  });

  it('an unprefixed identity that fails is skipped, so the next transformer reads the encrypted value', () => {
    const p = prefixTransformers('none', [{ prefix: new Uint8Array(0), transformer: identityTransformer }, first]);
    const stored = prefixTransformers('none', [first]).toStorage(enc.encode('v'), 'k');
    expect(isEncrypted(stored)).toBe(false); // 'first:' is not the reserved prefix, identity reads it as plaintext
    const encrypted = concatStr('k8s:enc:', new Uint8Array(0));
    expect(() => p.fromStorage(encrypted, 'k')).toThrow('none');
  });

  it('aggregateMessage dedups and brackets like Go aggregates', () => {
    expect(aggregateMessage(['a'])).toBe('a');
    expect(aggregateMessage(['a', 'a'])).toBe('a');
    expect(aggregateMessage(['a', 'b', 'a'])).toBe('[a, b]');
  });
});

function concatStr(s: string, b: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(s), b]));
}

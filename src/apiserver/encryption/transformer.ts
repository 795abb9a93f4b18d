// Value transformers for encryption at rest (upstream storage/value): identity, aescbc, aesgcm, secretbox and prefix selection.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import type { EncryptionConfig } from './config.js';

/**
 * Turns stored bytes into plain bytes and back. `key` is the storage key of the value (e.g.
 * `/registry/secrets/default/s1`); providers that authenticate data (aesgcm) bind the ciphertext to it, so a value
 * copied under another key does not decrypt. Both methods throw an `Error` (upstream's message) when they cannot
 * transform the value.
 */
export interface Transformer {
  /** Encrypts `data` with the first configured provider and key (identity: returns `data` unchanged). */
  toStorage(data: Uint8Array, key: string): Uint8Array;
  /**
   * Decrypts a stored value. `stale` is true when the value was not written with the first provider and key (or was
   * plaintext read through a later identity provider): the caller should re-write it to rotate it.
   */
  fromStorage(data: Uint8Array, key: string): { data: Uint8Array; stale: boolean };
}

/** Every encrypted value starts with this; identity refuses to read such values. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';
export const AESCBC_PREFIX = 'k8s:enc:aescbc:v1:';
export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
export const SECRETBOX_PREFIX = 'k8s:enc:secretbox:v1:';

const enc = new TextEncoder();
const ENCRYPTED_PREFIX_BYTES = enc.encode(ENCRYPTED_PREFIX);

/** Source of random bytes (IVs and nonces); tests inject a fixed one to check byte layouts. */
export type RandomSource = (n: number) => Uint8Array;
const defaultRandom: RandomSource = (n) => randomBytes(n);

/** True when `data` begins with `prefix`. */
export function hasPrefix(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** True when a stored value is encrypted (carries the reserved `k8s:enc:` prefix). */
export function isEncrypted(data: Uint8Array): boolean {
  return hasPrefix(data, ENCRYPTED_PREFIX_BYTES);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Go's utilerrors aggregate message: one distinct message as is, several as `[a, b]` (duplicates dropped).
 */
export function aggregateMessage(messages: readonly string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

/**
 * The identity provider: writes plaintext; reads anything that is not encrypted, and fails with upstream's
 * "identity transformer tried to read encrypted data" on `k8s:enc:` values.
 */
export const identityTransformer: Transformer = {
  toStorage: (data) => data,
  fromStorage(data) {
    if (isEncrypted(data)) throw new Error('identity transformer tried to read encrypted data');
    return { data, stale: false };
  },
};

const AES_BLOCK = 16;

function aesAlgorithm(key: Uint8Array, mode: 'cbc' | 'gcm'): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new Error(`crypto/aes: invalid key size ${key.length}`);
  return `aes-${key.length * 8}-${mode}`;
}

/**
 * AES-CBC with PKCS#7 padding (upstream aes.NewCBCTransformer): stored bytes are a random 16-byte IV followed by the
 * ciphertext. No authenticated data. `key` is 16, 24 or 32 bytes.
 */
export function aescbcTransformer(key: Uint8Array, random: RandomSource = defaultRandom): Transformer {
  const algorithm = aesAlgorithm(key, 'cbc');
  return {
    toStorage(data) {
      const iv = random(AES_BLOCK);
      if (iv.length !== AES_BLOCK) throw new Error('unable to read sufficient random bytes');
      const c = createCipheriv(algorithm, key, iv); // PKCS#7 padding is node's default
      return Buffer.concat([iv, c.update(data), c.final()]);
    },
    fromStorage(data) {
      if (data.length < AES_BLOCK) throw new Error('the stored data was shorter than the required size');
      const iv = data.subarray(0, AES_BLOCK);
      const body = data.subarray(AES_BLOCK);
      if (body.length % AES_BLOCK !== 0) throw new Error('the stored data is not a multiple of the block size');
      const d = createDecipheriv(algorithm, key, iv);
      d.setAutoPadding(false);
      const result = Buffer.concat([d.update(body), d.final()]);
      // Remove and verify the padding ourselves, to fail with upstream's messages.
      const pad = result.length > 0 ? result[result.length - 1]! : 0;
      if (pad === 0 || pad > result.length) throw new Error('invalid PKCS7 data (empty or not padded)');
      const size = result.length - pad;
      for (let i = size; i < result.length; i++) if (result[i] !== pad) throw new Error('invalid padding on input');
      return { data: result.subarray(0, size), stale: false };
    },
  };
}

const GCM_NONCE = 12;
const GCM_TAG = 16;

/**
 * AES-GCM (upstream aes.NewGCMTransformer): stored bytes are a random 12-byte nonce, the ciphertext and the 16-byte
 * tag; the storage key is the additional authenticated data.
 */
export function aesgcmTransformer(key: Uint8Array, random: RandomSource = defaultRandom): Transformer {
  const algorithm = aesAlgorithm(key, 'gcm') as CipherGCMTypes;
  return {
    toStorage(data, storageKey) {
      const nonce = random(GCM_NONCE);
      if (nonce.length !== GCM_NONCE) throw new Error('failed to write nonce for AES-GCM: unable to read sufficient random bytes');
      const c = createCipheriv(algorithm, key, nonce, { authTagLength: GCM_TAG });
      c.setAAD(enc.encode(storageKey));
      const body = Buffer.concat([c.update(data), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    },
    fromStorage(data, storageKey) {
      if (data.length < GCM_NONCE) throw new Error('the stored data was shorter than the required size');
      const nonce = data.subarray(0, GCM_NONCE);
      const sealed = data.subarray(GCM_NONCE);
      if (sealed.length < GCM_TAG) throw new Error('cipher: message authentication failed');
      try {
        const d = createDecipheriv(algorithm, key, nonce, { authTagLength: GCM_TAG });
        d.setAAD(enc.encode(storageKey));
        d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
        const out = Buffer.concat([d.update(sealed.subarray(0, sealed.length - GCM_TAG)), d.final()]);
        return { data: out, stale: false };
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

const SECRETBOX_NONCE = 24;
const SECRETBOX_OVERHEAD = 16;

/**
 * NaCl secretbox, XSalsa20-Poly1305 (upstream secretbox.NewSecretboxTransformer): stored bytes are a random 24-byte
 * nonce followed by the sealed box (16-byte Poly1305 tag, then ciphertext). `key` is 32 bytes. No authenticated data.
 */
export function secretboxTransformer(key: Uint8Array, random: RandomSource = defaultRandom): Transformer {
  if (key.length !== 32) throw new Error(`expected key size 32 for secretbox provider, got ${key.length}`);
  return {
    toStorage(data) {
      const nonce = random(SECRETBOX_NONCE);
      if (nonce.length !== SECRETBOX_NONCE) throw new Error('unable to read sufficient random bytes');
      return concat(nonce, xsalsa20poly1305(key, nonce).encrypt(data));
    },
    fromStorage(data) {
      if (data.length < SECRETBOX_OVERHEAD + SECRETBOX_NONCE) throw new Error('the stored data was shorter than the required size');
      const nonce = data.subarray(0, SECRETBOX_NONCE);
      try {
        return { data: xsalsa20poly1305(key, nonce).decrypt(data.subarray(SECRETBOX_NONCE)), stale: false };
      } catch {
        // upstream's (odd) message for a failed secretbox.Open
        throw new Error('output array was not large enough for encryption');
      }
    },
  };
}

/** A transformer used under a prefix (a provider's `k8s:enc:<name>:v1:` or a key's `<keyName>:`). */
export interface PrefixTransformer {
  readonly prefix: Uint8Array;
  readonly transformer: Transformer;
}

/**
 * Upstream value.NewPrefixTransformers: writes with the first transformer, prefixing its prefix; reads with every
 * transformer whose prefix matches, in order, until one succeeds (an error from a prefixed transformer is collected
 * and the next one tried; an unprefixed one, identity, that fails is skipped). A value read by any but the first
 * transformer is stale. When nothing matches, throws `noMatch`; when matches all failed, their aggregate.
 */
export function prefixTransformers(noMatch: string, transformers: readonly PrefixTransformer[]): Transformer {
  if (transformers.length === 0) throw new Error('prefixTransformers: at least one transformer is required');
  return {
    toStorage(data, key) {
      const first = transformers[0]!;
      return concat(first.prefix, first.transformer.toStorage(data, key));
    },
    fromStorage(data, key) {
      const errs: string[] = [];
      for (let i = 0; i < transformers.length; i++) {
        const t = transformers[i]!;
        if (!hasPrefix(data, t.prefix)) continue;
        let result: { data: Uint8Array; stale: boolean };
        try {
          result = t.transformer.fromStorage(data.subarray(t.prefix.length), key);
        } catch (err) {
          if (t.prefix.length > 0) errs.push(err instanceof Error ? err.message : String(err));
          continue;
        }
        return { data: result.data, stale: result.stale || i !== 0 };
      }
      throw new Error(errs.length > 0 ? aggregateMessage(errs) : noMatch);
    },
  };
}

/**
 * The transformer for values of `resource` in `group` ('' for core): the configuration's entry for `resource.group`,
 * else for `*.group`, else for `*.*`; identity (plaintext, refusing encrypted values) when none matches or `config`
 * is undefined (no `--encryption-provider-config`).
 */
export function transformerFor(config: EncryptionConfig | undefined, group: string, resource: string): Transformer {
  if (!config) return identityTransformer;
  return (
    config.transformers.get(grKey(group, resource)) ??
    config.transformers.get(grKey(group, '*')) ??
    config.transformers.get(grKey('*', '*')) ??
    identityTransformer
  );
}

/** The map key of a group and resource in `EncryptionConfig.transformers`. */
export function grKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

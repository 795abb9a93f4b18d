// EncryptionConfiguration: decoding, upstream validation messages, wildcard lookup, masking, key rotation and stale reads.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileEncryptionConfig, loadEncryptionConfig, parseEncryptionConfiguration, parseGroupResource, type EncryptionConfig } from './config.js';
import { transformerFor } from './transformer.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const K32A = Buffer.alloc(32, 1).toString('base64');
const K32B = Buffer.alloc(32, 2).toString('base64');
const K16 = Buffer.alloc(16, 3).toString('base64');

function yamlConfig(body: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n${body}`;
}
function compile(body: string): EncryptionConfig {
  return compileEncryptionConfig(parseEncryptionConfiguration(yamlConfig(body)));
}
const str = (b: Uint8Array) => dec.decode(b);

describe('parseGroupResource (schema.ParseGroupResource)', () => {
  const table: Array<[string, string, string]> = [
    ['secrets', '', 'secrets'],
    ['deployments.apps', 'apps', 'deployments'],
    ['*.apps', 'apps', '*'],
    ['*.', '', '*'],
    ['*.*', '*', '*'],
    ['foo.bar.example.com', 'bar.example.com', 'foo'],
  ];
  for (const [s, group, resource] of table) it(s, () => expect(parseGroupResource(s)).toEqual({ group, resource }));
});

describe('validation errors in upstream words', () => {
  const table: Array<[string, string, string]> = [
    ['no resources', 'resources: []', 'resources: Required value: at least one resources is required'],
    [
      'no providers',
      'resources:\n- resources: [secrets]\n  providers: []',
      'resources[0].providers: Required value: at least one resources[0].providers is required',
    ],
    [
      'empty resource list',
      'resources:\n- resources: []\n  providers: [{identity: {}}]',
      'resources[0].resources: Required value: at least one resources[0].resources is required',
    ],
    [
      'wrong key length',
      `resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: ${Buffer.alloc(8).toString('base64')}}]`,
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
    ],
    [
      'secretbox needs 32 bytes',
      `resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: k1, secret: ${K16}}]`,
      'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]',
    ],
    [
      'not base64',
      'resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: "not base64!"}]',
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded',
    ],
    [
      'missing key name and no keys',
      `resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{secret: ${K32A}}]\n  - secretbox:\n      keys: []`,
      '[resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key, resources[0].providers[1].secretbox.keys: Required value: at least one keys is required]',
    ],
    [
      'two providers in one element',
      `resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n    aescbc:\n      keys: [{name: k, secret: ${K32A}}]`,
      'more than one provider specified in a single element, should split into different list elements',
    ],
    ['no provider', 'resources:\n- resources: [secrets]\n  providers:\n  - {}', 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity'],
    [
      'duplicate resource',
      'resources:\n- resources: [secrets, secrets]\n  providers: [{identity: {}}]',
      'resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified multiple times',
    ],
    [
      'overlap in one list',
      'resources:\n- resources: [secrets, "*."]\n  providers: [{identity: {}}]',
      "resources[0].resources: Invalid value: []string{\"secrets\", \"*.\"}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
    ],
    ['bare star', 'resources:\n- resources: ["*"]\n  providers: [{identity: {}}]', "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"],
    ['capitals', 'resources:\n- resources: [Secrets]\n  providers: [{identity: {}}]', 'resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters'],
    ['events.k8s.io', 'resources:\n- resources: [events.events.k8s.io]\n  providers: [{identity: {}}]', "objects are stored using the 'events' API group in etcd"],
    ['extensions', 'resources:\n- resources: [deployments.extensions]\n  providers: [{identity: {}}]', "'extensions' group has been removed and cannot be used for encryption"],
    ['across groups', 'resources:\n- resources: ["secrets.*"]\n  providers: [{identity: {}}]', 'encrypting the same resource across groups is not supported'],
    ['no REST API', 'resources:\n- resources: [serviceipallocations]\n  providers: [{identity: {}}]', 'resources which do not have REST API/s cannot be encrypted'],
  ];
  for (const [name, body, msg] of table) it(name, () => expect(() => parseEncryptionConfiguration(yamlConfig(body))).toThrow(msg));

  it('decoding: missing kind, other kinds', () => {
    expect(() => parseEncryptionConfiguration('apiVersion: apiserver.config.k8s.io/v1\nresources: []', 'f.yaml')).toThrow(
      `error decoding encryption provider configuration file "f.yaml": Object 'Kind' is missing in`,
    );
    expect(() => parseEncryptionConfiguration('apiVersion: v1\nkind: ConfigMap')).toThrow('got unexpected config type: v1, Kind=ConfigMap');
  });

  it('accepts JSON', () => {
    const c = parseEncryptionConfiguration(
      JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }] }),
    );
    expect(c.resources?.[0]?.resources).toEqual(['secrets']);
  });
});

describe('masking across entries (upstream TestWildcardMasking)', () => {
  const table: Array<[string, string, string | undefined]> = [
    ['secrets after *.', `resources:\n- resources: ["*."]\n  providers: [{identity: {}}]\n- resources: [secrets]\n  providers: [{identity: {}}]`, 'resource "secrets" is masked by earlier rule "*."'],
    ['*. after *.', `resources:\n- resources: ["*."]\n  providers: [{identity: {}}]\n- resources: ["*."]\n  providers: [{identity: {}}]`, 'resource "*." is masked by earlier rule "*."'],
    ['anything after *.*', `resources:\n- resources: ["*.*"]\n  providers: [{identity: {}}]\n- resources: [deployments.apps]\n  providers: [{identity: {}}]`, 'resource "deployments.apps" is masked by earlier rule "*.*"'],
    ['specific before wildcard is fine', `resources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n- resources: ["*.*"]\n  providers: [{identity: {}}]`, undefined],
  ];
  for (const [name, body, msg] of table) {
    it(name, () => {
      if (msg) expect(() => compile(body)).toThrow(msg);
      else expect(() => compile(body)).not.toThrow();
    });
  }
});

describe('transformerFor: writes with the first provider, reads any listed one', () => {
  it('aescbc first: prefix k8s:enc:aescbc:v1:<key>: and round trip', () => {
    const cfg = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: key1, secret: ${K32A}}]\n  - identity: {}`);
    const t = transformerFor(cfg, '', 'secrets');
    const stored = t.toStorage(enc.encode('{"kind":"Secret"}'), '/registry/secrets/default/s');
    expect(str(stored.subarray(0, 'k8s:enc:aescbc:v1:key1:'.length))).toBe('k8s:enc:aescbc:v1:key1:');
    // 16-byte IV + one padded block after the prefix
    expect(stored.length).toBe('k8s:enc:aescbc:v1:key1:'.length + 16 + 32);
    expect(str(t.fromStorage(stored, '/registry/secrets/default/s').data)).toBe('{"kind":"Secret"}');
    // plaintext written before encryption was enabled: readable (identity listed) and stale
    const plain = t.fromStorage(enc.encode('{"old":true}'), 'k');
    expect(str(plain.data)).toBe('{"old":true}');
    expect(plain.stale).toBe(true);
  });

  it('secretbox prefix and key rotation: old key still reads, marked stale', () => {
    const old = compile(`resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: old, secret: ${K32A}}]`);
    const rotated = compile(`resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: new, secret: ${K32B}}, {name: old, secret: ${K32A}}]`);
    const stored = transformerFor(old, '', 'secrets').toStorage(enc.encode('v1'), 'k');
    expect(str(stored.subarray(0, 'k8s:enc:secretbox:v1:old:'.length))).toBe('k8s:enc:secretbox:v1:old:');
    const t = transformerFor(rotated, '', 'secrets');
    const r = t.fromStorage(stored, 'k');
    expect(str(r.data)).toBe('v1');
    expect(r.stale).toBe(true);
    const rewritten = t.toStorage(r.data, 'k');
    expect(str(rewritten.subarray(0, 'k8s:enc:secretbox:v1:new:'.length))).toBe('k8s:enc:secretbox:v1:new:');
    expect(t.fromStorage(rewritten, 'k').stale).toBe(false);
  });

  it('provider rotation: aescbc value read through a later aescbc entry (shared prefix, other key) is stale', () => {
    const cfg = compile(
      `resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k2, secret: ${K32B}}]\n  - aescbc:\n      keys: [{name: k1, secret: ${K32A}}]`,
    );
    const writer = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: ${K32A}}]`);
    const stored = transformerFor(writer, '', 'secrets').toStorage(enc.encode('x'), 'k');
    const r = transformerFor(cfg, '', 'secrets').fromStorage(stored, 'k');
    expect(str(r.data)).toBe('x');
    expect(r.stale).toBe(true);
  });

  it('identity first: writes plaintext, reads encrypted values with the later provider (stale)', () => {
    const cfg = compile(`resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: [{name: key1, secret: ${K32A}}]`);
    const enc1 = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: key1, secret: ${K32A}}]`);
    const t = transformerFor(cfg, '', 'secrets');
    expect(str(t.toStorage(enc.encode('plain'), 'k'))).toBe('plain');
    const r = t.fromStorage(transformerFor(enc1, '', 'secrets').toStorage(enc.encode('secret'), 'k'), 'k');
    expect(str(r.data)).toBe('secret');
    expect(r.stale).toBe(true);
    expect(t.fromStorage(enc.encode('plain'), 'k')).toEqual({ data: enc.encode('plain'), stale: false });
  });

  it('errors: unknown key name, plaintext without identity, wrong secret', () => {
    const cfg = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: key1, secret: ${K32A}}]`);
    const t = transformerFor(cfg, '', 'secrets');
    const other = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: key9, secret: ${K32A}}]`);
    expect(() => t.fromStorage(transformerFor(other, '', 'secrets').toStorage(enc.encode('x'), 'k'), 'k')).toThrow(
      'no matching key was found for the provided AES transformer',
    );
    expect(() => t.fromStorage(enc.encode('{"plain":1}'), 'k')).toThrow('no matching prefix found');
    const wrong = compile(`resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: key1, secret: ${K32B}}]`);
    const sb = compile(`resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: key1, secret: ${K32A}}]`);
    expect(() => transformerFor(wrong, '', 'secrets').fromStorage(transformerFor(sb, '', 'secrets').toStorage(enc.encode('x'), 'k'), 'k')).toThrow(
      'output array was not large enough for encryption',
    );
  });

  it('aesgcm binds the value to its storage key', () => {
    const cfg = compile(`resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys: [{name: g, secret: ${K16}}]`);
    const t = transformerFor(cfg, '', 'secrets');
    const stored = t.toStorage(enc.encode('x'), '/registry/secrets/a/b');
    expect(str(stored.subarray(0, 'k8s:enc:aesgcm:v1:g:'.length))).toBe('k8s:enc:aesgcm:v1:g:');
    expect(str(t.fromStorage(stored, '/registry/secrets/a/b').data)).toBe('x');
    expect(() => t.fromStorage(stored, '/registry/secrets/a/c')).toThrow('cipher: message authentication failed');
  });

  it('lookup order: exact, then *.group, then *.*; unconfigured resources are identity', () => {
    const cfg = compile(
      `resources:\n- resources: [configmaps]\n  providers:\n  - secretbox:\n      keys: [{name: cm, secret: ${K32A}}]\n- resources: ["*.apps"]\n  providers:\n  - aescbc:\n      keys: [{name: apps, secret: ${K32A}}]\n- resources: ["*.*"]\n  providers:\n  - aesgcm:\n      keys: [{name: all, secret: ${K32A}}]`,
    );
    const prefixOf = (g: string, r: string) => str(transformerFor(cfg, g, r).toStorage(enc.encode('v'), 'k')).split(':').slice(0, 5).join(':');
    expect(prefixOf('', 'configmaps')).toBe('k8s:enc:secretbox:v1:cm');
    expect(prefixOf('apps', 'deployments')).toBe('k8s:enc:aescbc:v1:apps');
    expect(prefixOf('batch', 'jobs')).toBe('k8s:enc:aesgcm:v1:all');
    expect(prefixOf('', 'secrets')).toBe('k8s:enc:aesgcm:v1:all');
    const only = compile('resources:\n- resources: [secrets]\n  providers: [{identity: {}}]');
    expect(str(transformerFor(only, '', 'configmaps').toStorage(enc.encode('v'), 'k'))).toBe('v');
    expect(() => transformerFor(undefined, '', 'secrets').fromStorage(enc.encode('k8s:enc:aescbc:v1:a:b'), 'k')).toThrow(
      'identity transformer tried to read encrypted data',
    );
  });
});

describe('loadEncryptionConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-enc-'));
  it('loads a file and hashes its bytes', () => {
    const p = join(dir, 'enc.yaml');
    writeFileSync(p, yamlConfig(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: key1, secret: ${K32A}}]\n  - identity: {}\n`));
    const cfg = loadEncryptionConfig(p);
    expect(cfg.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(str(transformerFor(cfg, '', 'secrets').toStorage(enc.encode('x'), 'k')).startsWith('k8s:enc:aescbc:v1:key1:')).toBe(true);
  });
  it('empty, missing and invalid files', () => {
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    expect(() => loadEncryptionConfig(empty)).toThrow(`error while parsing file: error while loading file: encryption provider configuration file "${empty}" is empty`);
    expect(() => loadEncryptionConfig(join(dir, 'nope.yaml'))).toThrow('error while parsing file: error while loading file: error reading encryption provider configuration file');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, yamlConfig('resources: []'));
    expect(() => loadEncryptionConfig(bad)).toThrow('error while parsing file: resources: Required value: at least one resources is required');
  });
});

// Loads and validates an apiserver.config.k8s.io/v1 EncryptionConfiguration (--encryption-provider-config) into per-resource transformers.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';
import { field, fieldErrorMessage, type FieldError } from '../../apimachinery/index.js';
import {
  AESCBC_PREFIX,
  AESGCM_PREFIX,
  SECRETBOX_PREFIX,
  aesgcmTransformer,
  aescbcTransformer,
  aggregateMessage,
  grKey,
  identityTransformer,
  prefixTransformers,
  secretboxTransformer,
  type PrefixTransformer,
  type RandomSource,
  type Transformer,
} from './transformer.js';

/** One named key of an aescbc/aesgcm/secretbox provider; `secret` is base64. */
export interface Key {
  name: string;
  secret: string;
}

/** `aescbc`, `aesgcm` and `secretbox` configuration: keys in order, the first encrypts. */
export interface KeysConfiguration {
  keys?: Key[];
}

/** A KMS provider (validated, not supported: loading a configuration that uses one fails). */
export interface KMSConfiguration {
  apiVersion?: string;
  name?: string;
  endpoint?: string;
  cachesize?: number;
  timeout?: string;
}

/** Exactly one of the fields is set. */
export interface ProviderConfiguration {
  aesgcm?: KeysConfiguration;
  aescbc?: KeysConfiguration;
  secretbox?: KeysConfiguration;
  identity?: Record<string, never>;
  kms?: KMSConfiguration;
}

/** Resources (`secrets`, `deployments.apps`, `*.apps`, `*.`, `*.*`) and the providers that store them. */
export interface ResourceConfiguration {
  resources?: string[];
  providers?: ProviderConfiguration[];
}

/** apiserver.config.k8s.io/v1 EncryptionConfiguration. */
export interface EncryptionConfiguration {
  apiVersion: 'apiserver.config.k8s.io/v1';
  kind: 'EncryptionConfiguration';
  resources?: ResourceConfiguration[];
}

/** A loaded configuration: the transformer of each configured group/resource (see `transformerFor`). */
export interface EncryptionConfig {
  readonly configuration: EncryptionConfiguration;
  /** Keyed by `grKey(group, resource)`; wildcards are `*`. */
  readonly transformers: ReadonlyMap<string, Transformer>;
  /** sha256 (hex) of the file's bytes, as upstream computes it to detect changes. */
  readonly contentHash: string;
}

export const API_VERSION = 'apiserver.config.k8s.io/v1';
export const KIND = 'EncryptionConfiguration';

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];

/** Upstream schema.ParseGroupResource: `a.b.c` is resource `a` of group `b.c`; no dot is the core group. */
export function parseGroupResource(s: string): { group: string; resource: string } {
  const i = s.indexOf('.');
  return i < 0 ? { group: '', resource: s } : { group: s.slice(i + 1), resource: s.slice(0, i) };
}

/** How upstream prints a group/resource in configuration errors: `secrets`, `deployments.apps`, `*.` for core `*`. */
function grYAMLString(gr: { group: string; resource: string }): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

// Go's base64.StdEncoding: padded, standard alphabet; CR and LF are ignored.
function decodeStdBase64(s: string): Buffer | undefined {
  const t = s.replace(/[\r\n]/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

const present = (v: unknown) => v !== undefined && v !== null;

/**
 * Upstream ValidateEncryptionConfiguration: the field errors of a decoded configuration, in upstream's words
 * (secrets are shown as "REDACTED").
 */
export function validateEncryptionConfiguration(c: EncryptionConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  const resources = c.resources ?? [];
  if (resources.length === 0) return [field.required('resources', 'at least one resources is required')];
  resources.forEach((conf, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    const names = conf.resources ?? [];
    if (names.length === 0) errs.push(field.required(r, `at least one ${r} is required`));
    errs.push(...validateResourceOverlap(names, r), ...validateResourceNames(names, r));
    const providers = conf.providers ?? [];
    if (providers.length === 0) errs.push(field.required(p, `at least one ${p} is required`));
    providers.forEach((provider, j) => {
      const path = `${p}[${j}]`;
      const single = validateSingleProvider(provider ?? {}, path);
      errs.push(...single);
      if (!provider) return;
      if (present(provider.kms)) errs.push(...validateKMS(provider.kms!, `${path}.kms`));
      else if (present(provider.aesgcm)) errs.push(...validateKeys(provider.aesgcm!.keys, `${path}.aesgcm.keys`, AES_KEY_SIZES));
      else if (present(provider.aescbc)) errs.push(...validateKeys(provider.aescbc!.keys, `${path}.aescbc.keys`, AES_KEY_SIZES));
      else if (present(provider.secretbox)) errs.push(...validateKeys(provider.secretbox!.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
    });
  });
  return errs;
}

function validateResourceOverlap(resources: readonly string[], path: string): FieldError[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let hasOverlap = false;
  let hasDuplicate = false;
  for (let i = 0; i < grs.length; i++) {
    for (let j = 0; j < grs.length; j++) {
      if (i === j) continue;
      const a = grs[i]!;
      const b = grs[j]!;
      if (a.group === b.group && a.resource === b.resource && !hasDuplicate) {
        hasDuplicate = true;
        continue;
      }
      if (hasOverlap) continue;
      if (a.group === '*' && a.resource === '*') {
        hasOverlap = true;
        continue;
      }
      if (a.group !== b.group) continue;
      if (a.resource === '*' || b.resource === '*') hasOverlap = true;
    }
  }
  const errs: FieldError[] = [];
  if (hasDuplicate) errs.push(field.invalid(path, [...resources], 'the same resource cannot be specified multiple times'));
  if (hasOverlap) {
    errs.push(field.invalid(path, [...resources], "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"));
  }
  return errs;
}

function validateResourceNames(resources: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  resources.forEach((res, j) => {
    const jj = `${path}[${j}]`;
    if (res.toLowerCase() !== res) return void errs.push(field.invalid(jj, res, 'resource name should not contain capital letters'));
    if (res === '*') return void errs.push(field.invalid(jj, res, "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"));
    if (res === 'apiserveripinfo' || res === 'serviceipallocations' || res === 'servicenodeportallocations') {
      return void errs.push(field.invalid(jj, res, 'resources which do not have REST API/s cannot be encrypted'));
    }
    const gr = parseGroupResource(res);
    if (gr.group === 'events.k8s.io') {
      return void errs.push(field.invalid(jj, res, "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file"));
    }
    if (gr.group === 'extensions') return void errs.push(field.invalid(jj, res, "'extensions' group has been removed and cannot be used for encryption"));
    if (gr.group === '*' && gr.resource !== '*') errs.push(field.invalid(jj, res, 'encrypting the same resource across groups is not supported'));
  });
  return errs;
}

function validateSingleProvider(provider: ProviderConfiguration, path: string): FieldError[] {
  const found = [provider.kms, provider.aesgcm, provider.aescbc, provider.secretbox, provider.identity].filter(present).length;
  if (found === 0) return [field.invalid(path, provider, 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity')];
  if (found > 1) return [field.invalid(path, provider, 'more than one provider specified in a single element, should split into different list elements')];
  return [];
}

function validateKeys(keys: readonly Key[] | undefined, path: string, sizes: readonly number[]): FieldError[] {
  if (!keys || keys.length === 0) return [field.required(path, 'at least one keys is required')];
  const errs: FieldError[] = [];
  keys.forEach((key, i) => {
    const kp = `${path}[${i}]`;
    if (!key?.name) errs.push(field.required(`${kp}.name`, 'name is a mandatory field for a key'));
    if (!key?.secret) return void errs.push(field.required(`${kp}.secret`, 'secret is a mandatory field for a key'));
    const secret = decodeStdBase64(String(key.secret));
    if (!secret) return void errs.push(field.invalid(`${kp}.secret`, 'REDACTED', 'secrets must be base64 encoded'));
    if (!sizes.includes(secret.length)) {
      errs.push(field.invalid(`${kp}.secret`, 'REDACTED', `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`));
    }
  });
  return errs;
}

function validateKMS(c: KMSConfiguration, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(field.required(`${path}.name`, 'name is a mandatory field for a provider'));
  if (!c.endpoint) errs.push(field.invalid(`${path}.endpoint`, '', 'endpoint is a mandatory field for a kms'));
  else if (!c.endpoint.startsWith('unix://')) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(c.endpoint)?.[1] ?? '';
    errs.push(field.invalid(`${path}.endpoint`, c.endpoint, `unsupported scheme ${JSON.stringify(scheme)} for KMS provider, only unix is supported`));
  }
  if (c.apiVersion !== 'v1' && c.apiVersion !== 'v2') {
    errs.push(field.invalid(`${path}.apiVersion`, c.apiVersion ?? '', 'unsupported apiVersion apiVersion for KMS provider, only v1 and v2 are supported'));
  }
  return errs;
}

/**
 * Decodes and validates the text of a configuration file (YAML or JSON). Throws an `Error` whose message is what
 * upstream's loader reports after "error while parsing file: " (decoding errors mention `filename`).
 */
export function parseEncryptionConfiguration(text: string, filename = ''): EncryptionConfiguration {
  let doc: unknown;
  try {
    doc = parseYAML(text);
  } catch (err) {
    throw new Error(`error decoding encryption provider configuration file ${JSON.stringify(filename)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const decodeErr = (msg: string) => new Error(`error decoding encryption provider configuration file ${JSON.stringify(filename)}: ${msg}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw decodeErr(`couldn't get version/kind; json parse error: cannot unmarshal into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const o = doc as Record<string, unknown>;
  if (!o.kind) throw decodeErr(`Object 'Kind' is missing in '${text}'`);
  if (!o.apiVersion) throw decodeErr(`Object 'apiVersion' is missing in '${text}'`);
  if (o.apiVersion !== API_VERSION || o.kind !== KIND) {
    if (o.kind === KIND || o.apiVersion === API_VERSION) {
      throw decodeErr(`no kind ${JSON.stringify(o.kind)} is registered for version ${JSON.stringify(o.apiVersion)}`);
    }
    throw new Error(`got unexpected config type: ${String(o.apiVersion)}, Kind=${String(o.kind)}`);
  }
  if (o.resources !== undefined && o.resources !== null && !Array.isArray(o.resources)) {
    throw decodeErr('json: cannot unmarshal object into Go struct field EncryptionConfiguration.resources of type []v1.ResourceConfiguration');
  }
  const config = o as unknown as EncryptionConfiguration;
  const errs = validateEncryptionConfiguration(config);
  if (errs.length > 0) throw new Error(aggregateMessage(errs.map(fieldErrorMessage)));
  return config;
}

/** Options for `compileEncryptionConfig` (tests inject randomness to check byte layouts). */
export interface CompileOptions {
  random?: RandomSource;
  /** The bytes the configuration was read from, for `contentHash`. */
  source?: string | Uint8Array;
}

/**
 * Builds the transformers of a validated configuration, as upstream's getTransformerOverrides: for each entry, one
 * prefix transformer per provider (each key of a provider under `<keyName>:`), appended to every listed resource;
 * a resource listed after an earlier `*.group` or `*.*` entry is an error ("resource ... is masked by earlier rule").
 */
export function compileEncryptionConfig(configuration: EncryptionConfiguration, opts: CompileOptions = {}): EncryptionConfig {
  const lists = new Map<string, PrefixTransformer[]>();
  for (const rc of configuration.resources ?? []) {
    const providers = (rc.providers ?? []).map((p) => providerTransformer(p, opts.random));
    for (const res of rc.resources ?? []) {
      const gr = parseGroupResource(res);
      const anyInGroup = { group: gr.group, resource: '*' };
      if (lists.has(grKey(anyInGroup.group, '*'))) {
        throw new Error(`resource ${JSON.stringify(grYAMLString(gr))} is masked by earlier rule ${JSON.stringify(grYAMLString(anyInGroup))}`);
      }
      if (lists.has(grKey('*', '*'))) throw new Error(`resource ${JSON.stringify(grYAMLString(gr))} is masked by earlier rule "*.*"`);
      const key = grKey(gr.group, gr.resource);
      lists.set(key, [...(lists.get(key) ?? []), ...providers]);
    }
  }
  const transformers = new Map<string, Transformer>();
  for (const [key, list] of lists) transformers.set(key, prefixTransformers('no matching prefix found', list));
  const hash = createHash('sha256');
  hash.update(opts.source ?? JSON.stringify(configuration));
  return { configuration, transformers, contentHash: hash.digest('hex') };
}

const enc = new TextEncoder();

function providerTransformer(p: ProviderConfiguration, random: RandomSource | undefined): PrefixTransformer {
  if (present(p.aesgcm)) return keyedTransformer(p.aesgcm!, AESGCM_PREFIX, 'AES', (k) => aesgcmTransformer(k, random));
  if (present(p.aescbc)) return keyedTransformer(p.aescbc!, AESCBC_PREFIX, 'AES', (k) => aescbcTransformer(k, random));
  if (present(p.secretbox)) return keyedTransformer(p.secretbox!, SECRETBOX_PREFIX, 'Secretbox', (k) => secretboxTransformer(k, random));
  if (present(p.kms)) throw new Error(`could not configure KMS plugin ${JSON.stringify(p.kms!.name ?? '')}: KMS providers are not supported by kubets`);
  if (present(p.identity)) return { prefix: new Uint8Array(0), transformer: identityTransformer };
  throw new Error('provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity');
}

function keyedTransformer(c: KeysConfiguration, prefix: string, what: 'AES' | 'Secretbox', make: (key: Uint8Array) => Transformer): PrefixTransformer {
  const keys = c.keys ?? [];
  if (keys.length === 0) throw new Error(`${what === 'AES' ? 'aes' : 'secretbox'} provider has no valid keys`);
  for (const k of keys) {
    if (!k.name) throw new Error('key with invalid name provided');
    if (!k.secret) throw new Error(`key ${k.name} has no provided secret`);
  }
  const perKey = keys.map((k) => {
    const secret = decodeStdBase64(k.secret);
    if (!secret) throw new Error(`could not obtain secret for named key ${k.name}: illegal base64 data`);
    return { prefix: enc.encode(`${k.name}:`), transformer: make(new Uint8Array(secret)) };
  });
  return { prefix: enc.encode(prefix), transformer: prefixTransformers(`no matching key was found for the provided ${what} transformer`, perKey) };
}

/**
 * Loads `--encryption-provider-config`: reads, decodes, validates and compiles the file. Throws an `Error` with
 * upstream's message: "error while parsing file: ..." for unreadable, empty, undecodable or invalid files, the
 * masking error for overlapping entries.
 */
export function loadEncryptionConfig(path: string, opts: Omit<CompileOptions, 'source'> = {}): EncryptionConfig {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`error while parsing file: error while loading file: error reading encryption provider configuration file ${JSON.stringify(path)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data.length === 0) throw new Error(`error while parsing file: error while loading file: encryption provider configuration file ${JSON.stringify(path)} is empty`);
  let configuration: EncryptionConfiguration;
  try {
    configuration = parseEncryptionConfiguration(data.toString('utf8'), path);
  } catch (err) {
    throw new Error(`error while parsing file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return compileEncryptionConfig(configuration, { ...opts, source: data });
}

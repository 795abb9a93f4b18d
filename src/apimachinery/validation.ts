// Name, label, network and ObjectMeta validation with upstream's messages (apimachinery util/validation and api/validation).
import { isIPv6 } from 'node:net';
import { field, type FieldError } from './status.js';

// ---------------------------------------------------------------------------
// String validators (k8s.io/apimachinery/pkg/util/validation). Each returns the upstream messages for
// `value`, in upstream's order; an empty array means valid. Lengths are counted in UTF-8 bytes, as Go's len().

const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

/** upstream validation.MaxLenError. */
export const maxLenError = (n: number): string => `must be no more than ${n} characters`;

/** upstream validation.EmptyError. */
export const emptyError = (): string => 'must be non-empty';

/** upstream validation.InclusiveRangeError. */
export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

/** upstream validation.RegexError: `msg (e.g. 'a' or 'b', regex used for validation is 'fmt')`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((ex) => `'${ex}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const anchored = (fmt: string): RegExp => new RegExp(`^(?:${fmt})$`);

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 label. */
export const DNS1123LabelMaxLength = 63;
const dns1123LabelRe = anchored(dns1123LabelFmt);

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 subdomain. */
export const DNS1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = anchored(dns1123SubdomainFmt);

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
/** Maximum length of a DNS-1035 label. */
export const DNS1035LabelMaxLength = 63;
const dns1035LabelRe = anchored(dns1035LabelFmt);

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameMaxLength = 63;
const qualifiedNameRe = anchored(qualifiedNameFmt);

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a label value. */
export const LabelValueMaxLength = 63;
const labelValueRe = anchored(labelValueFmt);

const cIdentifierFmt = '[A-Za-z_][A-Za-z0-9_]*';
const cIdentifierErrMsg = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const cIdentifierRe = anchored(cIdentifierFmt);

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameErrMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRe = anchored(envVarNameFmt);

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const configMapKeyRe = anchored(configMapKeyFmt);

/** upstream IsDNS1123Label: at most 63 bytes of `[a-z0-9]([-a-z0-9]*[a-z0-9])?`; a valid subdomain gets `must not contain dots`. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

/** upstream IsDNS1123Subdomain: at most 253 bytes of dot-separated DNS-1123 labels (object names, most resources). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

/** upstream IsDNS1035Label: at most 63 bytes, starting with a letter (Service names). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1035LabelMaxLength) errs.push(maxLenError(DNS1035LabelMaxLength));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

/** upstream IsQualifiedName: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 bytes (label and annotation keys, finalizers). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLen(name) > qualifiedNameMaxLength) errs.push(`name part ${maxLenError(qualifiedNameMaxLength)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** upstream IsValidLabelValue: empty, or at most 63 bytes of a qualified-name-shaped string. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > LabelValueMaxLength) errs.push(maxLenError(LabelValueMaxLength));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** upstream IsValidPortNum: an integer in 1..65535. Non-integers get the same message. */
export function isValidPortNum(port: number): string[] {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return [];
  return [inclusiveRangeError(1, 65535)];
}

/** upstream IsValidPortName (IANA_SVC_NAME, RFC 6335): ≤15 of `[-a-z0-9]`, a letter, no `--`, no leading/trailing '-'. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLen(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Go's ParseIPSloppy for IPv4: four decimal parts of 0..255, leading zeros allowed (read as decimal). */
function isSloppyIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,}$/.test(p) && p.length <= 10 && Number(p) <= 255);
}

/** Go's ParseIPSloppy: IPv4 (leading zeros allowed) or IPv6 (no zone; an embedded IPv4 tail may be sloppy too). */
function parseIPSloppy(s: string): 4 | 6 | undefined {
  if (isSloppyIPv4(s)) return 4;
  if (!s.includes(':') || s.includes('%')) return undefined;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isSloppyIPv4(tail)) return undefined;
    // Normalise the embedded IPv4 so node's strict check accepts it.
    const canon = tail.split('.').map((p) => String(Number(p))).join('.');
    return isIPv6(s.slice(0, lastColon + 1) + canon) ? 6 : undefined;
  }
  return isIPv6(s) ? 6 : undefined;
}

/** upstream IsValidIP (ParseIPSloppy): an IPv4 or IPv6 address, without zone or prefix. */
export function isValidIP(value: string): string[] {
  return parseIPSloppy(value) === undefined ? ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] : [];
}

/** upstream IsValidCIDR (ParseCIDRSloppy): `<ip>/<n>` with n decimal and ≤ 32 (IPv4) or ≤ 128 (IPv6); host bits may be set. */
export function isValidCIDR(value: string): string[] {
  const bad = ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
  const slash = value.indexOf('/');
  if (slash < 0) return bad;
  const family = parseIPSloppy(value.slice(0, slash));
  const mask = value.slice(slash + 1);
  if (family === undefined || !/^[0-9]{1,}$/.test(mask) || mask.length > 10) return bad;
  return Number(mask) <= (family === 4 ? 32 : 128) ? [] : bad;
}

/** upstream IsCIdentifier: `[A-Za-z_][A-Za-z0-9_]*`. */
export function isCIdentifier(value: string): string[] {
  return cIdentifierRe.test(value) ? [] : [regexError(cIdentifierErrMsg, cIdentifierFmt, 'my_name', 'MY_NAME', 'MyName')];
}

/** upstream hasChDirPrefix: rejects '.', '..' and a leading '..'. */
function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** upstream IsEnvVarName (strict, pre-RelaxedEnvironmentVariableValidation): `[-._a-zA-Z][-._a-zA-Z0-9]*`, not '.', '..' or '..'-prefixed. */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(value)) errs.push(regexError(envVarNameErrMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/** upstream IsConfigMapKey: at most 253 bytes of `[-._a-zA-Z0-9]+`, not '.', '..' or '..'-prefixed (ConfigMap and Secret keys). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!configMapKeyRe.test(value)) errs.push(regexError(configMapKeyErrMsg, configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...hasChDirPrefix(value));
  return errs;
}

// ---------------------------------------------------------------------------
// Name validators (k8s.io/apimachinery/pkg/api/validation/generic.go)

/**
 * Validates an object name, or with `prefix` a generateName prefix. Returns upstream messages; empty = valid.
 * A one-argument function is also accepted where this type is expected.
 */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/** upstream maskTrailingDash: a prefix ending in '-' (longer than 1) has its last two characters replaced by 'a'. */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** upstream NameIsDNSSubdomain. */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
/** upstream NameIsDNSLabel (also ValidateNamespaceName). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
/** upstream NameIsDNS1035Label (ValidateServiceName). */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

// ---------------------------------------------------------------------------
// ObjectMeta (k8s.io/apimachinery/pkg/api/validation/objectmeta.go)

/** metav1.OwnerReference (structural). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta (structural): the fields validateObjectMeta and validateObjectMetaUpdate look at. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** upstream FieldImmutableErrorMsg. */
export const FieldImmutableErrorMsg = 'field is immutable';
/** upstream IsNegativeErrorMsg. */
export const IsNegativeErrorMsg = 'must be greater than or equal to 0';
/** upstream TotalAnnotationSizeLimitB: 256 KiB over all keys plus values. */
export const TotalAnnotationSizeLimitB = 256 * 1024;

const FinalizerOrphanDependents = 'orphan';
const FinalizerDeleteDependents = 'foregroundDeletion';

/** Entries sorted by key, so error order is deterministic (Go iterates maps randomly). */
const sortedEntries = (m: Readonly<Record<string, string>> | undefined): [string, string][] =>
  Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** upstream ValidateNonnegativeField. */
export function validateNonnegativeField(value: number, path: string): FieldError[] {
  return value < 0 ? [field.invalid(path, value, IsNegativeErrorMsg)] : [];
}

/** upstream metav1validation.ValidateLabels: each key a qualified name, each value a label value; errors on `path` itself. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of sortedEntries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(field.invalid(path, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(field.invalid(path, v, msg));
  }
  return errs;
}

/**
 * upstream ValidateAnnotations: keys are qualified names compared case-insensitively (lowercased first; the error
 * shows the original key); keys plus values may total at most 256 KiB (UTF-8 bytes), else one field.tooLong on `path`.
 */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of sortedEntries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, msg));
    total += byteLen(k) + byteLen(v);
  }
  if (total > TotalAnnotationSizeLimitB) errs.push(field.tooLong(path, TotalAnnotationSizeLimitB));
  return errs;
}

/** The version of an apiVersion as upstream schema.ParseGroupVersion reads it: `v1`, `group/v1`; '' when malformed. */
function versionOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  if (i < 0) return apiVersion;
  const rest = apiVersion.slice(i + 1);
  return rest.includes('/') ? '' : rest;
}

/**
 * upstream ValidateOwnerReferences: each reference needs a version in apiVersion, kind, name and uid (errors on
 * `path.<field>`, not indexed, as upstream); a v1 Event may not be an owner; at most one reference may be the controller.
 */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const version = versionOf(ref.apiVersion ?? '');
    if (version === '') errs.push(field.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.apiVersion === 'v1' && ref.kind === 'Event') errs.push(field.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

/**
 * upstream ValidateFinalizers: each finalizer a qualified name (errors on `path`), and not both `orphan` and
 * `foregroundDeletion`. kubets addition: a repeated finalizer is `field.duplicate` on `path[i]` (upstream only warns).
 */
export function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  const seen = new Set<string>();
  list.forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(field.invalid(path, f, msg));
    if (seen.has(f)) errs.push(field.duplicate(`${path}[${i}]`, f));
    seen.add(f);
  });
  if (seen.has(FinalizerOrphanDependents) && seen.has(FinalizerDeleteDependents)) {
    errs.push(field.invalid(path, list, `finalizer ${FinalizerOrphanDependents} and ${FinalizerDeleteDependents} cannot be both set`));
  }
  return errs;
}

/** Options of validateObjectMeta. */
export interface ValidateObjectMetaOptions {
  /** True for namespaced resources: namespace is then required (a DNS-1123 label); otherwise it is forbidden. */
  namespaced: boolean;
  /** Validates name and (with prefix=true) generateName; default nameIsDNSSubdomain. */
  nameValidator?: ValidateNameFunc | ((name: string) => string[]);
  /** Field path of the metadata; default `metadata`. */
  path?: string;
}

/**
 * upstream ValidateObjectMetaAccessor, in upstream's order: generateName (validated as a prefix, trailing '-'
 * tolerated), name (required, unless generateName is set: kubets validates before the name is generated),
 * namespace (required and a DNS-1123 label iff namespaced, else `Forbidden: not allowed on this type`),
 * generation ≥ 0, labels, annotations, ownerReferences, finalizers. kubets addition: a non-empty resourceVersion
 * must be a decimal unsigned integer. Returns every error found; empty = valid.
 */
export function validateObjectMeta(meta: ObjectMeta, opts: ValidateObjectMetaOptions): FieldError[] {
  const p = opts.path ?? 'metadata';
  const nameFn = (opts.nameValidator ?? nameIsDNSSubdomain) as ValidateNameFunc;
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  if (generateName !== '') {
    for (const msg of nameFn(generateName, true)) errs.push(field.invalid(`${p}.generateName`, generateName, msg));
  }
  if (name === '') {
    if (generateName === '') errs.push(field.required(`${p}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(field.invalid(`${p}.name`, name, msg));
  }
  if (opts.namespaced) {
    if (namespace === '') errs.push(field.required(`${p}.namespace`));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(field.invalid(`${p}.namespace`, namespace, msg));
  } else if (namespace !== '') {
    errs.push(field.forbidden(`${p}.namespace`, 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, `${p}.generation`));
  if (meta.resourceVersion && !/^[0-9]+$/.test(meta.resourceVersion)) {
    errs.push(field.invalid(`${p}.resourceVersion`, meta.resourceVersion, 'must be a non-negative integer'));
  }
  errs.push(...validateLabels(meta.labels, `${p}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${p}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${p}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${p}.finalizers`));
  return errs;
}

/** Structural equality for the immutable fields (scalars; undefined and null are both "unset"). */
const sameValue = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);

/** upstream ValidateImmutableField: `Invalid value: <new>: field is immutable` when new differs from old. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return sameValue(newVal, oldVal) ? [] : [field.invalid(path, newVal ?? null, FieldImmutableErrorMsg)];
}

/**
 * upstream ValidateObjectMetaAccessorUpdate, in upstream's order: no new finalizers once the old object is being
 * deleted; resourceVersion must be specified; generation must not decrease; name, namespace, uid, creationTimestamp,
 * deletionTimestamp and deletionGracePeriodSeconds are immutable (so an update can neither set nor clear deletion);
 * then labels, annotations and ownerReferences of the new object. Returns every error found; empty = valid.
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    const old = new Set(oldMeta.finalizers ?? []);
    const extra = [...new Set(newMeta.finalizers ?? [])].filter((f) => !old.has(f)).sort();
    if (extra.length > 0) {
      errs.push(
        field.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if (!newMeta.resourceVersion) errs.push(field.invalid(`${path}.resourceVersion`, newMeta.resourceVersion ?? '', 'must be specified for an update'));
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(field.invalid(`${path}.generation`, newMeta.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(newMeta.name ?? '', oldMeta.name ?? '', `${path}.name`));
  errs.push(...validateImmutableField(newMeta.namespace ?? '', oldMeta.namespace ?? '', `${path}.namespace`));
  errs.push(...validateImmutableField(newMeta.uid ?? '', oldMeta.uid ?? '', `${path}.uid`));
  errs.push(...validateImmutableField(newMeta.creationTimestamp, oldMeta.creationTimestamp, `${path}.creationTimestamp`));
  errs.push(...validateImmutableField(newMeta.deletionTimestamp, oldMeta.deletionTimestamp, `${path}.deletionTimestamp`));
  errs.push(...validateImmutableField(newMeta.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`));
  errs.push(...validateLabels(newMeta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(newMeta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, `${path}.ownerReferences`));
  return errs;
}

// ConfigMap, Secret, Namespace validation (upstream ValidateConfigMap / ValidateSecret / ValidateNamespace), on v1 objects.
import { field, type FieldError, isConfigMapKey, isQualifiedName } from '../../apimachinery/index.js';
import { asArr, asObj, deepEqual, immutable, type Obj, sortedKeys, str, strMap } from './util.js';

/** upstream core.MaxSecretSize (also the ConfigMap limit): 1 MiB. */
export const MAX_SECRET_SIZE = 1024 * 1024;

/** Byte length of a base64 `data` value once decoded. */
const decodedLen = (v: unknown) => Buffer.from(str(v), 'base64').length;

/** upstream ValidateConfigMap minus metadata. */
export function validateConfigMap(cm: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = strMap(cm['data']);
  const bin = strMap(cm['binaryData']);
  let total = 0;
  for (const k of sortedKeys(data)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    if (k in bin) errs.push(field.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(data[k]), 'utf8');
  }
  for (const k of sortedKeys(bin)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`binaryData[${k}]`, k, m));
    total += decodedLen(bin[k]);
  }
  if (total > MAX_SECRET_SIZE) errs.push(field.tooLong('', MAX_SECRET_SIZE));
  return errs;
}

/** upstream ValidateConfigMapUpdate minus metadata: `immutable: true` freezes data, binaryData and itself. */
export function validateConfigMapUpdate(cm: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old['immutable'] === true) {
    const msg = 'field is immutable when `immutable` is set';
    if (cm['immutable'] !== true) errs.push(field.forbidden('immutable', msg));
    if (!deepEqual(cm['data'], old['data'])) errs.push(field.forbidden('data', msg));
    if (!deepEqual(cm['binaryData'], old['binaryData'])) errs.push(field.forbidden('binaryData', msg));
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

function jsonError(v: unknown): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(str(v), 'base64').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'json: cannot unmarshal into Go value of type map[string]interface {}';
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** upstream ValidateSecret minus metadata: keys, total size, and the keys each built-in type requires. */
export function validateSecret(secret: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = strMap(secret['data']);
  let total = 0;
  for (const k of sortedKeys(data)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    total += decodedLen(data[k]);
  }
  if (total > MAX_SECRET_SIZE) errs.push(field.tooLong('data', MAX_SECRET_SIZE));
  const annotations = strMap(asObj(secret['metadata'])?.['annotations']);
  switch (str(secret['type'])) {
    case 'kubernetes.io/service-account-token':
      if (!annotations['kubernetes.io/service-account.name']) errs.push(field.required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg': {
      if (!('.dockercfg' in data)) {
        errs.push(field.required('data[.dockercfg]'));
        break;
      }
      const e = jsonError(data['.dockercfg']);
      if (e) errs.push(field.invalid('data[.dockercfg]', '<secret contents redacted>', e));
      break;
    }
    case 'kubernetes.io/dockerconfigjson': {
      if (!('.dockerconfigjson' in data)) {
        errs.push(field.required('data[.dockerconfigjson]'));
        break;
      }
      const e = jsonError(data['.dockerconfigjson']);
      if (e) errs.push(field.invalid('data[.dockerconfigjson]', '<secret contents redacted>', e));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(field.required('data[username]'));
        errs.push(field.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLen(data['ssh-privatekey']) === 0) errs.push(field.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!('tls.crt' in data)) errs.push(field.required('data[tls.crt]'));
      if (!('tls.key' in data)) errs.push(field.required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

/** upstream ValidateSecretUpdate minus metadata: type is immutable; `immutable: true` freezes data; then ValidateSecret. */
export function validateSecretUpdate(secret: Obj, old: Obj): FieldError[] {
  const errs = immutable(str(secret['type']), str(old['type']), 'type');
  if (old['immutable'] === true) {
    const msg = 'field is immutable when `immutable` is set';
    if (secret['immutable'] !== true) errs.push(field.forbidden('immutable', msg));
    if (!deepEqual(secret['data'], old['data'])) errs.push(field.forbidden('data', msg));
  }
  errs.push(...validateSecret(secret));
  return errs;
}

/** upstream validateFinalizerName (apimachinery qualified name + kube's standard-or-qualified rule). */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (!name.includes('/') && name !== 'kubernetes') {
    errs.push(field.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/** upstream ValidateNamespace minus metadata: spec.finalizers names. */
export function validateNamespace(ns: Obj): FieldError[] {
  return asArr(asObj(ns['spec'])?.['finalizers']).flatMap((f) => validateFinalizerName(str(f), 'spec.finalizers'));
}

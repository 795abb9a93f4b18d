// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount): default SA, token volume, mirror-pod rules.
import { forbidden, notFound, type StatusError } from '../../apimachinery/index.js';
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import { generateName as simpleGenerateName } from '../registry.js';
import { arr, isObj, str } from './util.js';

/** The service account a pod without `spec.serviceAccountName` runs as. */
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
/** Where the token volume is mounted in every container. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Prefix of the generated projected token volume's name (`kube-api-access-xxxxx`). */
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
/** A service account annotated `"true"` here restricts the secrets its pods may reference. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
/** The annotation the kubelet puts on mirror pods of static pods. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** Lifetime of the projected token the kubelet requests (upstream WarnOnlyBoundTokenExpirationSeconds). */
export const TOKEN_EXPIRATION_SECONDS = 3607;

/**
 * Upstream admission.NewForbidden: a 403 on the request's resource, named after the request, else the object's
 * name, else its generateName, else `Unknown`.
 */
export function admissionForbidden(req: AdmissionRequest, why: string): StatusError {
  const meta = (req.object?.['metadata'] ?? {}) as Obj;
  const name = req.name || str(meta['name']) || str(meta['generateName']) || 'Unknown';
  return forbidden({ group: req.group, resource: req.resource }, name, why);
}

/** Upstream TokenVolumeSource: the projected source of the `kube-api-access-*` volume. */
export function tokenVolumeSource(): Obj {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** Options for tests: the volume-name generator (default upstream's SimpleNameGenerator). */
export interface ServiceAccountPluginOptions {
  generateName?: (base: string) => string;
}

/**
 * The `ServiceAccount` plugin, for pod CREATEs (no subresources):
 * - admit: a mirror pod is only validated; otherwise `spec.serviceAccountName` defaults to `default`, the
 *   service account must exist (403 `error looking up service account ns/x: serviceaccount "x" not found`),
 *   the projected token volume is added and mounted read-only at {@link DEFAULT_API_TOKEN_MOUNT_PATH} in every
 *   init container and container not already mounting that path (unless automount is off on the pod or, when
 *   unset there, on the SA), and the SA's imagePullSecrets are copied when the pod has none;
 * - validate: mirror pods may not reference service accounts, secrets or token projections; other pods need
 *   an existing SA, and, when it is annotated `kubernetes.io/enforce-mountable-secrets: "true"`, may only
 *   reference the secrets it lists.
 */
export function serviceAccountPlugin(reader: ObjectReader, opts: ServiceAccountPluginOptions = {}): AdmissionPlugin {
  const genName = opts.generateName ?? simpleGenerateName;

  const getServiceAccount = (req: AdmissionRequest, name: string): Obj => {
    const sa = reader.get('', 'serviceaccounts', req.namespace, name);
    if (!sa) {
      const why = notFound({ group: '', resource: 'serviceaccount' }, name).message;
      throw admissionForbidden(req, `error looking up service account ${req.namespace}/${name}: ${why}`);
    }
    return sa;
  };

  const ignore = (req: AdmissionRequest): boolean =>
    req.group !== '' || req.resource !== 'pods' || req.subresource !== '' || !isObj(req.object);

  const validate = (req: AdmissionRequest): void => {
    if (ignore(req)) return;
    const pod = req.object as Obj;
    const spec = (pod['spec'] ?? {}) as Obj;
    if (isMirrorPod(pod)) {
      if (str(spec['serviceAccountName'])) throw admissionForbidden(req, 'a mirror pod may not reference service accounts');
      if (podSecretNames(spec).length > 0) throw admissionForbidden(req, 'a mirror pod may not reference secrets');
      for (const v of arr(spec['volumes'])) {
        for (const src of arr(v?.['projected']?.['sources'])) {
          if (isObj(src?.['serviceAccountToken'])) throw admissionForbidden(req, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
      return;
    }
    const sa = getServiceAccount(req, str(spec['serviceAccountName']));
    if (enforceMountableSecrets(sa)) {
      const why = limitSecretReferences(sa, spec);
      if (why) throw admissionForbidden(req, why);
    }
  };

  return {
    name: 'ServiceAccount',
    handles: (op) => op === 'CREATE',
    admit(req) {
      if (ignore(req)) return;
      const pod = req.object as Obj;
      if (isMirrorPod(pod)) return validate(req);
      const spec = (pod['spec'] ??= {}) as Obj;
      if (!str(spec['serviceAccountName'])) spec['serviceAccountName'] = DEFAULT_SERVICE_ACCOUNT_NAME;
      const sa = getServiceAccount(req, spec['serviceAccountName']);
      if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec, genName);
      if (arr(spec['imagePullSecrets']).length === 0) {
        const fromSa = arr(sa['imagePullSecrets']).map((r) => ({ name: str(r?.['name']) }));
        if (fromSa.length > 0) spec['imagePullSecrets'] = fromSa;
      }
      validate(req);
    },
    validate,
  };
}

function shouldAutomount(sa: Obj, spec: Obj): boolean {
  if (typeof spec['automountServiceAccountToken'] === 'boolean') return spec['automountServiceAccountToken'];
  if (typeof sa['automountServiceAccountToken'] === 'boolean') return sa['automountServiceAccountToken'];
  return true;
}

function mountServiceAccountToken(spec: Obj, genName: (base: string) => string): void {
  const existing = arr(spec['volumes']).find((v) => str(v?.['name']).startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = existing ? str(existing['name']) : genName(`${SERVICE_ACCOUNT_VOLUME_NAME}-`);
  let needsVolume = false;
  for (const key of ['initContainers', 'containers'] as const) {
    for (const c of arr(spec[key])) {
      if (!isObj(c)) continue;
      const mounts = arr(c['volumeMounts']);
      if (mounts.some((m) => m?.['mountPath'] === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
      c['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec['volumes'] = [...arr(spec['volumes']), { name: volumeName, projected: tokenVolumeSource() }];
}

function enforceMountableSecrets(sa: Obj): boolean {
  const v = sa['metadata']?.['annotations']?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  // strconv.ParseBool's true spellings.
  return typeof v === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

/** Upstream limitSecretReferences: the first reference the SA does not allow, as a message; undefined when all are allowed. */
function limitSecretReferences(sa: Obj, spec: Obj): string | undefined {
  const saName = str(sa['metadata']?.['name']);
  const mountable = new Set(arr(sa['secrets']).map((s) => str(s?.['name'])));
  for (const v of arr(spec['volumes'])) {
    const secret = v?.['secret'];
    if (!isObj(secret)) continue;
    const name = str(secret['secretName']);
    if (!mountable.has(name)) return `volume with secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [key, what] of [['initContainers', 'init container'], ['containers', 'container']] as const) {
    for (const c of arr(spec[key])) {
      for (const env of arr(c?.['env'])) {
        const ref = env?.['valueFrom']?.['secretKeyRef'];
        if (!isObj(ref)) continue;
        const name = str(ref['name']);
        if (!mountable.has(name)) {
          return `${what} ${str(c['name'])} with envVar ${str(env['name'])} referencing secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
  }
  const pullSecrets = new Set(arr(sa['imagePullSecrets']).map((s) => str(s?.['name'])));
  const refs = arr(spec['imagePullSecrets']);
  for (let i = 0; i < refs.length; i++) {
    const name = str(refs[i]?.['name']);
    if (!pullSecrets.has(name)) return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

/** Upstream VisitPodSecretNames over all containers: every secret name a pod spec references. */
export function podSecretNames(spec: Obj): string[] {
  const names: string[] = [];
  const add = (n: unknown) => {
    if (typeof n === 'string' && n) names.push(n);
  };
  for (const r of arr(spec['imagePullSecrets'])) add(r?.['name']);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of arr(spec[key])) {
      for (const e of arr(c?.['envFrom'])) add(e?.['secretRef']?.['name']);
      for (const e of arr(c?.['env'])) add(e?.['valueFrom']?.['secretKeyRef']?.['name']);
    }
  }
  for (const v of arr(spec['volumes'])) {
    if (!isObj(v)) continue;
    add(v['secret']?.['secretName']);
    add(v['azureFile']?.['secretName']);
    for (const kind of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'scaleIO', 'storageos']) add(v[kind]?.['secretRef']?.['name']);
    add(v['csi']?.['nodePublishSecretRef']?.['name']);
    for (const src of arr(v['projected']?.['sources'])) add(src?.['secret']?.['name']);
  }
  return names;
}

function isMirrorPod(pod: Obj): boolean {
  const ann = pod['metadata']?.['annotations'];
  return isObj(ann) && MIRROR_POD_ANNOTATION in ann;
}




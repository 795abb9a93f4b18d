// The DefaultStorageClass admission plugin (upstream plugin/pkg/admission/storage/storageclass/setdefault): default class for new PVCs.
import type { AdmissionPlugin, Obj, ObjectReader } from '../access.js';

/** The annotation that marks a StorageClass as the cluster default (value `"true"`). */
export const IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** Its beta spelling, still honoured. */
export const BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** The beta claim annotation that counts as asking for a class. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * The default StorageClass among `classes` (upstream GetDefaultClass): of those annotated default, the newest by
 * creationTimestamp, ties broken by the smallest name; undefined when none is annotated.
 */
export function defaultStorageClass(classes: readonly Obj[]): Obj | undefined {
  const defaults = classes.filter((c) => {
    const ann = c?.['metadata']?.['annotations'];
    return ann?.[IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || ann?.[BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
  });
  const created = (c: Obj) => {
    const t = Date.parse(c['metadata']?.['creationTimestamp'] ?? '');
    return Number.isNaN(t) ? 0 : t;
  };
  const name = (c: Obj) => String(c['metadata']?.['name'] ?? '');
  defaults.sort((a, b) => created(b) - created(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  return defaults[0];
}

/**
 * The `DefaultStorageClass` plugin: on PVC CREATE (no subresource), a claim that names no class (no
 * `spec.storageClassName`, not even `""`, and no beta storage-class annotation) gets the default StorageClass's
 * name; nothing happens when there is no default class.
 */
export function defaultStorageClassPlugin(reader: ObjectReader): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    handles: (op) => op === 'CREATE',
    admit(req) {
      if (req.group !== '' || req.resource !== 'persistentvolumeclaims' || req.subresource !== '') return;
      const pvc = req.object;
      if (!pvc || typeof pvc !== 'object') return;
      const ann = pvc['metadata']?.['annotations'];
      if (ann && typeof ann === 'object' && BETA_STORAGE_CLASS_ANNOTATION in ann) return;
      const spec = (pvc['spec'] ??= {}) as Obj;
      if (typeof spec['storageClassName'] === 'string') return;
      const def = defaultStorageClass(reader.list('storage.k8s.io', 'storageclasses'));
      if (def) spec['storageClassName'] = def['metadata']['name'];
    },
  };
}

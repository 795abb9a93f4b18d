// Per-kind validation of storage-version objects on create and update (everything but metadata), as kube-apiserver 1.32.
import {
  type FieldError,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  type ValidateNameFunc,
} from '../../apimachinery/index.js';
import {
  selectorImmutable,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateReplicationController,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './apps.js';
import { isValidPathSegmentName, validateHPA } from './autoscaling.js';
import { validateCSRCreate, validateCSRUpdate } from './certificates.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import { validateConfigMap, validateConfigMapUpdate, validateNamespace, validateSecret, validateSecretUpdate } from './config.js';
import {
  validateControllerRevision,
  validateEndpoints,
  validateEndpointSlice,
  validateEvent,
  validateFlowSchema,
  validateIngress,
  validateIngressClass,
  validateLease,
  validateLimitRange,
  validateNetworkPolicy,
  validateNode,
  validateNodeUpdate,
  validatePDB,
  validatePersistentVolume,
  validatePodTemplate,
  validatePriorityClass,
  validatePriorityClassUpdate,
  validatePriorityLevelConfiguration,
  validatePVCSpec,
  validatePVCUpdate,
  validateResourceQuota,
  validateResourceQuotaUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './others.js';
import { validatePod, validatePodUpdate } from './pod.js';
import { validateService, validateServiceUpdate } from './service.js';
import { asObj, immutable, type Obj } from './util.js';

type CreateFn = (obj: Obj) => FieldError[];
type UpdateFn = (obj: Obj, old: Obj) => FieldError[];

const pvc: CreateFn = (o) => validatePVCSpec(asObj(o['spec']) ?? {}, 'spec');

/** Create-time validators by `group/Kind` ('' group written as `/Kind`). */
const CREATE: Record<string, CreateFn> = {
  '/Pod': validatePod,
  '/PodTemplate': validatePodTemplate,
  '/Service': validateService,
  '/ReplicationController': validateReplicationController,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/Namespace': validateNamespace,
  '/Node': validateNode,
  '/PersistentVolume': validatePersistentVolume,
  '/PersistentVolumeClaim': pvc,
  '/Endpoints': validateEndpoints,
  '/Event': validateEvent,
  '/LimitRange': validateLimitRange,
  '/ResourceQuota': validateResourceQuota,
  'apps/Deployment': validateDeployment,
  'apps/ReplicaSet': validateReplicaSet,
  'apps/StatefulSet': validateStatefulSet,
  'apps/DaemonSet': validateDaemonSet,
  'apps/ControllerRevision': validateControllerRevision,
  'batch/Job': validateJob,
  'batch/CronJob': (o) => validateCronJob(o),
  'autoscaling/HorizontalPodAutoscaler': validateHPA,
  'events.k8s.io/Event': validateEvent,
  'networking.k8s.io/Ingress': validateIngress,
  'networking.k8s.io/IngressClass': validateIngressClass,
  'networking.k8s.io/NetworkPolicy': validateNetworkPolicy,
  'policy/PodDisruptionBudget': validatePDB,
  'rbac.authorization.k8s.io/Role': (o) => validateRole(o, true),
  'rbac.authorization.k8s.io/ClusterRole': (o) => validateRole(o, false),
  'rbac.authorization.k8s.io/RoleBinding': (o) => validateRoleBinding(o, true),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (o) => validateRoleBinding(o, false),
  'scheduling.k8s.io/PriorityClass': validatePriorityClass,
  'storage.k8s.io/StorageClass': validateStorageClass,
  'coordination.k8s.io/Lease': validateLease,
  'discovery.k8s.io/EndpointSlice': validateEndpointSlice,
  'flowcontrol.apiserver.k8s.io/FlowSchema': validateFlowSchema,
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': validatePriorityLevelConfiguration,
  'certificates.k8s.io/CertificateSigningRequest': validateCSRCreate,
};

const appsUpdate = (create: CreateFn): UpdateFn => (o, old) => [...create(o), ...selectorImmutable(o, old)];

/** Update validators; kinds without one get create-time validation only. */
const UPDATE: Record<string, UpdateFn> = {
  '/Pod': validatePodUpdate,
  // upstream ValidateNamespaceUpdate checks metadata only (finalizers change through namespaces/finalize).
  '/Namespace': () => [],
  '/Service': validateServiceUpdate,
  '/ConfigMap': validateConfigMapUpdate,
  '/Secret': validateSecretUpdate,
  '/Node': validateNodeUpdate,
  '/PersistentVolumeClaim': validatePVCUpdate,
  '/ResourceQuota': validateResourceQuotaUpdate,
  'apps/Deployment': appsUpdate(validateDeployment),
  'apps/ReplicaSet': appsUpdate(validateReplicaSet),
  'apps/DaemonSet': appsUpdate(validateDaemonSet),
  'apps/StatefulSet': validateStatefulSetUpdate,
  'apps/ControllerRevision': (o, old) => [...validateControllerRevision(o), ...immutable(o['data'], old['data'], 'data')],
  'batch/Job': validateJobUpdate,
  'batch/CronJob': (o, old) => validateCronJob(o, old),
  'rbac.authorization.k8s.io/RoleBinding': (o, old) => validateRoleBindingUpdate(o, old, true),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (o, old) => validateRoleBindingUpdate(o, old, false),
  'scheduling.k8s.io/PriorityClass': validatePriorityClassUpdate,
  'storage.k8s.io/StorageClass': validateStorageClassUpdate,
  'networking.k8s.io/IngressClass': (o, old) => [
    ...validateIngressClass(o),
    ...immutable(asObj(o['spec'])?.['controller'], asObj(old['spec'])?.['controller'], 'spec.controller'),
  ],
  'discovery.k8s.io/EndpointSlice': (o, old) => [...validateEndpointSlice(o), ...immutable(o['addressType'], old['addressType'], 'addressType')],
  'flowcontrol.apiserver.k8s.io/FlowSchema': validateFlowSchema,
  // The main-resource path; the apiserver's CSR strategy validates /status and /approval with their own options.
  'certificates.k8s.io/CertificateSigningRequest': (o, old) => validateCSRUpdate(o, old),
};

const key = (group: string, kind: string) => `${group}/${kind}`;

/** Field errors of a new object (everything but metadata), in upstream order and words. [] when valid. */
export function validateCreate(group: string, kind: string, obj: Record<string, any>): FieldError[] {
  const fn = CREATE[key(group, kind)];
  return fn ? fn(obj) : [];
}

/**
 * Field errors of an update: immutable fields and transitions (e.g. most of a pod's spec, a service's clusterIP,
 * an apps/v1 selector, a job's template), plus the create-time validation of the new object.
 */
export function validateUpdate(group: string, kind: string, obj: Record<string, any>, old: Record<string, any>): FieldError[] {
  const k = key(group, kind);
  const fn = UPDATE[k];
  if (fn) return fn(obj, old);
  const create = CREATE[k];
  return create ? create(obj) : [];
}

/** upstream ValidateRBACName / path.IsValidPathSegmentName as a name validator. */
export const nameIsPathSegment: ValidateNameFunc = (name) => isValidPathSegmentName(name);

/**
 * The ValidateNameFunc upstream uses for `group`/`kind` names: Service names are DNS-1035 labels; Namespace and
 * StatefulSet names DNS-1123 labels; RBAC roles and bindings path segments; everything else DNS-1123 subdomains.
 */
export function nameValidatorFor(group: string, kind: string): ValidateNameFunc {
  if (group === '' && kind === 'Service') return nameIsDNS1035Label;
  if (group === '' && kind === 'Namespace') return nameIsDNSLabel;
  if (group === 'apps' && kind === 'StatefulSet') return nameIsDNSLabel;
  if (group === 'rbac.authorization.k8s.io') return nameIsPathSegment;
  // upstream ValidateCertificateRequestName accepts any name; only what cannot be a URL path segment is refused.
  if (group === 'certificates.k8s.io' && kind === 'CertificateSigningRequest') return nameIsPathSegment;
  return nameIsDNSSubdomain;
}

export { cronParseError } from './batch.js';

// Upstream defaulting of storage-version objects, per group and kind (SetDefaults_* plus create-time strategy defaults).
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPodTemplate,
  defaultPV,
  defaultPVC,
  defaultReplicationController,
  defaultSecret,
  defaultService,
} from './core.js';
import {
  defaultEndpointSlice,
  defaultFlowSchema,
  defaultHPA,
  defaultNetworkPolicy,
  defaultPriorityClass,
  defaultPriorityLevelConfiguration,
  defaultRoleBinding,
  defaultStorageClass,
} from './others.js';
import { defaultPod } from './pod.js';
import type { Obj } from './util.js';
import { defaultCronJob, defaultDaemonSet, defaultDeployment, defaultJob, defaultReplicaSet, defaultStatefulSet } from './workloads.js';

const DEFAULTERS: Record<string, (obj: Obj) => void> = {
  '/Pod': defaultPod,
  '/PodTemplate': defaultPodTemplate,
  '/Service': defaultService,
  '/ReplicationController': defaultReplicationController,
  '/Namespace': defaultNamespace,
  '/Secret': defaultSecret,
  '/PersistentVolume': defaultPV,
  '/PersistentVolumeClaim': defaultPVC,
  '/Endpoints': defaultEndpoints,
  '/Node': defaultNode,
  '/LimitRange': defaultLimitRange,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'autoscaling/HorizontalPodAutoscaler': defaultHPA,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'rbac.authorization.k8s.io/RoleBinding': defaultRoleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultRoleBinding,
  'scheduling.k8s.io/PriorityClass': defaultPriorityClass,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'flowcontrol.apiserver.k8s.io/FlowSchema': defaultFlowSchema,
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': defaultPriorityLevelConfiguration,
};

/** Applies upstream defaults in place to a storage-version object of `group`/`kind` (no-op for kinds without
 *  defaults). Idempotent. Never throws on malformed input (validation reports it afterwards). */
export function applyDefaults(group: string, kind: string, obj: Record<string, any>): void {
  const fn = DEFAULTERS[`${group}/${kind}`];
  if (!fn || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
  try {
    fn(obj);
  } catch {
    // Malformed input: leave whatever was defaulted so far; validation reports the problem.
  }
}

export { computeQOSClass, defaultPullPolicy } from './pod.js';

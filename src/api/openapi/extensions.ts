// Hand-written upstream facts the kubernetes-types model lacks: patch strategies, list types, integer formats.

/**
 * Extra facts of one property, as upstream's types.go struct tags and markers give them:
 * `strategy`/`mergeKey` are `patchStrategy`/`patchMergeKey` (x-kubernetes-patch-strategy / -merge-key),
 * `listType`/`mapKeys` are `+listType`/`+listMapKey` (x-kubernetes-list-type / -list-map-keys),
 * `format` overrides the default `int32` of integers (`int64`, or `double` with type number).
 */
export interface PropertyExtension {
  readonly strategy?: string;
  readonly mergeKey?: string;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly mapKeys?: readonly string[];
  readonly format?: 'int64' | 'double';
}

const merge = (key: string, ...mapKeys: string[]): PropertyExtension => ({
  strategy: 'merge',
  mergeKey: key,
  listType: 'map',
  mapKeys: mapKeys.length > 0 ? mapKeys : [key],
});
const mergeRetain = (key: string): PropertyExtension => ({
  strategy: 'merge,retainKeys',
  mergeKey: key,
  listType: 'map',
  mapKeys: [key],
});
const conditions: PropertyExtension = merge('type');
const atomic: PropertyExtension = { listType: 'atomic' };
const set: PropertyExtension = { listType: 'set' };
const i64: PropertyExtension = { format: 'int64' };
const container: Record<string, PropertyExtension> = {
  ports: merge('containerPort', 'containerPort', 'protocol'),
  env: merge('name'),
  envFrom: atomic,
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
  resizePolicy: atomic,
  command: atomic,
  args: atomic,
};

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/**
 * Per definition (upstream name), per property: the extensions. Sources: k8s.io/api/<group>/<version>/types.go
 * (Kubernetes 1.30/1.32) and the published swagger. Fields without an entry have no patch strategy (lists are
 * replaced, maps and structs merged) and, if integers, format int32.
 */
export const EXTENSIONS: Readonly<Record<string, Readonly<Record<string, PropertyExtension>>>> = {
  // meta/v1
  [`${META}ObjectMeta`]: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: merge('uid'),
    managedFields: atomic,
    generation: i64,
    deletionGracePeriodSeconds: i64,
  },
  [`${META}ListMeta`]: { remainingItemCount: i64 },
  [`${META}DeleteOptions`]: { gracePeriodSeconds: i64, dryRun: atomic },
  [`${META}Condition`]: { observedGeneration: i64 },
  [`${META}LabelSelector`]: { matchExpressions: atomic },
  [`${META}LabelSelectorRequirement`]: { values: atomic },
  [`${META}StatusDetails`]: { causes: atomic },
  // core/v1
  [`${CORE}PodSpec`]: {
    volumes: mergeRetain('name'),
    initContainers: merge('name'),
    containers: merge('name'),
    ephemeralContainers: merge('name'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey', 'topologyKey', 'whenUnsatisfiable'),
    resourceClaims: mergeRetain('name'),
    schedulingGates: merge('name'),
    tolerations: atomic,
    readinessGates: atomic,
    activeDeadlineSeconds: i64,
    terminationGracePeriodSeconds: i64,
  },
  [`${CORE}Container`]: container,
  [`${CORE}EphemeralContainer`]: container,
  [`${CORE}PodSecurityContext`]: { runAsUser: i64, runAsGroup: i64, fsGroup: i64, supplementalGroups: { listType: 'atomic', format: 'int64' }, sysctls: atomic },
  [`${CORE}SecurityContext`]: { runAsUser: i64, runAsGroup: i64 },
  [`${CORE}Probe`]: { terminationGracePeriodSeconds: i64 },
  [`${CORE}SleepAction`]: { seconds: i64 },
  [`${CORE}Toleration`]: { tolerationSeconds: i64 },
  [`${CORE}ServiceAccountTokenProjection`]: { expirationSeconds: i64 },
  [`${CORE}PodStatus`]: {
    conditions,
    podIPs: { strategy: 'merge', mergeKey: 'ip', listType: 'map', mapKeys: ['ip'] },
    hostIPs: { strategy: 'merge', mergeKey: 'ip', listType: 'atomic' },
    containerStatuses: atomic,
    initContainerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: mergeRetain('name'),
  },
  [`${CORE}NodeSpec`]: { podCIDRs: { strategy: 'merge', listType: 'set' }, taints: atomic },
  [`${CORE}NodeStatus`]: { conditions, addresses: merge('type'), images: atomic, volumesInUse: atomic, volumesAttached: atomic },
  [`${CORE}ServiceSpec`]: {
    ports: merge('port', 'port', 'protocol'),
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [`${CORE}ServiceStatus`]: { conditions: merge('type') },
  [`${CORE}LoadBalancerStatus`]: { ingress: atomic },
  [`${CORE}Endpoints`]: { subsets: atomic },
  [`${CORE}EndpointSubset`]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [`${CORE}ServiceAccount`]: { secrets: merge('name'), imagePullSecrets: atomic },
  [`${CORE}NamespaceStatus`]: { conditions },
  [`${CORE}PersistentVolumeClaimStatus`]: { conditions, accessModes: atomic },
  [`${CORE}PersistentVolumeClaimSpec`]: { accessModes: atomic },
  [`${CORE}PersistentVolumeSpec`]: { accessModes: atomic, mountOptions: atomic },
  [`${CORE}ReplicationControllerStatus`]: { conditions, observedGeneration: i64 },
  [`${CORE}ComponentStatus`]: { conditions },
  [`${CORE}LimitRangeSpec`]: { limits: atomic },
  [`${CORE}ResourceQuotaSpec`]: { scopes: atomic },
  [`${CORE}NodeSelector`]: { nodeSelectorTerms: atomic },
  [`${CORE}NodeSelectorTerm`]: { matchExpressions: atomic, matchFields: atomic },
  [`${CORE}Capabilities`]: { add: atomic, drop: atomic },
  // apps/v1
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { strategy: 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions, observedGeneration: i64 },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { conditions, observedGeneration: i64 },
  'io.k8s.api.apps.v1.StatefulSetStatus': { conditions, observedGeneration: i64 },
  'io.k8s.api.apps.v1.DaemonSetStatus': { conditions, observedGeneration: i64 },
  'io.k8s.api.apps.v1.StatefulSetSpec': { volumeClaimTemplates: atomic },
  'io.k8s.api.apps.v1.ControllerRevision': { revision: i64 },
  // batch/v1
  'io.k8s.api.batch.v1.JobSpec': { activeDeadlineSeconds: i64 },
  'io.k8s.api.batch.v1.JobStatus': { conditions: { strategy: 'merge', mergeKey: 'type', listType: 'atomic' } },
  'io.k8s.api.batch.v1.CronJobSpec': { startingDeadlineSeconds: i64 },
  'io.k8s.api.batch.v1.CronJobStatus': { active: atomic },
  // autoscaling
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus': { observedGeneration: i64 },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { conditions, currentMetrics: atomic, observedGeneration: i64 },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { metrics: atomic },
  // policy/v1
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions, observedGeneration: i64 },
  // networking/v1
  'io.k8s.api.networking.v1.IngressSpec': { rules: atomic, tls: atomic },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { ingress: atomic, egress: atomic, policyTypes: atomic },
  // discovery/v1
  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: atomic, ports: atomic },
  // flowcontrol/v1
  'io.k8s.api.flowcontrol.v1.FlowSchemaStatus': { conditions },
  'io.k8s.api.flowcontrol.v1.PriorityLevelConfigurationStatus': { conditions },
  // rbac/v1 (no patch strategies upstream)
  'io.k8s.api.rbac.v1.Role': { rules: atomic },
  'io.k8s.api.rbac.v1.ClusterRole': { rules: atomic },
  'io.k8s.api.rbac.v1.RoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { subjects: atomic },
  // storage/v1
  'io.k8s.api.storage.v1.StorageClass': { allowedTopologies: atomic, mountOptions: atomic },
  'io.k8s.api.storage.v1.TokenRequest': { expirationSeconds: i64 },
  // authentication/v1
  'io.k8s.api.authentication.v1.TokenRequestSpec': { expirationSeconds: i64, audiences: atomic },
  // apiextensions/v1
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps': {
    maximum: { format: 'double' },
    minimum: { format: 'double' },
    multipleOf: { format: 'double' },
    maxItems: i64,
    minItems: i64,
    maxLength: i64,
    minLength: i64,
    maxProperties: i64,
    minProperties: i64,
  },
};

/**
 * Definitions upstream marks `x-kubernetes-map-type: atomic` (replaced, never merged, by server-side apply);
 * informational only here.
 */
export const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([
  `${CORE}LocalObjectReference`,
  `${CORE}ConfigMapKeySelector`,
  `${CORE}SecretKeySelector`,
  `${CORE}ObjectFieldSelector`,
  `${CORE}ResourceFieldSelector`,
  `${CORE}TypedLocalObjectReference`,
  `${CORE}NodeSelector`,
  `${CORE}NodeSelectorTerm`,
  `${META}LabelSelector`,
  `${META}OwnerReference`,
]);

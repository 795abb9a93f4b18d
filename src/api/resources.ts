// Static scheme table of every API resource kubets serves, with upstream Kubernetes 1.32 discovery facts, and lookup helpers.

/** An API verb as listed in discovery documents. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** Group, version and kind; the core group is the empty string. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Group, version and resource (plural, lower case); the core group is the empty string. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/**
 * A subresource of a resource (`pods/status` has name `status`). `group`/`version` are set only when the
 * response kind lives in another group-version than the parent (e.g. `deployments/scale` → autoscaling/v1 Scale),
 * exactly as upstream's APIResource carries them.
 */
export interface SubresourceInfo {
  readonly name: string;
  readonly kind: string;
  readonly group?: string;
  readonly version?: string;
  readonly verbs: readonly Verb[];
}

/**
 * One API resource. `versions` are the served versions in upstream priority order (first = preferred);
 * `storage` is the group/version/kind objects are persisted as (it names the storageVersionHash; `undefined`
 * for virtual resources such as bindings or componentstatuses). Lists (`verbs`, `subresources`) are in
 * upstream discovery order (alphabetical).
 */
export interface ResourceInfo {
  readonly group: string;
  readonly versions: readonly string[];
  readonly resource: string;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: readonly SubresourceInfo[];
  readonly storage?: GroupVersionKind;
}

/** A served API group with its versions in priority order and its preferred version. */
export interface GroupInfo {
  readonly name: string;
  readonly versions: readonly string[];
  readonly preferredVersion: string;
}

const ALL: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS: readonly Verb[] = ['get', 'patch', 'update'];
const CREATE: readonly Verb[] = ['create'];
const CONNECT_GET: readonly Verb[] = ['create', 'get'];
const PROXY: readonly Verb[] = ['create', 'delete', 'get', 'patch', 'update'];

interface Spec {
  group: string;
  versions: string[];
  resource: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: readonly Verb[];
  subresources?: SubresourceInfo[];
  /** Storage gvk; defaults to group/versions[0]/kind; `null` means not persisted. */
  storage?: GroupVersionKind | null;
}

function r(s: Spec): ResourceInfo {
  const storage =
    s.storage === null ? undefined : (s.storage ?? { group: s.group, version: s.versions[0] ?? '', kind: s.kind });
  return Object.freeze({
    group: s.group,
    versions: Object.freeze([...s.versions]),
    resource: s.resource,
    singularName: s.singularName,
    kind: s.kind,
    namespaced: s.namespaced,
    shortNames: Object.freeze([...(s.shortNames ?? [])]),
    categories: Object.freeze([...(s.categories ?? [])]),
    verbs: s.verbs ?? ALL,
    subresources: Object.freeze((s.subresources ?? []).map((x) => Object.freeze({ ...x }))),
    ...(storage ? { storage: Object.freeze({ ...storage }) } : {}),
  });
}
const status = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: STATUS });
const scale: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS };

/**
 * Every resource kubets serves, as kube-apiserver 1.32 serves it with default feature gates.
 * Not served by default in 1.32 and therefore absent: pods/resize (behind the alpha InPlacePodVerticalScaling
 * gate) and pods/checkpoint (later releases); networkpolicies have no status subresource.
 * Ordered by group (upstream group order) and then by resource name.
 */
export const RESOURCES: readonly ResourceInfo[] = Object.freeze([
  // core/v1
  r({ group: '', versions: ['v1'], resource: 'bindings', singularName: 'binding', kind: 'Binding', namespaced: true, verbs: CREATE, storage: null }),
  r({ group: '', versions: ['v1'], resource: 'componentstatuses', singularName: 'componentstatus', kind: 'ComponentStatus', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'], storage: null }),
  r({ group: '', versions: ['v1'], resource: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  r({ group: '', versions: ['v1'], resource: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] }),
  r({ group: '', versions: ['v1'], resource: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  r({ group: '', versions: ['v1'], resource: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] }),
  r({
    group: '', versions: ['v1'], resource: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
  }),
  r({
    group: '', versions: ['v1'], resource: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'],
    subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: PROXY }, status('Node')],
  }),
  r({ group: '', versions: ['v1'], resource: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: [status('PersistentVolumeClaim')] }),
  r({ group: '', versions: ['v1'], resource: 'persistentvolumes', singularName: 'persistentvolume', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: [status('PersistentVolume')] }),
  r({
    group: '', versions: ['v1'], resource: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: CONNECT_GET },
      { name: 'binding', kind: 'Binding', verbs: CREATE },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: STATUS },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: CREATE },
      { name: 'exec', kind: 'PodExecOptions', verbs: CONNECT_GET },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: CONNECT_GET },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: PROXY },
      status('Pod'),
    ],
  }),
  r({ group: '', versions: ['v1'], resource: 'podtemplates', singularName: 'podtemplate', kind: 'PodTemplate', namespaced: true }),
  r({ group: '', versions: ['v1'], resource: 'replicationcontrollers', singularName: 'replicationcontroller', kind: 'ReplicationController', namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: [scale, status('ReplicationController')] }),
  r({ group: '', versions: ['v1'], resource: 'resourcequotas', singularName: 'resourcequota', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: [status('ResourceQuota')] }),
  r({ group: '', versions: ['v1'], resource: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true }),
  r({
    group: '', versions: ['v1'], resource: 'serviceaccounts', singularName: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: CREATE }],
  }),
  r({
    group: '', versions: ['v1'], resource: 'services', singularName: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'],
    subresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: PROXY }, status('Service')],
  }),
  // apps/v1
  r({ group: 'apps', versions: ['v1'], resource: 'controllerrevisions', singularName: 'controllerrevision', kind: 'ControllerRevision', namespaced: true }),
  r({ group: 'apps', versions: ['v1'], resource: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] }),
  r({ group: 'apps', versions: ['v1'], resource: 'deployments', singularName: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: [scale, status('Deployment')] }),
  r({ group: 'apps', versions: ['v1'], resource: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: [scale, status('ReplicaSet')] }),
  r({ group: 'apps', versions: ['v1'], resource: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: [scale, status('StatefulSet')] }),
  // events.k8s.io/v1 (stored together with core events, as core v1 Event)
  r({ group: 'events.k8s.io', versions: ['v1'], resource: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], storage: { group: '', version: 'v1', kind: 'Event' } }),
  // authentication.k8s.io/v1 (virtual: answered from the request, never stored)
  r({ group: 'authentication.k8s.io', versions: ['v1'], resource: 'selfsubjectreviews', singularName: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE, storage: null }),
  r({ group: 'authentication.k8s.io', versions: ['v1'], resource: 'tokenreviews', singularName: 'tokenreview', kind: 'TokenReview', namespaced: false, verbs: CREATE, storage: null }),
  // authorization.k8s.io/v1 (virtual)
  r({ group: 'authorization.k8s.io', versions: ['v1'], resource: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: CREATE, storage: null }),
  r({ group: 'authorization.k8s.io', versions: ['v1'], resource: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE, storage: null }),
  r({ group: 'authorization.k8s.io', versions: ['v1'], resource: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: CREATE, storage: null }),
  r({ group: 'authorization.k8s.io', versions: ['v1'], resource: 'subjectaccessreviews', singularName: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, verbs: CREATE, storage: null }),
  // autoscaling/v2 + v1 (stored as v2)
  r({ group: 'autoscaling', versions: ['v2', 'v1'], resource: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: [status('HorizontalPodAutoscaler')] }),
  // batch/v1
  r({ group: 'batch', versions: ['v1'], resource: 'cronjobs', singularName: 'cronjob', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: [status('CronJob')] }),
  r({ group: 'batch', versions: ['v1'], resource: 'jobs', singularName: 'job', kind: 'Job', namespaced: true, categories: ['all'], subresources: [status('Job')] }),
  // certificates.k8s.io/v1
  r({
    group: 'certificates.k8s.io', versions: ['v1'], resource: 'certificatesigningrequests', singularName: 'certificatesigningrequest', kind: 'CertificateSigningRequest', namespaced: false, shortNames: ['csr'],
    subresources: [{ name: 'approval', kind: 'CertificateSigningRequest', verbs: STATUS }, status('CertificateSigningRequest')],
  }),
  // networking.k8s.io/v1
  r({ group: 'networking.k8s.io', versions: ['v1'], resource: 'ingressclasses', singularName: 'ingressclass', kind: 'IngressClass', namespaced: false }),
  r({ group: 'networking.k8s.io', versions: ['v1'], resource: 'ingresses', singularName: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'], subresources: [status('Ingress')] }),
  r({ group: 'networking.k8s.io', versions: ['v1'], resource: 'networkpolicies', singularName: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] }),
  // policy/v1
  r({ group: 'policy', versions: ['v1'], resource: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: [status('PodDisruptionBudget')] }),
  // rbac.authorization.k8s.io/v1
  r({ group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'clusterrolebindings', singularName: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false }),
  r({ group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'clusterroles', singularName: 'clusterrole', kind: 'ClusterRole', namespaced: false }),
  r({ group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'rolebindings', singularName: 'rolebinding', kind: 'RoleBinding', namespaced: true }),
  r({ group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'roles', singularName: 'role', kind: 'Role', namespaced: true }),
  // storage.k8s.io/v1
  r({ group: 'storage.k8s.io', versions: ['v1'], resource: 'storageclasses', singularName: 'storageclass', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] }),
  // scheduling.k8s.io/v1
  r({ group: 'scheduling.k8s.io', versions: ['v1'], resource: 'priorityclasses', singularName: 'priorityclass', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] }),
  // coordination.k8s.io/v1
  r({ group: 'coordination.k8s.io', versions: ['v1'], resource: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true }),
  // discovery.k8s.io/v1
  r({ group: 'discovery.k8s.io', versions: ['v1'], resource: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true }),
  // flowcontrol.apiserver.k8s.io/v1
  r({ group: 'flowcontrol.apiserver.k8s.io', versions: ['v1'], resource: 'flowschemas', singularName: 'flowschema', kind: 'FlowSchema', namespaced: false, subresources: [status('FlowSchema')] }),
  r({ group: 'flowcontrol.apiserver.k8s.io', versions: ['v1'], resource: 'prioritylevelconfigurations', singularName: 'prioritylevelconfiguration', kind: 'PriorityLevelConfiguration', namespaced: false, subresources: [status('PriorityLevelConfiguration')] }),
]);

/**
 * Group order of upstream's /apis (kube-aggregator's APIService priority order) restricted to the groups kubets
 * serves, with the core group ('') first.
 */
const GROUP_ORDER: readonly string[] = [
  '',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/** Version priority per group, preferred first (upstream: autoscaling serves v2 then v1). */
const GROUP_VERSIONS: ReadonlyMap<string, readonly string[]> = new Map(
  GROUP_ORDER.map((g) => {
    const vs: string[] = [];
    for (const res of RESOURCES) if (res.group === g) for (const v of res.versions) if (!vs.includes(v)) vs.push(v);
    return [g, Object.freeze(vs)] as const;
  }),
);

const GROUPS: readonly GroupInfo[] = Object.freeze(
  GROUP_ORDER.map((name) => {
    const versions = GROUP_VERSIONS.get(name) ?? [];
    return Object.freeze({ name, versions, preferredVersion: versions[0] ?? '' });
  }),
);

/** Every served group (core first, named ''), in upstream discovery order, with versions preferred-first. */
export function groups(): readonly GroupInfo[] {
  return GROUPS;
}

/** The served group named `name` ('' = core), or undefined. */
export function lookupGroup(name: string): GroupInfo | undefined {
  return GROUPS.find((g) => g.name === name);
}

/** Whether `group`/`version` is a served group-version. */
export function isServedGroupVersion(group: string, version: string): boolean {
  return lookupGroup(group)?.versions.includes(version) ?? false;
}

/** Resources served at `group`/`version`, ordered by resource name (empty when not served). */
export function resourcesFor(group: string, version: string): readonly ResourceInfo[] {
  return RESOURCES.filter((x) => x.group === group && x.versions.includes(version)).sort((a, b) =>
    a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0,
  );
}

/**
 * The resource served at exactly `group`/`version`/`resource` (plural, exact case as the apiserver's router
 * matches it), or undefined. `resource` may name a subresource as `pods/status`; the parent is returned only when
 * that subresource exists.
 */
export function lookupResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  const slash = resource.indexOf('/');
  const plural = slash < 0 ? resource : resource.slice(0, slash);
  const info = RESOURCES.find((x) => x.group === group && x.resource === plural && x.versions.includes(version));
  if (!info || slash < 0) return info;
  return lookupSubresource(info, resource.slice(slash + 1)) ? info : undefined;
}

/** The subresource `name` (e.g. `status`) of `info`, or undefined. */
export function lookupSubresource(info: ResourceInfo, name: string): SubresourceInfo | undefined {
  return info.subresources.find((s) => s.name === name);
}

/** The resource with `kind` (exact case) in `group`, optionally requiring `version` to be served; or undefined. */
export function lookupKind(group: string, kind: string, version?: string): ResourceInfo | undefined {
  return RESOURCES.find(
    (x) => x.group === group && x.kind === kind && (version === undefined || x.versions.includes(version)),
  );
}

function groupRank(g: string): number {
  const i = GROUP_ORDER.indexOf(g);
  return i < 0 ? GROUP_ORDER.length : i;
}

function nameMatches(info: ResourceInfo, name: string): boolean {
  return (
    info.resource === name ||
    info.singularName === name ||
    info.kind.toLowerCase() === name ||
    info.shortNames.includes(name)
  );
}

/** A resolution of a user-typed resource name: the resource and the version chosen (preferred unless given). */
export interface ResolvedResource {
  readonly info: ResourceInfo;
  readonly version: string;
}

/**
 * Resolves a user-typed resource argument the way kubectl's RESTMapper does, case-insensitively:
 * `name`, `name.group` or `name.version.group`, where name is a plural, singular, kind or short name.
 * `resource.version.group` wins when that version is served by that group; otherwise the whole suffix is a group.
 * Matches are ordered by upstream group priority (so `events` → core first, then events.k8s.io); the version is
 * the one given or the group's preferred version. Returns [] when nothing matches.
 */
export function resolveResource(arg: string): ResolvedResource[] {
  const lower = arg.trim().toLowerCase();
  if (lower === '') return [];
  const parts = lower.split('.');
  const name = parts[0] ?? '';
  const candidates: Array<{ group: string | undefined; version: string | undefined }> = [];
  if (parts.length === 1) candidates.push({ group: undefined, version: undefined });
  else {
    if (parts.length >= 3) {
      const version = parts[1] ?? '';
      const group = parts.slice(2).join('.');
      if (isServedGroupVersion(group, version)) candidates.push({ group, version });
    }
    candidates.push({ group: parts.slice(1).join('.'), version: undefined });
  }
  for (const c of candidates) {
    const matches = RESOURCES.filter(
      (x) =>
        (c.group === undefined || x.group === c.group) &&
        (c.version === undefined || x.versions.includes(c.version)) &&
        nameMatches(x, name),
    ).sort((a, b) => groupRank(a.group) - groupRank(b.group));
    if (matches.length > 0) {
      return matches.map((info) => ({ info, version: c.version ?? info.versions[0] ?? '' }));
    }
  }
  return [];
}

/** Resources carrying `category` (e.g. `all`), in upstream group order. */
export function resourcesInCategory(category: string): ResourceInfo[] {
  const c = category.toLowerCase();
  return RESOURCES.filter((x) => x.categories.includes(c)).sort((a, b) => groupRank(a.group) - groupRank(b.group));
}

/** `resource.group` for named groups and `resource` for core, as upstream's GroupResource.String(). */
export function groupResourceString(info: ResourceInfo): string {
  return info.group === '' ? info.resource : `${info.resource}.${info.group}`;
}

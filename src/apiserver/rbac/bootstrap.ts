// Upstream's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy, default feature gates) as data, and the startup reconcile.
import type { Obj } from '../access.js';
import { RBAC_GROUP, coversAll, type PolicyRule } from './policy.js';
import type { RoleRef, Subject } from './resolver.js';

/** Label every bootstrap object carries. */
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
/** Annotation controlling the startup reconcile: "false" leaves the object alone. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const API_VERSION = `${RBAC_GROUP}/v1`;
const R = ['get', 'list', 'watch'];
const W = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function r(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  const rule: PolicyRule = { verbs: [...verbs], apiGroups: [...apiGroups], resources: [...resources] };
  if (resourceNames) rule.resourceNames = [...resourceNames];
  return rule;
}
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs: [...verbs], nonResourceURLs: [...nonResourceURLs] });
/** upstream eventsRule(): create/update/patch events in core and events.k8s.io. */
const ev = (): PolicyRule => r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

function meta(name: string, namespace?: string, extraLabels: Record<string, string> = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...BOOTSTRAP_LABEL, ...extraLabels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): Obj {
  const o: Obj = { apiVersion: API_VERSION, kind: 'ClusterRole', metadata: meta(name, undefined, extra.labels) };
  if (extra.aggregateFrom) o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateFrom]: 'true' } }] };
  if (rules.length > 0) o.rules = rules;
  return o;
}

const role = (namespace: string, name: string, rules: PolicyRule[]): Obj => ({ apiVersion: API_VERSION, kind: 'Role', metadata: meta(name, namespace), rules });

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterBinding(name: string, subjects: Subject[], roleName = name): Obj {
  const o: Obj = { apiVersion: API_VERSION, kind: 'ClusterRoleBinding', metadata: meta(name), roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName } };
  if (subjects.length > 0) o.subjects = subjects;
  return o;
}

const roleBinding = (namespace: string, name: string, roleName: string, subjects: Subject[]): Obj => ({
  apiVersion: API_VERSION,
  kind: 'RoleBinding',
  metadata: meta(name, namespace),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
  subjects,
});

const AGG_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGG_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGG_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';
const CERTS = 'certificates.k8s.io';
const STORAGE = 'storage.k8s.io';
const COORD = 'coordination.k8s.io';
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';

function buildClusterRoles(): Obj[] {
  return [
    clusterRole('admin', [], { aggregateFrom: AGG_ADMIN }),
    clusterRole('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('edit', [], { aggregateFrom: AGG_EDIT, labels: { [AGG_ADMIN]: 'true' } }),
    clusterRole(
      'system:aggregate-to-admin',
      [r(['create'], [AUTHZ], ['localsubjectaccessreviews']), r(RW, [RBAC_GROUP], ['rolebindings', 'roles'])],
      { labels: { [AGG_ADMIN]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        r(R, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
        r(['impersonate'], [''], ['serviceaccounts']),
        r(W, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
        r(['create'], [''], ['pods/eviction']),
        r(W, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
        r(['create'], [''], ['serviceaccounts/token']),
        r(W, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
        r(W, ['autoscaling'], ['horizontalpodautoscalers']),
        r(W, ['batch'], ['cronjobs', 'jobs']),
        r(W, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
        r(W, ['policy'], ['poddisruptionbudgets']),
        r(W, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
        r(RW, [COORD], ['leases']),
      ],
      { labels: { [AGG_EDIT]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        r(R, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
        r(R, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
        r(R, [''], ['namespaces']),
        r(R, ['discovery.k8s.io'], ['endpointslices']),
        r(R, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
        r(R, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        r(R, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
        r(R, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
        r(R, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        r(R, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
      { labels: { [AGG_VIEW]: 'true' } },
    ),
    clusterRole('system:auth-delegator', [r(['create'], [AUTHN], ['tokenreviews']), r(['create'], [AUTHZ], ['subjectaccessreviews'])]),
    clusterRole('system:basic-user', [r(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), r(['create'], [AUTHN], ['selfsubjectreviews'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [r(['create'], [CERTS], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [r(['create'], [CERTS], ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [r(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [r(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [r(['approve'], [CERTS], ['signers'], ['kubernetes.io/kubelet-serving'])]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [r(['approve'], [CERTS], ['signers'], ['kubernetes.io/legacy-unknown'])]),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:heapster', [r(R, [''], ['events', 'namespaces', 'nodes', 'pods']), r(R, ['extensions'], ['deployments'])]),
    clusterRole('system:kube-aggregator', [r(R, [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', [
      ev(),
      r(['create'], [COORD], ['leases']),
      r(['get', 'update'], [COORD], ['leases'], ['kube-controller-manager']),
      r(['create'], [''], ['secrets', 'serviceaccounts']),
      r(['delete'], [''], ['secrets']),
      r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], [''], ['secrets', 'serviceaccounts']),
      r(['create'], [AUTHN], ['tokenreviews']),
      r(['create'], [AUTHZ], ['subjectaccessreviews']),
      r(['list', 'watch'], ['*'], ['*']),
      r(['create'], [''], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [r(['list', 'watch'], [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-scheduler', [
      ev(),
      r(['create'], [COORD], ['leases']),
      r(['get', 'update'], [COORD], ['leases'], ['kube-scheduler']),
      r(R, [''], ['nodes']),
      r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      r(['create'], [''], ['bindings', 'pods/binding']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(R, [''], ['replicationcontrollers', 'services']),
      r(R, ['apps', 'extensions'], ['replicasets']),
      r(R, ['apps'], ['statefulsets']),
      r(R, ['policy'], ['poddisruptionbudgets']),
      r(R, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['create'], [AUTHN], ['tokenreviews']),
      r(['create'], [AUTHZ], ['subjectaccessreviews']),
      r(R, [STORAGE], ['csinodes']),
      r(R, [''], ['namespaces']),
      r(R, [STORAGE], ['csidrivers']),
      r(R, [STORAGE], ['csistoragecapacities']),
    ]),
    clusterRole('system:kubelet-api-admin', [
      r(R, [''], ['nodes']),
      r(['proxy'], [''], ['nodes']),
      r(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats']),
    ]),
    clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:node', [
      r(['create'], [AUTHN], ['tokenreviews']),
      r(['create'], [AUTHZ], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      r(R, [''], ['services']),
      r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['nodes']),
      r(['create', 'patch', 'update'], [''], ['events']),
      r(R, [''], ['pods']),
      r(['create', 'delete'], [''], ['pods']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['create'], [''], ['pods/eviction']),
      r(R, [''], ['configmaps', 'secrets']),
      r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['get'], [''], ['endpoints']),
      r(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests']),
      r(['create', 'delete', 'get', 'patch', 'update'], [COORD], ['leases']),
      r(['get'], [STORAGE], ['volumeattachments']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(R, [STORAGE], ['csidrivers']),
      r(['create', 'delete', 'get', 'patch', 'update'], [STORAGE], ['csinodes']),
      r(R, ['node.k8s.io'], ['runtimeclasses']),
    ]),
    clusterRole('system:node-bootstrapper', [r(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests'])]),
    clusterRole('system:node-problem-detector', [r(['get'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), ev()]),
    clusterRole('system:node-proxier', [
      r(['list', 'watch'], [''], ['endpoints', 'services']),
      r(R, [''], ['nodes']),
      ev(),
      r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    clusterRole('system:persistent-volume-provisioner', [
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(R, [STORAGE], ['storageclasses']),
      r(['watch'], [''], ['events']),
      ev(),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    clusterRole('system:volume-scheduler', [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(R, [STORAGE], ['storageclasses']),
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    ]),
    clusterRole('view', [], { aggregateFrom: AGG_VIEW, labels: { [AGG_EDIT]: 'true' } }),
  ];
}

/** Controller roles (upstream controller_policy.go, default gates): service-account name -> rules. */
function controllerRules(): Array<[string, PolicyRule[]]> {
  const AE = ['apps', 'extensions'];
  return [
    ['attachdetach-controller', [
      r(['list', 'watch'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(R, [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['list', 'watch'], [''], ['pods']),
      ev(),
      r(['create', 'delete', 'get', 'list', 'watch'], [STORAGE], ['volumeattachments']),
      r(R, [STORAGE], ['csidrivers']),
      r(R, [STORAGE], ['csinodes']),
    ]],
    ['certificate-controller', [
      r(['delete', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests']),
      r(['update'], [CERTS], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
      r(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      r(['sign'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
      r(['create'], [AUTHZ], ['subjectaccessreviews']),
      ev(),
    ]],
    ['clusterrole-aggregation-controller', [r(['escalate', 'get', 'list', 'patch', 'update', 'watch'], [RBAC_GROUP], ['clusterroles'])]],
    ['cronjob-controller', [
      r(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
      r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      r(['update'], ['batch'], ['cronjobs/status']),
      r(['update'], ['batch'], ['cronjobs/finalizers']),
      r(['delete', 'list', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['daemon-set-controller', [
      r(R, AE, ['daemonsets']),
      r(['update'], AE, ['daemonsets/status']),
      r(['update'], AE, ['daemonsets/finalizers']),
      r(['list', 'watch'], [''], ['nodes']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      r(['create'], [''], ['pods/binding']),
      r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
      ev(),
    ]],
    ['deployment-controller', [
      r(['get', 'list', 'update', 'watch'], AE, ['deployments']),
      r(['update'], AE, ['deployments/status']),
      r(['update'], AE, ['deployments/finalizers']),
      r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], AE, ['replicasets']),
      r(['get', 'list', 'update', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['disruption-controller', [
      r(R, AE, ['deployments']),
      r(R, AE, ['replicasets']),
      r(R, [''], ['replicationcontrollers']),
      r(R, ['policy'], ['poddisruptionbudgets']),
      r(R, ['apps'], ['statefulsets']),
      r(['update'], ['policy'], ['poddisruptionbudgets/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['get'], ['*'], ['*/scale']),
      ev(),
    ]],
    ['endpoint-controller', [
      r(R, [''], ['pods', 'services']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']),
      r(['create'], [''], ['endpoints/restricted']),
      ev(),
    ]],
    ['endpointslice-controller', [
      r(R, [''], ['nodes', 'pods', 'services']),
      r(['update'], [''], ['services/finalizers']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      ev(),
    ]],
    ['endpointslicemirroring-controller', [
      r(R, [''], ['endpoints', 'services']),
      r(['update'], [''], ['services/finalizers']),
      r(['update'], [''], ['endpoints/finalizers']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      ev(),
    ]],
    ['ephemeral-volume-controller', [
      r(R, [''], ['pods']),
      r(['update'], [''], ['pods/finalizers']),
      r(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      ev(),
    ]],
    ['expand-controller', [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(R, [''], ['persistentvolumeclaims']),
      ev(),
    ]],
    ['generic-garbage-collector', [r(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), ev()]],
    ['horizontal-pod-autoscaler', [
      r(R, ['autoscaling'], ['horizontalpodautoscalers']),
      r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      r(['get', 'update'], ['*'], ['*/scale']),
      r(['list', 'watch'], [''], ['pods']),
      r(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      r(R, ['custom.metrics.k8s.io'], ['*']),
      r(R, ['external.metrics.k8s.io'], ['*']),
      ev(),
    ]],
    ['job-controller', [
      r(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      r(['update'], ['batch'], ['jobs/status']),
      r(['update'], ['batch'], ['jobs/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['legacy-service-account-token-cleaner', [
      r(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
      r(['delete', 'patch'], [''], ['secrets']),
    ]],
    ['namespace-controller', [
      r(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
      r(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      r(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
    ]],
    ['node-controller', [
      r(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['persistent-volume-binder', [
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['update'], [''], ['persistentvolumes/status']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['persistentvolumeclaims/status']),
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']),
      r(R, [STORAGE], ['storageclasses']),
      r(['list', 'watch'], [''], ['nodes']),
      ev(),
      r(['watch'], [''], ['events']),
    ]],
    ['pod-garbage-collector', [r(['delete', 'list', 'watch'], [''], ['pods']), r(R, [''], ['nodes']), r(['patch'], [''], ['pods/status'])]],
    ['pv-protection-controller', [r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), ev()]],
    ['pvc-protection-controller', [
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['persistentvolumeclaims/status']),
      r(R, [''], ['pods']),
      ev(),
    ]],
    ['replicaset-controller', [
      r(['get', 'list', 'update', 'watch'], AE, ['replicasets']),
      r(['update'], AE, ['replicasets/status']),
      r(['update'], AE, ['replicasets/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['replication-controller', [
      r(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']),
      r(['update'], [''], ['replicationcontrollers/status']),
      r(['update'], [''], ['replicationcontrollers/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      ev(),
    ]],
    ['resourcequota-controller', [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), ev()]],
    ['root-ca-cert-publisher', [r(['create', 'update'], [''], ['configmaps']), ev()]],
    ['route-controller', [r(['list', 'watch'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), ev()]],
    ['service-account-controller', [r(['create'], [''], ['serviceaccounts']), ev()]],
    ['service-controller', [
      r(R, [''], ['services']),
      r(['patch', 'update'], [''], ['services/status']),
      r(['list', 'watch'], [''], ['nodes']),
      ev(),
    ]],
    ['statefulset-controller', [
      r(['list', 'watch'], [''], ['pods']),
      r(R, ['apps'], ['statefulsets']),
      r(['update'], ['apps'], ['statefulsets/status']),
      r(['update'], ['apps'], ['statefulsets/finalizers']),
      r(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
      r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
      r(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      r(['delete', 'update'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['pods/finalizers']),
      ev(),
    ]],
    ['ttl-after-finished-controller', [r(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), ev()]],
    ['ttl-controller', [r(['list', 'patch', 'update', 'watch'], [''], ['nodes']), ev()]],
    ['validatingadmissionpolicy-status-controller', [
      r(R, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
      r(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
      ev(),
    ]],
  ];
}

/** Prefix of the controller roles and bindings. */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

function buildClusterRoleBindings(): Obj[] {
  return [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // Deprecated since the Node authorizer: kept without subjects, as upstream.
    clusterBinding('system:node', []),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}

function buildRoles(): Obj[] {
  const leaderLocking = () => [
    r(['create', 'get', 'list', 'update', 'watch'], [COORD], ['leases']),
    r(['create', 'get', 'list', 'update', 'watch'], [COORD], ['leasecandidates']),
  ];
  return [
    role('kube-public', 'system:controller:bootstrap-signer', [
      r(R, [''], ['configmaps']),
      r(['update'], [''], ['configmaps'], ['cluster-info']),
      ev(),
    ]),
    role('kube-system', 'extension-apiserver-authentication-reader', [r(R, [''], ['configmaps'], ['extension-apiserver-authentication'])]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', leaderLocking()),
    role('kube-system', 'system::leader-locking-kube-scheduler', leaderLocking()),
    role('kube-system', 'system:controller:bootstrap-signer', [r(R, [''], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [r(['create', 'get', 'list', 'watch'], [''], ['configmaps'])]),
    role('kube-system', 'system:controller:token-cleaner', [r(['delete', 'get', 'list', 'watch'], [''], ['secrets']), ev()]),
  ];
}

function buildRoleBindings(): Obj[] {
  return [
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
    roleBinding('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [
      user('system:kube-controller-manager'),
      user('system:kube-scheduler'),
    ]),
    roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [
      user('system:kube-controller-manager'),
      sa('kube-system', 'kube-controller-manager'),
      sa('kube-system', 'leader-election-controller'),
    ]),
    roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [
      user('system:kube-scheduler'),
      sa('kube-system', 'kube-scheduler'),
    ]),
    roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
    roleBinding('kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', [sa('kube-system', 'cloud-provider')]),
    roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [sa('kube-system', 'token-cleaner')]),
  ];
}

/** The bootstrap objects, by resource. */
export interface BootstrapPolicy {
  clusterRoles: Obj[];
  clusterRoleBindings: Obj[];
  /** Namespaced Roles (kube-system, kube-public). */
  roles: Obj[];
  /** Namespaced RoleBindings (kube-system, kube-public). */
  roleBindings: Obj[];
}

/**
 * Upstream's bootstrap policy for Kubernetes 1.32 with default feature gates, as rbac.authorization.k8s.io/v1
 * objects (fresh copies on each call): the cluster roles (including the aggregated admin/edit/view, whose rules
 * the aggregation controller fills in), the `system:controller:*` roles and their ClusterRoleBindings to the
 * controllers' service accounts in kube-system, the other ClusterRoleBindings, and the Roles/RoleBindings in
 * kube-system and kube-public. Every object carries label `kubernetes.io/bootstrapping: rbac-defaults` and
 * annotation `rbac.authorization.kubernetes.io/autoupdate: "true"`. Objects are in upstream's (sorted) order:
 * the ClusterRoles, then the controller ClusterRoles.
 */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllers = controllerRules();
  return {
    clusterRoles: [...buildClusterRoles(), ...controllers.map(([name, rules]) => clusterRole(CONTROLLER_ROLE_PREFIX + name, rules))],
    clusterRoleBindings: [
      ...buildClusterRoleBindings(),
      ...controllers.map(([name]) => clusterBinding(CONTROLLER_ROLE_PREFIX + name, [sa('kube-system', name)])),
    ],
    roles: buildRoles(),
    roleBindings: buildRoleBindings(),
  };
}

// ---- reconcile ----------------------------------------------------------------------------------------

/** upstream merge(expected, existing): the existing values win; undefined when both are absent. */
function mergeMaps(expected: Record<string, string> | undefined, existing: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!expected && !existing) return undefined;
  return { ...(expected ?? {}), ...(existing ?? {}) };
}

const mapsEqual = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
};

const subjectKey = (s: Subject) => JSON.stringify([s.kind ?? '', s.apiGroup ?? '', s.name ?? '', s.namespace ?? '']);
const refKey = (r: RoleRef | undefined) => JSON.stringify([r?.apiGroup ?? '', r?.kind ?? '', r?.name ?? '']);
const selectorKey = (s: unknown) => JSON.stringify(canonicalJSON(s));

function canonicalJSON(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalJSON);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = canonicalJSON(x);
    }
    return out;
  }
  return v;
}

/**
 * Upstream's startup reconcile of one bootstrap object (non-destructive, as the apiserver's post-start hook runs
 * it): returns the object to write, or undefined when nothing is to be done.
 * - `existing` undefined: `wanted` (a copy), to create.
 * - `existing` annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`: undefined (left alone).
 * - Roles/ClusterRoles: the existing object with the wanted labels and annotations it lacks added (existing
 *   values win), the wanted rules it does not cover appended (as the atomic rules upstream's Covers reports),
 *   for ClusterRoles the wanted aggregationRule selectors it lacks appended (and its aggregationRule removed when
 *   the wanted role has none). Nothing users added is removed.
 * - RoleBindings/ClusterRoleBindings: with a different roleRef, `wanted` (a copy): upstream deletes and recreates
 *   the binding, so the caller must delete `existing` then create the result (compare roleRefs, or use
 *   `needsRecreate`). Otherwise labels/annotations as above and the missing subjects appended.
 */
export function reconcile(existing: Obj | undefined, wanted: Obj): Obj | undefined {
  if (!existing) return structuredClone(wanted);
  if (existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  if (needsRecreate(existing, wanted)) return structuredClone(wanted);

  const out = structuredClone(existing);
  out.metadata ??= {};
  let changed = false;
  const annotations = mergeMaps(wanted.metadata?.annotations, existing.metadata?.annotations);
  if (!mapsEqual(annotations, existing.metadata?.annotations)) {
    out.metadata.annotations = annotations;
    changed = true;
  }
  const labels = mergeMaps(wanted.metadata?.labels, existing.metadata?.labels);
  if (!mapsEqual(labels, existing.metadata?.labels)) {
    out.metadata.labels = labels;
    changed = true;
  }

  const kind = wanted.kind;
  if (kind === 'Role' || kind === 'ClusterRole') {
    const { missing } = coversAll(existing.rules ?? [], wanted.rules ?? []);
    if (missing.length > 0) {
      out.rules = [...(existing.rules ?? []), ...missing];
      changed = true;
    }
    if (kind === 'ClusterRole') {
      const want = wanted.aggregationRule;
      const have = existing.aggregationRule;
      if (!want && have) {
        delete out.aggregationRule;
        changed = true;
      } else if (want) {
        const haveKeys = new Set(((have?.clusterRoleSelectors ?? []) as unknown[]).map(selectorKey));
        const add = ((want.clusterRoleSelectors ?? []) as unknown[]).filter((s) => !haveKeys.has(selectorKey(s)));
        if (add.length > 0) {
          out.aggregationRule = { ...(have ?? {}), clusterRoleSelectors: [...(have?.clusterRoleSelectors ?? []), ...structuredClone(add)] };
          changed = true;
        }
      }
    }
  } else if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
    const have = new Set(((existing.subjects ?? []) as Subject[]).map(subjectKey));
    const add: Subject[] = [];
    for (const s of (wanted.subjects ?? []) as Subject[]) {
      const k = subjectKey(s);
      if (!have.has(k)) {
        have.add(k);
        add.push(structuredClone(s));
      }
    }
    if (add.length > 0) {
      out.subjects = [...(existing.subjects ?? []), ...add];
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/** True when `existing` is a binding whose roleRef differs from `wanted`'s (upstream recreates it; roleRef is immutable). */
export function needsRecreate(existing: Obj, wanted: Obj): boolean {
  if (wanted.kind !== 'RoleBinding' && wanted.kind !== 'ClusterRoleBinding') return false;
  return refKey(existing.roleRef) !== refKey(wanted.roleRef);
}

// The default API Priority and Fairness configuration of 1.32 (mandatory and suggested FlowSchemas and PriorityLevelConfigurations) as flowcontrol.apiserver.k8s.io/v1 objects.
import type { FlowSchema, PolicyRulesWithSubjects, PriorityLevelConfiguration, Subject } from 'kubernetes-types/flowcontrol/v1.js';

/** The annotation that lets the apiserver keep a bootstrap object's spec up to date (upstream's AutoUpdateAnnotationKey). */
export const AUTO_UPDATE_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';

/** Names of the mandatory objects (upstream's PriorityLevelConfigurationNameExempt, FlowSchemaNameCatchAll, ...). */
export const EXEMPT = 'exempt';
export const CATCH_ALL = 'catch-all';

const API_VERSION = 'flowcontrol.apiserver.k8s.io/v1' as const;

// Well-known user and group names (k8s.io/apiserver/pkg/authentication/user and serviceaccount).
const SYSTEM_MASTERS = 'system:masters';
const NODES_GROUP = 'system:nodes';
const ALL_UNAUTHENTICATED = 'system:unauthenticated';
const ALL_AUTHENTICATED = 'system:authenticated';
const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';
const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
const KUBE_SCHEDULER = 'system:kube-scheduler';

function meta(name: string) {
  return { name, annotations: { [AUTO_UPDATE_ANNOTATION]: 'true' } };
}

function queuingPL(name: string, shares: number, lendablePercent: number, queues: number, handSize: number, queueLengthLimit: number): PriorityLevelConfiguration {
  return {
    apiVersion: API_VERSION,
    kind: 'PriorityLevelConfiguration',
    metadata: meta(name),
    spec: {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: shares,
        lendablePercent,
        limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } },
      },
    },
  };
}

const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', group: { name } }));
const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', user: { name } }));
const kubeSystemSAs = (...names: string[]): Subject[] =>
  names.map((name) => ({ kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name } }));

/** A rule set matching every request of the subjects (resource and non-resource, any namespace or cluster scope). */
function allRules(subjects: Subject[]): PolicyRulesWithSubjects {
  return {
    subjects,
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  };
}

function flowSchema(name: string, pl: string, matchingPrecedence: number, distinguisher: 'ByUser' | 'ByNamespace' | '', ...rules: PolicyRulesWithSubjects[]): FlowSchema {
  const fs: FlowSchema = {
    apiVersion: API_VERSION,
    kind: 'FlowSchema',
    metadata: meta(name),
    spec: { priorityLevelConfiguration: { name: pl }, matchingPrecedence, rules },
  };
  if (distinguisher) fs.spec!.distinguisherMethod = { type: distinguisher };
  return fs;
}

const leaderElectionRules = (configMapNamespaces: string[]) => [
  { verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints', 'configmaps'], namespaces: configMapNamespaces, clusterScope: false },
  { verbs: ['get', 'create', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'], clusterScope: false },
];

// ---- mandatory objects ---------------------------------------------------------------------------

/** The `exempt` level: requests bypass limits and queues. */
export const MANDATORY_PL_EXEMPT: PriorityLevelConfiguration = {
  apiVersion: API_VERSION,
  kind: 'PriorityLevelConfiguration',
  metadata: meta(EXEMPT),
  spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } },
};

/** The `catch-all` level: a small share, and rejects (no queuing) when full. */
export const MANDATORY_PL_CATCH_ALL: PriorityLevelConfiguration = {
  apiVersion: API_VERSION,
  kind: 'PriorityLevelConfiguration',
  metadata: meta(CATCH_ALL),
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } },
};

export const MANDATORY_FS_EXEMPT = flowSchema(EXEMPT, EXEMPT, 1, '', allRules(groups(SYSTEM_MASTERS)));

export const MANDATORY_FS_CATCH_ALL = flowSchema(CATCH_ALL, CATCH_ALL, 10000, 'ByUser', allRules(groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED)));

/** Upstream's MandatoryPriorityLevelConfigurations (order as upstream). */
export const MANDATORY_PRIORITY_LEVEL_CONFIGURATIONS: readonly PriorityLevelConfiguration[] = [MANDATORY_PL_CATCH_ALL, MANDATORY_PL_EXEMPT];
/** Upstream's MandatoryFlowSchemas. */
export const MANDATORY_FLOW_SCHEMAS: readonly FlowSchema[] = [MANDATORY_FS_EXEMPT, MANDATORY_FS_CATCH_ALL];

// ---- suggested objects ---------------------------------------------------------------------------

/** Upstream's SuggestedPriorityLevelConfigurations. */
export const SUGGESTED_PRIORITY_LEVEL_CONFIGURATIONS: readonly PriorityLevelConfiguration[] = [
  // kubelets and kube-proxy: the cluster's self-maintenance
  queuingPL('system', 30, 33, 64, 6, 50),
  // node health reporting (node status, node leases)
  queuingPL('node-high', 40, 25, 64, 6, 50),
  // controllers' leader election
  queuingPL('leader-election', 10, 0, 16, 4, 50),
  // kube-controller-manager, kube-scheduler, kube-system service accounts
  queuingPL('workload-high', 40, 50, 128, 6, 50),
  // other service accounts
  queuingPL('workload-low', 100, 90, 128, 6, 50),
  // everything else
  queuingPL('global-default', 20, 50, 128, 6, 50),
];

/** Upstream's SuggestedFlowSchemas. */
export const SUGGESTED_FLOW_SCHEMAS: readonly FlowSchema[] = [
  flowSchema('system-nodes', 'system', 500, 'ByUser', allRules(groups(NODES_GROUP))),
  flowSchema('system-node-high', 'node-high', 400, 'ByUser', {
    subjects: groups(NODES_GROUP),
    resourceRules: [
      { verbs: ['*'], apiGroups: [''], resources: ['nodes', 'nodes/status'], namespaces: ['*'], clusterScope: true },
      { verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'], clusterScope: false },
    ],
  }),
  flowSchema('probes', EXEMPT, 2, '', {
    subjects: groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED),
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }],
  }),
  flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', {
    subjects: [...users(KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER), ...kubeSystemSAs('*')],
    resourceRules: leaderElectionRules(['kube-system']),
  }),
  flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', {
    subjects: kubeSystemSAs('*'),
    resourceRules: leaderElectionRules(['*']),
  }),
  flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', {
    subjects: [...users(KUBE_CONTROLLER_MANAGER), ...kubeSystemSAs('endpoint-controller', 'endpointslicemirroring-controller')],
    resourceRules: [{ verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints'], namespaces: ['*'], clusterScope: false }],
  }),
  flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', allRules(users(KUBE_CONTROLLER_MANAGER))),
  flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', allRules(users(KUBE_SCHEDULER))),
  flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', allRules(kubeSystemSAs('*'))),
  flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', allRules(groups(ALL_SERVICE_ACCOUNTS))),
  flowSchema('global-default', 'global-default', 9900, 'ByUser', allRules(groups(ALL_UNAUTHENTICATED, ALL_AUTHENTICATED))),
];

/**
 * Fresh (deep-copied, mutable) copies of every bootstrap object: the mandatory and suggested
 * PriorityLevelConfigurations and FlowSchemas the apiserver creates at start-up.
 */
export function bootstrapObjects(): { priorityLevelConfigurations: PriorityLevelConfiguration[]; flowSchemas: FlowSchema[] } {
  return {
    priorityLevelConfigurations: structuredClone([...MANDATORY_PRIORITY_LEVEL_CONFIGURATIONS, ...SUGGESTED_PRIORITY_LEVEL_CONFIGURATIONS]),
    flowSchemas: structuredClone([...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]),
  };
}

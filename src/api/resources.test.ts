// Scheme table: every served resource with upstream scope, short names and categories, plus lookup and resolution helpers.
import { describe, it, expect } from 'vitest';
import {
  RESOURCES,
  groupResourceString,
  groups,
  lookupKind,
  lookupResource,
  lookupSubresource,
  resolveResource,
  resourcesInCategory,
} from './resources.js';

describe('every listed resource is present with upstream scope and short names', () => {
  // [group, version, resource, kind, namespaced, shortNames]
  const table: Array<[string, string, string, string, boolean, string[]]> = [
    ['', 'v1', 'namespaces', 'Namespace', false, ['ns']],
    ['', 'v1', 'pods', 'Pod', true, ['po']],
    ['', 'v1', 'services', 'Service', true, ['svc']],
    ['', 'v1', 'endpoints', 'Endpoints', true, ['ep']],
    ['', 'v1', 'nodes', 'Node', false, ['no']],
    ['', 'v1', 'configmaps', 'ConfigMap', true, ['cm']],
    ['', 'v1', 'secrets', 'Secret', true, []],
    ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']],
    ['', 'v1', 'events', 'Event', true, ['ev']],
    ['', 'v1', 'replicationcontrollers', 'ReplicationController', true, ['rc']],
    ['', 'v1', 'limitranges', 'LimitRange', true, ['limits']],
    ['', 'v1', 'resourcequotas', 'ResourceQuota', true, ['quota']],
    ['', 'v1', 'persistentvolumes', 'PersistentVolume', false, ['pv']],
    ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']],
    ['', 'v1', 'podtemplates', 'PodTemplate', true, []],
    ['', 'v1', 'bindings', 'Binding', true, []],
    ['', 'v1', 'componentstatuses', 'ComponentStatus', false, ['cs']],
    ['apps', 'v1', 'deployments', 'Deployment', true, ['deploy']],
    ['apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs']],
    ['apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts']],
    ['apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds']],
    ['apps', 'v1', 'controllerrevisions', 'ControllerRevision', true, []],
    ['batch', 'v1', 'jobs', 'Job', true, []],
    ['batch', 'v1', 'cronjobs', 'CronJob', true, ['cj']],
    ['certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, ['csr']],
    ['autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa']],
    ['autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa']],
    ['coordination.k8s.io', 'v1', 'leases', 'Lease', true, []],
    ['discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, []],
    ['events.k8s.io', 'v1', 'events', 'Event', true, ['ev']],
    ['authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, []],
    ['authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false, []],
    ['authorization.k8s.io', 'v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true, []],
    ['authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, []],
    ['authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, []],
    ['authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false, []],
    ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']],
    ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol']],
    ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing']],
    ['networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false, []],
    ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true, []],
    ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true, []],
    ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, []],
    ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, []],
    ['storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, ['sc']],
    ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, ['pc']],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas', 'FlowSchema', false, []],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations', 'PriorityLevelConfiguration', false, []],
  ];
  it.each(table)('%s/%s %s', (group, version, resource, kind, namespaced, shortNames) => {
    const info = lookupResource(group, version, resource);
    expect(info).toBeDefined();
    expect(info?.kind).toBe(kind);
    expect(info?.namespaced).toBe(namespaced);
    expect(info?.shortNames).toEqual(shortNames);
    expect(lookupKind(group, kind, version)).toBe(info);
  });
  it('has no other resources', () => {
    expect(RESOURCES.length).toBe(table.length - 1); // hpa is one entry served at two versions
  });
});

describe('categories', () => {
  it('"all" holds exactly upstream\'s members', () => {
    expect(resourcesInCategory('all').map(groupResourceString).sort()).toEqual(
      [
        'pods',
        'services',
        'replicationcontrollers',
        'daemonsets.apps',
        'deployments.apps',
        'replicasets.apps',
        'statefulsets.apps',
        'horizontalpodautoscalers.autoscaling',
        'cronjobs.batch',
        'jobs.batch',
      ].sort(),
    );
  });
});

describe('subresources', () => {
  // [group, version, "resource/sub", kind, responseGroup, responseVersion, verbs]
  const table: Array<[string, string, string, string, string | undefined, string | undefined, string[]]> = [
    ['', 'v1', 'pods/status', 'Pod', undefined, undefined, ['get', 'patch', 'update']],
    ['', 'v1', 'pods/binding', 'Binding', undefined, undefined, ['create']],
    ['', 'v1', 'pods/eviction', 'Eviction', 'policy', 'v1', ['create']],
    ['', 'v1', 'pods/log', 'Pod', undefined, undefined, ['get']],
    ['', 'v1', 'pods/exec', 'PodExecOptions', undefined, undefined, ['create', 'get']],
    ['', 'v1', 'pods/attach', 'PodAttachOptions', undefined, undefined, ['create', 'get']],
    ['', 'v1', 'pods/portforward', 'PodPortForwardOptions', undefined, undefined, ['create', 'get']],
    ['', 'v1', 'pods/proxy', 'PodProxyOptions', undefined, undefined, ['create', 'delete', 'get', 'patch', 'update']],
    ['', 'v1', 'pods/ephemeralcontainers', 'Pod', undefined, undefined, ['get', 'patch', 'update']],
    ['', 'v1', 'services/proxy', 'ServiceProxyOptions', undefined, undefined, ['create', 'delete', 'get', 'patch', 'update']],
    ['', 'v1', 'nodes/proxy', 'NodeProxyOptions', undefined, undefined, ['create', 'delete', 'get', 'patch', 'update']],
    ['', 'v1', 'namespaces/finalize', 'Namespace', undefined, undefined, ['update']],
    ['', 'v1', 'namespaces/status', 'Namespace', undefined, undefined, ['get', 'patch', 'update']],
    ['', 'v1', 'serviceaccounts/token', 'TokenRequest', 'authentication.k8s.io', 'v1', ['create']],
    ['', 'v1', 'replicationcontrollers/scale', 'Scale', 'autoscaling', 'v1', ['get', 'patch', 'update']],
    ['apps', 'v1', 'deployments/scale', 'Scale', 'autoscaling', 'v1', ['get', 'patch', 'update']],
    ['apps', 'v1', 'statefulsets/scale', 'Scale', 'autoscaling', 'v1', ['get', 'patch', 'update']],
    ['apps', 'v1', 'daemonsets/status', 'DaemonSet', undefined, undefined, ['get', 'patch', 'update']],
    ['batch', 'v1', 'cronjobs/status', 'CronJob', undefined, undefined, ['get', 'patch', 'update']],
    ['autoscaling', 'v1', 'horizontalpodautoscalers/status', 'HorizontalPodAutoscaler', undefined, undefined, ['get', 'patch', 'update']],
    ['policy', 'v1', 'poddisruptionbudgets/status', 'PodDisruptionBudget', undefined, undefined, ['get', 'patch', 'update']],
    ['networking.k8s.io', 'v1', 'ingresses/status', 'Ingress', undefined, undefined, ['get', 'patch', 'update']],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations/status', 'PriorityLevelConfiguration', undefined, undefined, ['get', 'patch', 'update']],
  ];
  it.each(table)('%s/%s %s', (group, version, path, kind, rg, rv, verbs) => {
    const info = lookupResource(group, version, path);
    expect(info).toBeDefined();
    const sub = info && lookupSubresource(info, path.split('/')[1] ?? '');
    expect(sub?.kind).toBe(kind);
    expect(sub?.group).toBe(rg);
    expect(sub?.version).toBe(rv);
    expect(sub?.verbs).toEqual(verbs);
  });
  it.each([
    ['', 'v1', 'pods/resize'],
    ['', 'v1', 'pods/checkpoint'],
    ['networking.k8s.io', 'v1', 'networkpolicies/status'],
    ['', 'v1', 'secrets/status'],
  ])('%s/%s %s is not served in 1.32', (g, v, path) => {
    expect(lookupResource(g, v, path)).toBeUndefined();
  });
});

describe('lookupResource / lookupKind', () => {
  it.each([
    ['apps', 'v2', 'deployments'],
    ['', 'v1', 'deployments'],
    ['apps', 'v1', 'Deployments'],
    ['extensions', 'v1beta1', 'deployments'],
  ])('%s/%s %s is undefined', (g, v, r) => {
    expect(lookupResource(g, v, r)).toBeUndefined();
  });
  it('kind lookups are group-scoped', () => {
    expect(lookupKind('', 'Event')?.group).toBe('');
    expect(lookupKind('events.k8s.io', 'Event')?.group).toBe('events.k8s.io');
    expect(lookupKind('', 'Deployment')).toBeUndefined();
    expect(lookupKind('autoscaling', 'HorizontalPodAutoscaler', 'v2beta2')).toBeUndefined();
  });
});

describe('resolveResource (kubectl-style, case-insensitive)', () => {
  // [arg, expected "resource.group" list, expected version of first]
  const table: Array<[string, string[], string]> = [
    ['po', ['pods'], 'v1'],
    ['Pods', ['pods'], 'v1'],
    ['POD', ['pods'], 'v1'],
    ['svc', ['services'], 'v1'],
    ['deploy', ['deployments.apps'], 'v1'],
    ['Deployment', ['deployments.apps'], 'v1'],
    ['deployments.apps', ['deployments.apps'], 'v1'],
    ['deploy.apps', ['deployments.apps'], 'v1'],
    ['deployments.v1.apps', ['deployments.apps'], 'v1'],
    ['hpa', ['horizontalpodautoscalers.autoscaling'], 'v2'],
    ['hpa.v1.autoscaling', ['horizontalpodautoscalers.autoscaling'], 'v1'],
    ['horizontalpodautoscalers.autoscaling', ['horizontalpodautoscalers.autoscaling'], 'v2'],
    ['events', ['events', 'events.events.k8s.io'], 'v1'],
    ['ev', ['events', 'events.events.k8s.io'], 'v1'],
    ['events.events.k8s.io', ['events.events.k8s.io'], 'v1'],
    ['ingresses.networking.k8s.io', ['ingresses.networking.k8s.io'], 'v1'],
    ['ing', ['ingresses.networking.k8s.io'], 'v1'],
    ['netpol', ['networkpolicies.networking.k8s.io'], 'v1'],
    ['pdb', ['poddisruptionbudgets.policy'], 'v1'],
    ['pc', ['priorityclasses.scheduling.k8s.io'], 'v1'],
    ['sc', ['storageclasses.storage.k8s.io'], 'v1'],
    ['cj', ['cronjobs.batch'], 'v1'],
    ['sts', ['statefulsets.apps'], 'v1'],
    ['ds', ['daemonsets.apps'], 'v1'],
    ['rs', ['replicasets.apps'], 'v1'],
    ['rc', ['replicationcontrollers'], 'v1'],
    ['cs', ['componentstatuses'], 'v1'],
    ['limits', ['limitranges'], 'v1'],
    ['quota', ['resourcequotas'], 'v1'],
    ['ns', ['namespaces'], 'v1'],
    ['no', ['nodes'], 'v1'],
    ['endpoints', ['endpoints'], 'v1'],
    ['ep', ['endpoints'], 'v1'],
    ['pv', ['persistentvolumes'], 'v1'],
    ['pvc', ['persistentvolumeclaims'], 'v1'],
    ['sa', ['serviceaccounts'], 'v1'],
    ['cm', ['configmaps'], 'v1'],
    ['FlowSchema', ['flowschemas.flowcontrol.apiserver.k8s.io'], 'v1'],
    ['clusterrolebinding', ['clusterrolebindings.rbac.authorization.k8s.io'], 'v1'],
    ['lease', ['leases.coordination.k8s.io'], 'v1'],
    ['endpointslices', ['endpointslices.discovery.k8s.io'], 'v1'],
  ];
  it.each(table)('%s', (arg, expected, version) => {
    const got = resolveResource(arg);
    expect(got.map((x) => groupResourceString(x.info))).toEqual(expected);
    expect(got[0]?.version).toBe(version);
  });
  it.each(['', 'foo', 'deployments.extensions', 'pods.apps', 'deployments.v2.apps'])('%j resolves to nothing', (arg) => {
    expect(resolveResource(arg)).toEqual([]);
  });
});

describe('groups()', () => {
  it('lists core first, then upstream /apis order, with preferred versions', () => {
    expect(groups().map((g) => [g.name, g.versions, g.preferredVersion])).toEqual([
      ['', ['v1'], 'v1'],
      ['apps', ['v1'], 'v1'],
      ['events.k8s.io', ['v1'], 'v1'],
      ['authentication.k8s.io', ['v1'], 'v1'],
      ['authorization.k8s.io', ['v1'], 'v1'],
      ['autoscaling', ['v2', 'v1'], 'v2'],
      ['batch', ['v1'], 'v1'],
      ['certificates.k8s.io', ['v1'], 'v1'],
      ['networking.k8s.io', ['v1'], 'v1'],
      ['policy', ['v1'], 'v1'],
      ['rbac.authorization.k8s.io', ['v1'], 'v1'],
      ['storage.k8s.io', ['v1'], 'v1'],
      ['scheduling.k8s.io', ['v1'], 'v1'],
      ['coordination.k8s.io', ['v1'], 'v1'],
      ['discovery.k8s.io', ['v1'], 'v1'],
      ['flowcontrol.apiserver.k8s.io', ['v1'], 'v1'],
    ]);
  });
});

// Discovery documents: legacy /api, /apis, APIResourceList and aggregated v2 shapes checked against upstream's api/discovery golden files.
import { describe, it, expect } from 'vitest';
import {
  AGGREGATED_DISCOVERY_V2_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  storageVersionHash,
} from './discovery.js';
import { RESOURCES } from './resources.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

describe('storageVersionHash (values from upstream api/discovery/*.json)', () => {
  const table: Array<[string, string, string, string]> = [
    ['', 'v1', 'Pod', 'xPOwRZ+Yhw8='],
    ['', 'v1', 'ConfigMap', 'qFsyl6wFWjQ='],
    ['', 'v1', 'Endpoints', 'fWeeMqaN/OA='],
    ['', 'v1', 'Event', 'r2yiGXH7wu8='],
    ['', 'v1', 'LimitRange', 'EBKMFVe6cwo='],
    ['', 'v1', 'Namespace', 'Q3oi5N2YM8M='],
    ['', 'v1', 'Node', 'XwShjMxG9Fs='],
    ['', 'v1', 'PersistentVolumeClaim', 'QWTyNDq0dC4='],
    ['', 'v1', 'PersistentVolume', 'HN/zwEC+JgM='],
    ['', 'v1', 'PodTemplate', 'LIXB2x4IFpk='],
    ['', 'v1', 'ReplicationController', 'Jond2If31h0='],
    ['', 'v1', 'ResourceQuota', '8uhSgffRX6w='],
    ['', 'v1', 'Secret', 'S6u1pOWzb84='],
    ['', 'v1', 'ServiceAccount', 'pbx9ZvyFpBE='],
    ['', 'v1', 'Service', '0/CO1lhkEBI='],
    ['apps', 'v1', 'ControllerRevision', '85nkx63pcBU='],
    ['apps', 'v1', 'DaemonSet', 'dd7pWHUlMKQ='],
    ['apps', 'v1', 'Deployment', '8aSe+NMegvE='],
    ['apps', 'v1', 'ReplicaSet', 'P1RzHs8/mWQ='],
    ['apps', 'v1', 'StatefulSet', 'H+vl74LkKdo='],
    ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'qwQve8ut294='],
    ['batch', 'v1', 'CronJob', 'sd5LIXh4Fjs='],
    ['batch', 'v1', 'Job', 'mudhfqk/qZY='],
    ['coordination.k8s.io', 'v1', 'Lease', 'gqkMMb/YqFM='],
    // Older golden files (storage was still v1beta1 / v1beta3 then): formula checks only.
    ['discovery.k8s.io', 'v1beta1', 'EndpointSlice', 'Nx3SIv6I0mE='],
    ['policy', 'v1', 'PodDisruptionBudget', 'EVWiDmWqyJw='],
    ['networking.k8s.io', 'v1', 'IngressClass', 'l/iqIbDgFyQ='],
    ['networking.k8s.io', 'v1', 'Ingress', '39NQlfNR+bo='],
    ['networking.k8s.io', 'v1', 'NetworkPolicy', 'YpfwF18m1G8='],
    ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', '48tpQ8gZHFc='],
    ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'bYE5ZWDrJ44='],
    ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'eGsCzGH6b1g='],
    ['rbac.authorization.k8s.io', 'v1', 'Role', '7FuwZcIIItM='],
    ['storage.k8s.io', 'v1', 'StorageClass', 'K+m6uJwbjGY='],
    ['scheduling.k8s.io', 'v1', 'PriorityClass', '1QwjyaZjj3Y='],
    ['flowcontrol.apiserver.k8s.io', 'v1beta3', 'FlowSchema', '9NnFrw7ZEmA='],
    ['flowcontrol.apiserver.k8s.io', 'v1beta3', 'PriorityLevelConfiguration', '+CwSrEWTDhc='],
  ];
  it.each(table)('%s/%s/%s', (g, v, k, hash) => {
    expect(storageVersionHash(g, v, k)).toBe(hash);
  });

  // [groupVersion path parts, resource, hash served] — events.k8s.io and autoscaling/v1 report the storage gvk's hash.
  it.each([
    ['events.k8s.io', 'v1', 'events', 'r2yiGXH7wu8='],
    ['autoscaling', 'v1', 'horizontalpodautoscalers', 'qwQve8ut294='],
    ['autoscaling', 'v2', 'horizontalpodautoscalers', 'qwQve8ut294='],
    // 1.32 stores these at v1 (endpointslices v1beta1 and flowcontrol v1beta3 are no longer served).
    ['discovery.k8s.io', 'v1', 'endpointslices', storageVersionHash('discovery.k8s.io', 'v1', 'EndpointSlice')],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas', storageVersionHash('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema')],
    ['', 'v1', 'bindings', undefined],
    ['', 'v1', 'componentstatuses', undefined],
  ])('%s/%s %s served hash', (g, v, r, hash) => {
    expect(apiResourceList(g, v)?.resources.find((x) => x.name === r)?.storageVersionHash).toBe(hash);
  });
});

describe('legacy discovery', () => {
  it('/api', () => {
    expect(apiVersions('10.10.10.10:8050')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.10.10.10:8050' }],
    });
  });

  it('/apis lists named groups in upstream order', () => {
    const list = apiGroupList();
    expect(list.kind).toBe('APIGroupList');
    expect(list.apiVersion).toBe('v1');
    expect(list.groups.map((g) => g.name)).toEqual([
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
    ]);
  });

  it('/apis/autoscaling matches upstream', () => {
    expect(apiGroup('autoscaling')).toEqual({
      apiVersion: 'v1',
      kind: 'APIGroup',
      name: 'autoscaling',
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
      versions: [
        { groupVersion: 'autoscaling/v2', version: 'v2' },
        { groupVersion: 'autoscaling/v1', version: 'v1' },
      ],
    });
  });

  it.each(['', 'extensions', 'apiregistration.k8s.io'])('/apis/%j is not served', (g) => {
    expect(apiGroup(g)).toBeUndefined();
  });

  it.each([
    ['', 'v2'],
    ['apps', 'v1beta1'],
    ['autoscaling', 'v2beta2'],
    ['nope', 'v1'],
  ])('%j/%s APIResourceList is undefined', (g, v) => {
    expect(apiResourceList(g, v)).toBeUndefined();
  });

  it('/api/v1 names exactly upstream 1.32 entries, sorted', () => {
    const list = apiResourceList('', 'v1');
    expect(list?.kind).toBe('APIResourceList');
    expect(list?.groupVersion).toBe('v1');
    expect(list && 'apiVersion' in list).toBe(false);
    expect(list?.resources.map((x) => x.name)).toEqual([
      'bindings', 'componentstatuses', 'configmaps', 'endpoints', 'events', 'limitranges',
      'namespaces', 'namespaces/finalize', 'namespaces/status',
      'nodes', 'nodes/proxy', 'nodes/status',
      'persistentvolumeclaims', 'persistentvolumeclaims/status',
      'persistentvolumes', 'persistentvolumes/status',
      'pods', 'pods/attach', 'pods/binding', 'pods/ephemeralcontainers', 'pods/eviction', 'pods/exec', 'pods/log',
      'pods/portforward', 'pods/proxy', 'pods/status',
      'podtemplates',
      'replicationcontrollers', 'replicationcontrollers/scale', 'replicationcontrollers/status',
      'resourcequotas', 'resourcequotas/status',
      'secrets', 'serviceaccounts', 'serviceaccounts/token',
      'services', 'services/proxy', 'services/status',
    ]);
  });

  // Entries copied from upstream api/discovery/api__v1.json and apis__apps__v1.json.
  const entries: Array<[string, string, string, object]> = [
    ['', 'v1', 'pods', {
      categories: ['all'], kind: 'Pod', name: 'pods', namespaced: true, shortNames: ['po'],
      singularName: 'pod', storageVersionHash: 'xPOwRZ+Yhw8=', verbs: ALL,
    }],
    ['', 'v1', 'pods/eviction', {
      group: 'policy', kind: 'Eviction', name: 'pods/eviction', namespaced: true, singularName: '', verbs: ['create'], version: 'v1',
    }],
    ['', 'v1', 'namespaces', {
      kind: 'Namespace', name: 'namespaces', namespaced: false, shortNames: ['ns'], singularName: 'namespace',
      storageVersionHash: 'Q3oi5N2YM8M=', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    }],
    ['', 'v1', 'bindings', { kind: 'Binding', name: 'bindings', namespaced: true, singularName: 'binding', verbs: ['create'] }],
    ['', 'v1', 'componentstatuses', {
      kind: 'ComponentStatus', name: 'componentstatuses', namespaced: false, shortNames: ['cs'], singularName: 'componentstatus', verbs: ['get', 'list'],
    }],
    ['', 'v1', 'serviceaccounts/token', {
      group: 'authentication.k8s.io', kind: 'TokenRequest', name: 'serviceaccounts/token', namespaced: true, singularName: '', verbs: ['create'], version: 'v1',
    }],
    ['', 'v1', 'nodes/proxy', {
      kind: 'NodeProxyOptions', name: 'nodes/proxy', namespaced: false, singularName: '', verbs: ['create', 'delete', 'get', 'patch', 'update'],
    }],
    ['apps', 'v1', 'deployments', {
      categories: ['all'], kind: 'Deployment', name: 'deployments', namespaced: true, shortNames: ['deploy'],
      singularName: 'deployment', storageVersionHash: '8aSe+NMegvE=', verbs: ALL,
    }],
    ['apps', 'v1', 'deployments/scale', {
      group: 'autoscaling', kind: 'Scale', name: 'deployments/scale', namespaced: true, singularName: '', verbs: ['get', 'patch', 'update'], version: 'v1',
    }],
    ['apps', 'v1', 'deployments/status', {
      kind: 'Deployment', name: 'deployments/status', namespaced: true, singularName: '', verbs: ['get', 'patch', 'update'],
    }],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas/status', {
      kind: 'FlowSchema', name: 'flowschemas/status', namespaced: false, singularName: '', verbs: ['get', 'patch', 'update'],
    }],
  ];
  it.each(entries)('%j/%s %s entry matches upstream exactly', (g, v, name, expected) => {
    expect(apiResourceList(g, v)?.resources.find((x) => x.name === name)).toStrictEqual(expected);
  });

  it('/apis/apps/v1 carries apiVersion and groupVersion', () => {
    const list = apiResourceList('apps', 'v1');
    expect(list?.apiVersion).toBe('v1');
    expect(list?.groupVersion).toBe('apps/v1');
    expect(list?.resources.map((x) => x.name)).toEqual([
      'controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status',
      'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status',
    ]);
  });

  it('every table resource appears once per served version with its subresources', () => {
    for (const info of RESOURCES) {
      for (const v of info.versions) {
        const names = apiResourceList(info.group, v)?.resources.map((x) => x.name) ?? [];
        expect(names.filter((n) => n === info.resource)).toHaveLength(1);
        for (const s of info.subresources) expect(names).toContain(`${info.resource}/${s.name}`);
      }
    }
  });
});

describe('aggregated discovery v2', () => {
  it('content type', () => {
    expect(AGGREGATED_DISCOVERY_V2_CONTENT_TYPE).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  });

  it('/api holds only the unnamed core group', () => {
    const doc = aggregatedDiscovery('/api');
    expect(doc.kind).toBe('APIGroupDiscoveryList');
    expect(doc.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect(doc.metadata).toEqual({});
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]?.metadata).toStrictEqual({ creationTimestamp: null });
    expect(doc.items[0]?.versions.map((v) => [v.version, v.freshness])).toEqual([['v1', 'Current']]);
  });

  it('/apis lists groups in upstream order; autoscaling versions v2 then v1', () => {
    const doc = aggregatedDiscovery('/apis');
    expect(doc.items.map((i) => i.metadata.name)).toEqual(apiGroupList().groups.map((g) => g.name));
    const as = doc.items.find((i) => i.metadata.name === 'autoscaling');
    expect(as?.versions.map((v) => v.version)).toEqual(['v2', 'v1']);
  });

  // Shapes copied from upstream api/discovery/aggregated_v2.json.
  it('apps/v1 deployments entry matches upstream exactly', () => {
    const apps = aggregatedDiscovery('/apis').items.find((i) => i.metadata.name === 'apps');
    expect(apps?.metadata).toStrictEqual({ name: 'apps', creationTimestamp: null });
    const dep = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
    expect(dep).toStrictEqual({
      resource: 'deployments',
      responseKind: { group: '', kind: 'Deployment', version: '' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      verbs: ALL,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [
        { responseKind: { group: 'autoscaling', kind: 'Scale', version: 'v1' }, subresource: 'scale', verbs: ['get', 'patch', 'update'] },
        { responseKind: { group: '', kind: 'Deployment', version: '' }, subresource: 'status', verbs: ['get', 'patch', 'update'] },
      ],
    });
    expect(apps?.versions[0]?.resources.find((r) => r.resource === 'controllerrevisions')).toStrictEqual({
      resource: 'controllerrevisions',
      responseKind: { group: '', kind: 'ControllerRevision', version: '' },
      scope: 'Namespaced',
      singularResource: 'controllerrevision',
      verbs: ALL,
    });
  });

  it.each([
    ['pods', 'Namespaced', ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status']],
    ['nodes', 'Cluster', ['proxy', 'status']],
    ['namespaces', 'Cluster', ['finalize', 'status']],
    ['serviceaccounts', 'Namespaced', ['token']],
    ['configmaps', 'Namespaced', undefined],
  ])('core %s scope %s subresources', (res, scope, subs) => {
    const r = aggregatedDiscovery('/api').items[0]?.versions[0]?.resources.find((x) => x.resource === res);
    expect(r?.scope).toBe(scope);
    expect(r?.subresources?.map((s) => s.subresource)).toEqual(subs);
  });

  it('pods/eviction responseKind is policy/v1 Eviction', () => {
    const pods = aggregatedDiscovery('/api').items[0]?.versions[0]?.resources.find((x) => x.resource === 'pods');
    expect(pods?.subresources?.find((s) => s.subresource === 'eviction')).toStrictEqual({
      subresource: 'eviction',
      responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      verbs: ['create'],
    });
  });

  it('round-trips through JSON without undefined fields', () => {
    const doc = aggregatedDiscovery('/apis');
    expect(JSON.parse(JSON.stringify(doc))).toStrictEqual(doc);
    const legacy = apiResourceList('', 'v1');
    expect(JSON.parse(JSON.stringify(legacy))).toStrictEqual(legacy);
  });
});

// Tests for printer lookup, column definitions (names/types/priorities as upstream 1.32), the default table and humanDuration.

import { describe, expect, it } from 'vitest';
import { defaultPrinter, hasPrinter, humanDuration, printerFor } from './index.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration', () => {
  it.each([
    [-3 * S, '<invalid>'],
    [-1.5 * S, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 5 * S, '2m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 20 * M, '5h20m'],
    [8 * H + 20 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D + 3 * H, '8d'],
    [45 * D, '45d'],
    [729 * D, '729d'],
    [2 * Y + 30 * D, '2y30d'],
    [3 * Y, '3y'],
    [9 * Y + 100 * D, '9y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

const names = (group: string, resource: string, priority?: number) =>
  printerFor(group, resource)
    .columns.filter((c) => priority === undefined || c.priority === priority)
    .map((c) => c.name);

describe('printerFor columns', () => {
  it.each([
    ['', 'pods', 'Name,Ready,Status,Restarts,Age', 'IP,Node,Nominated Node,Readiness Gates'],
    ['apps', 'deployments', 'Name,Ready,Up-to-date,Available,Age', 'Containers,Images,Selector'],
    ['apps', 'replicasets', 'Name,Desired,Current,Ready,Age', 'Containers,Images,Selector'],
    ['apps', 'statefulsets', 'Name,Ready,Age', 'Containers,Images'],
    ['apps', 'daemonsets', 'Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age', 'Containers,Images,Selector'],
    ['', 'replicationcontrollers', 'Name,Desired,Current,Ready,Age', 'Containers,Images,Selector'],
    ['batch', 'jobs', 'Name,Status,Completions,Duration,Age', 'Containers,Images,Selector'],
    ['batch', 'cronjobs', 'Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age', 'Containers,Images,Selector'],
    ['', 'services', 'Name,Type,Cluster-IP,External-IP,Port(s),Age', 'Selector'],
    ['', 'endpoints', 'Name,Endpoints,Age', ''],
    ['discovery.k8s.io', 'endpointslices', 'Name,AddressType,Ports,Endpoints,Age', ''],
    ['', 'nodes', 'Name,Status,Roles,Age,Version', 'Internal-IP,External-IP,OS-Image,Kernel-Version,Container-Runtime'],
    ['', 'namespaces', 'Name,Status,Age', ''],
    ['', 'configmaps', 'Name,Data,Age', ''],
    ['', 'secrets', 'Name,Type,Data,Age', ''],
    ['', 'serviceaccounts', 'Name,Secrets,Age', ''],
    ['', 'events', 'Last Seen,Type,Reason,Object,Message', 'Subobject,Source,First Seen,Count,Name'],
    ['events.k8s.io', 'events', 'Last Seen,Type,Reason,Object,Message', 'Subobject,Source,First Seen,Count,Name'],
    ['autoscaling', 'horizontalpodautoscalers', 'Name,Reference,Targets,MinPods,MaxPods,Replicas,Age', ''],
    ['coordination.k8s.io', 'leases', 'Name,Holder,Age', ''],
    ['', 'persistentvolumes', 'Name,Capacity,Access Modes,Reclaim Policy,Status,Claim,StorageClass,VolumeAttributesClass,Reason,Age', 'VolumeMode'],
    ['', 'persistentvolumeclaims', 'Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age', 'VolumeMode'],
    ['storage.k8s.io', 'storageclasses', 'Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age', ''],
    ['networking.k8s.io', 'ingresses', 'Name,Class,Hosts,Address,Ports,Age', ''],
    ['networking.k8s.io', 'ingressclasses', 'Name,Controller,Parameters,Age', ''],
    ['networking.k8s.io', 'networkpolicies', 'Name,Pod-Selector,Age', ''],
    ['policy', 'poddisruptionbudgets', 'Name,Min Available,Max Unavailable,Allowed Disruptions,Age', ''],
    ['scheduling.k8s.io', 'priorityclasses', 'Name,Value,Global-Default,Age,PreemptionPolicy', ''],
    ['rbac.authorization.k8s.io', 'rolebindings', 'Name,Role,Age', 'Users,Groups,ServiceAccounts'],
    ['rbac.authorization.k8s.io', 'clusterrolebindings', 'Name,Role,Age', 'Users,Groups,ServiceAccounts'],
    ['', 'resourcequotas', 'Name,Request,Limit,Age', ''],
    ['', 'podtemplates', 'Name,Containers,Images,Pod Labels', ''],
    ['apps', 'controllerrevisions', 'Name,Controller,Revision,Age', ''],
    ['flowcontrol.apiserver.k8s.io', 'flowschemas', 'Name,PriorityLevel,MatchingPrecedence,DistinguisherMethod,Age,MissingPL', ''],
    ['flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', 'Name,Type,NominalConcurrencyShares,Queues,HandSize,QueueLengthLimit,Age', ''],
    ['', 'componentstatuses', 'Name,Status,Message,Error', ''],
  ])('%s/%s', (group, resource, normal, wide) => {
    expect(hasPrinter(group, resource)).toBe(true);
    expect(names(group, resource, 0).join(',')).toBe(normal);
    expect(names(group, resource, 1).join(',')).toBe(wide);
  });

  it('uses upstream column types and the name format', () => {
    const pod = printerFor('', 'pods').columns;
    expect(pod[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(pod.find((c) => c.name === 'Restarts')?.type).toBe('string');
    expect(printerFor('apps', 'replicasets').columns.find((c) => c.name === 'Desired')?.type).toBe('integer');
    expect(printerFor('batch', 'cronjobs').columns.find((c) => c.name === 'Suspend')?.type).toBe('boolean');
    expect(printerFor('', 'events').columns.find((c) => c.name === 'Name')).toMatchObject({ format: 'name', priority: 1 });
    for (const c of pod) expect(c.description.length).toBeGreaterThan(0);
  });

  it('every row has one cell per column', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    const obj = { metadata: { name: 'x', creationTimestamp: '2024-05-01T11:00:00Z' } };
    for (const [g, r] of [
      ['', 'pods'],
      ['', 'services'],
      ['', 'nodes'],
      ['', 'events'],
      ['apps', 'deployments'],
      ['apps', 'daemonsets'],
      ['batch', 'jobs'],
      ['batch', 'cronjobs'],
      ['autoscaling', 'horizontalpodautoscalers'],
      ['', 'persistentvolumes'],
      ['rbac.authorization.k8s.io', 'rolebindings'],
      ['flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations'],
      ['rbac.authorization.k8s.io', 'roles'],
    ] as const) {
      const p = printerFor(g, r);
      expect(p.row(obj, now), `${g}/${r}`).toHaveLength(p.columns.length);
    }
  });
});

describe('default table', () => {
  it.each([
    ['rbac.authorization.k8s.io', 'roles'],
    ['rbac.authorization.k8s.io', 'clusterroles'],
    ['', 'limitranges'],
    ['example.com', 'widgets'],
  ])('%s/%s has Name and Created At', (group, resource) => {
    expect(hasPrinter(group, resource)).toBe(false);
    const p = printerFor(group, resource);
    expect(p).toBe(defaultPrinter);
    expect(p.columns.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
  });

  it('prints the creation timestamp in RFC3339 at second precision', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(defaultPrinter.row({ metadata: { name: 'admin', creationTimestamp: '2024-05-01T10:11:12.345Z' } }, now)).toEqual(['admin', '2024-05-01T10:11:12Z']);
    expect(defaultPrinter.row({ metadata: { name: 'x' } }, now)).toEqual(['x', '0001-01-01T00:00:00Z']);
  });
});

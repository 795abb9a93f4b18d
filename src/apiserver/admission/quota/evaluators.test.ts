// Quota evaluators: per-object usage of pods, services, PVCs and counted kinds; pod scopes and constraints; resource-list arithmetic.
import { describe, expect, it } from 'vitest';
import type { Obj } from '../../access.js';
import {
  evaluatorFor,
  evaluatorsForNames,
  isBestEffort,
  isIgnoredResource,
  objectCountName,
  parseObjectCountName,
  podEvaluator,
  podUsage,
  pvcEvaluator,
  pvcUsage,
  quotaMatches,
  serviceEvaluator,
  serviceUsage,
} from './evaluators.js';
import { addLists, lessThanOrEqual, parseResourceList, prettyPrint, resourceListToJSON, subtractNonNegative } from './resources.js';

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const c = (name: string, resources: Res = {}, restartPolicy?: string): Obj => ({ name, image: 'x', resources, ...(restartPolicy ? { restartPolicy } : {}) });
const pod = (spec: Obj, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...(extra.metadata ?? {}) }, spec, status: extra.status ?? {} });
const json = (l: Map<string, { toString(): string }>) => resourceListToJSON(l as never);

describe('pod usage (upstream PodUsageFunc)', () => {
  const table: Array<[string, Obj, Record<string, string>]> = [
    ['no resources: only counts', pod({ containers: [c('a')] }), { 'count/pods': '1', pods: '1' }],
    [
      'requests and limits of two containers are summed',
      pod({ containers: [c('a', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }), c('b', { requests: { cpu: '750m', memory: '64Mi' } })] }),
      {
        'count/pods': '1',
        pods: '1',
        cpu: '1',
        'requests.cpu': '1',
        memory: '128Mi',
        'requests.memory': '128Mi',
        'limits.cpu': '500m',
        'limits.memory': '128Mi',
      },
    ],
    [
      'the largest init container wins over the sum when larger',
      pod({ initContainers: [c('i1', { requests: { cpu: '2' } }), c('i2', { requests: { cpu: '100m', memory: '1Gi' } })], containers: [c('a', { requests: { cpu: '500m', memory: '64Mi' } })] }),
      { 'count/pods': '1', pods: '1', cpu: '2', 'requests.cpu': '2', memory: '1Gi', 'requests.memory': '1Gi' },
    ],
    [
      'sidecar (restartable) init containers add to the sum and to later init containers',
      pod({
        initContainers: [c('side', { requests: { cpu: '200m' } }, 'Always'), c('init', { requests: { cpu: '1' } })],
        containers: [c('a', { requests: { cpu: '300m' } })],
      }),
      // sum = 300m + 200m = 500m; init = 1 + 200m = 1200m -> 1200m
      { 'count/pods': '1', pods: '1', cpu: '1200m', 'requests.cpu': '1200m' },
    ],
    [
      'overhead adds to requests, and to limits only where a limit exists',
      pod({ overhead: { cpu: '100m', memory: '10Mi' }, containers: [c('a', { requests: { cpu: '100m' }, limits: { cpu: '200m' } })] }),
      { 'count/pods': '1', pods: '1', cpu: '200m', 'requests.cpu': '200m', memory: '10Mi', 'requests.memory': '10Mi', 'limits.cpu': '300m' },
    ],
    [
      'ephemeral storage, hugepages and extended resources',
      pod({
        containers: [
          c('a', {
            requests: { 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '4Mi', 'nvidia.com/gpu': '2' },
            limits: { 'ephemeral-storage': '2Gi', 'hugepages-2Mi': '4Mi', 'nvidia.com/gpu': '2' },
          }),
        ],
      }),
      {
        'count/pods': '1',
        pods: '1',
        'ephemeral-storage': '1Gi',
        'requests.ephemeral-storage': '1Gi',
        'limits.ephemeral-storage': '2Gi',
        'hugepages-2Mi': '4Mi',
        'requests.hugepages-2Mi': '4Mi',
        'requests.nvidia.com/gpu': '2',
      },
    ],
    ['a Succeeded pod only counts as an object', pod({ containers: [c('a', { requests: { cpu: '1' } })] }, { status: { phase: 'Succeeded' } }), { 'count/pods': '1' }],
    ['a Failed pod only counts as an object', pod({ containers: [c('a', { requests: { cpu: '1' } })] }, { status: { phase: 'Failed' } }), { 'count/pods': '1' }],
    [
      'a pod past its deletion grace period only counts as an object',
      pod({ containers: [c('a', { requests: { cpu: '1' } })] }, { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } }),
      { 'count/pods': '1' },
    ],
    [
      'a pod within its deletion grace period still counts',
      pod({ containers: [c('a', { requests: { cpu: '1' } })] }, { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 3600 } }),
      { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1' },
    ],
  ];
  const now = new Date('2024-01-01T00:01:00Z');
  it.each(table)('%s', (_name, p, want) => {
    expect(json(podUsage(p, now))).toEqual(want);
  });
});

describe('pod scopes (upstream podMatchesScopeFunc)', () => {
  const besteffort = pod({ containers: [c('a')] });
  const burstable = pod({ containers: [c('a', { requests: { memory: '1Mi' } })] });
  const terminating = pod({ activeDeadlineSeconds: 30, containers: [c('a')] });
  const high = pod({ priorityClassName: 'high', containers: [c('a')] });
  const table: Array<[string, Obj, { scopeName: string; operator: string; values?: string[] }, boolean]> = [
    ['BestEffort matches a pod without requests', besteffort, { scopeName: 'BestEffort', operator: 'Exists' }, true],
    ['BestEffort does not match a burstable pod', burstable, { scopeName: 'BestEffort', operator: 'Exists' }, false],
    ['NotBestEffort matches a burstable pod', burstable, { scopeName: 'NotBestEffort', operator: 'Exists' }, true],
    ['Terminating needs activeDeadlineSeconds', terminating, { scopeName: 'Terminating', operator: 'Exists' }, true],
    ['Terminating does not match without it', besteffort, { scopeName: 'Terminating', operator: 'Exists' }, false],
    ['NotTerminating', besteffort, { scopeName: 'NotTerminating', operator: 'Exists' }, true],
    ['PriorityClass In matches', high, { scopeName: 'PriorityClass', operator: 'In', values: ['high', 'mid'] }, true],
    ['PriorityClass In does not match another class', high, { scopeName: 'PriorityClass', operator: 'In', values: ['low'] }, false],
    ['PriorityClass NotIn matches a pod without a class', besteffort, { scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, true],
    ['PriorityClass Exists', high, { scopeName: 'PriorityClass', operator: 'Exists' }, true],
    ['PriorityClass DoesNotExist', high, { scopeName: 'PriorityClass', operator: 'DoesNotExist' }, false],
  ];
  it.each(table)('%s', (_n, p, req, want) => {
    expect(podEvaluator.matchesScope(req, p)).toBe(want);
  });

  it('status.qosClass decides BestEffort when set', () => {
    expect(isBestEffort({ ...besteffort, status: { qosClass: 'Burstable' } })).toBe(false);
    expect(isBestEffort({ ...burstable, status: { qosClass: 'BestEffort' } })).toBe(true);
  });

  it('a quota matches when it tracks a pod resource and every scope matches', () => {
    const q = { spec: { hard: { pods: '1' }, scopes: ['BestEffort', 'NotTerminating'] } };
    expect(quotaMatches(podEvaluator, q, ['pods'], besteffort)).toBe(true);
    expect(quotaMatches(podEvaluator, q, ['pods'], burstable)).toBe(false);
    expect(quotaMatches(podEvaluator, q, ['services'], besteffort)).toBe(false);
    // scoped quotas never match kinds without scopes
    expect(quotaMatches(serviceEvaluator, { spec: { scopes: ['BestEffort'] } }, ['services'], { spec: {} })).toBe(false);
  });
});

describe('pod constraints (upstream podEvaluator.Constraints)', () => {
  const table: Array<[string, string[], Obj, string | undefined]> = [
    ['nothing required', ['pods'], pod({ containers: [c('a')] }), undefined],
    ['cpu limit missing', ['limits.cpu'], pod({ containers: [c('c')] }), 'must specify limits.cpu for: c'],
    [
      'several resources and containers, sorted',
      ['requests.cpu', 'limits.cpu', 'limits.memory', 'pods'],
      pod({ containers: [c('b'), c('a', { requests: { cpu: '1' } })] }),
      'must specify limits.cpu for: a,b; limits.memory for: a,b; requests.cpu for: b',
    ],
    ['init containers are checked too', ['memory'], pod({ initContainers: [c('init')], containers: [c('a', { requests: { memory: '1Mi' } })] }), 'must specify memory for: init'],
    ['ephemeral storage is never required', ['requests.ephemeral-storage'], pod({ containers: [c('a')] }), undefined],
    ['satisfied', ['requests.cpu', 'limits.cpu'], pod({ containers: [c('a', { requests: { cpu: '1' }, limits: { cpu: '1' } })] }), undefined],
  ];
  it.each(table)('%s', (_n, required, p, want) => {
    expect(podEvaluator.constraints(required, p)).toBe(want);
  });
});

describe('service usage (upstream serviceEvaluator)', () => {
  const svc = (spec: Obj): Obj => ({ metadata: { name: 's' }, spec });
  const table: Array<[string, Obj, Record<string, string>]> = [
    ['ClusterIP', svc({ type: 'ClusterIP', ports: [{ port: 80 }] }), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' }],
    ['NodePort counts its ports', svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] }), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' }],
    ['LoadBalancer', svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }), { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' }],
    [
      'LoadBalancer without node port allocation counts explicit node ports',
      svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] }),
      { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' },
    ],
  ];
  it.each(table)('%s', (_n, s, want) => expect(json(serviceUsage(s))).toEqual(want));
  it('handles create and update, not subresources', () => {
    expect(serviceEvaluator.handles('UPDATE', '')).toBe(true);
    expect(serviceEvaluator.handles('UPDATE', 'status')).toBe(false);
    expect(podEvaluator.handles('UPDATE', '')).toBe(false);
    expect(podEvaluator.handles('CREATE', '')).toBe(true);
  });
});

describe('PVC usage (upstream pvcEvaluator)', () => {
  const pvc = (spec: Obj, extra: Obj = {}): Obj => ({ metadata: { name: 'd', ...(extra.metadata ?? {}) }, spec, status: extra.status ?? {} });
  const table: Array<[string, Obj, Record<string, string>]> = [
    ['no class', pvc({ resources: { requests: { storage: '1Gi' } } }), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '1Gi' }],
    [
      'storage class from spec',
      pvc({ storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } }),
      {
        persistentvolumeclaims: '1',
        'count/persistentvolumeclaims': '1',
        'requests.storage': '10Gi',
        'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
        'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
      },
    ],
    [
      'the beta annotation wins over spec',
      pvc({ storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } }, { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'bronze' } } }),
      {
        persistentvolumeclaims: '1',
        'count/persistentvolumeclaims': '1',
        'requests.storage': '1Gi',
        'bronze.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
        'bronze.storageclass.storage.k8s.io/requests.storage': '1Gi',
      },
    ],
    [
      'a larger allocated size counts',
      pvc({ resources: { requests: { storage: '1Gi' } } }, { status: { allocatedResources: { storage: '2Gi' } } }),
      { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '2Gi' },
    ],
    ['fractional bytes round up', pvc({ resources: { requests: { storage: '1500m' } } }), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '2' }],
  ];
  it.each(table)('%s', (_n, p, want) => expect(json(pvcUsage(p))).toEqual(want));
  it('matches storage-class resource names', () => {
    expect(pvcEvaluator.matchingResources(['gold.storageclass.storage.k8s.io/requests.storage', 'pods', 'requests.storage', 'count/persistentvolumeclaims'])).toEqual([
      'gold.storageclass.storage.k8s.io/requests.storage',
      'requests.storage',
      'count/persistentvolumeclaims',
    ]);
  });
});

describe('object counting and the registry', () => {
  it('names count/ resources as upstream', () => {
    expect(objectCountName('apps', 'deployments')).toBe('count/deployments.apps');
    expect(objectCountName('', 'configmaps')).toBe('count/configmaps');
    expect(parseObjectCountName('count/jobs.batch')).toEqual({ group: 'batch', resource: 'jobs' });
    expect(parseObjectCountName('count/widgets.example.com')).toEqual({ group: 'example.com', resource: 'widgets' });
    expect(parseObjectCountName('pods')).toBeUndefined();
  });
  it('legacy aliases and generic counters', () => {
    const cm = evaluatorFor('', 'configmaps');
    expect(json(cm!.usage({}))).toEqual({ configmaps: '1', 'count/configmaps': '1' });
    const dep = evaluatorFor('apps', 'deployments');
    expect(dep!.matchingResources(['count/deployments.apps', 'count/replicasets.apps', 'pods'])).toEqual(['count/deployments.apps']);
    expect(json(dep!.usage({}))).toEqual({ 'count/deployments.apps': '1' });
    expect(dep!.handles('CREATE', '')).toBe(true);
    expect(dep!.handles('UPDATE', '')).toBe(false);
  });
  it('ignores events and reviews', () => {
    expect(isIgnoredResource('', 'events')).toBe(true);
    expect(isIgnoredResource('events.k8s.io', 'events')).toBe(true);
    expect(evaluatorFor('authorization.k8s.io', 'subjectaccessreviews')).toBeUndefined();
    expect(isIgnoredResource('', 'pods')).toBe(false);
  });
  it('finds the evaluators a quota needs', () => {
    const evs = evaluatorsForNames(['pods', 'count/deployments.apps', 'count/configmaps', 'secrets', 'foo']);
    expect(evs.map((e) => (e.group ? `${e.resource}.${e.group}` : e.resource)).sort()).toEqual(['configmaps', 'deployments.apps', 'pods', 'secrets']);
  });
});

describe('resource lists (upstream quota helpers)', () => {
  it('adds, keeping canonical formats', () => {
    const a = parseResourceList({ cpu: '500m', memory: '64Mi' });
    const b = parseResourceList({ cpu: '500m', memory: '64Mi', pods: '1' });
    expect(resourceListToJSON(addLists(a, b))).toEqual({ cpu: '1', memory: '128Mi', pods: '1' });
    expect(resourceListToJSON(addLists(parseResourceList({ memory: '0' }), parseResourceList({ memory: '1Gi' })))).toEqual({ memory: '1Gi' });
  });
  it('subtracts without going negative', () => {
    expect(resourceListToJSON(subtractNonNegative(parseResourceList({ a: '5Gi', b: '1' }), parseResourceList({ a: '1Gi', b: '2', c: '1' })))).toEqual({ a: '4Gi', b: '0', c: '0' });
  });
  it('compares only keys both lists have', () => {
    expect(lessThanOrEqual(parseResourceList({ pods: '3', cpu: '1' }), parseResourceList({ pods: '2', cpu: '2', memory: '1' }))).toEqual({ ok: false, exceeded: ['pods'] });
    expect(lessThanOrEqual(parseResourceList({ pods: '2' }), parseResourceList({ pods: '2' })).ok).toBe(true);
  });
  it('prints sorted', () => {
    expect(prettyPrint(parseResourceList({ pods: '1', 'limits.cpu': '250m' }))).toBe('limits.cpu=250m,pods=1');
  });
});

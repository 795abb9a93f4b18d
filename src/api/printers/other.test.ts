// Tests for the HPA, networking, policy, scheduling, coordination, storage, rbac and flowcontrol printers.

import { describe, expect, it } from 'vitest';
import { formatHPAMetrics, printerFor } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: '2024-05-01T08:00:00Z', ...extra });
const row = (group: string, resource: string, obj: unknown) => printerFor(group, resource).row(obj, now);

const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });

describe('formatHPAMetrics', () => {
  it.each<[string, unknown, unknown, string]>([
    ['no metrics', [], [], '<none>'],
    ['cpu without status', [cpu(80)], undefined, 'cpu: <unknown>/80%'],
    ['cpu with status', [cpu(80)], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '50m' } } }], 'cpu: 12%/80%'],
    ['memory average value', [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } }], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '300Mi' } } }], 'memory: 300Mi/512Mi'],
    ['pods', [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1000m' } } }], [], '<unknown>/1'],
    ['object value', [{ type: 'Object', object: { metric: { name: 'rps' }, target: { type: 'Value', value: '10k' } } }], [{ type: 'Object', object: { current: { value: '2k' } } }], '2k/10k'],
    ['external average', [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '30' } } }], [], '<unknown>/30 (avg)'],
    ['container resource', [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } }], [], 'cpu: <unknown>/60%'],
    ['unknown type', [{ type: 'Bogus' }], [], '<unknown type>'],
    ['more than two', [cpu(80), cpu(70), cpu(60)], [], 'cpu: <unknown>/80%, cpu: <unknown>/70% + 1 more...'],
  ])('%s', (_n, specs, statuses, want) => {
    expect(formatHPAMetrics(specs, statuses)).toBe(want);
  });
});

describe('horizontalpodautoscalers', () => {
  it('prints a v2 HPA', () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      metadata: meta('web'),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpu(80)] },
      status: { currentReplicas: 2, desiredReplicas: 2 },
    };
    expect(row('autoscaling', 'horizontalpodautoscalers', hpa)).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 10, 2, '4h']);
  });

  it('prints a v1 HPA through conversion', () => {
    const hpa = {
      apiVersion: 'autoscaling/v1',
      metadata: meta('web'),
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 20 },
    };
    expect(row('autoscaling', 'horizontalpodautoscalers', hpa)).toEqual(['web', 'Deployment/web', 'cpu: 20%/50%', '<unset>', 4, 1, '4h']);
    const { apiVersion: _v, ...bare } = hpa;
    expect(row('autoscaling', 'horizontalpodautoscalers', bare)[2]).toBe('cpu: 20%/50%');
  });
});

describe('networking', () => {
  it.each<[string, unknown, unknown[]]>([
    [
      'ingresses',
      { metadata: meta('ing'), spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.5' }] } } },
      ['ing', 'nginx', 'a.example.com,b.example.com', '10.0.0.5', '80, 443', '4h'],
    ],
    ['ingresses', { metadata: meta('catchall'), spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } } }, ['catchall', '<none>', '*', '', '80', '4h']],
    [
      'ingresses',
      { metadata: meta('many'), spec: { rules: [{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, {}] } },
      ['many', '<none>', 'a,b,c + 2 more...', '', '80', '4h'],
    ],
    ['ingressclasses', { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } }, ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '4h']],
    ['ingressclasses', { metadata: meta('plain'), spec: { controller: 'c' } }, ['plain', 'c', '<none>', '4h']],
    ['networkpolicies', { metadata: meta('deny'), spec: { podSelector: {} } }, ['deny', '<none>', '4h']],
    ['networkpolicies', { metadata: meta('web'), spec: { podSelector: { matchLabels: { app: 'web' } } } }, ['web', 'app=web', '4h']],
  ])('%s', (resource, obj, want) => {
    expect(row('networking.k8s.io', resource, obj)).toEqual(want);
  });

  it('prints endpointslices', () => {
    const es = {
      metadata: meta('web-abc'),
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'named' }, {}],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2', '10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
    };
    expect(row('discovery.k8s.io', 'endpointslices', es)).toEqual(['web-abc', 'IPv4', '80,named,*', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '4h']);
    expect(row('discovery.k8s.io', 'endpointslices', { metadata: meta('empty'), addressType: 'IPv6' })).toEqual(['empty', 'IPv6', '<unset>', '<unset>', '4h']);
  });
});

describe('policy, scheduling, coordination, storage', () => {
  it.each<[string, string, unknown, unknown[]]>([
    ['policy', 'poddisruptionbudgets', { metadata: meta('pdb'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }, ['pdb', '2', 'N/A', 1, '4h']],
    ['policy', 'poddisruptionbudgets', { metadata: meta('pct'), spec: { maxUnavailable: '25%' } }, ['pct', 'N/A', '25%', 0, '4h']],
    ['scheduling.k8s.io', 'priorityclasses', { metadata: meta('system-node-critical'), value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' }, ['system-node-critical', 2000001000, false, '4h', 'PreemptLowerPriority']],
    ['scheduling.k8s.io', 'priorityclasses', { metadata: meta('default'), value: 10, globalDefault: true }, ['default', 10, true, '4h', '']],
    ['coordination.k8s.io', 'leases', { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'node1_abc' } }, ['kube-scheduler', 'node1_abc', '4h']],
    ['coordination.k8s.io', 'leases', { metadata: meta('free'), spec: {} }, ['free', '', '4h']],
    [
      'storage.k8s.io',
      'storageclasses',
      { metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' },
      ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '4h'],
    ],
    ['storage.k8s.io', 'storageclasses', { metadata: meta('fast'), provisioner: 'csi', allowVolumeExpansion: true }, ['fast', 'csi', 'Delete', 'Immediate', true, '4h']],
  ])('%s/%s', (group, resource, obj, want) => {
    expect(row(group, resource, obj)).toEqual(want);
  });
});

describe('rbac bindings', () => {
  it('prints role and subjects', () => {
    const rb = {
      metadata: meta('admins'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'ops' },
        { kind: 'ServiceAccount', namespace: 'kube-system', name: 'ctrl' },
      ],
    };
    expect(row('rbac.authorization.k8s.io', 'rolebindings', rb)).toEqual(['admins', 'ClusterRole/admin', '4h', 'alice, bob', 'ops', 'kube-system/ctrl']);
    expect(row('rbac.authorization.k8s.io', 'clusterrolebindings', { metadata: meta('empty'), roleRef: { kind: 'ClusterRole', name: 'view' } })).toEqual(['empty', 'ClusterRole/view', '4h', '', '', '']);
  });
});

describe('flowcontrol', () => {
  it('prints flowschemas', () => {
    const fs = {
      metadata: meta('exempt'),
      spec: { priorityLevelConfiguration: { name: 'exempt' }, matchingPrecedence: 1, distinguisherMethod: { type: 'ByUser' } },
      status: { conditions: [{ type: 'Dangling', status: 'False' }] },
    };
    expect(row('flowcontrol.apiserver.k8s.io', 'flowschemas', fs)).toEqual(['exempt', 'exempt', 1, 'ByUser', '4h', 'False']);
    expect(row('flowcontrol.apiserver.k8s.io', 'flowschemas', { metadata: meta('x'), spec: { priorityLevelConfiguration: { name: 'p' }, matchingPrecedence: 500 } })).toEqual(['x', 'p', 500, '<none>', '4h', '?']);
  });

  it('prints prioritylevelconfigurations', () => {
    const limited = {
      metadata: meta('workload-high'),
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 40, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } } },
    };
    expect(row('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', limited)).toEqual(['workload-high', 'Limited', 40, 128, 6, 50, '4h']);
    const exempt = { metadata: meta('exempt'), spec: { type: 'Exempt', exempt: {} } };
    expect(row('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', exempt)).toEqual(['exempt', 'Exempt', '<none>', '<none>', '<none>', '<none>', '4h']);
  });
});

describe('certificatesigningrequests', () => {
  const csr = (status: unknown, spec: Record<string, unknown> = {}) => ({
    metadata: meta('node-csr-abc'),
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:bootstrap:abcdef', usages: ['client auth'], ...spec },
    status,
  });
  it.each<[string, unknown, Record<string, unknown>, unknown[]]>([
    ['pending', {}, {}, ['node-csr-abc', '4h', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '<none>', 'Pending']],
    ['approved and issued', { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'Y2VydA==' }, { expirationSeconds: 3600 }, ['node-csr-abc', '4h', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '60m', 'Approved,Issued']],
    ['approved but failed', { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }] }, { expirationSeconds: 86400 }, ['node-csr-abc', '4h', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '24h', 'Approved,Failed']],
    ['denied wins over approved', { conditions: [{ type: 'Denied', status: 'True' }, { type: 'Approved', status: 'True' }] }, { signerName: '' }, ['node-csr-abc', '4h', '<none>', 'system:bootstrap:abcdef', '<none>', 'Denied']],
  ])('%s', (_n, status, spec, want) => {
    expect(row('certificates.k8s.io', 'certificatesigningrequests', csr(status, spec))).toEqual(want);
  });
  it('has upstream column names', () => {
    expect(printerFor('certificates.k8s.io', 'certificatesigningrequests').columns.map((c) => c.name)).toEqual(['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
  });
});

// Tests for the core/v1 printers: pod status/ready/restarts, services, endpoints, nodes, events, storage and simple kinds.

import { describe, expect, it } from 'vitest';
import { printerFor } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T08:00:00Z'; // 4h before now
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: created, ...extra });
const row = (group: string, resource: string, obj: unknown) => printerFor(group, resource).row(obj, now);

const running = (name: string, ready = true, restartCount = 0, extra: Record<string, unknown> = {}) => ({
  name,
  ready,
  restartCount,
  state: { running: { startedAt: created } },
  ...extra,
});

describe('pods', () => {
  const pod = (spec: Record<string, unknown>, status: Record<string, unknown>, metaExtra: Record<string, unknown> = {}) => ({
    metadata: meta('web', metaExtra),
    spec: { containers: [{ name: 'a' }], ...spec },
    status,
  });

  it.each<[string, unknown, string, string]>([
    ['running and ready', pod({}, { phase: 'Running', containerStatuses: [running('a')] }), '1/1', 'Running'],
    ['pending without statuses', pod({}, { phase: 'Pending' }), '0/1', 'Pending'],
    ['status reason wins over phase', pod({}, { phase: 'Failed', reason: 'Evicted' }), '0/1', 'Evicted'],
    ['NodeLost reason without deletion', pod({}, { phase: 'Running', reason: 'NodeLost' }), '0/1', 'NodeLost'],
    [
      'scheduling gated',
      pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      '0/1',
      'SchedulingGated',
    ],
    [
      'waiting reason',
      pod({}, { phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
      '0/1',
      'CrashLoopBackOff',
    ],
    [
      'terminated reason',
      pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
      '0/1',
      'Completed',
    ],
    [
      'terminated by signal without reason',
      pod({}, { phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] }),
      '0/1',
      'Signal:9',
    ],
    [
      'terminated with exit code without reason',
      pod({}, { phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] }),
      '0/1',
      'ExitCode:2',
    ],
    [
      'init container running',
      pod(
        { initContainers: [{ name: 'i1' }, { name: 'i2' }] },
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'i2', ready: false, restartCount: 0, state: { running: {} } },
          ],
        },
      ),
      '0/1',
      'Init:1/2',
    ],
    [
      'init container waiting on PodInitializing',
      pod({ initContainers: [{ name: 'i1' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] }),
      '0/1',
      'Init:0/1',
    ],
    [
      'init container image pull error',
      pod({ initContainers: [{ name: 'i1' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }] }),
      '0/1',
      'Init:ErrImagePull',
    ],
    [
      'init container failed',
      pod({ initContainers: [{ name: 'i1' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 1, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }),
      '0/1',
      'Init:Error',
    ],
    [
      'init container failed without reason',
      pod({ initContainers: [{ name: 'i1' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 3 } } }] }),
      '0/1',
      'Init:ExitCode:3',
    ],
    [
      'app containers initializing',
      pod(
        { initContainers: [{ name: 'i1' }] },
        {
          phase: 'Pending',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
          containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        },
      ),
      '0/1',
      'PodInitializing',
    ],
    [
      'sidecar counts in READY',
      pod(
        { initContainers: [{ name: 'side', restartPolicy: 'Always' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          initContainerStatuses: [{ name: 'side', ready: true, started: true, restartCount: 0, state: { running: {} } }],
          containerStatuses: [running('a')],
        },
      ),
      '2/2',
      'Running',
    ],
    [
      'completed container with another still running -> NotReady',
      {
        metadata: meta('web'),
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          phase: 'Running',
          containerStatuses: [running('a'), { name: 'b', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        },
      },
      '1/2',
      'NotReady',
    ],
    ['terminating', pod({}, { phase: 'Running', containerStatuses: [running('a')] }, { deletionTimestamp: '2024-05-01T11:59:00Z' }), '1/1', 'Terminating'],
    ['terminal phase is not Terminating', pod({}, { phase: 'Succeeded' }, { deletionTimestamp: '2024-05-01T11:59:00Z' }), '0/1', 'Succeeded'],
    ['deleted NodeLost pod is Unknown', pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: '2024-05-01T11:59:00Z' }), '0/1', 'Unknown'],
  ])('%s', (_name, obj, ready, status) => {
    const cells = row('', 'pods', obj);
    expect(cells[1]).toBe(ready);
    expect(cells[2]).toBe(status);
  });

  it('prints restarts with the time since the last restart', () => {
    const p = {
      metadata: meta('web'),
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          running('a', true, 2, { lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:50:00Z' } } }),
          running('b', true, 1, { lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:55:00Z' } } }),
        ],
      },
    };
    expect(row('', 'pods', p)[3]).toBe('3 (5m ago)');
    expect(row('', 'pods', { metadata: meta('x'), spec: { containers: [{ name: 'a' }] }, status: { containerStatuses: [running('a', true, 4)] } })[3]).toBe('4');
    expect(row('', 'pods', { metadata: meta('x'), spec: { containers: [{ name: 'a' }] }, status: {} })[3]).toBe('0');
  });

  it('fills the wide columns with <none> placeholders or values', () => {
    const bare = row('', 'pods', { metadata: meta('web'), spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending' } });
    expect(bare).toEqual(['web', '0/1', 'Pending', '0', '4h', '<none>', '<none>', '<none>', '<none>']);
    const full = row('', 'pods', {
      metadata: meta('web'),
      spec: { containers: [{ name: 'a' }], nodeName: 'n1', readinessGates: [{ conditionType: 'x/ready' }, { conditionType: 'y/ready' }] },
      status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }], nominatedNodeName: 'n2', conditions: [{ type: 'x/ready', status: 'True' }] },
    });
    expect(full.slice(5)).toEqual(['10.0.0.9', 'n1', 'n2', '1/2']);
  });
});

describe('services', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({ metadata: meta('svc'), spec, status });
  it.each<[string, unknown, unknown[]]>([
    [
      'ClusterIP',
      svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web', tier: 'fe' } }),
      ['svc', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP,53/UDP', '4h', 'app=web,tier=fe'],
    ],
    [
      'NodePort with external IPs',
      svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], externalIPs: ['1.2.3.4'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }),
      ['svc', 'NodePort', '10.96.0.11', '1.2.3.4', '80:30080/TCP', '4h', '<none>'],
    ],
    ['LoadBalancer pending', svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }), ['svc', 'LoadBalancer', '10.96.0.12', '<pending>', '443:31443/TCP', '4h', '<none>']],
    [
      'LoadBalancer with ingress',
      svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], externalIPs: ['9.9.9.9'], ports: [] }, { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example.com' }, { ip: '1.1.1.1' }] } }),
      ['svc', 'LoadBalancer', '10.96.0.12', '1.1.1.1,5.6.7.8,lb.example.com,9.9.9.9', '<none>', '4h', '<none>'],
    ],
    ['ExternalName', svc({ type: 'ExternalName', externalName: 'db.example.com' }), ['svc', 'ExternalName', '<none>', 'db.example.com', '<none>', '4h', '<none>']],
    ['headless', svc({ type: 'ClusterIP', clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }] }), ['svc', 'ClusterIP', 'None', '<none>', '80/TCP', '4h', '<none>']],
  ])('%s', (_n, obj, want) => {
    expect(row('', 'services', obj)).toEqual(want);
  });
});

describe('endpoints', () => {
  it.each<[string, unknown, string]>([
    ['no subsets', undefined, '<none>'],
    ['one address with ports', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 443 }] }], '10.0.0.1:80,10.0.0.1:443'],
    ['headless without ports', [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }], '10.0.0.1,10.0.0.2'],
    ['ipv6', [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }], '[fd00::1]:80'],
    [
      'more than three',
      [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: '10.0.0.5' }], ports: [{ port: 8080 }] }],
      '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...',
    ],
  ])('%s', (_n, subsets, want) => {
    expect(row('', 'endpoints', { metadata: meta('ep'), subsets })[1]).toBe(want);
  });
});

describe('nodes', () => {
  const node = (labels: Record<string, string>, conditions: unknown[], unschedulable?: boolean) => ({
    metadata: meta('n1', { labels }),
    spec: unschedulable === undefined ? {} : { unschedulable },
    status: {
      conditions,
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'n1' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
    },
  });
  it.each<[string, unknown, string, string]>([
    ['ready control plane', node({ 'node-role.kubernetes.io/control-plane': '' }, [{ type: 'Ready', status: 'True' }]), 'Ready', 'control-plane'],
    ['not ready, roles sorted', node({ 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'infra' }, [{ type: 'Ready', status: 'False' }]), 'NotReady', 'infra,worker'],
    ['unknown without Ready condition', node({}, [{ type: 'MemoryPressure', status: 'False' }]), 'Unknown', '<none>'],
    ['cordoned', node({}, [{ type: 'Ready', status: 'True' }], true), 'Ready,SchedulingDisabled', '<none>'],
    ['unknown status counts as Not', node({}, [{ type: 'Ready', status: 'Unknown' }]), 'NotReady', '<none>'],
  ])('%s', (_n, obj, status, roles) => {
    const cells = row('', 'nodes', obj);
    expect(cells[1]).toBe(status);
    expect(cells[2]).toBe(roles);
  });
  it('prints version and wide columns', () => {
    expect(row('', 'nodes', node({}, [{ type: 'Ready', status: 'True' }])).slice(3)).toEqual([
      '4h',
      'v1.32.0',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12',
      '6.1.0',
      'containerd://1.7.0',
    ]);
    expect(row('', 'nodes', { metadata: meta('bare') }).slice(5)).toEqual(['<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('events', () => {
  it('prints a core/v1 event', () => {
    const ev = {
      apiVersion: 'v1',
      metadata: meta('web.1'),
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: ' Back-off restarting failed container \n',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:58:00Z',
      count: 7,
      type: 'Warning',
    };
    expect(row('', 'events', ev)).toEqual(['2m', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, n1', 'Back-off restarting failed container', '60m', 7, 'web.1']);
  });

  it('uses eventTime, series and reporting fields of new-style events', () => {
    const ev = {
      metadata: meta('e2'),
      involvedObject: { kind: 'Node' },
      reason: 'Scheduled',
      message: 'ok',
      eventTime: '2024-05-01T11:30:00.000000Z',
      series: { count: 4, lastObservedTime: '2024-05-01T11:59:30.000000Z' },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'sched-1',
      type: 'Normal',
    };
    expect(row('', 'events', ev)).toEqual(['30s', 'Normal', 'Scheduled', 'node', '', 'default-scheduler, sched-1', 'ok', '30m', 4, 'e2']);
    const single = { metadata: meta('e3'), involvedObject: { kind: 'Pod', name: 'p' } };
    expect(row('', 'events', single)).toEqual(['<unknown>', '', '', 'pod/p', '', '', '', '<unknown>', 1, 'e3']);
  });

  it('prints an events.k8s.io/v1 event through the same printer', () => {
    const ev = {
      apiVersion: 'events.k8s.io/v1',
      metadata: meta('e4'),
      regarding: { kind: 'Deployment', name: 'web' },
      note: 'Scaled up',
      reason: 'ScalingReplicaSet',
      type: 'Normal',
      eventTime: '2024-05-01T11:55:00.000000Z',
      reportingController: 'deployment-controller',
      reportingInstance: '',
    };
    expect(row('events.k8s.io', 'events', ev)).toEqual(['5m', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '5m', 1, 'e4']);
  });
});

describe('simple core kinds', () => {
  it.each<[string, unknown, unknown[]]>([
    ['namespaces', { metadata: meta('ns'), status: { phase: 'Active' } }, ['ns', 'Active', '4h']],
    ['configmaps', { metadata: meta('cm'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, ['cm', 3, '4h']],
    ['secrets', { metadata: meta('s'), type: 'Opaque', data: { a: 'eA==' } }, ['s', 'Opaque', 1, '4h']],
    ['serviceaccounts', { metadata: meta('default') }, ['default', 0, '4h']],
    ['componentstatuses', { metadata: meta('etcd-0'), conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }, ['etcd-0', 'Healthy', 'ok', '']],
    ['componentstatuses', { metadata: meta('scheduler') }, ['scheduler', 'Unknown', '', '']],
    [
      'podtemplates',
      { metadata: meta('t'), template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'c1', image: 'nginx' }, { name: 'c2', image: 'busybox' }] } } },
      ['t', 'c1,c2', 'nginx,busybox', 'a=1,b=2'],
    ],
    [
      'replicationcontrollers',
      { metadata: meta('rc'), spec: { replicas: 3, selector: { app: 'x' }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 3, readyReplicas: 2 } },
      ['rc', 3, 3, 2, '4h', 'c', 'i', 'app=x'],
    ],
    [
      'resourcequotas',
      { metadata: meta('q'), status: { hard: { 'limits.cpu': '2', pods: '10', 'requests.memory': '1Gi' }, used: { 'limits.cpu': '500m', pods: '3' } } },
      ['q', 'pods: 3/10, requests.memory: 0/1Gi', 'limits.cpu: 500m/2', '4h'],
    ],
  ])('%s', (resource, obj, want) => {
    expect(row('', resource, obj)).toEqual(want);
  });
});

describe('persistent volumes and claims', () => {
  it('prints a bound PV and claim', () => {
    const pv = {
      metadata: meta('pv1'),
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'fast', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    expect(row('', 'persistentvolumes', pv)).toEqual(['pv1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'fast', '<unset>', '', '4h', 'Filesystem']);
    const pvc = {
      metadata: meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } }),
      spec: { volumeName: 'pv1', storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
    };
    expect(row('', 'persistentvolumeclaims', pvc)).toEqual(['data', 'Bound', 'pv1', '10Gi', 'RWO', 'legacy', '<unset>', '4h', '<unset>']);
  });

  it('prints a pending claim and a terminating volume', () => {
    const pvc = { metadata: meta('c'), spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } };
    expect(row('', 'persistentvolumeclaims', pvc).slice(1, 6)).toEqual(['Pending', '', '', '', 'fast']);
    const pv = { metadata: meta('pv2', { deletionTimestamp: created }), spec: {}, status: { phase: 'Released' } };
    expect(row('', 'persistentvolumes', pv).slice(1, 5)).toEqual(['0', '', '', 'Terminating']);
  });
});

describe('events shape detection', () => {
  it('recognises an events.k8s.io/v1 event without apiVersion', () => {
    const ev = { metadata: meta('e5'), regarding: { kind: 'Pod', name: 'p' }, note: 'hello', eventTime: '2024-05-01T11:59:00.000000Z', reportingController: 'ctl' };
    expect(row('events.k8s.io', 'events', ev)).toEqual(['60s', '', '', 'pod/p', '', 'ctl', 'hello', '60s', 1, 'e5']);
  });
});

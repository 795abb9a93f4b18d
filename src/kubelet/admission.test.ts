// Tests for the kubelet's pod admission (resources, affinity, node name, host ports, NoExecute taints, OS).
import { describe, expect, it } from 'vitest';
import type { Container, Node, NodeSelectorTerm, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { admitPod, matchesRequiredNodeAffinity, toleratesTaint, type AdmitResult } from './admission.js';

function node(over: { allocatable?: Record<string, string>; labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    metadata: { name: 'n1', labels: over.labels ?? { 'kubernetes.io/hostname': 'n1', zone: 'a' } },
    spec: over.taints ? { taints: over.taints } : {},
    status: { allocatable: over.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': '1' } },
  };
}

let uidSeq = 0;
function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}, phase?: string): Pod {
  return {
    metadata: { name: `p${++uidSeq}`, uid: `uid-${uidSeq}`, ...meta },
    spec: { containers: [{ name: 'c' }], ...spec },
    ...(phase ? { status: { phase } } : {}),
  };
}
const withRequests = (requests: Record<string, string>, extra: Partial<Container> = {}): Partial<NonNullable<Pod['spec']>> => ({
  containers: [{ name: 'c', resources: { requests }, ...extra }],
});
const ports = (hostPort: number, hostIP?: string, protocol?: string): Partial<NonNullable<Pod['spec']>> => ({
  containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) }] }],
});

describe('admitPod', () => {
  const cases: [string, Pod, Node, Pod[], AdmitResult][] = [
    ['empty node admits a best-effort pod', pod(), node(), [], { admit: true }],
    [
      'cpu over allocatable',
      pod(withRequests({ cpu: '3' })),
      node(),
      [pod(withRequests({ cpu: '1500m' }))],
      { admit: false, reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 3000, used: 1500, capacity: 4000" },
    ],
    ['cpu fits exactly', pod(withRequests({ cpu: '2500m' })), node(), [pod(withRequests({ cpu: '1500m' }))], { admit: true }],
    [
      'memory in bytes',
      pod(withRequests({ memory: '5Gi' })),
      node(),
      [pod(withRequests({ memory: '4Gi' }))],
      {
        admit: false,
        reason: 'OutOfmemory',
        message: "Node didn't have enough resource: memory, requested: 5368709120, used: 4294967296, capacity: 8589934592",
      },
    ],
    [
      'cpu is reported before memory',
      pod(withRequests({ memory: '100Gi', cpu: '100' })),
      node(),
      [],
      { admit: false, reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 100000, used: 0, capacity: 4000" },
    ],
    [
      'pod count',
      pod(),
      node({ allocatable: { cpu: '4', memory: '8Gi', pods: '2' } }),
      [pod(), pod()],
      { admit: false, reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2" },
    ],
    ['terminated pods do not count', pod(), node({ allocatable: { pods: '2' } }), [pod({}, {}, 'Succeeded'), pod({}, {}, 'Failed'), pod()], { admit: true }],
    [
      'terminated pods free their resources',
      pod(withRequests({ cpu: '3' })),
      node(),
      [pod(withRequests({ cpu: '3' }), {}, 'Failed')],
      { admit: true },
    ],
    [
      'extended resource',
      pod(withRequests({ 'nvidia.com/gpu': '2' })),
      node(),
      [],
      { admit: false, reason: 'OutOfnvidia.com/gpu', message: "Node didn't have enough resource: nvidia.com/gpu, requested: 2, used: 0, capacity: 1" },
    ],
    ['extended resource unknown to the node is ignored', pod(withRequests({ 'example.com/foo': '5' })), node(), [], { admit: true }],
    [
      'hugepages are checked even when the node has none',
      pod(withRequests({ 'hugepages-2Mi': '2Mi' })),
      node(),
      [],
      { admit: false, reason: 'OutOfhugepages-2Mi', message: "Node didn't have enough resource: hugepages-2Mi, requested: 2097152, used: 0, capacity: 0" },
    ],
    [
      'node selector mismatch',
      pod({ nodeSelector: { zone: 'b' } }),
      node(),
      [],
      { admit: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" },
    ],
    ['node selector match', pod({ nodeSelector: { zone: 'a' } }), node(), [], { admit: true }],
    [
      'resources come before affinity',
      pod({ ...withRequests({ cpu: '5' }), nodeSelector: { zone: 'b' } }),
      node(),
      [],
      { admit: false, reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 4000" },
    ],
    [
      'node name mismatch',
      pod({ nodeName: 'n2' }),
      node(),
      [],
      { admit: false, reason: 'NodeName', message: "Predicate NodeName failed: node(s) didn't match the requested node name" },
    ],
    [
      'host port conflict',
      pod(ports(8080)),
      node(),
      [pod(ports(8080))],
      { admit: false, reason: 'NodePorts', message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports" },
    ],
    ['host port on another protocol', pod(ports(8080, undefined, 'UDP')), node(), [pod(ports(8080))], { admit: true }],
    ['host port on different specific IPs', pod(ports(8080, '10.0.0.1')), node(), [pod(ports(8080, '10.0.0.2'))], { admit: true }],
    ['host port wildcard against specific IP', pod(ports(8080, '10.0.0.1')), node(), [pod(ports(8080))], { admit: false, reason: 'NodePorts', message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports" }],
    ['host port of a terminated pod', pod(ports(8080)), node(), [pod(ports(8080), {}, 'Succeeded')], { admit: true }],
    ['the pod itself in the list is not counted', pod(ports(9090), { uid: 'same' }), node(), [pod(ports(9090), { uid: 'same' })], { admit: true }],
    [
      'untolerated NoExecute taint',
      pod(),
      node({ taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }] }),
      [],
      { admit: false, reason: 'TaintToleration', message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate" },
    ],
    ['NoSchedule taints are not checked by the kubelet', pod(), node({ taints: [{ key: 'k', effect: 'NoSchedule' }] }), [], { admit: true }],
    [
      'tolerated NoExecute taint',
      pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }] }),
      node({ taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }] }),
      [],
      { admit: true },
    ],
    [
      'static pods skip the taint check',
      pod({}, { annotations: { 'kubernetes.io/config.source': 'file' } }),
      node({ taints: [{ key: 'k', effect: 'NoExecute' }] }),
      [],
      { admit: true },
    ],
    [
      'pod OS label',
      pod({}, { labels: { 'kubernetes.io/os': 'windows' } }),
      node(),
      [],
      { admit: false, reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label" },
    ],
    [
      'pod OS field',
      pod({ os: { name: 'windows' } }),
      node(),
      [],
      { admit: false, reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" },
    ],
  ];
  it.each(cases)('%s', (_name, p, n, others, want) => {
    expect(admitPod(p, n, others)).toEqual(want);
  });
});

describe('matchesRequiredNodeAffinity', () => {
  const n = node({ labels: { zone: 'a', gen: '5' } });
  const withTerms = (...terms: NodeSelectorTerm[]): Pod =>
    pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  it.each<[string, Pod, boolean]>([
    ['no affinity', pod(), true],
    ['In', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), true],
    ['In mismatch', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }), false],
    ['NotIn with missing label', withTerms({ matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['x'] }] }), true],
    ['Exists', withTerms({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), true],
    ['DoesNotExist', withTerms({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), false],
    ['Gt', withTerms({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }), true],
    ['Lt', withTerms({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }), false],
    ['terms are ORed', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'gen', operator: 'Exists' }] }), true],
    ['expressions are ANDed', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'DoesNotExist' }] }), false],
    ['empty term matches nothing', withTerms({}), false],
    ['matchFields metadata.name', withTerms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), true],
    ['matchFields other name', withTerms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }), false],
  ])('%s', (_name, p, want) => {
    expect(matchesRequiredNodeAffinity(p, n)).toBe(want);
  });
});

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  it.each<[string, Parameters<typeof toleratesTaint>[0], boolean]>([
    ['equal key value effect', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, true],
    ['default operator is Equal', { key: 'k', value: 'v' }, true],
    ['value differs', { key: 'k', value: 'w' }, false],
    ['Exists on key', { key: 'k', operator: 'Exists' }, true],
    ['Exists with empty key tolerates everything', { operator: 'Exists' }, true],
    ['effect differs', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    ['key differs', { key: 'other', operator: 'Exists' }, false],
  ])('%s', (_name, t, want) => {
    expect(toleratesTaint(t, taint)).toBe(want);
  });
});

// Unit tests of the DaemonSet helpers: node eligibility (selectors, affinity, taints), tolerations, affinity, update planning, status.
import { describe, expect, it } from 'vitest';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import {
  countDaemonStatus,
  daemonPodTemplate,
  daemonSetHash,
  findUpdatedPodsOnNode,
  nodeShouldRunDaemonPod,
  planRollingUpdate,
  planSurgeUpdate,
  replaceNodeNameAffinity,
  rollingLimits,
  scaledValue,
  targetNodeName,
  withDaemonPodTolerations,
} from './utils.js';

const ds = (spec: Partial<PodSpec> = {}, extra: Partial<DaemonSet['spec']> = {}): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'ns', uid: 'u' },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c' }], ...spec } },
    ...extra,
  } as DaemonSet['spec'],
});
const node = (name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node => ({ metadata: { name, labels }, spec: { taints } });

describe('nodeShouldRunDaemonPod', () => {
  it.each<[string, DaemonSet, Node, boolean, boolean]>([
    ['plain node', ds(), node('n'), true, true],
    ['nodeSelector matches', ds({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'ssd' }), true, true],
    ['nodeSelector does not match', ds({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'hdd' }), false, false],
    [
      'required affinity (expression) does not match',
      ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }),
      node('n', { zone: 'b' }),
      false,
      false,
    ],
    [
      'required affinity (field) matches',
      ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }] } } } }),
      node('n'),
      true,
      true,
    ],
    ['template nodeName elsewhere', ds({ nodeName: 'other' }), node('n'), false, false],
    ['untolerated NoSchedule: keep running ones', ds(), node('n', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), false, true],
    ['untolerated NoExecute: evict', ds(), node('n', {}, [{ key: 'k', effect: 'NoExecute' }]), false, false],
    ['tolerated NoSchedule', ds({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] }), node('n', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), true, true],
    ['PreferNoSchedule ignored', ds(), node('n', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), true, true],
    ['automatic: unschedulable', ds(), node('n', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), true, true],
    ['automatic: not-ready NoExecute', ds(), node('n', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), true, true],
    ['network-unavailable without hostNetwork', ds(), node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), false, true],
    ['network-unavailable with hostNetwork', ds({ hostNetwork: true }), node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), true, true],
  ])('%s', (_n, d, n, shouldRun, shouldContinueRunning) => expect(nodeShouldRunDaemonPod(n, d)).toEqual({ shouldRun, shouldContinueRunning }));
});

describe('pod template', () => {
  it('adds the automatic tolerations once, replacing equal ones', () => {
    const t = withDaemonPodTolerations({ containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'x', operator: 'Exists' }] });
    expect(t.filter((x) => x.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    expect(t.map((x) => x.key)).toEqual(['node.kubernetes.io/not-ready', 'x', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']);
  });
  it('labels with hash and template generation', () => {
    const d = ds();
    d.metadata!.annotations = { 'deprecated.daemonset.template.generation': '3' };
    expect(daemonPodTemplate(d, 'h').metadata?.labels).toEqual({ app: 'a', 'pod-template-generation': '3', 'controller-revision-hash': 'h' });
  });
  it('hash changes with the template and the collision count', () => {
    const a = daemonSetHash(ds().spec!.template);
    expect(daemonSetHash(ds().spec!.template)).toBe(a);
    expect(daemonSetHash(ds({ hostNetwork: true }).spec!.template)).not.toBe(a);
    expect(daemonSetHash(ds().spec!.template, 1)).not.toBe(daemonSetHash(ds().spec!.template, 0));
  });
});

describe('node name affinity', () => {
  const term = (n: string) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] });
  it.each<[string, PodSpec['affinity'], object]>([
    ['none', undefined, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('n1')] } } }],
    [
      'replaces required terms, keeps the rest',
      { podAffinity: {}, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [], requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'z', operator: 'Exists' }] }] } } },
      { podAffinity: {}, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [], requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('n1')] } } },
    ],
  ])('%s', (_n, a, want) => expect(replaceNodeNameAffinity(a, 'n1')).toEqual(want));
  it.each<[string, Pod, string | undefined]>([
    ['nodeName wins', { spec: { containers: [], nodeName: 'x', affinity: replaceNodeNameAffinity(undefined, 'y') } }, 'x'],
    ['from affinity', { spec: { containers: [], affinity: replaceNodeNameAffinity(undefined, 'y') } }, 'y'],
    ['none', { spec: { containers: [] } }, undefined],
  ])('targetNodeName: %s', (_n, p, want) => expect(targetNodeName(p)).toBe(want));
});

describe('rolling update math', () => {
  it.each<[number | string | undefined, number, boolean, number]>([
    [undefined, 10, true, 0],
    [2, 10, true, 2],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['0%', 10, true, 0],
  ])('scaledValue(%j, %d, %s) = %d', (v, total, up, want) => expect(scaledValue(v, total, up)).toBe(want));
  it('rejects malformed percentages', () => expect(() => scaledValue('x%', 1, true)).toThrow(/invalid value/));
  it.each<[object | undefined, number, { maxSurge: number; maxUnavailable: number }]>([
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, 4, { maxSurge: 0, maxUnavailable: 1 }],
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '50%' } }, 4, { maxSurge: 2, maxUnavailable: 0 }],
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }, 4, { maxSurge: 0, maxUnavailable: 1 }],
    [{ type: 'OnDelete' }, 4, { maxSurge: 0, maxUnavailable: 1 }],
  ])('limits %j', (us, desired, want) => expect(rollingLimits(ds({}, { updateStrategy: us as never }), desired)).toEqual(want));

  const now = Date.parse('2024-01-01T00:01:00Z');
  const pod = (name: string, hash: string, ready: boolean, deleting = false): Pod => ({
    metadata: { name, labels: { 'controller-revision-hash': hash }, ...(deleting ? { deletionTimestamp: 'x' } : {}) },
    spec: { containers: [], nodeName: 'n' },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  });
  it.each<[string, Pod[], { newPod?: string; oldPod?: string; ok: boolean }]>([
    ['one new', [pod('a', 'h2', true)], { newPod: 'a', ok: true }],
    ['old and new', [pod('a', 'h1', true), pod('b', 'h2', true)], { newPod: 'b', oldPod: 'a', ok: true }],
    ['deleting ignored', [pod('a', 'h1', true, true), pod('b', 'h2', true)], { newPod: 'b', ok: true }],
    ['two old', [pod('a', 'h1', true), pod('b', 'h1', true)], { ok: false }],
  ])('findUpdatedPodsOnNode: %s', (_n, pods, want) => {
    const r = findUpdatedPodsOnNode(pods, 'h2', undefined);
    expect({ ...(r.newPod ? { newPod: r.newPod.metadata?.name } : {}), ...(r.oldPod ? { oldPod: r.oldPod.metadata?.name } : {}), ok: r.ok }).toEqual(want);
  });
  it.each<[string, Record<string, Pod[]>, number, string[]]>([
    ['deletes up to maxUnavailable old available pods', { n1: [pod('a', 'h1', true)], n2: [pod('b', 'h1', true)], n3: [pod('c', 'h1', true)] }, 2, ['a', 'b']],
    ['an unavailable new pod uses the budget', { n1: [pod('a', 'h2', false)], n2: [pod('b', 'h1', true)] }, 1, []],
    ['unavailable old pods are always replaced', { n1: [pod('a', 'h1', false)], n2: [pod('b', 'h1', false)], n3: [pod('c', 'h1', true)] }, 1, ['a', 'b']],
    ['a node without a pod counts as unavailable', { n1: [], n2: [pod('b', 'h1', true)] }, 1, []],
  ])('planRollingUpdate: %s', (_n, m, maxUnavailable, want) => {
    expect(planRollingUpdate(new Map(Object.entries(m)), 'h2', undefined, maxUnavailable, 0, now)).toEqual(want);
  });
  it.each<[string, Record<string, Pod[]>, number, { create: string[]; remove: string[] }]>([
    ['surges onto up to maxSurge nodes', { n1: [pod('a', 'h1', true)], n2: [pod('b', 'h1', true)] }, 1, { create: ['n1'], remove: [] }],
    ['removes the old pod once the new is available', { n1: [pod('a', 'h1', true), pod('a2', 'h2', true)], n2: [pod('b', 'h1', true)] }, 1, { create: ['n2'], remove: ['a'] }],
    ['waits on an unavailable new pod', { n1: [pod('a', 'h1', true), pod('a2', 'h2', false)], n2: [pod('b', 'h1', true)] }, 1, { create: [], remove: [] }],
    ['replaces unavailable old pods at once', { n1: [pod('a', 'h1', false)], n2: [pod('b', 'h1', false)] }, 1, { create: ['n1', 'n2'], remove: [] }],
  ])('planSurgeUpdate: %s', (_n, m, maxSurge, want) => {
    expect(planSurgeUpdate(new Map(Object.entries(m)), 'h2', undefined, maxSurge, Object.keys(m).length, 0, now, () => true)).toEqual(want);
  });
});

describe('status', () => {
  it('counts desired, scheduled, misscheduled, ready, updated, available', () => {
    const ready = (name: string, hash: string): Pod => ({ metadata: { name, labels: { 'controller-revision-hash': hash } }, spec: { containers: [], nodeName: 'x' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    const nodes = [node('n1'), node('n2'), node('n3'), node('t', {}, [{ key: 'k', effect: 'NoSchedule' }])];
    const m = new Map<string, Pod[]>([
      ['n1', [ready('a', 'h2')]],
      ['n2', [{ metadata: { name: 'b', labels: { 'controller-revision-hash': 'h1' } }, spec: { containers: [] } }]],
      ['t', [ready('c', 'h2')]],
    ]);
    expect(countDaemonStatus(ds(), nodes, m, 'h2', Date.now())).toEqual({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
    });
  });
});

// Table-driven tests of the default filter and score plugins against upstream's reasons and arithmetic.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { container, node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import { Code, CycleState, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework.js';
import { Snapshot, nonZeroRequests, type NodeInfo } from '../nodeinfo.js';
import { podRequests } from '../../kubelet/resources.js';
import { NodeName, NodePorts, NodeUnschedulable, PrioritySort, SchedulingGates } from './basic.js';
import { defaultNormalizeScore } from './helpers.js';
import { ImageLocality, imageScore } from './imagelocality.js';
import { NodeAffinity } from './nodeaffinity.js';
import { NodeResourcesBalancedAllocation, NodeResourcesFit, brokenLinear, leastRequestedScore, mostRequestedScore } from './noderesources.js';
import { TaintToleration } from './tainttoleration.js';

/** Runs PreFilter (if any) then Filter; returns [code, message] or 'skip'/'ok'. */
function runFilter(p: FilterPlugin & Partial<PreFilterPlugin>, pd: Pod, ni: NodeInfo): string {
  const state = new CycleState();
  const pre = p.preFilter?.(state, pd, [ni]);
  if (pre?.status?.code === Code.Skip) return 'skip';
  if (pre?.status) return `${pre.status.codeName()}: ${pre.status.message()}`;
  const s: Status | undefined = p.filter(state, pd, ni);
  return s ? `${s.codeName()}: ${s.message()}` : 'ok';
}

describe('podRequests (the issue example)', () => {
  it('takes the max of init containers and the sum of app containers', () => {
    const p = pod('init', {}, {
      containers: [container('a', { cpu: '2', memory: '1Gi' }), container('b', { cpu: '1', memory: '1Gi' })],
      initContainers: [container('i1', { cpu: '2', memory: '3Gi' }), container('i2', { cpu: '2', memory: '1Gi' })],
    });
    const r = podRequests(p);
    expect(r.get('cpu')).toBe(3000);
    expect(r.get('memory')).toBe(3 * 1024 ** 3);
  });
  it('non-zero requests default cpu 100m and memory 200Mi per container', () => {
    expect(nonZeroRequests(pod('p', {}))).toEqual({ cpu: 100, memory: 200 * 1024 * 1024 });
    expect(nonZeroRequests(pod('p', { cpu: '250m' }))).toEqual({ cpu: 250, memory: 200 * 1024 * 1024 });
  });
});

describe('NodeResourcesFit filter', () => {
  const small = node('n', { alloc: { cpu: '2', memory: '2Gi', pods: '2', 'example.com/gpu': '1' } });
  const cases: [string, Pod, Pod[], string][] = [
    ['fits', pod('p', { cpu: '1', memory: '1Gi' }), [], 'ok'],
    ['insufficient cpu', pod('p', { cpu: '3' }), [], 'Unschedulable: Insufficient cpu'],
    ['cpu and memory', pod('p', { cpu: '2', memory: '2Gi' }), [pod('o', { cpu: '1', memory: '1Gi' })], 'Unschedulable: Insufficient cpu, Insufficient memory'],
    ['too many pods', pod('p', {}), [pod('a'), pod('b')], 'Unschedulable: Too many pods'],
    ['extended resource fits', pod('p', { 'example.com/gpu': '1' }), [], 'ok'],
    ['extended resource missing on node', pod('p', { 'example.com/fpga': '1' }), [], 'Unschedulable: Insufficient example.com/fpga'],
    ['init container max', pod('p', {}, { containers: [container('a', { cpu: '1' })], initContainers: [container('i', { cpu: '2500m' })] }), [], 'Unschedulable: Insufficient cpu'],
    ['overhead counts', pod('p', { cpu: '1900m' }, { overhead: { cpu: '200m' } }), [], 'Unschedulable: Insufficient cpu'],
    ['best effort on a full node', pod('p', {}), [pod('o', { cpu: '2' })], 'ok'],
  ];
  it.each(cases)('%s', (_n, p, others, want) => {
    expect(runFilter(new NodeResourcesFit(), p, nodeInfo(small, others))).toBe(want);
  });
  it('ignores configured extended resources and groups', () => {
    const p = pod('p', { 'example.com/fpga': '1', 'other.io/x': '1' });
    expect(runFilter(new NodeResourcesFit({ ignoredResources: ['example.com/fpga'] }), p, nodeInfo(small))).toBe('Unschedulable: Insufficient other.io/x');
    expect(runFilter(new NodeResourcesFit({ ignoredResources: ['example.com/fpga'], ignoredResourceGroups: ['other.io'] }), p, nodeInfo(small))).toBe('ok');
  });
});

describe('resource scoring', () => {
  it.each([
    [0, 100, 100],
    [50, 100, 50],
    [100, 100, 0],
    [150, 100, 0],
    [10, 0, 0],
  ])('leastRequestedScore(%d, %d) = %d', (r, c, want) => expect(leastRequestedScore(r, c)).toBe(want));
  it.each([
    [0, 100, 0],
    [50, 100, 50],
    [150, 100, 100],
  ])('mostRequestedScore(%d, %d) = %d', (r, c, want) => expect(mostRequestedScore(r, c)).toBe(want));
  it('brokenLinear interpolates between points', () => {
    const f = brokenLinear([{ utilization: 0, score: 0 }, { utilization: 100, score: 100 }]);
    expect([f(0), f(30), f(100), f(150)]).toEqual([0, 30, 100, 100]);
  });

  const n = node('n', { alloc: { cpu: '4', memory: '8Gi', pods: '110' } });
  const cases: [string, ConstructorParameters<typeof NodeResourcesFit>[0], Pod, Pod[], number][] = [
    // cpu: (4000-1000)/4000 = 75; memory: (8Gi-2Gi)/8Gi = 75
    ['least allocated', {}, pod('p', { cpu: '1', memory: '2Gi' }), [], 75],
    // existing 2 cpu/4Gi: cpu (4000-3000)*100/4000 = 25, memory (8-6)/8 = 25
    ['least allocated with pods', {}, pod('p', { cpu: '1', memory: '2Gi' }), [pod('o', { cpu: '2', memory: '4Gi' })], 25],
    // best effort pod counts 100m/200Mi: cpu 3900*100/4000 = 97, mem (8192-200)*100/8192 = 97
    ['least allocated best effort', {}, pod('p'), [], 97],
    ['most allocated', { scoringStrategy: { type: 'MostAllocated' } }, pod('p', { cpu: '1', memory: '2Gi' }), [], 25],
    ['cpu weighted 3:1', { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } }, pod('p', { cpu: '2', memory: '0' }), [], Math.trunc((50 * 3 + 100 * 1) / 4)],
    [
      'requested to capacity ratio',
      { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } },
      pod('p', { cpu: '2', memory: '4Gi' }),
      [],
      50,
    ],
  ];
  it.each(cases)('NodeResourcesFit score: %s', (_n, args, p, others, want) => {
    const pl = new NodeResourcesFit(args);
    const state = new CycleState();
    pl.preScore(state, p);
    expect(pl.score(state, p, nodeInfo(n, others)).score).toBe(want);
  });

  it.each([
    // cpu 1/4 = .25, memory 2/8 = .25 -> std 0 -> 100
    ['balanced', pod('p', { cpu: '1', memory: '2Gi' }), 100],
    // cpu 3/4 = .75, memory 1/8 = .125 -> std .3125 -> 68
    ['unbalanced', pod('p', { cpu: '3', memory: '1Gi' }), 68],
  ])('BalancedAllocation: %s', (_n, p, want) => {
    const pl = new NodeResourcesBalancedAllocation();
    const state = new CycleState();
    pl.preScore(state, p);
    expect(pl.score(state, p, nodeInfo(n)).score).toBe(want);
  });
});

describe('simple filters', () => {
  const cases: [string, FilterPlugin, Pod, NodeInfo, string][] = [
    ['NodeName match', new NodeName(), pod('p', {}, { nodeName: 'n' }), nodeInfo(node('n')), 'ok'],
    ['NodeName mismatch', new NodeName(), pod('p', {}, { nodeName: 'x' }), nodeInfo(node('n')), "UnschedulableAndUnresolvable: node(s) didn't match the requested node name"],
    ['NodeUnschedulable', new NodeUnschedulable(), pod('p'), nodeInfo(node('n', { unschedulable: true })), 'UnschedulableAndUnresolvable: node(s) were unschedulable'],
    ['NodeUnschedulable tolerated', new NodeUnschedulable(), pod('p', {}, { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), nodeInfo(node('n', { unschedulable: true })), 'ok'],
    ['NodeUnschedulable schedulable node', new NodeUnschedulable(), pod('p'), nodeInfo(node('n')), 'ok'],
  ];
  it.each(cases)('%s', (_n, pl, p, ni, want) => expect(runFilter(pl, p, ni)).toBe(want));
});

describe('NodePorts', () => {
  const withPort = (name: string, port: number, ip?: string, protocol?: string) =>
    pod(name, {}, { containers: [container('c', {}, { ports: [{ containerPort: 80, hostPort: port, ...(ip ? { hostIP: ip } : {}), ...(protocol ? { protocol } : {}) }] })] });
  const cases: [string, Pod, Pod[], string][] = [
    ['no host ports skips', pod('p'), [withPort('o', 80)], 'skip'],
    ['free port', withPort('p', 8080), [withPort('o', 80)], 'ok'],
    ['conflict', withPort('p', 80), [withPort('o', 80)], "Unschedulable: node(s) didn't have free ports for the requested pod ports"],
    ['different protocol', withPort('p', 80, undefined, 'UDP'), [withPort('o', 80)], 'ok'],
    ['different specific IPs', withPort('p', 80, '10.0.0.1'), [withPort('o', 80, '10.0.0.2')], 'ok'],
    ['wildcard vs specific', withPort('p', 80, '10.0.0.1'), [withPort('o', 80)], "Unschedulable: node(s) didn't have free ports for the requested pod ports"],
  ];
  it.each(cases)('%s', (_n, p, others, want) => expect(runFilter(new NodePorts(), p, nodeInfo(node('n'), others))).toBe(want));
});

describe('TaintToleration', () => {
  const tainted = node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const cases: [string, Pod, string][] = [
    ['untolerated', pod('p'), 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}'],
    ['tolerated Equal', pod('p', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), 'ok'],
    ['tolerated Exists', pod('p', {}, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), 'ok'],
    ['wrong value', pod('p', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] }), 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}'],
  ];
  it.each(cases)('filter: %s', (_n, p, want) => expect(runFilter(new TaintToleration(), p, nodeInfo(tainted))).toBe(want));

  it('PreferNoSchedule does not filter but scores (reversed, normalised)', () => {
    const pl = new TaintToleration();
    const soft = (name: string, n: number) => node(name, { taints: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v', effect: 'PreferNoSchedule' })) });
    const p = pod('p');
    const nis = [nodeInfo(soft('a', 0)), nodeInfo(soft('b', 1)), nodeInfo(soft('c', 2))];
    expect(runFilter(pl, p, nis[2]!)).toBe('ok');
    const state = new CycleState();
    pl.preScore(state, p);
    const scores = nis.map((ni) => ({ name: ni.name, score: pl.score(state, p, ni).score }));
    pl.scoreExtensions().normalizeScore(state, p, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 50, 0]);
  });
});

describe('NodeAffinity', () => {
  const n = node('n', { labels: { zone: 'a', size: '10' } });
  const req = (expr: { key: string; operator: string; values?: string[] }[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expr }] } } });
  const cases: [string, Pod, string][] = [
    ['no affinity skips', pod('p'), 'skip'],
    ['nodeSelector matches', pod('p', {}, { nodeSelector: { zone: 'a' } }), 'ok'],
    ['nodeSelector mismatch', pod('p', {}, { nodeSelector: { zone: 'b' } }), "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector"],
    ['In', pod('p', {}, { affinity: req([{ key: 'zone', operator: 'In', values: ['a', 'b'] }]) }), 'ok'],
    ['NotIn', pod('p', {}, { affinity: req([{ key: 'zone', operator: 'NotIn', values: ['a'] }]) }), "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector"],
    ['Gt', pod('p', {}, { affinity: req([{ key: 'size', operator: 'Gt', values: ['5'] }]) }), 'ok'],
    ['DoesNotExist', pod('p', {}, { affinity: req([{ key: 'gpu', operator: 'DoesNotExist' }]) }), 'ok'],
  ];
  it.each(cases)('filter: %s', (_n, p, want) => expect(runFilter(new NodeAffinity(), p, nodeInfo(n))).toBe(want));

  it('PreFilter narrows to metadata.name matchFields', () => {
    const p = pod('p', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }] } } } });
    const out = new NodeAffinity().preFilter(new CycleState(), p);
    expect([...(out?.result?.nodeNames ?? [])]).toEqual(['n1', 'n2']);
  });

  it('addedAffinity is enforced', () => {
    const pl = new NodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }] } } });
    expect(runFilter(pl, pod('p'), nodeInfo(n))).toBe("UnschedulableAndUnresolvable: node(s) didn't match scheduler-enforced node affinity");
  });

  it('scores preferred terms by weight, normalised to 100', () => {
    const pl = new NodeAffinity();
    const p = pod('p', {}, {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    });
    const nis = [nodeInfo(node('a', { labels: { zone: 'a' } })), nodeInfo(node('b', { labels: { disk: 'ssd' } })), nodeInfo(node('c', { labels: { zone: 'a', disk: 'ssd' } })), nodeInfo(node('d'))];
    const state = new CycleState();
    expect(pl.preScore(state, p)).toBeUndefined();
    const scores = nis.map((ni) => ({ name: ni.name, score: pl.score(state, p, ni).score }));
    expect(scores.map((s) => s.score)).toEqual([10, 30, 40, 0]);
    pl.scoreExtensions().normalizeScore(state, p, scores);
    expect(scores.map((s) => s.score)).toEqual([25, 75, 100, 0]);
    expect(pl.preScore(new CycleState(), pod('q'))?.code).toBe(Code.Skip);
  });
});

describe('ImageLocality', () => {
  const MB = 1024 * 1024;
  it.each([
    [0, 1, 0],
    [23 * MB, 1, 0],
    [1000 * MB, 1, 100],
    [2000 * MB, 1, 100],
    [Math.trunc((1000 * MB + 23 * MB) / 2), 1, 50],
    [400 * MB, 2, 19],
  ])('imageScore(%d, %d) = %d', (sum, n, want) => expect(imageScore(sum, n)).toBe(want));

  it('scales by the share of nodes having the image and normalises names', () => {
    const big = { names: ['docker.io/library/app:latest', 'app:latest'], sizeBytes: 500 * MB };
    const a = nodeInfo(node('a', { images: [big] }));
    const b = nodeInfo(node('b'));
    const snap = Snapshot.of([a, b]);
    const pl = new ImageLocality(() => snap);
    const p = pod('p', {}, { containers: [container('c', {}, { image: 'app' })] });
    // 500MB * 1/2 nodes = 250MB -> (250-23)*100/(1000-23) = 23
    expect(pl.score(new CycleState(), p, a).score).toBe(23);
    expect(pl.score(new CycleState(), p, b).score).toBe(0);
  });
});

describe('queue plugins', () => {
  it('PrioritySort orders by priority, then timestamp', () => {
    const ps = new PrioritySort();
    const q = (prio: number, ts: number) => ({ pod: pod('p', {}, { priority: prio }), timestamp: ts, attempts: 0, initialAttemptTimestamp: ts, unschedulablePlugins: new Set<string>(), gated: false, seq: 0 });
    expect(ps.less(q(10, 5), q(0, 1))).toBe(true);
    expect(ps.less(q(0, 1), q(0, 2))).toBe(true);
    expect(ps.less(q(0, 2), q(0, 1))).toBe(false);
  });
  it('SchedulingGates rejects gated pods with the upstream message', () => {
    const s = new SchedulingGates().preEnqueue(pod('p', {}, { schedulingGates: [{ name: 'a' }, { name: 'b' }] }));
    expect(s?.message()).toBe('waiting for scheduling gates: [a b]');
    expect(new SchedulingGates().preEnqueue(pod('p'))).toBeUndefined();
  });
});

describe('defaultNormalizeScore', () => {
  it.each([
    [[10, 20, 40], false, [25, 50, 100]],
    [[10, 20, 40], true, [75, 50, 0]],
    [[0, 0], true, [100, 100]],
    [[0, 0], false, [0, 0]],
  ])('%j reverse=%s -> %j', (input, reverse, want) => {
    const scores = (input as number[]).map((s, i) => ({ name: String(i), score: s }));
    defaultNormalizeScore(scores, reverse as boolean);
    expect(scores.map((s) => s.score)).toEqual(want);
  });
});

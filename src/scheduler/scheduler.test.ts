// Tests of configuration defaulting, framework assembly and the scheduling algorithm (filter, score, select, FitError message) without an API server.
import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test/scheduler/fixtures.js';
import { resolveConfiguration, mergePluginSet } from './config.js';
import { CycleState, Status } from './framework.js';
import { Snapshot } from './nodeinfo.js';
import { inTreeRegistry, UNIMPLEMENTED_PLUGINS } from './plugins/registry.js';
import { Framework } from './runtime.js';
import { FitError, Scheduler, fitErrorMessage, numFeasibleNodesToFind, selectHost } from './scheduler.js';

const handle = () => ({ snapshot: () => new Snapshot() });
const build = (cfg: Parameters<typeof resolveConfiguration>[0] = {}) => new Framework(resolveConfiguration(cfg).profiles[0]!, inTreeRegistry(), handle(), UNIMPLEMENTED_PLUGINS);

describe('configuration', () => {
  it('defaults one default-scheduler profile, backoff 1s/10s, leader election on kube-system/kube-scheduler', () => {
    const c = resolveConfiguration();
    expect(c.profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler']);
    expect([c.podInitialBackoffMs, c.podMaxBackoffMs, c.parallelism]).toEqual([1000, 10000, 16]);
    expect(c.leaderElection).toMatchObject({ leaderElect: true, leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s', resourceName: 'kube-scheduler', resourceNamespace: 'kube-system' });
  });

  it.each([
    ['bad apiVersion', { apiVersion: 'kubescheduler.config.k8s.io/v1beta1', kind: 'KubeSchedulerConfiguration' }, /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io\/v1beta1"/],
    ['duplicate profile', { profiles: [{ schedulerName: 'a' }, { schedulerName: 'a' }] }, /profiles\[1\]\.schedulerName: Duplicate value: "a"/],
    ['percentage', { percentageOfNodesToScore: 101 }, /percentageOfNodesToScore: Invalid value: 101/],
    ['backoff', { podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 2 }, /podMaxBackoffSeconds/],
  ])('rejects %s', (_n, cfg, re) => {
    expect(() => resolveConfiguration(cfg as never)).toThrow(re);
  });

  it('merges plugin sets as upstream (replace in place, disable, append)', () => {
    const merged = mergePluginSet({ enabled: [{ name: 'A', weight: 1 }, { name: 'B' }, { name: 'C' }] }, { enabled: [{ name: 'B', weight: 5 }, { name: 'D' }], disabled: [{ name: 'C' }] });
    expect(merged.enabled).toEqual([{ name: 'A', weight: 1 }, { name: 'B', weight: 5 }, { name: 'D' }]);
    expect(mergePluginSet({ enabled: [{ name: 'A' }] }, { disabled: [{ name: '*' }], enabled: [{ name: 'Z' }] }).enabled).toEqual([{ name: 'Z' }]);
  });
});

describe('framework assembly', () => {
  it('expands the default multiPoint plugins in upstream order with weights', () => {
    const f = build();
    expect(f.filterPlugins.map((p) => p.name)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity']);
    expect(f.scorePlugins.map((s) => `${s.plugin.name}:${s.weight}`)).toEqual(['TaintToleration:3', 'NodeAffinity:2', 'NodeResourcesFit:1', 'PodTopologySpread:2', 'InterPodAffinity:2', 'NodeResourcesBalancedAllocation:1', 'ImageLocality:1']);
    expect(f.bindPlugins.map((p) => p.name)).toEqual(['DefaultBinder']);
    expect(f.preEnqueuePlugins.map((p) => p.name)).toEqual(['SchedulingGates', 'DefaultPreemption']);
  });

  it('honours disabled plugins, score overrides and pluginConfig', () => {
    const f = build({
      profiles: [
        {
          plugins: { multiPoint: { disabled: [{ name: 'ImageLocality' }] }, score: { enabled: [{ name: 'NodeResourcesFit', weight: 7 }], disabled: [{ name: 'NodeResourcesBalancedAllocation' }] } },
          pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
        },
      ],
    });
    expect(f.scorePlugins.map((s) => `${s.plugin.name}:${s.weight}`)).toEqual(['NodeResourcesFit:7', 'TaintToleration:3', 'NodeAffinity:2', 'PodTopologySpread:2', 'InterPodAffinity:2']);
    // MostAllocated: an empty node scores lower than a busier one.
    const fit = f.scorePlugins[0]!.plugin;
    const state = new CycleState();
    const p = pod('p', { cpu: '1', memory: '1Gi' });
    (fit as unknown as { preScore: (s: CycleState, p: unknown) => void }).preScore(state, p);
    const { NodeInfo } = require_nodeinfo();
    expect(fit.score(state, p, new NodeInfo(node('n'))).score).toBe(Math.trunc((25 + 12) / 2));
  });

  it('rejects unknown plugins', () => {
    expect(() => build({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] })).toThrow(/plugin "Nope" does not exist/);
  });
});

import * as nodeinfoModule from './nodeinfo.js';
function require_nodeinfo() {
  return nodeinfoModule;
}

describe('numFeasibleNodesToFind', () => {
  it.each([
    [0, 10, 10],
    [0, 99, 99],
    [0, 100, 100],
    [0, 1000, 420], // 50 - 8 = 42%
    [0, 5000, 500], // 50 - 40 = 10%
    [0, 6000, 300], // 50 - 48 = 2% -> 5%
    [0, 1200, 492], // 50 - 9 = 41% -> 492
    [30, 1000, 300],
    [1, 1000, 100], // never fewer than 100
  ])('pct %d of %d nodes -> %d', (pct, n, want) => expect(numFeasibleNodesToFind(pct, n)).toBe(want));
});

describe('selectHost', () => {
  it('picks the best and breaks ties at random', () => {
    const scores = [
      { name: 'a', totalScore: 10, scores: [] },
      { name: 'b', totalScore: 30, scores: [] },
      { name: 'c', totalScore: 30, scores: [] },
    ];
    const seen = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.99]) seen.add(selectHost(scores, () => r));
    expect([...seen].sort()).toEqual(['b', 'c']);
    expect(() => selectHost([])).toThrow();
  });
});

describe('fitErrorMessage', () => {
  it('sorts the reason histogram and appends the post-filter message', () => {
    const m = new Map([
      ['a', Status.unschedulable('Insufficient cpu')],
      ['b', Status.unresolvable('node(s) had untolerated taint {k: v}')],
      ['c', Status.unresolvable('node(s) had untolerated taint {k: v}')],
    ]);
    expect(fitErrorMessage(3, { nodeToStatus: m, unschedulablePlugins: new Set() })).toBe('0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.');
    expect(fitErrorMessage(3, { nodeToStatus: m, unschedulablePlugins: new Set(), postFilterMsg: 'preemption: x' })).toMatch(/\{k: v\}\. preemption: x\.$/);
    expect(fitErrorMessage(2, { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: 'pod affinity terms conflict' })).toBe('0/2 nodes are available: pod affinity terms conflict.');
  });
});

describe('Scheduler.schedulePod', () => {
  function cluster() {
    const s = new Scheduler({ log: () => {}, rand: () => 0 });
    s.onNodeAdd(node('small', { alloc: { cpu: '1', memory: '2Gi', pods: '110' } }));
    s.onNodeAdd(node('big', { alloc: { cpu: '8', memory: '16Gi', pods: '110' } }));
    s.onNodeAdd(node('tainted', { alloc: { cpu: '16', memory: '32Gi', pods: '110' }, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
    return s;
  }
  const fwk = (s: Scheduler) => s.profiles.get('default-scheduler')!;

  it('places a pod on the least allocated node that fits', async () => {
    const s = cluster();
    const r = await s.schedulePod(fwk(s), new CycleState(), pod('p', { cpu: '500m', memory: '1Gi' }));
    expect(r.suggestedHost).toBe('big');
    expect(r.feasibleNodes).toBe(2);
  });

  it('fails with the upstream FitError message', async () => {
    const s = cluster();
    const err = await s.schedulePod(fwk(s), new CycleState(), pod('p', { cpu: '10' })).catch((e) => e);
    expect(err).toBeInstanceOf(FitError);
    expect((err as FitError).message).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 Insufficient cpu.');
    expect([...(err as FitError).diagnosis.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'TaintToleration']);
  });

  it('a tolerating pod may use the tainted node; assumed pods count in the next cycle', async () => {
    const s = cluster();
    const p = pod('p', { cpu: '12' }, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    const r = await s.schedulePod(fwk(s), new CycleState(), p);
    expect(r.suggestedHost).toBe('tainted');
    s.cache.assumePod({ ...p, spec: { ...p.spec!, nodeName: 'tainted' } });
    const err = await s.schedulePod(fwk(s), new CycleState(), pod('q', { cpu: '12' }, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] })).catch((e) => e);
    expect((err as Error).message).toBe('0/3 nodes are available: 3 Insufficient cpu.');
  });

  it('no nodes at all', async () => {
    const s = new Scheduler({ log: () => {} });
    await expect(s.schedulePod(fwk(s), new CycleState(), pod('p'))).rejects.toThrow('no nodes available to schedule pods');
  });
});

describe('DefaultPreemption', () => {
  const on = (p: ReturnType<typeof pod>, n: string) => ({ ...p, spec: { ...p.spec!, nodeName: n } });

  it('selects the fewest, least important victims and nominates the node', async () => {
    const s = new Scheduler({ log: () => {} });
    s.onNodeAdd(node('n', { alloc: { cpu: '2', memory: '4Gi', pods: '110' } }));
    s.onNodeAdd(node('tainted', { alloc: { cpu: '8', memory: '4Gi', pods: '110' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    s.onPodAdd(on(pod('low0', { cpu: '1' }, { priority: 0 }), 'n'));
    s.onPodAdd(on(pod('low5', { cpu: '1' }, { priority: 5 }), 'n'));
    const fwk = s.profiles.get('default-scheduler')!;
    const vip = pod('vip', { cpu: '1' }, { priority: 10 });
    const state = new CycleState();
    const err = (await s.schedulePod(fwk, state, vip).catch((e) => e)) as FitError;
    expect(err.message).toBe('0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}.');
    const out = await fwk.runPostFilterPlugins(state, vip, err.diagnosis.nodeToStatus);
    expect(out.status.isSuccess()).toBe(true);
    expect(out.result?.nominatedNodeName).toBe('n');
    const pre = fwk.postFilterPlugins[0] as unknown as import('./plugins/defaultpreemption.js').DefaultPreemption;
    const { candidates } = pre.findCandidates(state, vip, err.diagnosis.nodeToStatus);
    expect(candidates.map((c) => [c.nodeName, c.victims.map((v) => v.metadata?.name)])).toEqual([['n', ['low0']]]);
  });

  it.each<[string, number, string[]]>([
    ['a lower-priority pod does not take the room held for a nominated pod', 5, ['elsewhere']],
    ['an equal-priority pod does not take it either', 10, ['elsewhere']],
    ['a higher-priority pod may', 20, ['elsewhere', 'n']],
  ])('nominated pods hold their room: %s', async (_name, prio, want) => {
    const s = new Scheduler({ log: () => {}, rand: () => 0 });
    s.onNodeAdd(node('n', { alloc: { cpu: '2', memory: '4Gi', pods: '110' } }));
    s.onNodeAdd(node('elsewhere', { alloc: { cpu: '1', memory: '4Gi', pods: '110' } }));
    s.onPodAdd(on(pod('running', { cpu: '1' }, { priority: 0 }), 'n'));
    // A preemptor waiting for 1 cpu on n, as its status says (e.g. after its victim was deleted).
    const waiting = pod('preemptor', { cpu: '1' }, { priority: 10 });
    s.onPodAdd({ ...waiting, status: { nominatedNodeName: 'n' } });
    expect(s.nominatedPodsForNode('n').map((p) => p.metadata?.name)).toEqual(['preemptor']);
    const fwk = s.profiles.get('default-scheduler')!;
    // Both nodes have 1 cpu free.
    s.cache.updateSnapshot(s.snapshot);
    const { feasible } = await s.findNodesThatFitPod(fwk, new CycleState(), pod('other', { cpu: '1' }, { priority: prio }));
    expect(feasible.map((n) => n.name).sort()).toEqual(want);
    // The preemptor itself evaluates its nominated node first and gets it.
    const mine = await s.schedulePod(fwk, new CycleState(), { ...waiting, status: { nominatedNodeName: 'n' } });
    expect(mine.suggestedHost).toBe('n');
    // Once bound elsewhere (or deleted) the nomination is gone.
    s.onPodDelete({ ...waiting, status: { nominatedNodeName: 'n' } });
    expect(s.nominatedPodsForNode('n')).toEqual([]);
  });

  it('explains why preemption cannot help', async () => {
    const s = new Scheduler({ log: () => {} });
    s.onNodeAdd(node('n', { alloc: { cpu: '1', memory: '4Gi', pods: '110' } }));
    s.onNodeAdd(node('t', { alloc: { cpu: '8', memory: '4Gi', pods: '110' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    s.onPodAdd(on(pod('same', { cpu: '1' }, { priority: 10 }), 'n'));
    const fwk = s.profiles.get('default-scheduler')!;
    const p = pod('p', { cpu: '1' }, { priority: 10 });
    const state = new CycleState();
    const err = (await s.schedulePod(fwk, state, p).catch((e) => e)) as FitError;
    const out = await fwk.runPostFilterPlugins(state, p, err.diagnosis.nodeToStatus);
    err.diagnosis.postFilterMsg = out.status.message();
    expect(err.message).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
    const never = pod('never', { cpu: '1' }, { priority: 100, preemptionPolicy: 'Never' });
    const out2 = await fwk.runPostFilterPlugins(new CycleState(), never, err.diagnosis.nodeToStatus);
    expect(out2.status.message()).toBe('preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('pickOneNodeForPreemption prefers lower victim priorities, then fewer victims', async () => {
    const { pickOneNodeForPreemption } = await import('./plugins/defaultpreemption.js');
    const v = (prio: number) => pod(`v${prio}`, {}, { priority: prio });
    expect(pickOneNodeForPreemption([{ nodeName: 'a', victims: [v(5)] }, { nodeName: 'b', victims: [v(1), v(1)] }])?.nodeName).toBe('b');
    expect(pickOneNodeForPreemption([{ nodeName: 'a', victims: [v(1), v(1)] }, { nodeName: 'b', victims: [v(1)] }])?.nodeName).toBe('b');
  });
});

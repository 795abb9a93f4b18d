// Table-driven tests of DefaultPreemption: PDB-aware victim selection, the node-picking order, eligibility and how victims are evicted through the API.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import { ApiError, type Lister, type RestClient } from '../../client/index.js';
import { resolveConfiguration } from '../config.js';
import { CycleState, Status } from '../framework.js';
import { Snapshot, type NodeInfo } from '../nodeinfo.js';
import { Framework, type Handle } from '../runtime.js';
import { DefaultPreemption, filterPodsWithPDBViolation, pickOneNodeForPreemption, type Candidate } from './defaultpreemption.js';
import { inTreeRegistry, UNIMPLEMENTED_PLUGINS } from './registry.js';

const cpuNode = (name: string, cpu: string) => node(name, { alloc: { cpu, memory: '8Gi', pods: '110' } });
/** A pod requesting `cpu` with priority `prio` and labels. */
const p = (name: string, cpu: string, prio: number, labels: Record<string, string> = {}, ns = 'default'): Pod =>
  pod(name, { cpu }, { priority: prio }, { namespace: ns, ...(Object.keys(labels).length ? { labels } : {}) });
const pdb = (name: string, match: Record<string, string> | undefined, allowed: number, extra: { ns?: string; disrupted?: string[] } = {}): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: extra.ns ?? 'default' },
  spec: match === undefined ? {} : { selector: { matchLabels: match } },
  status: {
    disruptionsAllowed: allowed,
    currentHealthy: 1,
    desiredHealthy: 1,
    expectedPods: 1,
    ...(extra.disrupted ? { disruptedPods: Object.fromEntries(extra.disrupted.map((n) => [n, '2026-01-01T00:00:00Z'])) } : {}),
  },
});
const names = (ps: readonly Pod[]) => ps.map((x) => x.metadata?.name);

function lister<T>(items: T[]): Lister<T> {
  return { get: () => undefined, list: () => items, byIndex: () => [], keys: () => [] } as unknown as Lister<T>;
}

/** The default profile over `nodes`, with `pdbs` in the lister and optionally an API client; its DefaultPreemption. */
function setup(nodes: NodeInfo[], pdbs: PodDisruptionBudget[] = [], client?: RestClient): { fwk: Framework; pl: DefaultPreemption } {
  const snap = Snapshot.of(nodes);
  const handle: Handle = { snapshot: () => snap, listers: { podDisruptionBudgets: lister(pdbs) }, ...(client ? { client } : {}) };
  const fwk = new Framework(resolveConfiguration().profiles[0]!, inTreeRegistry(), handle, UNIMPLEMENTED_PLUGINS);
  const pl = fwk.plugins.get('DefaultPreemption') as DefaultPreemption;
  pl.random = () => 0;
  return { fwk, pl };
}

function prefiltered(fwk: Framework, preemptor: Pod, nodes: NodeInfo[]): CycleState {
  const state = new CycleState();
  fwk.runPreFilterPlugins(state, preemptor, nodes);
  return state;
}

describe('filterPodsWithPDBViolation', () => {
  const db1 = p('db1', '1', 1, { app: 'db' });
  const db2 = p('db2', '1', 1, { app: 'db' });
  const web = p('web', '1', 1, { app: 'web' });
  const bare = p('bare', '1', 1);
  const cases: { name: string; pods: Pod[]; pdbs: PodDisruptionBudget[]; violating: string[] }[] = [
    { name: 'no PDBs: nothing violates', pods: [db1, web], pdbs: [], violating: [] },
    { name: 'budget exhausted: the matching pod violates', pods: [db1, web], pdbs: [pdb('b', { app: 'db' }, 0)], violating: ['db1'] },
    { name: 'one disruption allowed: the second matching pod violates', pods: [db1, db2], pdbs: [pdb('b', { app: 'db' }, 1)], violating: ['db2'] },
    { name: 'pods already in disruptedPods neither use the budget nor violate it', pods: [db1, db2], pdbs: [pdb('b', { app: 'db' }, 1, { disrupted: ['db1'] })], violating: [] },
    { name: 'a PDB in another namespace does not apply', pods: [db1], pdbs: [pdb('b', { app: 'db' }, 0, { ns: 'other' })], violating: [] },
    { name: 'an empty selector matches nothing', pods: [db1, web], pdbs: [{ ...pdb('b', {}, 0) }], violating: [] },
    { name: 'a missing selector matches nothing', pods: [db1], pdbs: [pdb('b', undefined, 0)], violating: [] },
    { name: 'a pod without labels matches no PDB', pods: [bare], pdbs: [pdb('b', {}, 0)], violating: [] },
    { name: 'two PDBs on one pod: any exhausted one makes it violate', pods: [db1], pdbs: [pdb('a', { app: 'db' }, 5), pdb('b', { app: 'db' }, 0)], violating: ['db1'] },
  ];
  it.each(cases)('$name', ({ pods, pdbs, violating }) => {
    const out = filterPodsWithPDBViolation(pods, pdbs);
    expect(names(out.violating)).toEqual(violating);
    expect(names(out.nonViolating)).toEqual(names(pods.filter((x) => !violating.includes(x.metadata!.name!))));
  });
});

describe('pickOneNodeForPreemption', () => {
  const v = (prio: number, start?: string): Pod => ({ ...pod(`v${prio}`, {}, { priority: prio }), ...(start ? { status: { startTime: start } } : {}) });
  const c = (nodeName: string, victims: Pod[], numPDBViolations = 0): Candidate => ({ nodeName, victims, numPDBViolations });
  const cases: { name: string; candidates: Candidate[]; want: string | undefined }[] = [
    { name: 'none', candidates: [], want: undefined },
    { name: 'fewest PDB violations beats lower priorities', candidates: [c('a', [v(1)], 1), c('b', [v(100), v(100)], 0)], want: 'b' },
    { name: 'fewer PDB violations among violating nodes', candidates: [c('a', [v(1), v(1)], 2), c('b', [v(50), v(1)], 1)], want: 'b' },
    { name: 'equal violations: lowest highest-victim priority', candidates: [c('a', [v(5)], 1), c('b', [v(3), v(3)], 1)], want: 'b' },
    { name: 'then the smallest sum of priorities', candidates: [c('a', [v(5), v(4)]), c('b', [v(5), v(1)])], want: 'b' },
    { name: 'then the fewest victims', candidates: [c('a', [v(1), v(1)]), c('b', [v(1)])], want: 'b' },
    { name: 'then the latest start of the highest-priority victims', candidates: [c('a', [v(5, '2026-01-01T00:00:00Z')]), c('b', [v(5, '2026-01-02T00:00:00Z')])], want: 'b' },
    { name: 'then the first', candidates: [c('a', [v(5)]), c('b', [v(5)])], want: 'a' },
  ];
  it.each(cases)('$name', ({ candidates, want }) => {
    expect(pickOneNodeForPreemption(candidates)?.nodeName).toBe(want);
  });
});

describe('DefaultPreemption with PodDisruptionBudgets', () => {
  const vip = (cpu: string) => p('vip', cpu, 100);
  const cases: {
    name: string;
    nodes: NodeInfo[];
    pdbs: PodDisruptionBudget[];
    preemptor: Pod;
    /** node -> [victims, numPDBViolations] of every candidate */
    candidates: Record<string, [string[], number]>;
    pick: string;
  }[] = [
    {
      name: 'a node whose only victim is PDB-protected loses to one whose victim is not, even with a lower priority',
      nodes: [nodeInfo(cpuNode('a', '1'), [p('db', '1', 1, { app: 'db' })]), nodeInfo(cpuNode('b', '1'), [p('web', '1', 5, { app: 'web' })])],
      pdbs: [pdb('db', { app: 'db' }, 0)],
      preemptor: vip('1'),
      candidates: { a: [['db'], 1], b: [['web'], 0] },
      pick: 'b',
    },
    {
      name: 'the same without the PDB: the lower-priority victim wins',
      nodes: [nodeInfo(cpuNode('a', '1'), [p('db', '1', 1, { app: 'db' })]), nodeInfo(cpuNode('b', '1'), [p('web', '1', 5, { app: 'web' })])],
      pdbs: [],
      preemptor: vip('1'),
      candidates: { a: [['db'], 0], b: [['web'], 0] },
      pick: 'a',
    },
    {
      name: 'PDBs on both nodes: the one with fewer violations wins',
      nodes: [
        nodeInfo(cpuNode('a', '2'), [p('db1', '1', 1, { app: 'db' }), p('db2', '1', 1, { app: 'db' })]),
        nodeInfo(cpuNode('b', '2'), [p('db3', '1', 1, { app: 'db' }), p('web', '1', 50, { app: 'web' })]),
      ],
      pdbs: [pdb('db', { app: 'db' }, 0)],
      preemptor: vip('2'),
      candidates: { a: [['db1', 'db2'], 2], b: [['web', 'db3'], 1] },
      pick: 'b',
    },
    {
      name: 'equal violations: ties broken by the highest victim priority',
      nodes: [
        nodeInfo(cpuNode('a', '2'), [p('db1', '1', 1, { app: 'db' }), p('w5', '1', 5, { app: 'web' })]),
        nodeInfo(cpuNode('b', '2'), [p('db2', '1', 1, { app: 'db' }), p('w3', '1', 3, { app: 'web' })]),
      ],
      pdbs: [pdb('db', { app: 'db' }, 0)],
      preemptor: vip('2'),
      candidates: { a: [['w5', 'db1'], 1], b: [['w3', 'db2'], 1] },
      pick: 'b',
    },
    {
      name: 'PDB-violating pods are reprieved first: the unprotected pod is evicted instead',
      nodes: [nodeInfo(cpuNode('a', '3'), [p('db', '1', 1, { app: 'db' }), p('w5', '1', 5, { app: 'web' }), p('w4', '1', 4, { app: 'web' })])],
      pdbs: [pdb('db', { app: 'db' }, 0)],
      preemptor: vip('1'),
      candidates: { a: [['w4'], 0] },
      pick: 'a',
    },
    {
      name: 'without the PDB the least important pod is evicted',
      nodes: [nodeInfo(cpuNode('a', '3'), [p('db', '1', 1, { app: 'db' }), p('w5', '1', 5, { app: 'web' }), p('w4', '1', 4, { app: 'web' })])],
      pdbs: [],
      preemptor: vip('1'),
      candidates: { a: [['db'], 0] },
      pick: 'a',
    },
    {
      name: 'a budget of one: the first (most important) victim uses it, the second violates',
      nodes: [nodeInfo(cpuNode('a', '2'), [p('db1', '1', 2, { app: 'db' }), p('db2', '1', 1, { app: 'db' })])],
      pdbs: [pdb('db', { app: 'db' }, 1)],
      preemptor: vip('2'),
      candidates: { a: [['db1', 'db2'], 1] },
      pick: 'a',
    },
  ];
  it.each(cases)('$name', async ({ nodes, pdbs, preemptor, candidates, pick }) => {
    const { fwk, pl } = setup(nodes, pdbs);
    const state = prefiltered(fwk, preemptor, nodes);
    const found = pl.findCandidates(state, preemptor, new Map());
    const got = Object.fromEntries(found.candidates.map((c) => [c.nodeName, [names(c.victims), c.numPDBViolations]]));
    expect(got).toEqual(candidates);
    // Candidates without violations come first.
    const order = found.candidates.map((c) => (c.numPDBViolations ?? 0) > 0);
    expect(order).toEqual([...order].sort((x, y) => Number(x) - Number(y)));
    const out = await pl.preempt(state, preemptor, new Map());
    expect(out.status.isSuccess()).toBe(true);
    expect(out.result?.nominatedNodeName).toBe(pick);
  });

  it('stops the dry run once enough candidates are found, starting at the offset', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((n) => nodeInfo(cpuNode(n, '1'), [p(`low-${n}`, '1', 1)]));
    const { fwk, pl } = setup(nodes);
    const pre = new DefaultPreemption(fwk.handle, { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 2 });
    pre.random = () => 0.5;
    const state = prefiltered(fwk, vip('1'), nodes);
    expect(pre.numCandidates(4)).toBe(2);
    expect(pre.numCandidates(100)).toBe(10);
    expect(pl.numCandidates(5000)).toBe(500);
    expect(pre.findCandidates(state, vip('1'), new Map()).candidates.map((c) => c.nodeName)).toEqual(['c', 'd']);
  });
});

describe('DefaultPreemption eligibility and eviction', () => {
  const vip = p('vip', '1', 100);

  it.each([
    { name: 'preemptionPolicy Never', pod: { ...vip, spec: { ...vip.spec!, preemptionPolicy: 'Never' } }, status: undefined, want: 'not eligible due to preemptionPolicy=Never.' },
    { name: 'a preempted victim still terminating on the nominated node', pod: { ...vip, status: { nominatedNodeName: 'a' } }, status: undefined, want: 'not eligible due to a terminating pod on the nominated node.' },
    { name: 'the nominated node became unresolvable', pod: { ...vip, status: { nominatedNodeName: 'a' } }, status: Status.unresolvable('gone'), want: '' },
    { name: 'not nominated', pod: vip, status: undefined, want: '' },
  ])('$name', ({ pod: pr, status, want }) => {
    const terminating: Pod = {
      ...p('old', '1', 1),
      metadata: { ...p('old', '1', 1).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
      status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] },
    };
    const { pl } = setup([nodeInfo(cpuNode('a', '1'), [terminating])]);
    const out = pl.podEligibleToPreemptOthers(pr as Pod, status);
    expect(out.reason ?? '').toBe(want);
    expect(out.ok).toBe(want === '');
  });

  it('marks each victim with DisruptionTarget, then deletes it; a victim already gone is fine', async () => {
    const calls: string[] = [];
    let condition: unknown;
    const client = {
      resource: () => ({
        patch: async (name: string, body: { status: { conditions: unknown[] } }, type: string, opts: { subresource?: string }) => {
          calls.push(`patch ${name} ${type} ${opts.subresource}`);
          condition = body.status.conditions[0];
          return {};
        },
        delete: async (name: string) => {
          calls.push(`delete ${name}`);
          if (name === 'gone') throw new ApiError({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 } as never);
          return {};
        },
      }),
    } as unknown as RestClient;
    const nodes = [nodeInfo(cpuNode('a', '2'), [p('gone', '1', 1), p('low', '1', 2)])];
    const { fwk, pl } = setup(nodes, [], client);
    const big = { ...p('big', '2', 100), spec: { ...p('big', '2', 100).spec!, schedulerName: 'my-scheduler' } };
    const out = await pl.postFilter(prefiltered(fwk, big, nodes), big, new Map());
    expect(out.status.isSuccess()).toBe(true);
    expect(out.result?.nominatedNodeName).toBe('a');
    expect([...calls].sort()).toEqual(['delete gone', 'delete low', 'patch gone strategic status', 'patch low strategic status']);
    expect(calls.indexOf('patch low strategic status')).toBeLessThan(calls.indexOf('delete low'));
    expect(condition).toMatchObject({ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'my-scheduler: preempting to accommodate a higher priority pod' });
  });

  it('preempts asynchronously: nominates at once, holds the preemptor at PreEnqueue until the victims are gone, then activates it', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const client = {
      resource: () => ({
        patch: async (name: string) => {
          calls.push(`patch ${name}`);
          return {};
        },
        delete: async (name: string) => {
          await gate;
          calls.push(`delete ${name}`);
          return {};
        },
      }),
    } as unknown as RestClient;
    const nodes = [nodeInfo(cpuNode('a', '1'), [p('low', '1', 1)])];
    const { fwk, pl } = setup(nodes, [], client);
    const activated: string[] = [];
    fwk.handle.activate = (pods) => activated.push(...pods.map((x) => x.metadata?.name ?? ''));
    const big = { ...p('big', '1', 100), metadata: { ...p('big', '1', 100).metadata, uid: 'uid-big' } };
    const out = await pl.postFilter(prefiltered(fwk, big, nodes), big, new Map());
    expect(out.result?.nominatedNodeName).toBe('a');
    expect(calls).not.toContain('delete low');
    expect(pl.preEnqueue(big)?.message()).toBe('waiting for the preemption for this pod to be finished');
    expect(pl.preEnqueue(p('other', '1', 100))).toBeUndefined();
    release();
    await pl.waitForPreemptions();
    expect(calls).toContain('delete low');
    expect(pl.preEnqueue(big)).toBeUndefined();
    expect(activated).toEqual(['big']);
  });
});

// Table-driven tests of PodTopologySpread: DoNotSchedule skew filtering (minDomains, inclusion policies, missing labels) and ScheduleAnyway / system-default scoring.
import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import type { Lister } from '../../client/index.js';
import { CycleState, type NodeScore } from '../framework.js';
import { Snapshot, type NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH, PodTopologySpread, defaultSelector } from './podtopologyspread.js';

const ZONE = 'topology.kubernetes.io/zone';
const web = (name: string, extra: Partial<NonNullable<Pod['spec']>> = {}, labels: Record<string, string> = { app: 'web' }) => pod(name, {}, extra, { labels });
const spread = (key: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  topologyKey: key,
  maxSkew,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
  ...extra,
});

function handleFor(nodes: NodeInfo[], rs: ReplicaSet[] = []): Handle {
  const snap = Snapshot.of(nodes);
  const rsLister = { get: (k: string) => rs.find((r) => `${r.metadata?.namespace}/${r.metadata?.name}` === k), list: () => rs, byIndex: () => [], keys: () => [] } as unknown as Lister<ReplicaSet>;
  return { snapshot: () => snap, listers: { replicaSets: rsLister } };
}

function filterAll(p: PodTopologySpread, incoming: Pod, nodes: NodeInfo[]): Record<string, string> {
  const state = new CycleState();
  const pre = p.preFilter(state, incoming, nodes);
  if (pre?.status?.isSkip()) return Object.fromEntries(nodes.map((n) => [n.name, 'skip']));
  const out: Record<string, string> = {};
  for (const n of nodes) out[n.name] = p.filter(state, incoming, n)?.message() ?? 'ok';
  return out;
}

describe('PodTopologySpread filter', () => {
  const a = node('a', { labels: { [ZONE]: 'z1' } });
  const b = node('b', { labels: { [ZONE]: 'z1' } });
  const c = node('c', { labels: { [ZONE]: 'z2' } });
  const cases: { name: string; incoming: Pod; nodes: () => NodeInfo[]; want: Record<string, string> }[] = [
    { name: 'no DoNotSchedule constraints: skip', incoming: web('x'), nodes: () => [nodeInfo(a)], want: { a: 'skip' } },
    {
      name: 'zone skew 1: z1 has 2, z2 has 0',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1)] }),
      nodes: () => [nodeInfo(a, [web('w1')]), nodeInfo(b, [web('w2')]), nodeInfo(c)],
      want: { a: ERR_REASON_CONSTRAINTS_NOT_MATCH, b: ERR_REASON_CONSTRAINTS_NOT_MATCH, c: 'ok' },
    },
    {
      name: 'balanced zones allow both',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1)] }),
      nodes: () => [nodeInfo(a, [web('w1')]), nodeInfo(c, [web('w2')])],
      want: { a: 'ok', c: 'ok' },
    },
    {
      name: 'pods not matching the selector or in other namespaces do not count',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1)] }),
      nodes: () => [nodeInfo(a, [web('o', {}, { app: 'other' }), pod('n', {}, {}, { namespace: 'other', labels: { app: 'web' } })]), nodeInfo(c)],
      want: { a: 'ok', c: 'ok' },
    },
    {
      name: 'a node without the topology key is rejected as unresolvable',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1)] }),
      nodes: () => [nodeInfo(a), nodeInfo(node('bare'))],
      want: { a: 'ok', bare: ERR_REASON_NODE_LABEL_NOT_MATCH },
    },
    {
      name: 'minDomains above the domain count makes the global minimum 0',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1, { minDomains: 3 })] }),
      nodes: () => [nodeInfo(a, [web('w1')]), nodeInfo(c, [web('w2')])],
      want: { a: ERR_REASON_CONSTRAINTS_NOT_MATCH, c: ERR_REASON_CONSTRAINTS_NOT_MATCH },
    },
    {
      name: 'nodeAffinityPolicy Honor: nodes outside the nodeSelector are not domains',
      incoming: web('x', { nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread('kubernetes.io/hostname', 1)] }),
      nodes: () => [nodeInfo(node('s1', { labels: { disk: 'ssd' } }), [web('w1')]), nodeInfo(node('s2', { labels: { disk: 'ssd' } }), [web('w2')]), nodeInfo(node('h1'))],
      want: { s1: 'ok', s2: 'ok', h1: 'ok' },
    },
    {
      name: 'nodeAffinityPolicy Ignore: an empty non-selected node is the minimum',
      incoming: web('x', { nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread('kubernetes.io/hostname', 1, { nodeAffinityPolicy: 'Ignore' })] }),
      nodes: () => [nodeInfo(node('s1', { labels: { disk: 'ssd' } }), [web('w1')]), nodeInfo(node('h1'))],
      want: { s1: ERR_REASON_CONSTRAINTS_NOT_MATCH, h1: 'ok' },
    },
    {
      name: 'nodeTaintsPolicy Honor: tainted nodes are not domains',
      incoming: web('x', { topologySpreadConstraints: [spread('kubernetes.io/hostname', 1, { nodeTaintsPolicy: 'Honor' })] }),
      nodes: () => [nodeInfo(node('t', { taints: [{ key: 'k', effect: 'NoSchedule' }] })), nodeInfo(node('u'), [web('w1')])],
      want: { t: 'ok', u: 'ok' },
    },
    {
      name: 'nodeTaintsPolicy Ignore (default): tainted empty node holds the minimum at 0',
      incoming: web('x', { topologySpreadConstraints: [spread('kubernetes.io/hostname', 1)] }),
      nodes: () => [nodeInfo(node('t', { taints: [{ key: 'k', effect: 'NoSchedule' }] })), nodeInfo(node('u'), [web('w1')])],
      want: { t: 'ok', u: ERR_REASON_CONSTRAINTS_NOT_MATCH },
    },
    {
      name: 'matchLabelKeys counts only pods with the same value',
      incoming: web('x', { topologySpreadConstraints: [spread(ZONE, 1, { matchLabelKeys: ['rev'] })] }, { app: 'web', rev: '2' }),
      nodes: () => [nodeInfo(a, [web('old1', {}, { app: 'web', rev: '1' }), web('old2', {}, { app: 'web', rev: '1' })]), nodeInfo(c, [web('new', {}, { app: 'web', rev: '2' })])],
      want: { a: 'ok', c: ERR_REASON_CONSTRAINTS_NOT_MATCH },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const nodes = tc.nodes();
      expect(filterAll(new PodTopologySpread({}, handleFor(nodes)), tc.incoming, nodes)).toEqual(tc.want);
    });
  }

  it('preFilter extensions update counts on a cloned state', () => {
    const nodes = [nodeInfo(a, [web('w1')]), nodeInfo(c)];
    const p = new PodTopologySpread({}, handleFor(nodes));
    const incoming = web('x', { topologySpreadConstraints: [spread(ZONE, 0 + 1)] });
    const state = new CycleState();
    p.preFilter(state, incoming, nodes);
    expect(p.filter(state, incoming, nodes[0]!)?.message()).toBe(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    const cloned = state.clone();
    p.preFilterExtensions().removePod(cloned, incoming, nodes[0]!.pods[0]!.pod, nodes[0]!);
    expect(p.filter(cloned, incoming, nodes[0]!)).toBeUndefined();
    expect(p.filter(state, incoming, nodes[0]!)?.message()).toBe(ERR_REASON_CONSTRAINTS_NOT_MATCH);
  });
});

function scoreAll(p: PodTopologySpread, incoming: Pod, nodes: NodeInfo[]): Record<string, number> | 'skip' {
  const state = new CycleState();
  const s = p.preScore(state, incoming, nodes);
  if (s?.isSkip()) return 'skip';
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: p.score(state, incoming, n).score }));
  p.scoreExtensions().normalizeScore(state, incoming, scores);
  return Object.fromEntries(scores.map((x) => [x.name, x.score]));
}

describe('PodTopologySpread score', () => {
  const soft = (key: string, maxSkew: number) => spread(key, maxSkew, { whenUnsatisfiable: 'ScheduleAnyway' });
  it('ScheduleAnyway prefers the emptier host (upstream arithmetic)', () => {
    const nodes = [nodeInfo(node('a'), [web('1'), web('2')]), nodeInfo(node('b'), [web('3')]), nodeInfo(node('c'))];
    const incoming = web('x', { topologySpreadConstraints: [soft('kubernetes.io/hostname', 1)] });
    // weight ln(3+2); raw a=round(2*1.609)=3, b=2, c=0; normalised 100*(3+0-s)/3
    expect(scoreAll(new PodTopologySpread({}, handleFor(nodes)), incoming, nodes)).toEqual({ a: 0, b: 33, c: 100 });
  });
  it('nodes missing the key are scored 0', () => {
    const nodes = [nodeInfo(node('a', { labels: { [ZONE]: 'z1' } }), [web('1')]), nodeInfo(node('b', { labels: { [ZONE]: 'z2' } })), nodeInfo(node('bare'))];
    const incoming = web('x', { topologySpreadConstraints: [soft(ZONE, 1)] });
    expect(scoreAll(new PodTopologySpread({}, handleFor(nodes)), incoming, nodes)).toEqual({ a: 0, b: 100, bare: 0 });
  });
  it('no constraints and no owner: skip', () => {
    const nodes = [nodeInfo(node('a'))];
    expect(scoreAll(new PodTopologySpread({}, handleFor(nodes)), web('x'), nodes)).toBe('skip');
  });
  it('system defaults apply to pods owned by a ReplicaSet, with its selector', () => {
    const rs: ReplicaSet = { metadata: { name: 'rs', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: {} } };
    const owned = (n: string) => pod(n, {}, {}, { labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] });
    const nodes = [nodeInfo(node('a', { labels: { [ZONE]: 'z1' } }), [owned('1'), owned('2'), owned('3')]), nodeInfo(node('b', { labels: { [ZONE]: 'z2' } }))];
    const h = handleFor(nodes, [rs]);
    expect(defaultSelector(owned('x'), h).toString()).toBe('app=web');
    const got = scoreAll(new PodTopologySpread({}, h), owned('x'), nodes);
    expect(got).not.toBe('skip');
    const g = got as Record<string, number>;
    expect(g['b']).toBe(100);
    expect(g['a']).toBeLessThan(100);
    // the defaults are ScheduleAnyway only: nothing to filter
    expect(new PodTopologySpread({}, h).preFilter(new CycleState(), owned('x'), nodes)?.status?.isSkip()).toBe(true);
  });
});

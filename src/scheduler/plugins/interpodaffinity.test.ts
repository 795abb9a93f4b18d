// Table-driven tests of InterPodAffinity: required affinity/anti-affinity filtering (both directions), namespaceSelector, the first-pod exception, preferred-term scoring.
import { describe, expect, it } from 'vitest';
import type { Namespace, Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { node, nodeInfo, pod } from '../../../test/scheduler/fixtures.js';
import type { Lister } from '../../client/index.js';
import { CycleState, type NodeScore } from '../framework.js';
import { Snapshot, type NodeInfo } from '../nodeinfo.js';
import type { Handle } from '../runtime.js';
import { ERR_REASON_AFFINITY, ERR_REASON_ANTI_AFFINITY, ERR_REASON_EXISTING_ANTI_AFFINITY, InterPodAffinity } from './interpodaffinity.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const term = (labels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });
const labelled = (name: string, labels: Record<string, string>, affinity?: NonNullable<Pod['spec']>['affinity'], ns = 'default'): Pod =>
  pod(name, {}, affinity ? { affinity } : {}, { labels, namespace: ns });

function handleFor(nodes: NodeInfo[], namespaces: Namespace[] = []): Handle {
  const snap = Snapshot.of(nodes);
  const nsLister = { get: (k: string) => namespaces.find((n) => n.metadata?.name === k), list: () => namespaces, byIndex: () => [], keys: () => [] } as unknown as Lister<Namespace>;
  return { snapshot: () => snap, listers: { namespaces: nsLister } };
}

/** Filter results per node name ('ok' or the reason). */
function filterAll(p: InterPodAffinity, incoming: Pod, nodes: NodeInfo[]): Record<string, string> {
  const state = new CycleState();
  const pre = p.preFilter(state, incoming, nodes);
  if (pre?.status?.isSkip()) return Object.fromEntries(nodes.map((n) => [n.name, 'skip']));
  const out: Record<string, string> = {};
  for (const n of nodes) out[n.name] = p.filter(state, incoming, n)?.message() ?? 'ok';
  return out;
}

describe('InterPodAffinity filter', () => {
  const nA = node('a', { labels: { [ZONE]: 'z1' } });
  const nB = node('b', { labels: { [ZONE]: 'z1' } });
  const nC = node('c', { labels: { [ZONE]: 'z2' } });
  const web = (n: string) => labelled(n, { app: 'web' });
  const antiWeb = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST)] } };
  const affDb = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, ZONE)] } };

  const cases: { name: string; incoming: Pod; nodes: NodeInfo[]; ns?: Namespace[]; want: Record<string, string> }[] = [
    { name: 'no terms anywhere: skip', incoming: web('x'), nodes: [nodeInfo(nA, [web('w1')])], want: { a: 'skip' } },
    {
      name: 'anti-affinity by hostname keeps off nodes with a match',
      incoming: labelled('x', { app: 'web' }, antiWeb),
      nodes: [nodeInfo(nA, [web('w1')]), nodeInfo(nB), nodeInfo(nC, [labelled('o', { app: 'other' })])],
      want: { a: ERR_REASON_ANTI_AFFINITY, b: 'ok', c: 'ok' },
    },
    {
      name: "existing pod's anti-affinity (zone) repels the incoming pod from the whole zone",
      incoming: web('x'),
      nodes: [nodeInfo(nA, [labelled('e', { app: 'e' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, ZONE)] } })]), nodeInfo(nB), nodeInfo(nC)],
      want: { a: ERR_REASON_EXISTING_ANTI_AFFINITY, b: ERR_REASON_EXISTING_ANTI_AFFINITY, c: 'ok' },
    },
    {
      name: 'affinity to a zone holding a db pod',
      incoming: labelled('x', { app: 'api' }, affDb),
      nodes: [nodeInfo(nA), nodeInfo(nB, [labelled('db', { app: 'db' })]), nodeInfo(nC)],
      want: { a: 'ok', b: 'ok', c: ERR_REASON_AFFINITY },
    },
    {
      name: 'affinity with no matching pod anywhere and not matching itself: nowhere',
      incoming: labelled('x', { app: 'api' }, affDb),
      nodes: [nodeInfo(nA), nodeInfo(nC)],
      want: { a: ERR_REASON_AFFINITY, c: ERR_REASON_AFFINITY },
    },
    {
      name: 'first pod of a self-affine group may go anywhere with the topology key',
      incoming: labelled('x', { app: 'db' }, affDb),
      nodes: [nodeInfo(nA), nodeInfo(node('nolabel'))],
      want: { a: 'ok', nolabel: ERR_REASON_AFFINITY },
    },
    {
      name: 'terms only see the pod namespace by default',
      incoming: labelled('x', { app: 'api' }, affDb),
      nodes: [nodeInfo(nA, [labelled('db', { app: 'db' }, undefined, 'other')]), nodeInfo(nC)],
      want: { a: ERR_REASON_AFFINITY, c: ERR_REASON_AFFINITY },
    },
    {
      name: 'namespaceSelector selects namespaces by label',
      incoming: labelled('x', { app: 'api' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, ZONE, { namespaceSelector: { matchLabels: { team: 'data' } } })] } }),
      nodes: [nodeInfo(nA, [labelled('db', { app: 'db' }, undefined, 'data')]), nodeInfo(nC, [labelled('db2', { app: 'db' }, undefined, 'default')])],
      ns: [{ metadata: { name: 'data', labels: { team: 'data' } } }, { metadata: { name: 'default' } }],
      want: { a: 'ok', c: ERR_REASON_AFFINITY },
    },
    {
      name: 'empty namespaceSelector means every namespace',
      incoming: labelled('x', { app: 'api' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, HOST, { namespaceSelector: {} })] } }),
      nodes: [nodeInfo(nA, [labelled('db', { app: 'db' }, undefined, 'elsewhere')]), nodeInfo(nB)],
      want: { a: ERR_REASON_ANTI_AFFINITY, b: 'ok' },
    },
    {
      name: 'matchLabelKeys restricts anti-affinity to the same version',
      incoming: labelled('x', { app: 'web', ver: '2' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, HOST, { matchLabelKeys: ['ver'] })] } }),
      nodes: [nodeInfo(nA, [labelled('v1', { app: 'web', ver: '1' })]), nodeInfo(nB, [labelled('v2', { app: 'web', ver: '2' })])],
      want: { a: 'ok', b: ERR_REASON_ANTI_AFFINITY },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = new InterPodAffinity({}, handleFor(c.nodes, c.ns));
      expect(filterAll(p, c.incoming, c.nodes)).toEqual(c.want);
    });
  }

  it('affinity rejection is unresolvable, anti-affinity rejection is not (preemption may help)', () => {
    const nodes = [nodeInfo(nA, [web('w1')]), nodeInfo(nC)];
    const p = new InterPodAffinity({}, handleFor(nodes));
    const state = new CycleState();
    const incoming = labelled('x', { app: 'web' }, { ...antiWeb, ...affDb });
    p.preFilter(state, incoming, nodes);
    expect(p.filter(state, incoming, nodes[0]!)?.codeName()).toBe('UnschedulableAndUnresolvable');
    const s2 = new CycleState();
    const anti = labelled('y', { app: 'web' }, antiWeb);
    p.preFilter(s2, anti, nodes);
    expect(p.filter(s2, anti, nodes[0]!)?.codeName()).toBe('Unschedulable');
  });

  it('preFilter extensions: removing the conflicting pod frees the node', () => {
    const w1 = web('w1');
    const nodes = [nodeInfo(nA, [w1])];
    const p = new InterPodAffinity({}, handleFor(nodes));
    const state = new CycleState();
    const incoming = labelled('x', { app: 'web' }, antiWeb);
    p.preFilter(state, incoming, nodes);
    expect(p.filter(state, incoming, nodes[0]!)?.message()).toBe(ERR_REASON_ANTI_AFFINITY);
    const cloned = state.clone();
    p.preFilterExtensions().removePod(cloned, incoming, nodes[0]!.pods[0]!.pod, nodes[0]!);
    expect(p.filter(cloned, incoming, nodes[0]!)).toBeUndefined();
    // the original state is untouched
    expect(p.filter(state, incoming, nodes[0]!)?.message()).toBe(ERR_REASON_ANTI_AFFINITY);
  });
});

/** Normalised scores per node name; 'skip' when PreScore skips. */
function scoreAll(p: InterPodAffinity, incoming: Pod, nodes: NodeInfo[]): Record<string, number> | 'skip' {
  const state = new CycleState();
  const s = p.preScore(state, incoming, nodes);
  if (s?.isSkip()) return 'skip';
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: p.score(state, incoming, n).score }));
  p.scoreExtensions().normalizeScore(state, incoming, scores);
  return Object.fromEntries(scores.map((x) => [x.name, x.score]));
}

describe('InterPodAffinity score', () => {
  const n1 = node('n1', { labels: { [ZONE]: 'z1' } });
  const n2 = node('n2', { labels: { [ZONE]: 'z1' } });
  const n3 = node('n3', { labels: { [ZONE]: 'z2' } });
  const cache = (n: string) => labelled(n, { app: 'cache' });
  const cases: { name: string; incoming: Pod; nodes: () => NodeInfo[]; args?: { hardPodAffinityWeight?: number }; want: Record<string, number> | 'skip' }[] = [
    { name: 'nothing to score: skip', incoming: labelled('x', { app: 'x' }), nodes: () => [nodeInfo(n1, [cache('c')]), nodeInfo(n3)], want: 'skip' },
    {
      name: 'preferred affinity favours the zone with matching pods',
      incoming: labelled('x', { app: 'x' }, { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'cache' }, ZONE) }] } }),
      nodes: () => [nodeInfo(n1, [cache('c')]), nodeInfo(n2), nodeInfo(n3)],
      want: { n1: 100, n2: 100, n3: 0 },
    },
    {
      name: 'preferred anti-affinity penalises hosts with matching pods',
      incoming: labelled('x', { app: 'x' }, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'cache' }, HOST) }] } }),
      nodes: () => [nodeInfo(n1, [cache('c'), cache('d')]), nodeInfo(n2, [cache('e')]), nodeInfo(n3)],
      want: { n1: 0, n2: 50, n3: 100 },
    },
    {
      name: "existing pods' required affinity attracts (hardPodAffinityWeight)",
      incoming: labelled('x', { app: 'x' }),
      nodes: () => [nodeInfo(n1), nodeInfo(n3, [labelled('e', { app: 'e' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'x' }, ZONE)] } })])],
      want: { n1: 0, n3: 100 },
    },
    {
      name: 'hardPodAffinityWeight 0 ignores them',
      incoming: labelled('x', { app: 'x' }),
      args: { hardPodAffinityWeight: 0 },
      nodes: () => [nodeInfo(n1), nodeInfo(n3, [labelled('e', { app: 'e' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'x' }, ZONE)] } })])],
      want: 'skip',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodes = c.nodes();
      expect(scoreAll(new InterPodAffinity(c.args ?? {}, handleFor(nodes)), c.incoming, nodes)).toEqual(c.want);
    });
  }
});

// Table tests of heartbeat bookkeeping (lease vs status heartbeats, grace periods) and zone states.
import { describe, expect, it } from 'vitest';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { computeZoneState, observeNodeHealth, parseMicroTime, zoneEvictionRate, zoneKey, type NodeHealth } from './health.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const GRACE = 3000;
const node = (ready: string | undefined, heartbeat = '2024-05-01T10:00:00Z'): Node => ({
  metadata: { name: 'n', creationTimestamp: '2024-05-01T09:00:00Z' },
  status: {
    conditions: [
      ...(ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: heartbeat, lastTransitionTime: '2024-05-01T09:00:00Z', reason: 'KubeletReady' }] : []),
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: '2024-05-01T09:00:00Z' },
    ],
  },
});
const lease = (renew: string): Lease => ({ metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { renewTime: renew } });

describe('observeNodeHealth', () => {
  it('first observation starts the clock at now', () => {
    const o = observeNodeHealth(node('True'), undefined, undefined, T0, GRACE, 60_000);
    expect(o.health.probeTimestamp).toBe(T0);
    expect(o.statusUpdate).toBeUndefined();
    expect(o.currentReady?.status).toBe('True');
  });

  type Case = [name: string, saved: NodeHealth, n: Node, l: Lease | undefined, now: number, probe: number, unknown: boolean];
  const savedAt = (probe: number, hb = '2024-05-01T10:00:00Z', renew?: string): NodeHealth => ({
    probeTimestamp: probe,
    readyTransitionTimestamp: probe,
    status: node('True', hb).status,
    ...(renew ? { leaseRenewTime: renew } : {}),
  });
  const cases: Case[] = [
    ['within grace, no new heartbeat', savedAt(T0), node('True'), undefined, T0 + 2000, T0, false],
    ['grace ran out, no heartbeat', savedAt(T0), node('True'), undefined, T0 + 3001, T0, true],
    ['new status heartbeat moves the probe', savedAt(T0), node('True', '2024-05-01T10:00:05Z'), undefined, T0 + 5000, T0 + 5000, false],
    ['lease renewal moves the probe', savedAt(T0, undefined, '2024-05-01T10:00:00.100000Z'), node('True'), lease('2024-05-01T10:00:04.500000Z'), T0 + 5000, T0 + 5000, false],
    ['same lease does not', savedAt(T0, undefined, '2024-05-01T10:00:00.100000Z'), node('True'), lease('2024-05-01T10:00:00.100000Z'), T0 + 5000, T0, true],
    ['older lease does not', savedAt(T0, undefined, '2024-05-01T10:00:00.200000Z'), node('True'), lease('2024-05-01T10:00:00.100000Z'), T0 + 5000, T0, true],
  ];
  it.each(cases)('%s', (_n, saved, n, l, now, probe, unknown) => {
    const o = observeNodeHealth(n, saved, l, now, GRACE, 60_000);
    expect(o.health.probeTimestamp).toBe(probe);
    expect(o.currentReady?.status).toBe(unknown ? 'Unknown' : 'True');
    expect(o.statusUpdate !== undefined).toBe(unknown);
    if (unknown) {
      const conds = o.statusUpdate!.status!.conditions!;
      const ready = conds.find((c) => c.type === 'Ready')!;
      expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(ready.lastTransitionTime).toBe(new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      expect(conds.find((c) => c.type === 'MemoryPressure')!.status).toBe('Unknown');
      expect(conds.find((c) => c.type === 'DiskPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
      expect(o.observedReady.status).toBe('True');
    }
  });

  it('an already Unknown node is not written again', () => {
    const u = observeNodeHealth(node('True'), savedAt(T0), undefined, T0 + 4000, GRACE, 60_000).statusUpdate!;
    const again = observeNodeHealth(u, { probeTimestamp: T0, readyTransitionTimestamp: T0 + 4000, status: u.status }, undefined, T0 + 8000, GRACE, 60_000);
    expect(again.statusUpdate).toBeUndefined();
    expect(again.currentReady?.status).toBe('Unknown');
    expect(again.observedReady.status).toBe('Unknown');
  });

  it('a node without Ready gets the startup grace period from its creation', () => {
    const created = Date.parse('2024-05-01T09:00:00Z');
    expect(observeNodeHealth(node(undefined), undefined, undefined, created + 59_000, GRACE, 60_000).statusUpdate).toBeUndefined();
    const o = observeNodeHealth(node(undefined), undefined, undefined, created + 61_000, GRACE, 60_000);
    expect(o.statusUpdate!.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });
});

describe('parseMicroTime', () => {
  it('keeps microseconds', () => {
    expect(parseMicroTime('2024-05-01T10:00:00.000002Z') - parseMicroTime('2024-05-01T10:00:00.000001Z')).toBe(1);
    expect(parseMicroTime('2024-05-01T10:00:01Z') - parseMicroTime('2024-05-01T10:00:00.5Z')).toBe(500_000);
    expect(parseMicroTime('junk')).toBeNaN();
  });
});

describe('zones', () => {
  const c = (s: string): NodeCondition => ({ type: 'Ready', status: s });
  const cases: [string, (NodeCondition | undefined)[], string, number][] = [
    ['all ready', [c('True'), c('True')], 'Normal', 0],
    ['one of two down', [c('True'), c('Unknown')], 'Normal', 1],
    ['all down', [c('False'), c('Unknown')], 'FullDisruption', 2],
    ['3 of 4 down', [c('True'), c('False'), c('False'), undefined], 'PartialDisruption', 3],
    ['2 of 2 of 3 down is normal (needs > 2)', [c('True'), c('False'), c('False')], 'Normal', 2],
  ];
  it.each(cases)('%s', (_n, conds, state, unhealthy) => expect(computeZoneState(conds)).toEqual({ state, unhealthy }));
  it('rates', () => {
    expect(zoneEvictionRate('Normal', 3, 0.1)).toBe(0.1);
    expect(zoneEvictionRate('PartialDisruption', 10, 0.1)).toBe(0);
    expect(zoneEvictionRate('PartialDisruption', 51, 0.1)).toBe(0.01);
    expect(zoneEvictionRate('FullDisruption', 3, 0.1)).toBe(0.1);
  });
  it('zone keys', () => {
    expect(zoneKey({ metadata: { labels: {} } })).toBe('');
    expect(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' } } })).toBe('r:\x00:z');
    expect(zoneKey({ metadata: { labels: { 'failure-domain.beta.kubernetes.io/zone': 'z' } } })).toBe(':\x00:z');
  });
});

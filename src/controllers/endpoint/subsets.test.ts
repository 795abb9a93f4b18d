// Table-driven tests of the endpoint controller's subset computation, repacking and truncation.
import { describe, expect, it } from 'vitest';
import type { EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { capacityAnnotationSetCorrectly, computeSubsets, MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION, repackSubsets, truncateSubsets } from './subsets.js';

function pod(name: string, ip: string, o: { ready?: boolean; phase?: string; deleting?: boolean; ports?: { name: string; containerPort: number; protocol?: string }[]; hostname?: string; subdomain?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'a' }, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }], ...(o.hostname ? { hostname: o.hostname } : {}), ...(o.subdomain ? { subdomain: o.subdomain } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function svc(o: { ports?: Service['spec'] extends infer S ? (S extends { ports?: infer P } ? P : never) : never; clusterIP?: string; publish?: boolean } = {}): Service {
  return {
    metadata: { name: 's', namespace: 'ns', uid: 'svc-uid' },
    spec: { selector: { app: 'a' }, clusterIP: o.clusterIP ?? '10.96.0.10', ipFamilies: ['IPv4'], ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...(o.publish ? { publishNotReadyAddresses: true } : {}) },
  };
}

const ips = (s: EndpointSubset[], f: 'addresses' | 'notReadyAddresses') => s.flatMap((x) => (x[f] ?? []).map((a) => a.ip));

describe('computeSubsets', () => {
  const cases: { name: string; svc: Service; pods: Pod[]; ready: string[]; notReady: string[]; ports?: number[][] }[] = [
    { name: 'ready and not ready', svc: svc(), pods: [pod('a', '10.0.0.2'), pod('b', '10.0.0.1', { ready: false })], ready: ['10.0.0.2'], notReady: ['10.0.0.1'] },
    { name: 'publishNotReadyAddresses makes all ready', svc: svc({ publish: true }), pods: [pod('a', '10.0.0.2'), pod('b', '10.0.0.1', { ready: false })], ready: ['10.0.0.1', '10.0.0.2'], notReady: [] },
    { name: 'terminating pods excluded', svc: svc(), pods: [pod('a', '10.0.0.2', { deleting: true }), pod('b', '10.0.0.3')], ready: ['10.0.0.3'], notReady: [] },
    { name: 'terminating pods kept with publishNotReadyAddresses', svc: svc({ publish: true }), pods: [pod('a', '10.0.0.2', { deleting: true })], ready: ['10.0.0.2'], notReady: [] },
    { name: 'terminal and IP-less pods excluded', svc: svc(), pods: [pod('a', '10.0.0.2', { phase: 'Failed' }), pod('b', '10.0.0.3', { phase: 'Succeeded' }), pod('c', '')], ready: [], notReady: [] },
    {
      name: 'named target port resolved per pod, unresolvable skipped',
      svc: svc({ ports: [{ name: 'web', port: 80, targetPort: 'web', protocol: 'TCP' }] }),
      pods: [pod('a', '10.0.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', '10.0.0.2', { ports: [{ name: 'web', containerPort: 9090 }] }), pod('c', '10.0.0.3')],
      ready: ['10.0.0.1', '10.0.0.2'],
      notReady: [],
      ports: [[8080], [9090]],
    },
    { name: 'headless service without ports', svc: svc({ clusterIP: 'None', ports: [] }), pods: [pod('a', '10.0.0.1')], ready: ['10.0.0.1'], notReady: [], ports: [[]] },
    { name: 'non-headless service without ports gets nothing', svc: svc({ ports: [] }), pods: [pod('a', '10.0.0.1')], ready: [], notReady: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = computeSubsets(c.svc, c.pods);
      expect(ips(got, 'addresses').sort()).toEqual(c.ready);
      expect(ips(got, 'notReadyAddresses').sort()).toEqual(c.notReady);
      if (c.ports) expect(got.map((s) => (s.ports ?? []).map((p) => p.port)).sort()).toEqual(c.ports);
    });
  }

  it('fills address fields as upstream (nodeName, targetRef, hostname)', () => {
    const [s] = computeSubsets(svc(), [pod('a', '10.0.0.1', { hostname: 'h', subdomain: 's' })]);
    expect(s!.addresses![0]).toEqual({ ip: '10.0.0.1', nodeName: 'node-0', hostname: 'h', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } });
    expect(s!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });
});

describe('repackSubsets', () => {
  const a = (ip: string) => ({ ip, targetRef: { kind: 'Pod', uid: ip } });
  const p = (port: number, name = '') => ({ name, port, protocol: 'TCP' });
  const cases: { name: string; in: EndpointSubset[]; want: EndpointSubset[] }[] = [
    {
      name: 'same address on two ports merges into one subset',
      in: [{ addresses: [a('1.1.1.1')], ports: [p(80, 'a')] }, { addresses: [a('1.1.1.1')], ports: [p(81, 'b')] }],
      want: [{ addresses: [a('1.1.1.1')], ports: [p(80, 'a'), p(81, 'b')] }],
    },
    {
      name: 'addresses with same ports group and sort',
      in: [{ addresses: [a('1.1.1.2')], ports: [p(80)] }, { notReadyAddresses: [a('1.1.1.3')], ports: [p(80)] }, { addresses: [a('1.1.1.1')], ports: [p(80)] }],
      want: [{ addresses: [a('1.1.1.1'), a('1.1.1.2')], notReadyAddresses: [a('1.1.1.3')], ports: [p(80)] }],
    },
    {
      name: 'different port sets stay separate',
      in: [{ addresses: [a('1.1.1.1')], ports: [p(8080)] }, { addresses: [a('1.1.1.2')], ports: [p(9090)] }],
      want: [{ addresses: [a('1.1.1.1')], ports: [p(8080)] }, { addresses: [a('1.1.1.2')], ports: [p(9090)] }],
    },
    {
      name: 'ready wins over not ready for the same port',
      in: [{ notReadyAddresses: [a('1.1.1.1')], ports: [p(80)] }, { addresses: [a('1.1.1.1')], ports: [p(80)] }],
      want: [{ addresses: [a('1.1.1.1')], ports: [p(80)] }],
    },
    { name: 'port-less subsets kept', in: [{ addresses: [a('1.1.1.1')], ports: [] }], want: [{ addresses: [a('1.1.1.1')] }] },
    { name: 'empty', in: [], want: [] },
  ];
  for (const c of cases) it(c.name, () => expect(repackSubsets(c.in)).toEqual(c.want));
});

describe('truncateSubsets', () => {
  const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` }));
  const cases: { name: string; ready: number[]; notReady: number[]; truncated: boolean; wantReady: number[]; wantNotReady: number[] }[] = [
    { name: 'under capacity untouched', ready: [500], notReady: [500], truncated: false, wantReady: [500], wantNotReady: [500] },
    { name: 'not-ready cut first', ready: [900], notReady: [300], truncated: true, wantReady: [900], wantNotReady: [100] },
    { name: 'ready over capacity: proportional, not-ready dropped', ready: [1200, 600], notReady: [10, 0], truncated: true, wantReady: [667, 333], wantNotReady: [0, 0] },
    { name: 'not-ready proportional across subsets', ready: [800, 0], notReady: [300, 100], truncated: true, wantReady: [800, 0], wantNotReady: [150, 50] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const subsets: EndpointSubset[] = c.ready.map((r, i) => ({ addresses: addrs(r, i), notReadyAddresses: addrs(c.notReady[i]!, 100 + i) }));
      expect(truncateSubsets(subsets)).toBe(c.truncated);
      expect(subsets.map((s) => s.addresses?.length ?? 0)).toEqual(c.wantReady);
      expect(subsets.map((s) => s.notReadyAddresses?.length ?? 0)).toEqual(c.wantNotReady);
      const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
      expect(total).toBeLessThanOrEqual(MAX_ENDPOINTS_CAPACITY);
    });
  }
});

describe('capacityAnnotationSetCorrectly', () => {
  const many = (n: number): EndpointSubset[] => [{ addresses: Array.from({ length: n }, (_, i) => ({ ip: `10.0.${Math.floor(i / 250)}.${i % 250}` })) }];
  const cases: { name: string; ann: Record<string, string>; subsets: EndpointSubset[]; want: boolean }[] = [
    { name: 'under capacity, no annotation', ann: {}, subsets: many(3), want: true },
    { name: 'under capacity, stale annotation', ann: { [OVER_CAPACITY_ANNOTATION]: 'truncated' }, subsets: many(3), want: false },
    { name: 'over capacity', ann: { [OVER_CAPACITY_ANNOTATION]: 'truncated' }, subsets: many(1001), want: false },
    { name: 'exactly at capacity with annotation', ann: { [OVER_CAPACITY_ANNOTATION]: 'truncated' }, subsets: many(1000), want: false },
  ];
  for (const c of cases) it(c.name, () => expect(capacityAnnotationSetCorrectly(c.ann, c.subsets)).toBe(c.want));
});

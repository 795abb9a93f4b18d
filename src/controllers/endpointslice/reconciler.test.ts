// Table-driven tests of the endpointslice planning (slices to create/update/delete) and the shared endpoint helpers.
import { describe, expect, it } from 'vitest';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { addressTypesForService, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, newEndpointSlice, planReconcile, podToEndpoint, portMapKey, type PlanInput } from './reconciler.js';
import { EndpointSliceTracker } from './controller.js';
import { findPort, formatRFC3339Nano, servicesToUpdateOnPodChange, TriggerTimeTracker } from './util.js';

function pod(i: number, o: { ready?: boolean; deleting?: boolean; node?: string; named?: number; labels?: Record<string, string>; rv?: string } = {}): Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'ns', uid: `uid-${i}`, resourceVersion: o.rv ?? '1', labels: o.labels ?? { app: 'a' }, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: o.node ?? 'node-0', containers: [{ name: 'c', image: 'x', ports: o.named ? [{ name: 'web', containerPort: o.named, protocol: 'TCP' }] : [] }] },
    status: { phase: 'Running', podIP: `10.0.${Math.floor(i / 250)}.${i % 250}`, podIPs: [{ ip: `10.0.${Math.floor(i / 250)}.${i % 250}` }], conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  };
}

const svc: Service = {
  metadata: { name: 's', namespace: 'ns', uid: 'svc-uid', labels: { team: 'x' }, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { selector: { app: 'a' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
const nodes: Record<string, Node> = { 'node-0': { metadata: { name: 'node-0', labels: { 'topology.kubernetes.io/zone': 'z1' } } } };
const nodeOf = (n: string) => nodes[n];

let seq = 0;
/** Materialises planned creates as the apiserver would (names, uid, rv). */
function created(plan: { create: EndpointSlice[]; update: EndpointSlice[] }, existing: EndpointSlice[] = []): EndpointSlice[] {
  const out = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of plan.update) out.set(s.metadata!.name!, structuredClone(s));
  for (const s of plan.create) {
    const c = structuredClone(s) as EndpointSlice;
    const name = `${c.metadata!.generateName}${++seq}`;
    c.metadata = { ...c.metadata, name, uid: `slice-${seq}` };
    out.set(name, c);
  }
  return [...out.values()];
}

const input = (pods: Pod[], existing: EndpointSlice[] = [], extra: Partial<PlanInput> = {}): PlanInput => ({ service: svc, pods, existing, node: nodeOf, ...extra });
const range = (n: number, o: Parameters<typeof pod>[1] = {}) => Array.from({ length: n }, (_, i) => pod(i, o));

describe('planReconcile', () => {
  const cases: { name: string; pods: Pod[]; max?: number; want: { create: number; sizes: number[] } }[] = [
    { name: 'three pods: one slice', pods: range(3), want: { create: 1, sizes: [3] } },
    { name: '150 pods: two slices of at most 100', pods: range(150), want: { create: 2, sizes: [100, 50] } },
    { name: 'max 10 per slice', pods: range(25), max: 10, want: { create: 3, sizes: [10, 10, 5] } },
    { name: 'no pods: a placeholder', pods: [], want: { create: 1, sizes: [0] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planReconcile(input(c.pods, [], c.max ? { maxEndpointsPerSlice: c.max } : {}));
      expect(plan.create.length).toBe(c.want.create);
      expect(plan.update.length + plan.delete.length).toBe(0);
      expect(plan.create.map((s) => s.endpoints.length)).toEqual(c.want.sizes);
      for (const s of plan.create) {
        expect(s.addressType).toBe('IPv4');
        expect(s.metadata!.generateName).toBe('s-');
        expect(s.metadata!.labels).toEqual({ team: 'x', [LABEL_SERVICE_NAME]: 's', [LABEL_MANAGED_BY]: 'endpointslice-controller.k8s.io' });
        expect(s.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 's', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
      }
    });
  }

  it('endpoint fields: conditions, nodeName, zone, targetRef, ports', () => {
    const [s] = planReconcile(input([pod(1), pod(2, { ready: false }), pod(3, { deleting: true })])).create;
    expect(s!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byName = Object.fromEntries(s!.endpoints.map((e) => [e.targetRef!.name, e]));
    expect(byName.p1).toEqual({ addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-0', zone: 'z1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-1' } });
    expect(byName.p2!.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(byName.p3!.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it('is a no-op when nothing changed', () => {
    const existing = created(planReconcile(input(range(150))));
    const plan = planReconcile(input(range(150), existing));
    expect([plan.create.length, plan.update.length, plan.delete.length]).toEqual([0, 0, 0]);
  });

  it('a pod going not ready updates only its slice, in place', () => {
    const existing = created(planReconcile(input(range(150))));
    const pods = range(150);
    pods[120] = pod(120, { ready: false });
    const plan = planReconcile(input(pods, existing));
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update.length).toBe(1);
    const ep = plan.update[0]!.endpoints.find((e) => e.targetRef!.name === 'p120');
    expect(ep!.conditions!.ready).toBe(false);
  });

  it('new pods fill an existing slice with room instead of creating one', () => {
    const existing = created(planReconcile(input(range(150))));
    const plan = planReconcile(input(range(160), existing));
    expect(plan.create).toEqual([]);
    expect(plan.update.length).toBe(1);
    expect(plan.update[0]!.endpoints.length).toBe(60);
  });

  it('removing every pod turns the last slice into the placeholder (by update) and deletes the rest', () => {
    const existing = created(planReconcile(input(range(150))));
    const plan = planReconcile(input([], existing));
    expect(plan.create).toEqual([]);
    expect(plan.update.length).toBe(1);
    expect(plan.update[0]!.endpoints).toEqual([]);
    expect(plan.update[0]!.ports).toEqual([]);
    expect(plan.delete.length).toBe(1);
  });

  it('keeps an existing placeholder', () => {
    const existing = created(planReconcile(input([])));
    const plan = planReconcile(input([], existing));
    expect([plan.create.length, plan.update.length, plan.delete.length]).toEqual([0, 0, 0]);
  });

  it('pods with different resolved named ports go to different slices', () => {
    const s2: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'web', port: 80, targetPort: 'web', protocol: 'TCP' }] } };
    const plan = planReconcile({ service: s2, pods: [pod(1, { named: 8080 }), pod(2, { named: 9090 }), pod(3, { named: 8080 })], existing: [], node: nodeOf });
    expect(plan.create.map((s) => [s.ports![0]!.port, s.endpoints.length]).sort()).toEqual([
      [8080, 2],
      [9090, 1],
    ]);
  });

  it('changed service ports reuse the old slice name (update, not create+delete)', () => {
    const existing = created(planReconcile(input(range(3))));
    const s2: Service = { ...svc, spec: { ...svc.spec, ports: [{ name: 'http', port: 80, targetPort: 9000, protocol: 'TCP' }] } };
    const plan = planReconcile({ service: s2, pods: range(3), existing, node: nodeOf });
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update.map((s) => [s.metadata!.name, s.ports![0]!.port])).toEqual([[existing[0]!.metadata!.name, 9000]]);
  });

  it('label changes on the service update the slices', () => {
    const existing = created(planReconcile(input(range(3))));
    const s2: Service = { ...svc, metadata: { ...svc.metadata, labels: { team: 'y' } } };
    const plan = planReconcile({ service: s2, pods: range(3), existing, node: nodeOf });
    expect(plan.update.length).toBe(1);
    expect(plan.update[0]!.metadata!.labels!.team).toBe('y');
  });

  it('pods on unknown nodes are skipped with an error, unless publishNotReadyAddresses', () => {
    const plan = planReconcile(input([pod(1, { node: 'gone' }), pod(2)]));
    expect(plan.errors.length).toBe(1);
    expect(plan.create[0]!.endpoints.map((e) => e.targetRef!.name)).toEqual(['p2']);
    const s2: Service = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } };
    const plan2 = planReconcile({ service: s2, pods: [pod(1, { node: 'gone' })], existing: [], node: nodeOf });
    expect(plan2.errors).toEqual([]);
    expect(plan2.create[0]!.endpoints.length).toBe(1);
  });

  it('deletes slices of address types the service no longer has and slices not owned by it', () => {
    const v6 = { ...newEndpointSlice(svc, [], 'IPv6'), metadata: { ...newEndpointSlice(svc, [], 'IPv6').metadata, name: 'v6', uid: 'u6' } };
    const foreign = { ...newEndpointSlice({ ...svc, metadata: { ...svc.metadata, uid: 'old' } }, [], 'IPv4'), metadata: { ...newEndpointSlice({ ...svc, metadata: { ...svc.metadata, uid: 'old' } }, [], 'IPv4').metadata, name: 'old', uid: 'uo' } };
    const plan = planReconcile(input(range(2), [v6, foreign]));
    expect(plan.delete.map((s) => s.metadata!.name).sort()).toEqual(['old', 'v6']);
    expect(plan.create.length).toBe(1);
  });
});

describe('helpers', () => {
  it('addressTypesForService', () => {
    expect(addressTypesForService(svc)).toEqual(['IPv4']);
    expect(addressTypesForService({ spec: { clusterIP: 'fd00::1' } })).toEqual(['IPv6']);
    expect(addressTypesForService({ spec: { clusterIP: 'None' } })).toEqual(['IPv4', 'IPv6']);
  });

  it('portMapKey ignores order', () => {
    expect(portMapKey([{ name: 'a', port: 1 }, { name: 'b', port: 2 }])).toBe(portMapKey([{ name: 'b', port: 2, protocol: 'TCP' }, { name: 'a', port: 1 }]));
    expect(portMapKey([{ name: 'a', port: 1 }])).not.toBe(portMapKey([{ name: 'a', port: 2 }]));
  });

  it('findPort', () => {
    const p = pod(1, { named: 8443 });
    expect(findPort(p, { port: 80 })).toBe(80);
    expect(findPort(p, { port: 80, targetPort: 81 })).toBe(81);
    expect(findPort(p, { port: 80, targetPort: 'web' })).toBe(8443);
    expect(() => findPort(p, { port: 80, targetPort: 'web', protocol: 'UDP' })).toThrow('no suitable port for manifest: uid-1');
  });

  it('podToEndpoint ready with publishNotReadyAddresses even when terminating', () => {
    const e = podToEndpoint(pod(1, { deleting: true, ready: false }), undefined, { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, 'IPv4');
    expect(e.conditions).toEqual({ ready: true, serving: false, terminating: true });
    expect(e.zone).toBeUndefined();
  });

  const services: Service[] = [
    { metadata: { name: 'a', namespace: 'ns' }, spec: { selector: { app: 'a' } } },
    { metadata: { name: 'b', namespace: 'ns' }, spec: { selector: { app: 'b' } } },
    { metadata: { name: 'none', namespace: 'ns' }, spec: {} },
  ];
  const cases: { name: string; old: Pod; cur: Pod; want: string[] }[] = [
    { name: 'resync', old: pod(1), cur: pod(1), want: [] },
    { name: 'irrelevant change', old: pod(1), cur: pod(1, { rv: '2' }), want: [] },
    { name: 'readiness change', old: pod(1), cur: pod(1, { rv: '2', ready: false }), want: ['ns/a'] },
    { name: 'labels only: symmetric difference', old: pod(1), cur: pod(1, { rv: '2', labels: { app: 'b' } }), want: ['ns/a', 'ns/b'] },
    { name: 'labels added, same membership', old: pod(1), cur: pod(1, { rv: '2', labels: { app: 'a', x: 'y' } }), want: [] },
    { name: 'labels and readiness: union', old: pod(1), cur: pod(1, { rv: '2', labels: { app: 'a', x: 'y' }, ready: false }), want: ['ns/a'] },
  ];
  for (const c of cases) it(`servicesToUpdateOnPodChange: ${c.name}`, () => expect([...servicesToUpdateOnPodChange(services, c.old, c.cur)].sort()).toEqual(c.want));

  it('TriggerTimeTracker: creation time first, then earliest changed trigger, then none', () => {
    const t = new TriggerTimeTracker();
    const p = (name: string, at: string): Pod => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });
    expect(t.compute(svc, [p('a', '2024-01-01T00:00:05Z')])).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(t.compute(svc, [p('a', '2024-01-01T00:00:05Z')])).toBe(0);
    expect(t.compute(svc, [p('a', '2024-01-01T00:00:09Z'), p('b', '2024-01-01T00:00:07Z')])).toBe(Date.parse('2024-01-01T00:00:07Z'));
  });

  it('formatRFC3339Nano drops zero fractions', () => {
    expect(formatRFC3339Nano(Date.parse('2024-01-01T00:00:05Z'))).toBe('2024-01-01T00:00:05Z');
    expect(formatRFC3339Nano(Date.parse('2024-01-01T00:00:05.120Z'))).toBe('2024-01-01T00:00:05.12Z');
  });

  it('EndpointSliceTracker', () => {
    const t = new EndpointSliceTracker();
    const s = (rv: string): EndpointSlice => ({ metadata: { name: 'x', namespace: 'ns', uid: 'u', resourceVersion: rv, labels: { [LABEL_SERVICE_NAME]: 's' } }, addressType: 'IPv4', endpoints: [] });
    expect(t.shouldSync(s('5'))).toBe(true);
    t.update(s('5'));
    expect(t.shouldSync(s('5'))).toBe(false);
    expect(t.shouldSync(s('6'))).toBe(true);
    expect(t.staleSlices('ns/s', [s('4')])).toBe(true);
    expect(t.staleSlices('ns/s', [])).toBe(true);
    expect(t.staleSlices('ns/s', [s('5')])).toBe(false);
    expect(t.handleDeletion(s('5'))).toBe(false);
    t.expectDeletion(s('5'));
    expect(t.staleSlices('ns/s', [s('5')])).toBe(true);
    expect(t.handleDeletion(s('5'))).toBe(true);
    expect(t.has(s('5'))).toBe(false);
  });
});

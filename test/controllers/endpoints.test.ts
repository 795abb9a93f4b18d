// Integration tests of the endpoint and endpointslice controllers on a test cluster with real (simulated) kubelets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointController } from '../../src/controllers/endpoint/index.js';
import { endpointSliceController } from '../../src/controllers/endpointslice/index.js';
import { garbageCollector } from '../../src/controllers/garbagecollector/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const IMAGE = 'kubets.local/busybox:latest';
const NS = 'default';

function webPod(name: string, port: number | undefined, opts: { failSide?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: opts.labels ?? { app: 'web' },
      ...(opts.failSide ? { annotations: { 'simulated.kubets.io/exit-after': 'side=2s', 'simulated.kubets.io/exit-code': 'side=1' } } : {}),
    },
    spec: {
      restartPolicy: opts.failSide ? 'Never' : 'Always',
      containers: [
        { name: 'main', image: IMAGE, ports: port ? [{ name: 'web', containerPort: port }] : [] },
        ...(opts.failSide ? [{ name: 'side', image: IMAGE }] : []),
      ],
    },
  };
}

describe('endpoint and endpointslice controllers', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, capacity: { cpu: '64', memory: '256Gi', pods: '200' }, controllers: [endpointController, endpointSliceController, garbageCollector] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  const eps = () => c.client.resource<Endpoints>('endpoints');
  const slicesOf = async (svc: string) =>
    (await c.client.resource<EndpointSlice>('endpointslices').list({ namespace: NS, labelSelector: `kubernetes.io/service-name=${svc}` })).items;

  it('publishes ready pods with per-pod named ports, moves a pod that goes not ready, and cleans up with the Service', async () => {
    await c.client.resource<Service>('services').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS, labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });
    const pods = c.client.resource<Pod>('pods');
    await pods.create(webPod('w1', 8080, { failSide: true }));
    await pods.create(webPod('w2', 9090));
    await pods.create(webPod('w3', undefined)); // no port named web: not in Endpoints
    await pods.create(webPod('other', 8080, { labels: { app: 'other' } }));

    // Both matching pods with a resolvable port become ready addresses, each with its own port.
    const ep = await c.until('Endpoints with w1 and w2 ready', async () => {
      const e = await eps().get('web', { namespace: NS });
      const ready = (e.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.name));
      return ready.includes('w1') && ready.includes('w2') ? e : undefined;
    });
    const portOf = (name: string) => ep.subsets!.find((s) => (s.addresses ?? []).some((a) => a.targetRef?.name === name))!.ports!.map((p) => p.port);
    expect(portOf('w1')).toEqual([8080]);
    expect(portOf('w2')).toEqual([9090]);
    const all = ep.subsets!.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.targetRef?.name));
    expect(all).not.toContain('w3');
    expect(all).not.toContain('other');
    expect(ep.metadata!.labels).toEqual({ tier: 'front' });
    expect(ep.metadata!.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(c.nodes).toContain(ep.subsets!.flatMap((s) => s.addresses ?? [])[0]!.nodeName);

    // Slices: one per distinct port set; ready conditions, node names, targetRefs, owner reference.
    const slices = await c.until('slices with w1, w2, w3', async () => {
      const s = await slicesOf('web');
      const names = s.flatMap((x) => (x.endpoints ?? []).map((e) => e.targetRef?.name));
      return ['w1', 'w2', 'w3'].every((n) => names.includes(n)) ? s : undefined;
    });
    const svcObj = await c.client.resource<Service>('services').get('web', { namespace: NS });
    for (const s of slices) {
      expect(s.addressType).toBe('IPv4');
      expect(s.metadata!.name!.startsWith('web-')).toBe(true);
      expect(s.metadata!.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', tier: 'front' });
      expect(s.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svcObj.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const sliceOf = (name: string) => slices.find((s) => s.endpoints.some((e) => e.targetRef?.name === name))!;
    expect(sliceOf('w1').ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(sliceOf('w2').ports).toEqual([{ name: 'http', port: 9090, protocol: 'TCP' }]);
    expect(sliceOf('w3').ports ?? []).toEqual([]);
    const w2 = sliceOf('w2').endpoints.find((e) => e.targetRef?.name === 'w2')!;
    expect(w2.conditions).toEqual({ ready: true, serving: true, terminating: false });
    expect(c.nodes).toContain(w2.nodeName);

    // w1's side container exits (restartPolicy Never): the pod stays Running but not Ready.
    await c.until('w1 in notReadyAddresses', async () => {
      const e = await eps().get('web', { namespace: NS });
      return (e.subsets ?? []).some((s) => (s.notReadyAddresses ?? []).some((a) => a.targetRef?.name === 'w1'));
    });
    await c.until('w1 ready=false in its slice', async () => {
      const e = (await slicesOf('web')).flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.name === 'w1');
      return e?.conditions?.ready === false && e.conditions.serving === false;
    });

    // Deleting an Endpoints object of a selector Service: recreated.
    await eps().delete('web', { namespace: NS });
    await c.until('Endpoints recreated', async () => (await eps().get('web', { namespace: NS })).subsets?.length);

    // Deleting the Service removes its Endpoints and (through the garbage collector) its slices.
    await c.client.resource('services').delete('web', { namespace: NS });
    await c.until('Endpoints removed', async () => {
      try {
        await eps().get('web', { namespace: NS });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    await c.until('slices removed', async () => (await slicesOf('web')).length === 0, 30_000);
  }, 60_000);

  it('labels headless services and leaves selector-less services alone', async () => {
    await c.client.resource<Service>('services').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hl', namespace: NS },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });
    const e = await c.until('headless Endpoints', async () => eps().get('hl', { namespace: NS }));
    expect(e.metadata!.labels?.['service.kubernetes.io/headless']).toBe('');
    await c.until('headless slice', async () => (await slicesOf('hl')).find((s) => s.metadata!.labels?.['service.kubernetes.io/headless'] === ''));

    await c.client.resource<Service>('services').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: NS }, spec: { ports: [{ port: 80 }] } });
    await eps().create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.99' }], ports: [{ port: 80 }] }] });
    await new Promise((r) => setTimeout(r, 1500));
    const manual = await eps().get('manual', { namespace: NS });
    expect(manual.subsets![0]!.addresses![0]!.ip).toBe('192.0.2.99');
    expect(await slicesOf('manual')).toEqual([]);
  }, 30_000);

  it('splits 150 pods into two slices of at most 100', async () => {
    await c.client.resource<Service>('services').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'many', namespace: NS },
      spec: { selector: { app: 'many' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const pods = c.client.resource<Pod>('pods');
    for (let i = 0; i < 150; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) => pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `m${i + j}`, namespace: NS, labels: { app: 'many' } }, spec: { containers: [{ name: 'c', image: IMAGE }] } })),
      );
    }
    const slices = await c.until(
      '150 ready endpoints in slices',
      async () => {
        const s = await slicesOf('many');
        const ready = s.flatMap((x) => x.endpoints ?? []).filter((e) => e.conditions?.ready).length;
        return ready === 150 ? s : undefined;
      },
      50_000,
    );
    // Incremental syncs fill slices without rebalancing (as upstream): two slices, none over 100.
    expect(slices.length).toBe(2);
    for (const s of slices) expect(s.endpoints.length).toBeLessThanOrEqual(100);
    const e = await c.until('150 addresses in Endpoints', async () => {
      const x = await eps().get('many', { namespace: NS });
      return (x.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0) === 150 ? x : undefined;
    });
    expect(e.subsets!.length).toBe(1);
    expect(e.metadata!.annotations?.['endpoints.kubernetes.io/over-capacity']).toBeUndefined();

    // Steady state: no further writes.
    const rvs = async () => [(await eps().get('many', { namespace: NS })).metadata!.resourceVersion, ...(await slicesOf('many')).map((s) => s.metadata!.resourceVersion).sort()];
    const before = await rvs();
    await new Promise((r) => setTimeout(r, 2000));
    expect(await rvs()).toEqual(before);
  }, 90_000);
});

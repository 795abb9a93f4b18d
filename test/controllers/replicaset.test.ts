// Integration tests of the replicaset and replicationcontroller controllers on the test cluster (2 simulated nodes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { resourceQuotaPlugin } from '../../src/apiserver/admission/resourcequota.js';
import { Informer } from '../../src/client/index.js';
import { replicaSet, replicationController } from '../../src/controllers/replicaset/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const NS = 'default';
const IMAGE = 'kubets.local/busybox:latest';

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE }] },
});
const rsObj = (name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}, ns = NS): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: ns },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name), ...extra },
});
const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const active = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

describe('replicaset and replicationcontroller controllers', () => {
  let c: TestCluster;
  const ac = new AbortController();
  let pods: Informer<Pod>;
  /** Highest number of active pods ever seen per app label (a duplicate create would show here). */
  const maxActive = new Map<string, number>();
  const rss = () => c.client.resource<ReplicaSet>('replicasets');
  const rcs = () => c.client.resource<ReplicationController>('replicationcontrollers');
  const podsOf = (app: string, ns = NS) => (pods.lister.list() as Pod[]).filter((p) => p.metadata?.namespace === ns && p.metadata?.labels?.['app'] === app);
  const activeOf = (app: string, ns = NS) => podsOf(app, ns).filter(active);
  const eventsFor = async (name: string, reason: string, ns = NS) =>
    ((await c.client.resource<Event>('events').list({ namespace: ns })).items as Event[]).filter((e) => e.involvedObject.name === name && e.reason === reason);

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [replicaSet, replicationController] });
    // The harness's apiserver runs without the admission chain; quota enforcement is what the ReplicaFailure test needs.
    c.server.admission.push(resourceQuotaPlugin(c.server.objects));
    pods = new Informer<Pod>(c.client.resource<Pod>('pods'));
    const track = (p: Pod) => {
      const app = p.metadata?.labels?.['app'];
      if (!app) return;
      const key = `${p.metadata?.namespace}/${app}`;
      const n = (pods.lister.list() as Pod[]).filter((x) => x.metadata?.namespace === p.metadata?.namespace && x.metadata?.labels?.['app'] === app && active(x)).length;
      maxActive.set(key, Math.max(maxActive.get(key) ?? 0, n));
    };
    pods.addEventHandler({ add: (p) => track(p as Pod), update: (_o, p) => track(p as Pod) });
    pods.start(ac.signal);
  }, 60_000);
  afterAll(async () => {
    ac.abort();
    await c?.stop();
  }, 30_000);

  it('a ReplicaSet of 3 runs 3 ready pods with its controller ref, events and status', async () => {
    const rs = await rss().create(rsObj('web', 3));
    const st = await c.until('web status ready 3', async () => {
      const got = await rss().get('web', { namespace: NS });
      return got.status?.readyReplicas === 3 && got.status.availableReplicas === 3 ? got : undefined;
    });
    expect(st.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: st.metadata!.generation });
    const mine = activeOf('web');
    expect(mine).toHaveLength(3);
    for (const p of mine) {
      expect(p.metadata!.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.status?.phase).toBe('Running');
      expect(isReady(p)).toBe(true);
    }
    expect(new Set(mine.map((p) => p.spec!.nodeName))).toEqual(new Set(c.nodes));
    const created = await c.until('3 SuccessfulCreate events', async () => {
      const evs = await eventsFor('web', 'SuccessfulCreate');
      return evs.reduce((n, e) => n + (e.count ?? 1), 0) === 3 ? evs : undefined;
    });
    expect(created[0]!.message).toMatch(/^Created pod: web-[a-z0-9]{5}$/);
    expect(created[0]!.source?.component).toBe('replicaset-controller');
    expect(maxActive.get(`${NS}/web`)).toBe(3);
  }, 40_000);

  it('a deleted pod is replaced', async () => {
    const victim = activeOf('web')[0]!;
    await c.client.resource<Pod>('pods').delete(victim.metadata!.name!, { namespace: NS });
    await c.until('a replacement pod ready', () => {
      const now = activeOf('web');
      return now.length === 3 && !now.some((p) => p.metadata?.uid === victim.metadata?.uid) && now.every(isReady);
    });
    await c.until('status back to 3 ready', async () => (await rss().get('web', { namespace: NS })).status?.readyReplicas === 3);
    expect(maxActive.get(`${NS}/web`)).toBe(3);
  }, 30_000);

  it('scales 3 -> 20 -> 0 without overshooting', async () => {
    await rss().patch('web', { spec: { replicas: 20 } }, 'merge', { namespace: NS });
    const up = await c.until(
      '20 ready',
      async () => {
        const got = await rss().get('web', { namespace: NS });
        return got.status?.readyReplicas === 20 ? got : undefined;
      },
      40_000,
    );
    expect(up.status).toMatchObject({ replicas: 20, fullyLabeledReplicas: 20, observedGeneration: up.metadata!.generation });
    expect(activeOf('web')).toHaveLength(20);
    expect(maxActive.get(`${NS}/web`)).toBe(20);
    await rss().patch('web', { spec: { replicas: 0 } }, 'merge', { namespace: NS });
    await c.until('no active pods', () => activeOf('web').length === 0, 30_000);
    const down = await c.until('status 0', async () => {
      const got = await rss().get('web', { namespace: NS });
      return got.status?.replicas === 0 ? got : undefined;
    });
    expect(down.status?.readyReplicas ?? 0).toBe(0);
    expect(down.status?.observedGeneration).toBe(down.metadata!.generation);
    // The recorder's spam filter (burst 25 per object, as client-go) has mostly been spent on the creates.
    const deleted = await c.until('SuccessfulDelete events', async () => {
      const evs = await eventsFor('web', 'SuccessfulDelete');
      return evs.length > 0 ? evs : undefined;
    });
    expect(deleted[0]!.message).toMatch(/^Deleted pod: web-[a-z0-9]{5}$/);
  }, 60_000);

  it('adopts a matching orphan and releases a pod that stops matching', async () => {
    const orphan = await c.client.resource<Pod>('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: NS, labels: { app: 'adopt' } }, spec: template('adopt').spec });
    await c.until('orphan running', () => podsOf('adopt').some((p) => p.status?.phase === 'Running'));
    const rs = await rss().create(rsObj('adopt', 1));
    const adopted = await c.until('orphan adopted', () => podsOf('adopt').find((p) => p.metadata?.name === 'orphan' && p.metadata.ownerReferences?.[0]?.uid === rs.metadata!.uid));
    expect(adopted.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    await c.until('status 1 ready', async () => (await rss().get('adopt', { namespace: NS })).status?.readyReplicas === 1);
    // Nothing was created: the orphan is the one replica.
    expect(activeOf('adopt').map((p) => p.metadata!.name)).toEqual(['orphan']);

    await c.client.resource<Pod>('pods').patch('orphan', { metadata: { labels: { app: 'released' } } }, 'merge', { namespace: NS });
    await c.until('orphan released', () => {
      const p = pods.lister.get(`${NS}/orphan`) as Pod | undefined;
      return p && p.metadata?.labels?.['app'] === 'released' && (p.metadata.ownerReferences ?? []).length === 0;
    });
    const replacement = await c.until('a replacement created', () => activeOf('adopt').find((p) => p.metadata?.name !== 'orphan'));
    expect(replacement.metadata!.ownerReferences?.[0]?.uid).toBe(rs.metadata!.uid);
    expect(orphan.metadata!.uid).toBe((pods.lister.get(`${NS}/orphan`) as Pod).metadata!.uid);
  }, 40_000);

  it('minReadySeconds: ready pods become available only after it passed', async () => {
    await rss().create(rsObj('slow', 2, { minReadySeconds: 3 }));
    const ready = await c.until('slow 2 ready', async () => {
      const got = await rss().get('slow', { namespace: NS });
      return got.status?.readyReplicas === 2 ? got : undefined;
    });
    expect(ready.status?.availableReplicas ?? 0).toBeLessThan(2);
    await c.until('slow 2 available', async () => (await rss().get('slow', { namespace: NS })).status?.availableReplicas === 2, 15_000);
  }, 30_000);

  it('a quota refusal shows as FailedCreate events and the ReplicaFailure condition, cleared when it fits', async () => {
    const ns = 'quota';
    await c.client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await c.client.resource('resourcequotas').create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: ns }, spec: { hard: { pods: '2' } } });
    await rss().create(rsObj('capped', 3, {}, ns));
    const failed = await c.until('ReplicaFailure', async () => {
      const got = await rss().get('capped', { namespace: ns });
      return got.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    });
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failed.message).toMatch(/exceeded quota: q/);
    const evs = await c.until('FailedCreate event', async () => {
      const e = await eventsFor('capped', 'FailedCreate', ns);
      return e.length > 0 ? e : undefined;
    });
    expect(evs[0]!.type).toBe('Warning');
    expect(evs[0]!.message).toMatch(/^Error creating: .*exceeded quota: q/);
    expect(activeOf('capped', ns)).toHaveLength(2);
    await rss().patch('capped', { spec: { replicas: 2 } }, 'merge', { namespace: ns });
    await c.until('condition cleared', async () => {
      const got = await rss().get('capped', { namespace: ns });
      return got.status?.replicas === 2 && !(got.status.conditions ?? []).some((x) => x.type === 'ReplicaFailure');
    });
  }, 40_000);

  it('a ReplicationController runs and scales its pods', async () => {
    const rc = await rcs().create({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: NS },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: template('legacy') },
    });
    const st = await c.until('rc 2 ready', async () => {
      const got = await rcs().get('legacy', { namespace: NS });
      return got.status?.readyReplicas === 2 ? got : undefined;
    });
    expect(st.status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, observedGeneration: st.metadata!.generation });
    for (const p of activeOf('legacy')) {
      expect(p.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: rc.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata!.name).toMatch(/^legacy-[a-z0-9]{5}$/);
    }
    await rcs().patch('legacy', { spec: { replicas: 1 } }, 'merge', { namespace: NS });
    await c.until('rc scaled to 1', async () => activeOf('legacy').length === 1 && (await rcs().get('legacy', { namespace: NS })).status?.replicas === 1);
    const evs = await c.until('rc events', async () => {
      const e = await eventsFor('legacy', 'SuccessfulDelete');
      return e.length > 0 ? e : undefined;
    });
    expect(evs[0]!.involvedObject.kind).toBe('ReplicationController');
    expect(evs[0]!.source?.component).toBe('replication-controller');
    expect(maxActive.get(`${NS}/legacy`)).toBe(2);
  }, 40_000);
});

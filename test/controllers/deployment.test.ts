// The deployment controller against real kubelets and the replicaset controller: rolling updates within maxSurge/maxUnavailable, kubectl rollout undo/status/history/pause/resume/restart, Recreate, revisionHistoryLimit, progress deadline.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Informer } from '../../src/client/index.js';
import { deployment } from '../../src/controllers/deployment/index.js';
import { replicaSet } from '../../src/controllers/replicaset/index.js';
import { findKubectls } from '../e2e/harness.js';
import { startTestCluster, type TestCluster } from './harness.js';

const kubectlBin = findKubectls().usable[0];
const NS = 'default';

function deploymentOf(name: string, replicas: number, image: string, spec: Partial<Deployment['spec']> = {}, annotations?: Record<string, string>): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image }] } },
      ...spec,
    },
  };
}

const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const imageOf = (p: { spec?: { containers?: { image?: string }[] } } | undefined) => p?.spec?.containers?.[0]?.image;

describe('deployment controller', () => {
  let c: TestCluster;
  let kubeconfig = '';

  beforeAll(async () => {
    c = await startTestCluster({ nodes: 3, controllers: [replicaSet, deployment] });
    kubeconfig = await c.server.writeAdminKubeconfig();
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(kubectlBin!.path, ['--kubeconfig', kubeconfig, '-n', NS, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const deployments = () => c.client.resource<Deployment>('deployments');
  const getD = (name: string) => deployments().get(name, { namespace: NS });
  const listRS = async (app: string) => (await c.client.resource<ReplicaSet>('replicasets').list({ namespace: NS, labelSelector: `app=${app}` })).items;
  const setImage = async (name: string, image: string) => {
    const d = await getD(name);
    d.spec!.template.spec!.containers[0]!.image = image;
    return deployments().update(d, { namespace: NS });
  };
  const rolledOut = (name: string, timeoutMs = 40_000) =>
    c.until(`${name} rolled out`, async () => {
      const d = await getD(name);
      const s = d.status ?? {};
      const r = d.spec?.replicas ?? 1;
      return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r ? d : undefined;
    }, timeoutMs);

  /** Records every state of the pods and ReplicaSets of `app` as the watch delivers them. */
  function watch(app: string) {
    const ac = new AbortController();
    const pods = new Informer<Pod>(c.client.resource<Pod>('pods'), { namespace: NS, labelSelector: `app=${app}` });
    const rss = new Informer<ReplicaSet>(c.client.resource<ReplicaSet>('replicasets'), { namespace: NS, labelSelector: `app=${app}` });
    const podStates: Array<{ live: number; ready: number; images: string[] }> = [];
    const rsStates: number[] = [];
    // States during the initial list are partial: record from the first synced state on.
    const onPods = () => {
      if (!pods.hasSynced()) return;
      const live = (pods.lister.list() as Pod[]).filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
      podStates.push({ live: live.length, ready: live.filter(isReady).length, images: [...new Set(live.map((p) => imageOf(p.spec as never) ?? imageOf(p) ?? ''))].sort() });
    };
    const onRS = () => rss.hasSynced() && rsStates.push((rss.lister.list() as ReplicaSet[]).reduce((n, r) => n + (r.spec?.replicas ?? 0), 0));
    pods.addEventHandler({ add: onPods, update: onPods, delete: onPods });
    rss.addEventHandler({ add: onRS, update: onRS, delete: onRS });
    pods.start(ac.signal);
    rss.start(ac.signal);
    return {
      podStates,
      rsStates,
      synced: async () => {
        await c.until('watch synced', () => pods.hasSynced() && rss.hasSynced());
        onPods();
        onRS();
      },
      stop: () => ac.abort(),
    };
  }

  it('rolls a Deployment of 10 from A to B within maxSurge 3 / maxUnavailable 2, then undoes it with kubectl', async () => {
    await deployments().create(deploymentOf('web', 10, 'kubets.local/web:a', { minReadySeconds: 0 }, { 'kubernetes.io/change-cause': 'v1' }));
    const first = await rolledOut('web');
    expect(first.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(first.status?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(first.status?.conditions?.find((x) => x.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const [rsA] = await listRS('web');
    expect(rsA!.metadata!.name).toBe(`web-${rsA!.metadata!.labels!['pod-template-hash']}`);
    expect(rsA!.spec!.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': rsA!.metadata!.labels!['pod-template-hash'] });
    expect(rsA!.metadata!.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '10',
      'deployment.kubernetes.io/max-replicas': '13',
      'kubernetes.io/change-cause': 'v1',
    });
    expect(rsA!.metadata!.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true });

    const w = watch('web');
    await w.synced();
    const d = await getD('web');
    d.spec!.template.spec!.containers[0]!.image = 'kubets.local/web:b';
    d.metadata!.annotations = { ...d.metadata!.annotations, 'kubernetes.io/change-cause': 'v2' };
    await deployments().update(d, { namespace: NS });
    const second = await rolledOut('web');
    await new Promise((r) => setTimeout(r, 300));
    w.stop();
    expect(second.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    // Both templates ran side by side at some point (a rolling update, not a recreate)...
    expect(w.podStates.some((s) => s.images.length === 2)).toBe(true);
    // ... and every observed state honoured the fenceposts: at most 10 + 3 replicas asked for, at least 10 - 2 ready.
    expect(Math.max(...w.rsStates)).toBeLessThanOrEqual(13);
    expect(Math.max(...w.rsStates)).toBe(13);
    expect(Math.min(...w.podStates.map((s) => s.ready))).toBeGreaterThanOrEqual(8);
    expect(Math.max(...w.podStates.map((s) => s.live))).toBeLessThanOrEqual(13);
    const rsList = await listRS('web');
    expect(rsList).toHaveLength(2);
    const rsB = rsList.find((r) => r.metadata!.uid !== rsA!.metadata!.uid)!;
    expect(rsB.spec!.replicas).toBe(10);
    expect(rsList.find((r) => r.metadata!.uid === rsA!.metadata!.uid)!.spec!.replicas).toBe(0);
    const events = (await c.client.resource('events').list({ namespace: NS, fieldSelector: 'involvedObject.name=web' })).items as any[];
    expect(events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${rsB.metadata!.name} from 0 to 3`)).toBe(true);
    expect(events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled down replica set ${rsA!.metadata!.name} from 10 to 8`)).toBe(true);

    if (!kubectlBin) return;
    const hist = await kubectl('rollout', 'history', 'deployment/web');
    expect(hist.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+v1\n2\s+v2/);
    const undo = await kubectl('rollout', 'undo', 'deployment/web');
    expect(undo.stderr).toBe('');
    expect(undo.stdout.trim()).toBe('deployment.apps/web rolled back');
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=40s');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('deployment "web" successfully rolled out');
    const back = await rolledOut('web');
    expect(imageOf(back.spec!.template)).toBe('kubets.local/web:a');
    expect(back.metadata!.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'v1' });
    // The old ReplicaSet was reused (no third one), its revision bumped and the old one kept in its history.
    const after = await listRS('web');
    expect(after).toHaveLength(2);
    const reused = after.find((r) => r.metadata!.uid === rsA!.metadata!.uid)!;
    expect(reused.spec!.replicas).toBe(10);
    expect(reused.metadata!.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    const hist2 = await kubectl('rollout', 'history', 'deployment/web');
    expect(hist2.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+v2\n3\s+v1/);
    const undoAgain = await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=3');
    expect(undoAgain.stdout.trim()).toBe('deployment.apps/web skipped rollback (current template already matches revision 3)');
  }, 60_000);

  it('Recreate stops every old pod before starting new ones', async () => {
    await deployments().create(deploymentOf('rec', 3, 'kubets.local/rec:a', { strategy: { type: 'Recreate' } }));
    await rolledOut('rec');
    const w = watch('rec');
    await w.synced();
    await setImage('rec', 'kubets.local/rec:b');
    const d = await rolledOut('rec');
    w.stop();
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(w.podStates.every((s) => s.images.length <= 1)).toBe(true);
    expect(w.podStates.some((s) => s.live === 0)).toBe(true);
    expect(w.podStates.at(-1)).toMatchObject({ live: 3, images: ['kubets.local/rec:b'] });
    const rss = await listRS('rec');
    expect(rss.map((r) => r.metadata!.annotations!['deployment.kubernetes.io/max-replicas']).sort()).toEqual(['3', '3']);
  }, 40_000);

  it.skipIf(!kubectlBin)('pause holds a template change, scaling while paused is applied, resume rolls out, restart makes a new ReplicaSet', async () => {
    await deployments().create(deploymentOf('pz', 2, 'kubets.local/pz:a', { progressDeadlineSeconds: 30 }));
    await rolledOut('pz');
    expect((await kubectl('rollout', 'pause', 'deployment/pz')).stdout.trim()).toBe('deployment.apps/pz paused');
    expect((await kubectl('set', 'image', 'deployment/pz', 'c=kubets.local/pz:b')).code).toBe(0);
    const paused = await c.until('paused condition', async () => {
      const d = await getD('pz');
      const p = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && p?.reason === 'DeploymentPaused' ? d : undefined;
    });
    expect(paused.status?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    expect((await kubectl('scale', 'deployment/pz', '--replicas=4')).code).toBe(0);
    await c.until('paused scale applied', async () => {
      const rss = await listRS('pz');
      return rss.length === 1 && rss[0]!.spec!.replicas === 4 && rss[0]!.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'] === '4';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await listRS('pz')).toHaveLength(1);
    expect((await kubectl('rollout', 'resume', 'deployment/pz')).stdout.trim()).toBe('deployment.apps/pz resumed');
    const resumed = await rolledOut('pz');
    expect(imageOf(resumed.spec!.template)).toBe('kubets.local/pz:b');
    expect(resumed.status?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect((await listRS('pz')).find((r) => r.spec!.replicas === 4)?.spec?.template?.spec?.containers[0]?.image).toBe('kubets.local/pz:b');

    expect((await kubectl('rollout', 'restart', 'deployment/pz')).stdout.trim()).toBe('deployment.apps/pz restarted');
    const restarted = await rolledOut('pz');
    expect(restarted.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(restarted.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(await listRS('pz')).toHaveLength(3);
  }, 60_000);

  it('revisionHistoryLimit keeps only that many old ReplicaSets', async () => {
    await deployments().create(deploymentOf('hist', 1, 'kubets.local/hist:1', { revisionHistoryLimit: 1 }));
    await rolledOut('hist');
    for (const v of ['2', '3', '4']) {
      await setImage('hist', `kubets.local/hist:${v}`);
      await rolledOut('hist');
    }
    const rss = await c.until('old ReplicaSets cleaned up', async () => {
      const l = await listRS('hist');
      return l.length === 2 ? l : undefined;
    });
    expect(rss.map((r) => r.metadata!.annotations!['deployment.kubernetes.io/revision']).sort()).toEqual(['3', '4']);

    // The deprecated rollbackTo annotation (revision 0: the previous one) is still honoured and cleared.
    const d = await getD('hist');
    d.metadata!.annotations = { ...d.metadata!.annotations, 'deprecated.deployment.rollback.to': '0' };
    await deployments().update(d, { namespace: NS });
    const back = await c.until('rolled back by annotation', async () => {
      const x = await getD('hist');
      return imageOf(x.spec!.template) === 'kubets.local/hist:3' && !x.metadata?.annotations?.['deprecated.deployment.rollback.to'] ? x : undefined;
    });
    expect(back.spec!.template.metadata!.labels).toEqual({ app: 'hist' });
    const rolled = await rolledOut('hist');
    expect(rolled.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('5');
    const events = (await c.client.resource('events').list({ namespace: NS, fieldSelector: 'involvedObject.name=hist' })).items as any[];
    expect(events.some((e) => e.reason === 'DeploymentRollback' && e.message === 'Rolled back deployment "hist" to revision 3')).toBe(true);
  }, 40_000);

  it('reports ProgressDeadlineExceeded when the new pods never become available', async () => {
    await deployments().create(deploymentOf('stuck', 2, 'kubets.local/stuck:a', { progressDeadlineSeconds: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await rolledOut('stuck');
    await setImage('stuck', 'example.com/x-pull-fails:1');
    const d = await c.until('deadline exceeded', async () => {
      const x = await getD('stuck');
      return x.status?.conditions?.find((k) => k.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    }, 15_000);
    const rsName = (await listRS('stuck')).find((r) => imageOf(r.spec!.template) === 'example.com/x-pull-fails:1')!.metadata!.name;
    expect(d.status?.conditions?.find((k) => k.type === 'Progressing')).toMatchObject({ status: 'False', message: `ReplicaSet "${rsName}" has timed out progressing.` });
    // maxUnavailable 0: the old pods all stay.
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 1, availableReplicas: 2, unavailableReplicas: 1 });
    if (kubectlBin) {
      const st = await kubectl('rollout', 'status', 'deployment/stuck', '--timeout=5s');
      expect(st.code).not.toBe(0);
      expect(st.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    }
  }, 30_000);
});

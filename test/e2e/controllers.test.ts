// The control loop end to end: `kubets server` (apiserver, controller-manager, scheduler, kubelet) plus two joined simulated agents, driven by kubectl.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Informer, loadKubeconfig, RestClient, waitForCacheSync } from '../../src/client/index.js';
import { findKubectls, kubectlAgainst, startKubets, startServer, until, type KubetsProcess, type RunningServer } from './harness.js';

const kubectl = findKubectls().usable[0]!;

type Proc = KubetsProcess;
const start = (args: string[], dir?: string): Proc => startKubets(args, dir);

describe('controllers, scheduler and kubelets together', () => {
  let server: RunningServer;
  let client: RestClient;
  const procs: Proc[] = [];
  let worker2: Proc;
  const { run, ok, json, apply } = kubectlAgainst(kubectl.path, () => server.kubeconfig);
  const podsOf = (selector: string, ns = 'default') => (json(['-n', ns, 'get', 'pods', '-l', selector]).items as Pod[]);
  const ready = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

  beforeAll(async () => {
    server = await startServer('sqlite', [
      '--runtime', 'simulated',
      '--node-name', 'cp',
      '--simulated-capacity', 'cpu=32,memory=64Gi,pods=200',
      '--kube-controller-manager-arg', 'node-monitor-grace-period=15s',
      '--kube-controller-manager-arg', 'node-monitor-period=1s',
    ]);
    const token = readFileSync(path.join(server.dataDir, 'token'), 'utf8').trim();
    for (const name of ['worker1', 'worker2']) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-ctl-e2e-'));
      const p = start(['agent', '--data-dir', dir, '--server', server.url, '--token', token, '--node-name', name, '--runtime', 'simulated', '--simulated-capacity', 'cpu=32,memory=64Gi,pods=200'], dir);
      procs.push(p);
      if (name === 'worker2') worker2 = p;
    }
    client = new RestClient({ ...loadKubeconfig(server.kubeconfig), qps: 0 });
    await until('three Ready nodes', () => {
      const items = json(['get', 'nodes']).items as any[];
      return items.length === 3 && items.every((n) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    }, 90_000);
  }, 150_000);

  afterAll(async () => {
    client?.close();
    for (const p of procs) await p.stop();
    await server?.stop();
  }, 60_000);

  it('a Deployment rolls A -> B within maxSurge/maxUnavailable at every observed moment, and rollout undo returns to A', async () => {
    apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 10,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:a', imagePullPolicy: 'IfNotPresent' }] } },
      },
    });
    ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    // Every pod state during the rollout, from an informer (list, then watch): live pods (not being deleted)
    // never more than 13 (10 + 25% surge), ready ones never fewer than 8 (10 - 25% unavailable).
    const violations: string[] = [];
    let maxLive = 0;
    let minReady = Infinity;
    const ac = new AbortController();
    const informer = new Informer<Pod>(client.resource<Pod>('pods'), { namespace: 'default', labelSelector: 'app=web' });
    let synced = false;
    const check = () => {
      if (!synced) return;
      const live = (informer.lister.list() as Pod[]).filter((x) => !x.metadata?.deletionTimestamp);
      const readyCount = live.filter(ready).length;
      maxLive = Math.max(maxLive, live.length);
      minReady = Math.min(minReady, readyCount);
      if (live.length > 13) violations.push(`${live.length} live pods`);
      if (readyCount < 8) violations.push(`${readyCount} ready pods`);
    };
    informer.addEventHandler({ add: check, update: check, delete: check });
    informer.start(ac.signal);
    await waitForCacheSync(ac.signal, informer);
    synced = true;
    check();
    const watching = Promise.resolve();
    await new Promise((r) => setTimeout(r, 500));
    ok(['set', 'image', 'deployment/web', 'c=kubets.local/busybox:b']);
    ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    // kubectl ran synchronously: let the informer work through the events that queued up meanwhile.
    await until('the informer caught up', () => {
      const all = informer.lister.list() as Pod[];
      return all.length === 10 && all.every((p) => p.spec!.containers[0]!.image === 'kubets.local/busybox:b');
    });
    ac.abort();
    await watching;
    expect(violations).toEqual([]);
    expect(maxLive).toBeGreaterThan(10);
    expect(minReady).toBeGreaterThanOrEqual(8);
    const images = () => new Set(podsOf('app=web').filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.spec!.containers[0]!.image));
    await until('only B pods', () => images().size === 1 && images().has('kubets.local/busybox:b'));
    ok(['rollout', 'undo', 'deployment/web']);
    ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    await until('only A pods', () => images().size === 1 && images().has('kubets.local/busybox:a'));
    expect(ok(['rollout', 'history', 'deployment/web'])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    // Pods are spread by the scheduler over the three nodes.
    expect(new Set(podsOf('app=web').map((p) => p.spec!.nodeName)).size).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('deleted pods are healed; scaling 3 -> 50 -> 0 converges', async () => {
    ok(['scale', 'deployment/web', '--replicas=3']);
    await until('3 pods', () => podsOf('app=web').filter((p) => !p.metadata?.deletionTimestamp && ready(p)).length === 3 && podsOf('app=web').length === 3);
    const victim = podsOf('app=web')[0]!.metadata!.name!;
    ok(['delete', 'pod', victim, '--wait=false']);
    await until('healed to 3 ready', () => {
      const live = podsOf('app=web').filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 3 && live.every(ready) && !live.some((p) => p.metadata!.name === victim);
    });
    ok(['scale', 'deployment/web', '--replicas=50']);
    await until('50 ready', () => json(['get', 'deployment', 'web']).status?.readyReplicas === 50, 120_000);
    ok(['scale', 'deployment/web', '--replicas=0']);
    await until('0 pods', () => podsOf('app=web').length === 0, 120_000);
  }, 300_000);

  it('cascading deletion: background, foreground and orphan', async () => {
    const rs = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { rs: name } }, template: { metadata: { labels: { rs: name } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } } },
    });
    for (const n of ['bg', 'fg', 'orph']) apply(rs(n));
    await until('6 pods', () => ['bg', 'fg', 'orph'].every((n) => podsOf(`rs=${n}`).length === 2));
    ok(['delete', 'rs', 'bg', '--cascade=background', '--wait=false']);
    ok(['delete', 'rs', 'fg', '--cascade=foreground', '--wait=false']);
    ok(['delete', 'rs', 'orph', '--cascade=orphan', '--wait=false']);
    await until('background dependents gone', () => podsOf('rs=bg').length === 0 && run(['get', 'rs', 'bg']).code !== 0);
    await until('foreground owner gone after its dependents', () => podsOf('rs=fg').length === 0 && run(['get', 'rs', 'fg']).code !== 0);
    await until('orphans kept without owner', () => {
      const pods = podsOf('rs=orph');
      return run(['get', 'rs', 'orph']).code !== 0 && pods.length === 2 && pods.every((p) => (p.metadata?.ownerReferences ?? []).length === 0);
    });
    ok(['delete', 'pods', '-l', 'rs=orph', '--wait=false']);
  }, 120_000);

  it('deleting a namespace empties it, then the namespace goes', async () => {
    ok(['create', 'namespace', 'scratch']);
    ok(['-n', 'scratch', 'create', 'deployment', 'd', '--image=kubets.local/busybox:latest', '--replicas=2']);
    ok(['-n', 'scratch', 'create', 'configmap', 'cm', '--from-literal=a=b']);
    await until('scratch pods running', () => podsOf('app=d', 'scratch').filter(ready).length === 2);
    ok(['delete', 'namespace', 'scratch', '--wait=false']);
    await until('namespace gone', () => run(['get', 'namespace', 'scratch']).code !== 0, 90_000);
  }, 120_000);

  it('a Job with exit-after completes with its completions and parallelism', async () => {
    apply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'work', namespace: 'default' },
      spec: {
        completions: 4,
        parallelism: 2,
        template: { metadata: { annotations: { 'simulated.kubets.io/exit-after': '1s' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } },
      },
    });
    let maxActive = 0;
    const job = await until('job complete', () => {
      const j = json(['get', 'job', 'work']);
      maxActive = Math.max(maxActive, j.status?.active ?? 0);
      return (j.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    }, 90_000);
    expect(job.status.succeeded).toBe(4);
    expect(maxActive).toBeLessThanOrEqual(2);
  }, 120_000);

  it('StatefulSet pods come up in order; a DaemonSet runs one pod per node; EndpointSlices track readiness', async () => {
    apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } });
    apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } } },
    });
    const pods = await until('3 db pods ready', () => {
      const p = podsOf('app=db');
      return p.length === 3 && p.every(ready) ? p : undefined;
    }, 90_000);
    const created = pods.sort((a, b) => Date.parse(a.metadata!.creationTimestamp!) - Date.parse(b.metadata!.creationTimestamp!)).map((p) => p.metadata!.name);
    expect(created.slice().sort()).toEqual(['db-0', 'db-1', 'db-2']);
    expect(Date.parse(pods.find((p) => p.metadata!.name === 'db-0')!.metadata!.creationTimestamp!)).toBeLessThanOrEqual(Date.parse(pods.find((p) => p.metadata!.name === 'db-2')!.metadata!.creationTimestamp!));
    const slices = await until('endpointslice with 3 ready endpoints', () => {
      const items = json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=db']).items as any[];
      const eps = items.flatMap((s) => s.endpoints ?? []);
      return eps.length === 3 && eps.every((e: any) => e.conditions?.ready === true) ? items : undefined;
    });
    expect(slices[0].metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } } },
    });
    const ds = await until('one daemon pod per node', () => {
      const p = podsOf('app=agent').filter(ready);
      return p.length === 3 ? p : undefined;
    }, 90_000);
    expect(new Set(ds.map((p) => p.spec!.nodeName))).toEqual(new Set(['cp', 'worker1', 'worker2']));
  }, 200_000);

  it('a node whose agent dies gets the unreachable taint and its pods are evicted and recreated elsewhere', async () => {
    apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mover', namespace: 'default' },
      spec: {
        replicas: 6,
        selector: { matchLabels: { app: 'mover' } },
        template: {
          metadata: { labels: { app: 'mover' } },
          spec: {
            containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }],
            tolerations: [
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
            ],
          },
        },
      },
    });
    await until('6 mover pods ready', () => podsOf('app=mover').filter(ready).length === 6, 90_000);
    const onWorker2 = podsOf('app=mover').filter((p) => p.spec!.nodeName === 'worker2').map((p) => p.metadata!.name!);
    expect(onWorker2.length).toBeGreaterThan(0);
    worker2.proc.kill('SIGKILL');
    const node = await until('worker2 tainted unreachable', () => {
      const n = json(['get', 'node', 'worker2']);
      return (n.spec?.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
    }, 60_000);
    expect(node.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    await until('mover pods replaced off worker2', () => {
      const live = podsOf('app=mover').filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 6 && live.every((p) => p.spec!.nodeName !== 'worker2' && ready(p)) && onWorker2.every((n) => !live.some((p) => p.metadata!.name === n));
    }, 90_000);
  }, 200_000);

  it('two controller-managers: exactly one leads, and killing the leader hands over', async () => {
    const holder = () => json(['-n', 'kube-system', 'get', 'lease', 'kube-controller-manager']).spec.holderIdentity as string;
    const first = holder();
    const standby = start(['controller-manager', '--kubeconfig', path.join(server.dataDir, 'cred', 'kube-controller-manager.kubeconfig'), '--leader-elect-lease-duration=6s', '--leader-elect-renew-deadline=4s', '--leader-elect-retry-period=1s', '--use-service-account-credentials', '--root-ca-file', path.join(server.dataDir, 'tls', 'server-ca.crt')]);
    procs.push(standby);
    await new Promise((r) => setTimeout(r, 3000));
    expect(holder()).toBe(first);
    expect(standby.output()).not.toMatch(/became leader/);
    // The leader is the server's supervised child: its pid is in the identity (host_pid).
    const pid = Number(/_(\d+)$/.exec(first)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await until('a new leader', () => holder() !== first, 60_000);
    // Whoever leads now, the controllers act: a new Deployment gets its pods.
    ok(['create', 'deployment', 'after', '--image=kubets.local/busybox:latest', '--replicas=2']);
    await until('after pods ready', () => podsOf('app=after').filter(ready).length === 2, 60_000);
  }, 120_000);
});

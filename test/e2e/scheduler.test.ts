// The scheduler end to end: one `kubets server` on the simulated runtime plus `kubets agent` nodes with labels, taints and capacities, driven through the API and kubectl.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Event, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { Informer, loadKubeconfig, RestClient, waitForCacheSync } from '../../src/client/index.js';
import { findKubectls, kubectlAgainst, startKubets, startServer, until, type KubetsProcess, type RunningServer } from './harness.js';

const kubectl = findKubectls().usable[0]!;
const IMAGE = 'kubets.local/busybox:latest';
const L = 'e2e.kubets.io';
const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

/** Options of the pods built by `mkPod`: requests (limits too for extended resources), labels, and spec fields. */
interface PodOpts {
  requests?: Record<string, string>;
  labels?: Record<string, string>;
  spec?: Partial<PodSpec>;
  hostPort?: number;
}

/** A one-container pod named `name` in `ns` (grace period 1 s so deletions are quick). */
function mkPod(ns: string, name: string, o: PodOpts = {}): Pod {
  const req = o.requests ?? {};
  // Extended resources must have limits equal to requests; cpu/memory get requests only.
  const ext = Object.fromEntries(Object.entries(req).filter(([k]) => k.includes('/')));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image: IMAGE,
          ...(Object.keys(req).length ? { resources: { requests: req, ...(Object.keys(ext).length ? { limits: ext } : {}) } } : {}),
          ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort, protocol: 'TCP' }] } : {}),
        },
      ],
      ...(o.spec ?? {}),
    },
  };
}

/** Milli-cpu of a quantity string ("600m", "1", "0.5"). */
function milliCpu(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** The sum of a pod's container cpu requests in milli-cpu. */
const podCpu = (p: Pod) => (p.spec?.containers ?? []).reduce((s, c) => s + milliCpu(c.resources?.requests?.['cpu']), 0);

/** `reasons` as upstream's FitError lists them: "count reason" strings, sorted, joined with ", ". */
function summary(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

describe('the scheduler against kubets server and simulated agents', () => {
  let server: RunningServer;
  let client: RestClient;
  let token = '';
  const procs: KubetsProcess[] = [];
  const tmp: string[] = [];
  const { ok, json } = kubectlAgainst(kubectl.path, () => server.kubeconfig);
  const pods = () => client.resource<Pod>('pods');

  /** `kubets agent --runtime simulated` joining with the token as `name`, with extra node flags. */
  const startAgent = (name: string, args: string[]) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `kubets-sched-${name}-`));
    const p = startKubets(['agent', '--data-dir', dir, '--server', server.url, '--token', token, '--node-name', name, '--runtime', 'simulated', ...args], dir);
    procs.push(p);
    return p;
  };
  const readyNodes = () =>
    (json(['get', 'nodes']).items as any[]).filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  const nodeCount = () => (json(['get', 'nodes']).items as any[]).length;

  /** Creates namespace `ns` and waits for its default ServiceAccount (pods are refused until it exists). */
  const namespace = async (ns: string) => {
    ok(['create', 'namespace', ns]);
    await until(`serviceaccount default in ${ns}`, () => json(['-n', ns, 'get', 'serviceaccounts']).items.some((s: any) => s.metadata.name === 'default'), 30_000);
  };
  const create = (p: Pod) => pods().create(p, { namespace: p.metadata!.namespace! });
  const get = (ns: string, name: string) => pods().get(name, { namespace: ns });
  /** Waits until pod ns/name is Running and returns it. */
  const running = (ns: string, name: string, timeoutMs = 60_000) =>
    untilAsync(`${ns}/${name} Running`, async () => {
      const p = await get(ns, name);
      return p.status?.phase === 'Running' ? p : undefined;
    }, timeoutMs);
  /** Waits until pod ns/name has PodScheduled=False/Unschedulable and returns that condition's message. */
  const unschedulable = (ns: string, name: string) =>
    untilAsync(`${ns}/${name} Unschedulable`, async () => {
      const p = await get(ns, name);
      const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable');
      return c?.message;
    }, 30_000);
  /** The messages of the events of `reason` about pod ns/name. */
  const eventMessages = async (ns: string, name: string, reason: string) =>
    ((await client.resource<Event>('events').list({ namespace: ns })).items as Event[])
      .filter((e) => e.involvedObject?.name === name && e.reason === reason)
      .map((e) => e.message ?? '');

  beforeAll(async () => {
    // The server's own kubelet is the tainted node; five agents join now, n-late joins in case 7.
    server = await startServer('sqlite', [
      '--runtime', 'simulated',
      '--node-name', 'n-taint',
      '--node-taint', 'dedicated=special:NoSchedule',
      '--node-label', `${L}/taints=yes`,
      '--simulated-capacity', 'cpu=4,memory=8Gi,pods=110',
    ]);
    token = readFileSync(path.join(server.dataDir, 'token'), 'utf8').trim();
    client = new RestClient({ ...loadKubeconfig(server.kubeconfig), qps: 0 });
    startAgent('n-a', ['--node-label', `${ZONE}=zone-a`, '--node-label', 'disk=ssd', '--node-label', `${L}/pair=yes`, '--node-label', `${L}/taints=yes`, '--simulated-capacity', 'cpu=4,memory=8Gi,pods=110']);
    startAgent('n-b', ['--node-label', `${ZONE}=zone-b`, '--node-label', `${L}/pair=yes`, '--simulated-capacity', 'cpu=4,memory=8Gi,pods=110']);
    startAgent('n-gpu', ['--simulated-capacity', 'cpu=4,memory=8Gi,pods=110,example.com/gpu=2']);
    startAgent('n-preempt', ['--simulated-capacity', 'cpu=2,memory=4Gi,pods=110']);
    startAgent('n-race', ['--simulated-capacity', 'cpu=1,memory=4Gi,pods=110']);
    await until('six Ready nodes', () => readyNodes().length === 6, 120_000, 1000);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    for (const p of procs) await p.stop();
    await server?.stop();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  }, 120_000);

  it('1. a NoSchedule taint is avoided; a tolerating pod may land on the tainted node', async () => {
    const ns = 'taints';
    await namespace(ns);
    const sel = { nodeSelector: { [`${L}/taints`]: 'yes' } };
    await Promise.all([0, 1, 2, 3].map((i) => create(mkPod(ns, `plain-${i}`, { spec: sel }))));
    for (const i of [0, 1, 2, 3]) expect((await running(ns, `plain-${i}`)).spec?.nodeName).toBe('n-a');
    // Pinned to the tainted node without a toleration: unschedulable, with the taint named.
    await create(mkPod(ns, 'pinned', { spec: { nodeSelector: { [HOST]: 'n-taint' } } }));
    const n = nodeCount();
    expect(await unschedulable(ns, 'pinned')).toMatch(
      new RegExp(`^0/${n} nodes are available: 1 node\\(s\\) had untolerated taint \\{dedicated: special\\}, ${n - 1} node\\(s\\) didn't match Pod's node affinity/selector\\. preemption: `),
    );
    // With a toleration it is allowed there.
    await create(mkPod(ns, 'tolerant', { spec: { nodeSelector: { [HOST]: 'n-taint' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'special', effect: 'NoSchedule' }] } }));
    expect((await running(ns, 'tolerant')).spec?.nodeName).toBe('n-taint');
    expect((await get(ns, 'pinned')).spec?.nodeName).toBeUndefined();
  }, 120_000);

  it('2. nodeSelector and required node affinity pick the labelled agent; pod anti-affinity spreads over two agents', async () => {
    const ns = 'affinity';
    await namespace(ns);
    await create(mkPod(ns, 'ssd', { spec: { nodeSelector: { disk: 'ssd' } } }));
    await create(
      mkPod(ns, 'zone-b', {
        spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] }] } } } },
      }),
    );
    expect((await running(ns, 'ssd')).spec?.nodeName).toBe('n-a');
    expect((await running(ns, 'zone-b')).spec?.nodeName).toBe('n-b');

    const anti: Partial<PodSpec> = {
      nodeSelector: { [`${L}/pair`]: 'yes' },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'solo' } }, topologyKey: HOST }] } },
    };
    for (const i of [0, 1]) {
      await create(mkPod(ns, `solo-${i}`, { labels: { app: 'solo' }, spec: anti }));
      await running(ns, `solo-${i}`);
    }
    const placed = await Promise.all([0, 1].map(async (i) => (await get(ns, `solo-${i}`)).spec?.nodeName));
    expect(placed.sort()).toEqual(['n-a', 'n-b']);
    // A third has nowhere to go.
    await create(mkPod(ns, 'solo-2', { labels: { app: 'solo' }, spec: anti }));
    const n = nodeCount();
    expect(await unschedulable(ns, 'solo-2')).toMatch(
      new RegExp(`^0/${n} nodes are available: ${summary({ "node(s) didn't match pod anti-affinity rules": 2, 'node(s) had untolerated taint {dedicated: special}': 1, "node(s) didn't match Pod's node affinity/selector": n - 3 }).replace(/[(){}/.]/g, '\\$&')}\\. preemption: `),
    );
  }, 120_000);

  it('3. topology spread over two zones with maxSkew 1 evens out pods that started lopsided', async () => {
    const ns = 'spread';
    await namespace(ns);
    // Two pods bound straight to zone-a (no scheduler), then four spread pods.
    for (const i of [0, 1]) await create(mkPod(ns, `pre-${i}`, { labels: { app: 'spread' }, spec: { nodeName: 'n-a' } }));
    const spread: Partial<PodSpec> = {
      nodeSelector: { [`${L}/pair`]: 'yes' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
    };
    for (const i of [0, 1, 2, 3]) {
      await create(mkPod(ns, `s-${i}`, { labels: { app: 'spread' }, spec: spread }));
      await running(ns, `s-${i}`);
    }
    const all = (await pods().list({ namespace: ns })).items as Pod[];
    const zoneOf = (node: string | undefined) => (node === 'n-a' ? 'zone-a' : node === 'n-b' ? 'zone-b' : `other:${node}`);
    // The first two new pods must go to zone-b (zone-a already had 2), then one each: 3 and 3.
    const s0 = all.find((p) => p.metadata?.name === 's-0')!;
    const s1 = all.find((p) => p.metadata?.name === 's-1')!;
    expect([zoneOf(s0.spec?.nodeName), zoneOf(s1.spec?.nodeName)]).toEqual(['zone-b', 'zone-b']);
    const counts: Record<string, number> = {};
    for (const p of all) counts[zoneOf(p.spec?.nodeName)] = (counts[zoneOf(p.spec?.nodeName)] ?? 0) + 1;
    expect(counts).toEqual({ 'zone-a': 3, 'zone-b': 3 });
    // kubectl shows the placement too.
    expect(ok(['-n', ns, 'get', 'pods', '-o', 'wide'])).toMatch(/\ns-0\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+n-b\s/);
  }, 120_000);

  it('4. a hostPort already taken on the only eligible node leaves the second pod Pending with FailedScheduling', async () => {
    const ns = 'ports';
    await namespace(ns);
    const onGpu = { nodeSelector: { [HOST]: 'n-gpu' } };
    await create(mkPod(ns, 'port-1', { hostPort: 8080, spec: onGpu }));
    expect((await running(ns, 'port-1')).spec?.nodeName).toBe('n-gpu');
    await create(mkPod(ns, 'port-2', { hostPort: 8080, spec: onGpu }));
    const n = nodeCount();
    const want = `0/${n} nodes are available: ${summary({
      "node(s) didn't have free ports for the requested pod ports": 1,
      'node(s) had untolerated taint {dedicated: special}': 1,
      "node(s) didn't match Pod's node affinity/selector": n - 2,
    })}. preemption: `;
    expect(await unschedulable(ns, 'port-2')).toContain(want);
    const msgs = await untilAsync('FailedScheduling event for port-2', async () => {
      const m = await eventMessages(ns, 'port-2', 'FailedScheduling');
      return m.length ? m : undefined;
    }, 30_000);
    expect(msgs[0]).toContain(want);
    // A different hostPort on the same node is fine.
    await create(mkPod(ns, 'port-3', { hostPort: 8081, spec: onGpu }));
    expect((await running(ns, 'port-3')).spec?.nodeName).toBe('n-gpu');
    const p2 = await get(ns, 'port-2');
    expect(p2.status?.phase).toBe('Pending');
    expect(p2.spec?.nodeName).toBeUndefined();
  }, 120_000);

  it('5. extended resources: 1 example.com/gpu lands on the agent that has 2; 3 stay Pending as Insufficient', async () => {
    const ns = 'gpu';
    await namespace(ns);
    await create(mkPod(ns, 'gpu-1', { requests: { 'example.com/gpu': '1' } }));
    expect((await running(ns, 'gpu-1')).spec?.nodeName).toBe('n-gpu');
    await create(mkPod(ns, 'gpu-3', { requests: { 'example.com/gpu': '3' } }));
    const n = nodeCount();
    const want = `0/${n} nodes are available: ${summary({ 'Insufficient example.com/gpu': n - 1, 'node(s) had untolerated taint {dedicated: special}': 1 })}. preemption: `;
    expect(await unschedulable(ns, 'gpu-3')).toContain(want);
    const msgs = await untilAsync('FailedScheduling event for gpu-3', async () => {
      const m = await eventMessages(ns, 'gpu-3', 'FailedScheduling');
      return m.length ? m : undefined;
    }, 30_000);
    expect(msgs[0]).toContain('Insufficient example.com/gpu');
    // The node reports the resource; kubectl describe shows the request counted against it.
    expect(json(['get', 'node', 'n-gpu']).status.allocatable['example.com/gpu']).toBe('2');
    expect(ok(['describe', 'node', 'n-gpu'])).toMatch(/example\.com\/gpu\s+1\s+1\n/);
  }, 120_000);

  it('6. a high-priority pod preempts a low-priority victim on a full node and runs there', async () => {
    const ns = 'preempt';
    await namespace(ns);
    ok(['create', 'priorityclass', 'e2e-low', '--value=100']);
    ok(['create', 'priorityclass', 'e2e-high', '--value=100000']);
    const onNode = { nodeSelector: { [HOST]: 'n-preempt' } };
    for (const i of [0, 1]) await create(mkPod(ns, `low-${i}`, { requests: { cpu: '1' }, spec: { ...onNode, priorityClassName: 'e2e-low' } }));
    for (const i of [0, 1]) expect((await running(ns, `low-${i}`)).spec?.nodeName).toBe('n-preempt');
    const created = await create(mkPod(ns, 'vip', { requests: { cpu: '1' }, spec: { ...onNode, priorityClassName: 'e2e-high' } }));
    expect(created.spec?.priority).toBe(100000);
    let nominated: string | undefined;
    const vip = await untilAsync('vip Running', async () => {
      const p = await get(ns, 'vip');
      nominated ??= p.status?.nominatedNodeName;
      return p.status?.phase === 'Running' ? p : undefined;
    }, 90_000);
    expect(vip.spec?.nodeName).toBe('n-preempt');
    // Either seen nominated first, or it bound straight away once the victim was gone.
    if (nominated !== undefined) expect(nominated).toBe('n-preempt');
    const left = ((await pods().list({ namespace: ns })).items as Pod[]).filter((p) => p.metadata?.name?.startsWith('low-') && !p.metadata.deletionTimestamp);
    expect(left).toHaveLength(1);
    const victims = await untilAsync('a Preempted event', async () => {
      const evs = [...(await eventMessages(ns, 'low-0', 'Preempted')), ...(await eventMessages(ns, 'low-1', 'Preempted'))];
      return evs.length ? evs : undefined;
    }, 30_000);
    expect(victims[0]).toMatch(/^Preempted by pod \S+ on node n-preempt$/);
    // Never overcommitted: what runs on the node fits its 2 cpus.
    const onPreempt = ((await pods().list({ namespace: ns })).items as Pod[]).filter((p) => p.spec?.nodeName === 'n-preempt' && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    expect(onPreempt.reduce((s, p) => s + podCpu(p), 0)).toBeLessThanOrEqual(2000);
  }, 150_000);

  it('7. a pod too big for every node is scheduled as soon as a fitting agent joins', async () => {
    const ns = 'late';
    await namespace(ns);
    await create(mkPod(ns, 'big', { requests: { cpu: '48' } }));
    const n = nodeCount();
    expect(n).toBe(6);
    // Upstream's FitError: the filter histogram, then the preemption attempt's own histogram.
    const want =
      `0/6 nodes are available: ${summary({ 'Insufficient cpu': 5, 'node(s) had untolerated taint {dedicated: special}': 1 })}. ` +
      `preemption: 0/6 nodes are available: ${summary({ 'Preemption is not helpful for scheduling': 1, 'No preemption victims found for incoming pod': 5 })}.`;
    expect(await unschedulable(ns, 'big')).toBe(want);
    const msgs = await untilAsync('FailedScheduling event for big', async () => {
      const m = await eventMessages(ns, 'big', 'FailedScheduling');
      return m.length ? m : undefined;
    }, 30_000);
    expect(msgs[0]).toBe(want);
    startAgent('n-late', ['--simulated-capacity', 'cpu=64,memory=64Gi,pods=110']);
    const p = await running(ns, 'big', 120_000);
    expect(p.spec?.nodeName).toBe('n-late');
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(await eventMessages(ns, 'big', 'Scheduled')).toContain(`Successfully assigned ${ns}/big to n-late`);
  }, 180_000);

  it('8a. kubelet admission: a pod bound by nodeName onto a node without room ends Failed with OutOfcpu', async () => {
    const ns = 'admission';
    await namespace(ns);
    await create(mkPod(ns, 'first', { requests: { cpu: '600m' }, spec: { nodeName: 'n-race' } }));
    await running(ns, 'first');
    await create(mkPod(ns, 'second', { requests: { cpu: '600m' }, spec: { nodeName: 'n-race' } }));
    const failed = await untilAsync('second Failed', async () => {
      const p = await get(ns, 'second');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(failed.status?.reason).toBe('OutOfcpu');
    expect(failed.status?.message).toBe("Pod was rejected: Node didn't have enough resource: cpu, requested: 600, used: 600, capacity: 1000");
    expect((await get(ns, 'first')).status?.phase).toBe('Running');
    // Free the node for the race below.
    ok(['-n', ns, 'delete', 'pod', 'first', 'second', '--wait=true', '--timeout=60s']);
  }, 120_000);

  it('8b. a second scheduler schedules pods naming it; racing the default one onto a 1-cpu node never overcommits it', async () => {
    const ns = 'race';
    await namespace(ns);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-sched-second-'));
    tmp.push(dir);
    const cfg = path.join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      ['apiVersion: kubescheduler.config.k8s.io/v1', 'kind: KubeSchedulerConfiguration', 'leaderElection:', '  leaderElect: false', 'profiles:', '- schedulerName: second-scheduler', ''].join('\n'),
    );
    // A pod naming the second scheduler is left alone by the default one ...
    await create(mkPod(ns, 'named', { spec: { schedulerName: 'second-scheduler', nodeSelector: { [HOST]: 'n-race' } } }));
    await new Promise((r) => setTimeout(r, 3000));
    expect((await get(ns, 'named')).spec?.nodeName).toBeUndefined();
    // ... and bound once it runs.
    const second = startKubets(['scheduler', '--kubeconfig', server.kubeconfig, '--config', cfg, '--leader-elect=false'], dir);
    procs.push(second);
    const named = await running(ns, 'named');
    expect(named.spec?.nodeName).toBe('n-race');
    expect(await eventMessages(ns, 'named', 'Scheduled')).toContain(`Successfully assigned ${ns}/named to n-race`);
    // Upstream records each profile's events under its scheduler name; kubectl shows it in the From column.
    const scheduled = ((await client.resource<Event>('events').list({ namespace: ns })).items as Event[]).find((e) => e.involvedObject?.name === 'named' && e.reason === 'Scheduled');
    expect(scheduled?.source?.component).toBe('second-scheduler');
    expect(ok(['-n', ns, 'describe', 'pod', 'named'])).toMatch(/Normal\s+Scheduled\s+\S+\s+second-scheduler\s+Successfully assigned race\/named to n-race/);

    // Both schedulers place 600m pods onto n-race (1 cpu) at once; an informer checks every state it sees.
    const violations: string[] = [];
    const ac = new AbortController();
    const informer = new Informer<Pod>(client.resource<Pod>('pods'), { namespace: ns, labelSelector: 'app=race' });
    let maxRunningCpu = 0;
    const check = () => {
      const runningCpu = (informer.lister.list() as Pod[])
        .filter((p) => p.spec?.nodeName === 'n-race' && p.status?.phase === 'Running')
        .reduce((s, p) => s + podCpu(p), 0);
      maxRunningCpu = Math.max(maxRunningCpu, runningCpu);
      if (runningCpu > 1000) violations.push(`${runningCpu}m running on n-race`);
    };
    informer.addEventHandler({ add: check, update: check, delete: check });
    informer.start(ac.signal);
    await waitForCacheSync(ac.signal, informer);
    const names = [0, 1, 2, 3, 4, 5].map((i) => `race-${i}`);
    await Promise.all(
      names.map((name, i) =>
        create(
          mkPod(ns, name, {
            labels: { app: 'race' },
            requests: { cpu: '600m' },
            spec: { schedulerName: i % 2 === 0 ? 'default-scheduler' : 'second-scheduler', nodeSelector: { [HOST]: 'n-race' } },
          }),
        ),
      ),
    );
    // Settled: one Running; every other pod Failed (rejected by the kubelet) or Pending, unbound and Unschedulable.
    const settled = (p: Pod) =>
      p.status?.phase === 'Running' ||
      p.status?.phase === 'Failed' ||
      (p.status?.phase === 'Pending' && !p.spec?.nodeName && p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    const final = await untilAsync('the race settled', async () => {
      const all = ((await pods().list({ namespace: ns, labelSelector: 'app=race' })).items as Pod[]);
      return all.length === names.length && all.every(settled) && all.some((p) => p.status?.phase === 'Running') ? all : undefined;
    }, 60_000);
    // Let late kubelet admissions and informer events arrive.
    await new Promise((r) => setTimeout(r, 2000));
    ac.abort();
    check();
    expect(violations).toEqual([]);
    expect(maxRunningCpu).toBe(600);
    const byPhase = (ph: string) => final.filter((p) => p.status?.phase === ph);
    expect(byPhase('Running')).toHaveLength(1);
    for (const p of byPhase('Failed')) {
      expect(p.status?.reason, p.metadata?.name).toBe('OutOfcpu');
      expect(p.spec?.nodeName).toBe('n-race');
    }
    for (const p of byPhase('Pending')) expect(p.spec?.nodeName, p.metadata?.name).toBeUndefined();
    expect(byPhase('Running').length + byPhase('Failed').length + byPhase('Pending').length).toBe(names.length);
    // The second scheduler is still up.
    expect(second.proc.exitCode).toBeNull();
  }, 150_000);
});

/** `until` for async probes: polls `f` every 250 ms until it resolves truthy (returned) or `timeoutMs` passes (throws). */
async function untilAsync<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

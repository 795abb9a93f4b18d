// Nodes end to end on the simulated runtime: `kubets server` with its kubelet, two `kubets agent` processes joining with the token, pod lifecycles, kubectl's views, a 500-node fleet.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootstrapNodeCredentials } from '../../src/kubelet/index.js';
import { findKubectls, kubectlAgainst, startKubets, startServer, until, type KubetsProcess, type RunningServer } from './harness.js';

const kubectl = findKubectls().usable[0]!;

type Agent = KubetsProcess;

/** `kubets agent --runtime simulated` on its own data dir (or `dataDir`). */
function startAgent(args: string[], dataDir?: string): Agent {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kubets-agent-'));
  return startKubets(['agent', '--data-dir', dir, '--runtime', 'simulated', ...args], dir);
}

describe('nodes on the simulated runtime', () => {
  let server: RunningServer;
  let agentDir = '';
  const agents: Agent[] = [];
  const { run, ok, json, apply } = kubectlAgainst(kubectl.path, () => server.kubeconfig);
  const pod = (name: string, node: string, extra: { annotations?: Record<string, string>; spec?: object; containers?: object[] } = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { nodeName: node, containers: extra.containers ?? [{ name: 'main', image: 'kubets.local/busybox:latest' }], ...(extra.spec ?? {}) },
  });
  const nodeReady = (n: any) => n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';

  beforeAll(async () => {
    server = await startServer('sqlite', [
      '--runtime', 'simulated',
      '--node-name', 'main',
      '--node-label', 'tier=control',
      '--simulated-capacity', 'cpu=4,memory=8Gi,pods=110,nvidia.com/gpu=2',
    ]);
    const token = readFileSync(path.join(server.dataDir, 'token'), 'utf8').trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    agents.push(startAgent(['--server', server.url, '--token', token, '--node-name', 'worker1', '--node-label', 'disk=ssd', '--simulated-capacity', 'cpu=2,memory=4Gi,pods=20']));
    agents.push(startAgent(['--server', server.url, '--token', token, '--node-name', 'worker2', '--node-taint', 'dedicated=gpu:NoSchedule', '--simulated-capacity', 'cpu=8,memory=16Gi,pods=110']));
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await server?.stop();
  }, 60_000);

  it('three nodes become Ready with the labels, taints and capacities given', async () => {
    // TaintNodesByCondition creates every node with node.kubernetes.io/not-ready:NoSchedule; the node lifecycle
    // controller removes it once the node is Ready.
    const notReadyTaint = (n: any) => (n.spec?.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoSchedule');
    const nodes = await until('three Ready nodes without the not-ready taint', () => {
      const items = json(['get', 'nodes']).items as any[];
      return items.length === 3 && items.every(nodeReady) && !items.some(notReadyTaint) ? items : undefined;
    }, 90_000);
    const by = Object.fromEntries(nodes.map((n) => [n.metadata.name, n]));
    expect(Object.keys(by).sort()).toEqual(['main', 'worker1', 'worker2']);
    expect(by.main.metadata.labels).toMatchObject({ tier: 'control', 'kubernetes.io/hostname': 'main', 'kubernetes.io/os': 'linux' });
    expect(by.main.status.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110', 'nvidia.com/gpu': '2' });
    expect(by.worker1.metadata.labels.disk).toBe('ssd');
    expect(by.worker1.status.allocatable).toMatchObject({ cpu: '2', memory: '4Gi', pods: '20' });
    expect(by.worker2.spec.taints).toEqual([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    expect(by.worker2.status.nodeInfo.kubeletVersion).toMatch(/^v1\.32\.\d+\+kubets$/);
    // Each joined node got its own certificate through an approved and issued CSR.
    const csrs = json(['get', 'csr']).items as any[];
    const issued = csrs.filter((c) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' && c.status?.certificate);
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(issued.every((c) => c.spec.groups.includes('system:bootstrappers'))).toBe(true);
    // Leases in kube-node-lease, one per node.
    const leases = json(['-n', 'kube-node-lease', 'get', 'leases']).items as any[];
    expect(leases.map((l) => l.metadata.name).sort()).toEqual(['main', 'worker1', 'worker2']);
  }, 120_000);

  it('kubectl get nodes -o wide and describe node show what upstream shows', () => {
    const wide = ok(['get', 'nodes', '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    expect(wide).toMatch(/\nworker1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\+kubets\s+\S+\s+<none>\s+.+\s+simulated:\/\/0\.1\.0/);
    const desc = ok(['describe', 'node', 'worker2']);
    expect(desc).toMatch(/Taints:\s+dedicated=gpu:NoSchedule/);
    expect(desc).toMatch(/Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status/);
    expect(desc).toMatch(/Capacity:\n\s+cpu:\s+8\n/);
    expect(desc).toMatch(/Lease:\n\s+HolderIdentity:\s+worker2/);
  });

  it('a pod bound to a node runs with an IP, Ready, and kubectl get pods -o wide shows it', async () => {
    apply(pod('web', 'worker1'));
    const p = await until('web Running and Ready', () => {
      const o = json(['get', 'pod', 'web']);
      return o.status?.phase === 'Running' && o.status.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? o : undefined;
    });
    expect(p.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }]);
    // The node IPAM controller gave worker1 a /24 of the cluster CIDR; the pod's IP is in it.
    const cidr = json(['get', 'node', 'worker1']).spec.podCIDR as string;
    expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(p.status.podIP.split('.').slice(0, 3).join('.')).toBe(cidr.split('.').slice(0, 3).join('.'));
    expect(p.status.hostIP).toBeTruthy();
    expect(p.status.qosClass).toBe('BestEffort');
    const cs = p.status.containerStatuses[0];
    expect(cs).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, image: 'kubets.local/busybox:latest' });
    expect(cs.containerID).toMatch(/^simulated:\/\//);
    expect(cs.state.running.startedAt).toBeTruthy();
    const wide = ok(['get', 'pods', '-o', 'wide']);
    expect(wide).toMatch(new RegExp(`\\nweb\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.status.podIP.replace(/\./g, '\\.')}\\s+worker1\\s+<none>\\s+<none>`));
  }, 90_000);

  it('init containers run first, then the app container, then the pod Succeeds', async () => {
    apply(
      pod('job', 'main', {
        annotations: { 'simulated.kubets.io/exit-after': 'setup=1s,main=2s' },
        spec: { restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'kubets.local/busybox:latest' }] },
      }),
    );
    const seen = new Set<string>();
    const done = await until('job Succeeded', () => {
      const o = json(['get', 'pod', 'job']);
      const cond = (t: string) => o.status?.conditions?.find((c: any) => c.type === t)?.status;
      if (o.status?.phase === 'Pending' && cond('Initialized') === 'False') seen.add('initializing');
      if (o.status?.phase === 'Running' && cond('Initialized') === 'True') seen.add('running');
      return o.status?.phase === 'Succeeded' ? o : undefined;
    }, 60_000, 200);
    expect(seen.has('running')).toBe(true);
    expect(done.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(done.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  }, 90_000);

  it('a failing container with restartPolicy Always goes into CrashLoopBackOff with growing delays', async () => {
    apply(pod('crash', 'worker2', { annotations: { 'simulated.kubets.io/exit-after': '1s', 'simulated.kubets.io/exit-code': '1' }, spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } }));
    const messages = new Set<string>();
    await until('two back-off delays', () => {
      const cs = json(['get', 'pod', 'crash']).status?.containerStatuses?.[0];
      const w = cs?.state?.waiting;
      if (w?.reason === 'CrashLoopBackOff') messages.add(/back-off (\S+) restarting/.exec(w.message)?.[1] ?? '');
      return messages.has('10s') && messages.has('20s');
    }, 60_000, 300);
    const o = json(['get', 'pod', 'crash']);
    expect(o.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(2);
    expect(o.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(ok(['get', 'pod', 'crash'])).toMatch(/crash\s+0\/1\s+(CrashLoopBackOff|Error|Running)\s+\d+/);
  }, 90_000);

  it('a pod too big for its node is Failed with OutOfcpu', async () => {
    apply(pod('huge', 'worker1', { containers: [{ name: 'main', image: 'kubets.local/busybox:latest', resources: { requests: { cpu: '3' } } }] }));
    const o = await until('huge Failed', () => {
      const p = json(['get', 'pod', 'huge']);
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(o.status.reason).toBe('OutOfcpu');
    expect(o.status.message).toMatch(/Node didn't have enough resource: cpu, requested: 3000, used: \d+, capacity: 2000/);
  }, 60_000);

  it('deleting a pod removes it after its grace period', async () => {
    apply(pod('gone', 'worker1'));
    await until('gone Running', () => json(['get', 'pod', 'gone']).status?.phase === 'Running');
    ok(['delete', 'pod', 'gone', '--wait=false']);
    await until('gone deleted', () => run(['get', 'pod', 'gone']).code !== 0, 60_000);
    expect(run(['get', 'pod', 'gone']).err).toMatch(/NotFound/);
  }, 90_000);

  it('stopping an agent stops its lease renewals; a restart keeps its node and pods', async () => {
    const renew = () => json(['-n', 'kube-node-lease', 'get', 'lease', 'worker1']).spec.renewTime as string;
    const webBefore = json(['get', 'pod', 'web']);
    const before = renew();
    apply(pod('doomed', 'worker1'));
    await until('doomed Running', () => json(['get', 'pod', 'doomed']).status?.phase === 'Running');
    const a = agents.shift()!;
    await a.stop(true);
    const stoppedAt = renew();
    // Deleted while its kubelet is down: it waits (grace period, nobody to confirm) ...
    ok(['delete', 'pod', 'doomed', '--wait=false']);
    await new Promise((r) => setTimeout(r, 12_000));
    expect(renew()).toBe(stoppedAt);
    expect(Date.parse(stoppedAt)).toBeGreaterThanOrEqual(Date.parse(before));
    // The agent starts again on the same data dir (its certificate and the runtime's state) and keeps node and pod.
    const token = readFileSync(path.join(server.dataDir, 'token'), 'utf8').trim();
    agents.push(startAgent(['--server', server.url, '--token', token, '--node-name', 'worker1', '--simulated-capacity', 'cpu=2,memory=4Gi,pods=20'], a.dir));
    await until('worker1 lease renewed again', () => renew() !== stoppedAt, 60_000, 500);
    const nodes = (json(['get', 'nodes']).items as any[]).filter((n) => n.metadata.name === 'worker1');
    expect(nodes).toHaveLength(1);
    expect(nodes[0].metadata.uid).toBeTruthy();
    const web = await until('web Running after restart', () => {
      const o = json(['get', 'pod', 'web']);
      return o.status?.phase === 'Running' ? o : undefined;
    });
    expect(web.metadata.uid).toBe(webBefore.metadata.uid);
    // Not restarted: the same container, the same IP.
    expect(web.status.podIP).toBe(webBefore.status.podIP);
    expect(web.status.containerStatuses[0].containerID).toBe(webBefore.status.containerStatuses[0].containerID);
    expect(web.status.containerStatuses[0].restartCount).toBe(0);
    // ... and is cleaned up once the kubelet is back.
    await until('doomed removed', () => run(['get', 'pod', 'doomed']).code !== 0, 60_000);
    agentDir = a.dir;
  }, 120_000);

  it('a node renews its certificate with its current one (selfnodeclient), auto-approved and signed', async () => {
    const token = readFileSync(path.join(server.dataDir, 'token'), 'utf8').trim();
    const before = readFileSync(path.join(agentDir, 'kubelet-client.crt'), 'utf8');
    const creds = await bootstrapNodeCredentials({ server: server.url, token, nodeName: 'worker1', dataDir: agentDir, renewFraction: 1 });
    expect(creds.issued).toBe(true);
    expect(readFileSync(path.join(agentDir, 'kubelet-client.crt'), 'utf8')).not.toBe(before);
    const renewal = (json(['get', 'csr']).items as any[]).find((c) => c.spec.username === 'system:node:worker1');
    expect(renewal, 'a CSR made by the node itself').toBeTruthy();
    expect(renewal.status.conditions.find((c: any) => c.type === 'Approved')).toMatchObject({ status: 'True', reason: 'AutoApproved' });
    expect(renewal.status.certificate).toBeTruthy();
  }, 60_000);

  it('a wrong join token is refused with a clear message', async () => {
    const a = startAgent(['--server', server.url, '--token', 'abcdef.0123456789abcdef', '--node-name', 'intruder']);
    const code = await new Promise<number | null>((resolve) => a.proc.once('exit', resolve));
    expect(code).toBe(1);
    expect(a.output()).toMatch(/refused the join token \(401 Unauthorized\)/);
    rmSync(a.dir, { recursive: true, force: true });
  }, 60_000);

  it('kubets agent --nodes 500 brings 500 simulated nodes Ready in one process', async () => {
    const fleet = startAgent(['--kubeconfig', server.kubeconfig, '--node-name', 'sim', '--nodes', '500', '--simulated-capacity', 'cpu=8,memory=32Gi,pods=110']);
    agents.push(fleet);
    await until('500 Ready simulated nodes', () => {
      const items = (json(['get', 'nodes']).items as any[]).filter((n) => n.metadata.name.startsWith('sim-'));
      return items.length === 500 && items.every(nodeReady);
    }, 120_000, 2000);
  }, 180_000);
});

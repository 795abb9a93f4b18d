// An in-process cluster for controller tests: an apiserver (dev mode), simulated kubelets, a naive binder, and chosen controllers.
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../../src/apiserver/index.js';
import { Informer, RestClient } from '../../src/client/index.js';
import { runControllerManager, type ControllerDescriptor, type ControllerOptions } from '../../src/controllers/index.js';
import { KubeletGroup, localMachineInfo, SimulatedRuntime } from '../../src/kubelet/index.js';

/** A running test cluster. */
export interface TestCluster {
  readonly server: ApiServer;
  /** Admin client (system:masters). */
  readonly client: RestClient;
  /** Names of the simulated nodes (`node-0` ...). */
  readonly nodes: string[];
  /** Stops the controllers, kubelets and apiserver and removes the data dir. */
  stop(): Promise<void>;
  /** Polls `f` every 50 ms until it returns a truthy value (returned) or `timeoutMs` passes (throws naming `what`). */
  until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number): Promise<T>;
}

export interface TestClusterOptions {
  /** Simulated nodes to register (real kubelet code on the simulated runtime). Default 0. */
  nodes?: number;
  /** Node capacity. Default cpu=8,memory=32Gi,pods=110. */
  capacity?: Record<string, string>;
  /** Controllers to run (with leader election off). Default none. */
  controllers?: readonly ControllerDescriptor[];
  /** Controller options (node monitor periods ...). */
  options?: Partial<ControllerOptions>;
  /**
   * Bind every unscheduled pod to a node (round robin over Ready nodes, skipping nodes whose NoSchedule/NoExecute
   * taints the pod does not tolerate) until the real scheduler exists. Default true when nodes > 0.
   */
  autoBind?: boolean;
  /** Simulated kubelets' restart back-off (ms), shortened for tests. Default 1000. */
  backoffInitialMs?: number;
}

/** Starts a test cluster; see {@link TestClusterOptions}. */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-ctl-'));
  const server = new ApiServer({ dataDir: dir, httpsPort: 0, serviceClusterIpRange: '10.96.0.0/16', log: () => {} });
  await server.start();
  const cfg = { server: server.url, caPem: server.pki.ca.certPem, certPem: server.pki.admin.certPem, keyPem: server.pki.admin.keyPem, qps: 0 };
  const client = new RestClient(cfg);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const nodes: string[] = [];
  const runtimes: SimulatedRuntime[] = [];
  let group: KubeletGroup | undefined;
  const kubeletClient = new RestClient(cfg);
  if ((opts.nodes ?? 0) > 0) {
    group = new KubeletGroup(kubeletClient);
    const capacity = opts.capacity ?? { cpu: '8', memory: '32Gi', pods: '110' };
    for (let i = 0; i < opts.nodes!; i++) {
      const nodeName = `node-${i}`;
      nodes.push(nodeName);
      const rt = new SimulatedRuntime({ nodeName, fallbackCidr: `10.250.${i}.0/24` });
      runtimes.push(rt);
      group.add({
        runtime: rt,
        images: rt,
        runtimeName: 'simulated',
        facts: {
          nodeName,
          nodeIP: `192.0.2.${10 + i}`,
          hostname: nodeName,
          labels: {},
          taints: [],
          capacity,
          allocatable: capacity,
          machine: localMachineInfo(),
          containerRuntimeVersion: 'simulated://0.1.0',
          kubeletPort: 10250,
        },
        plegPeriodMs: 200,
        backoffInitialMs: opts.backoffInitialMs ?? 1000,
        log: () => {},
      });
    }
    await group.start(ac.signal);
  }
  let binder: Informer<Pod> | undefined;
  if (opts.autoBind ?? nodes.length > 0) {
    binder = new Informer<Pod>(client.resource<Pod>('pods'), { fieldSelector: 'spec.nodeName=' });
    let next = 0;
    const bind = async (p: Pod) => {
      if (p.spec?.nodeName || p.metadata?.deletionTimestamp || nodes.length === 0) return;
      const tol = p.spec?.tolerations ?? [];
      const nodeObjs = (await client.resource('nodes').list()).items as any[];
      const ok = nodeObjs.filter((n) =>
        (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') &&
        !n.spec?.unschedulable &&
        (n.spec?.taints ?? []).every((t: any) => t.effect === 'PreferNoSchedule' || tol.some((x) => (x.operator === 'Exists' && (!x.key || x.key === t.key)) || (x.key === t.key && x.value === t.value))),
      );
      if (ok.length === 0) return;
      const target = ok[next++ % ok.length].metadata.name as string;
      try {
        await client.resource<Pod>('pods').createSubresource(p.metadata!.name!, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: p.metadata!.name!, namespace: p.metadata!.namespace! }, target: { kind: 'Node', name: target } }, { namespace: p.metadata!.namespace! });
      } catch {
        // deleted or already bound
      }
    };
    binder.addEventHandler({ add: (p) => void bind(p as Pod), update: (_o, p) => void bind(p as Pod) });
    binder.start(ac.signal);
  }
  let cm: Promise<void> | undefined;
  if (opts.controllers && opts.controllers.length > 0) {
    cm = runControllerManager({ client, registry: opts.controllers, controllers: opts.controllers.map((c) => c.name), leaderElect: false, log: () => {}, ...opts.options }, ac.signal);
  }
  return {
    server,
    client,
    nodes,
    async stop() {
      ac.abort();
      await cm?.catch(() => undefined);
      await group?.stop();
      for (const rt of runtimes) rt.close();
      kubeletClient.close();
      client.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async until(what, f, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < end) {
        try {
          const v = await f();
          if (v) return v;
        } catch (err) {
          last = err;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    },
  };
}

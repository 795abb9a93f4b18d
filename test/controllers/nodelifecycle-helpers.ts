// A simulated node whose kubelet a test can stop and start again (its runtime, and so its containers, survive restarts).
import type { ApiServer } from '../../src/apiserver/index.js';
import { RestClient } from '../../src/client/index.js';
import { KubeletGroup, localMachineInfo, SimulatedRuntime } from '../../src/kubelet/index.js';

/** A node with its own kubelet (one KubeletGroup) that can be stopped and restarted. */
export interface StoppableNode {
  readonly name: string;
  /** Starts (or restarts) the kubelet; resolves once the node is registered. */
  start(): Promise<void>;
  /** Stops the kubelet (heartbeats stop; containers keep running, as a real kubelet leaves them). */
  stop(): Promise<void>;
  /** Stops the kubelet and closes the runtime and client. */
  close(): Promise<void>;
}

/**
 * A node `name` with a short lease (`leaseDurationSeconds`, renewed every quarter of it) so that a controller with a
 * grace period of a few seconds sees it healthy, against the harness's apiserver with admin credentials.
 */
export function stoppableNode(server: ApiServer, name: string, index: number, opts: { leaseDurationSeconds?: number } = {}): StoppableNode {
  const client = new RestClient({ server: server.url, caPem: server.pki.ca.certPem, certPem: server.pki.admin.certPem, keyPem: server.pki.admin.keyPem, qps: 0 });
  const runtime = new SimulatedRuntime({ nodeName: name, fallbackCidr: `10.251.${index}.0/24` });
  const capacity = { cpu: '8', memory: '32Gi', pods: '110' };
  let group: KubeletGroup | undefined;
  let ac: AbortController | undefined;
  const stop = async () => {
    ac?.abort();
    await group?.stop();
    group = undefined;
    ac = undefined;
  };
  return {
    name,
    async start() {
      await stop();
      ac = new AbortController();
      group = new KubeletGroup(client);
      group.add({
        runtime,
        images: runtime,
        runtimeName: 'simulated',
        facts: {
          nodeName: name,
          nodeIP: `192.0.2.${100 + index}`,
          hostname: name,
          labels: {},
          taints: [],
          capacity,
          allocatable: capacity,
          machine: localMachineInfo(),
          containerRuntimeVersion: 'simulated://0.1.0',
          kubeletPort: 10250,
        },
        plegPeriodMs: 200,
        nodeStatusUpdateMs: 500,
        leaseDurationSeconds: opts.leaseDurationSeconds ?? 2,
        backoffInitialMs: 1000,
        log: () => {},
      });
      await group.start(ac.signal);
    },
    stop,
    async close() {
      await stop();
      runtime.close();
      client.close();
    },
  };
}

// `kubets kubelet`: run the node agent of one node (or, on the simulated runtime, of many) against an API server.
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { EventRecorder, loadKubeconfig, RestClient } from '../client/index.js';
import {
  defaultNodeIP,
  KubeletGroup,
  KUBELET_VERSION,
  localMachineInfo,
  parseResourceList,
  parseTaint,
  SimulatedRuntime,
  type NodeFacts,
} from '../kubelet/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec, type Flags } from './flags.js';
import { exitWhenParentDies } from './supervisor.js';

/** Flags every node command (`kubelet`, `agent`, and `server` for its own node) shares. */
export const NODE_FLAGS: Record<string, FlagSpec> = {
  'node-name': { type: 'string', help: 'name of the node (default: the host name, lower case)' },
  'node-ip': { type: 'string', help: 'the node\'s InternalIP (default: the first non-loopback IPv4 address)' },
  'node-label': { type: 'list', help: 'label to register the node with, key=value (repeatable)' },
  'node-taint': { type: 'list', help: 'taint to register the node with, key=value:Effect (repeatable)' },
  runtime: { type: 'string', help: 'container runtime: containerd or simulated', default: 'containerd' },
  'simulated-capacity': { type: 'string', help: 'capacity of a simulated node', default: 'cpu=4,memory=8Gi,pods=110' },
};

const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { type: 'string', help: 'kubeconfig with the node\'s credentials (required)' },
  'data-dir': { type: 'string', help: 'the node\'s state directory', default: '/var/lib/kubets/agent' },
  nodes: { type: 'number', help: 'run this many simulated nodes in this process, named NODE-NAME-0 ... (simulated runtime only)', default: '1' },
  'simulated-start-delay': { type: 'string', help: 'delay before a simulated container runs (Go duration)', default: '0s' },
  'sync-frequency': { type: 'string', help: 'how often every pod is re-synced (Go duration)', default: '1m' },
  ...NODE_FLAGS,
};

/** Parses a Go duration (`1m30s`, `500ms`) into milliseconds; throws FlagError. */
export function parseDuration(s: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  if (s === '0') return 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms']!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw new FlagError(`invalid argument "${s}" for "--${flag}" flag: not a duration`);
  return total;
}

/** The node facts the node flags describe. */
export function nodeFactsFromFlags(flags: Flags, runtimeVersion: string): Omit<NodeFacts, 'nodeName'> & { nodeName: string } {
  const nodeName = ((flags['node-name'] as string | undefined) ?? os.hostname()).toLowerCase();
  const labels: Record<string, string> = {};
  for (const l of (flags['node-label'] as string[] | undefined) ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new FlagError(`invalid --node-label "${l}": want key=value`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  let taints;
  try {
    taints = ((flags['node-taint'] as string[] | undefined) ?? []).map(parseTaint);
  } catch (err) {
    throw new FlagError(`invalid --node-taint: ${(err as Error).message}`);
  }
  let capacity: Record<string, string>;
  try {
    capacity = parseResourceList((flags['simulated-capacity'] as string | undefined) ?? 'cpu=4,memory=8Gi,pods=110');
  } catch (err) {
    throw new FlagError(`invalid --simulated-capacity: ${(err as Error).message}`);
  }
  const nodeIP = (flags['node-ip'] as string | undefined) ?? defaultNodeIP();
  return {
    nodeName,
    nodeIP,
    hostname: nodeName,
    labels,
    taints,
    capacity,
    allocatable: capacity,
    machine: localMachineInfo(),
    containerRuntimeVersion: runtimeVersion,
    kubeletPort: 10250,
  };
}

async function runKubelet(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags(args, FLAGS);
  if (positional.length > 0) throw new FlagError(`unexpected argument: ${positional[0]}`);
  const kubeconfig = flags['kubeconfig'] as string | undefined;
  if (!kubeconfig) throw new FlagError('--kubeconfig FILE is required');
  const runtimeName = (flags['runtime'] as string | undefined) ?? 'containerd';
  if (runtimeName !== 'simulated' && runtimeName !== 'containerd') throw new FlagError(`invalid --runtime "${runtimeName}": want containerd or simulated`);
  if (runtimeName === 'containerd') throw new FlagError('--runtime containerd is not available yet in this build; use --runtime simulated');
  const count = (flags['nodes'] as number | undefined) ?? 1;
  if (count < 1) throw new FlagError(`invalid --nodes ${count}: must be at least 1`);
  const startDelayMs = parseDuration((flags['simulated-start-delay'] as string | undefined) ?? '0s', 'simulated-start-delay');
  const syncFrequencyMs = parseDuration((flags['sync-frequency'] as string | undefined) ?? '1m', 'sync-frequency');
  const base = nodeFactsFromFlags(flags, 'simulated://0.1.0');
  const dataDir = (flags['data-dir'] as string | undefined) ?? '/var/lib/kubets/agent';
  await fs.mkdir(dataDir, { recursive: true });
  exitWhenParentDies();

  const cfg = loadKubeconfig(kubeconfig);
  const client = new RestClient({ ...cfg, userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubets`, qps: count > 1 ? 0 : 50, burst: 100 });
  const group = new KubeletGroup(client);
  const runtimes: SimulatedRuntime[] = [];
  for (let i = 0; i < count; i++) {
    const nodeName = count === 1 ? base.nodeName : `${base.nodeName}-${i}`;
    const rt = new SimulatedRuntime({
      nodeName,
      startDelayMs,
      nodeIp: base.nodeIP,
      stateFile: path.join(dataDir, 'simulated', `${nodeName}.json`),
    });
    runtimes.push(rt);
    group.add({
      runtime: rt,
      images: rt,
      runtimeName: 'simulated',
      facts: { ...base, nodeName, hostname: nodeName },
      ...(count === 1 ? { recorder: new EventRecorder(client, { component: 'kubelet', host: nodeName }) } : {}),
      syncFrequencyMs,
      podLogDir: path.join(dataDir, 'pods'),
    });
  }
  const ac = new AbortController();
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const started = Date.now();
  void group.start(ac.signal).then(() => {
    if (!ac.signal.aborted) process.stdout.write(`kubets kubelet: ${count === 1 ? `node ${base.nodeName}` : `${count} nodes`} registered in ${Date.now() - started} ms\n`);
  });
  const sig = await stopped;
  process.stdout.write(`kubets kubelet: ${sig}, shutting down\n`);
  ac.abort();
  await group.stop();
  for (const rt of runtimes) await rt.close();
  client.close();
  return 0;
}

export const kubelet: Command = {
  summary: 'Run the node agent (kubelet) of one node, or of many simulated nodes',
  usage: `kubets kubelet --kubeconfig FILE [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: async (args) => {
    try {
      return await runKubelet(args);
    } catch (err) {
      if (err instanceof FlagError) {
        process.stderr.write(`kubets kubelet: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
};

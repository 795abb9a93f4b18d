// The Node object a kubelet registers and the status it reports: capacity, allocatable, conditions, addresses, node info, images.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Node, NodeCondition, NodeStatus, Taint } from 'kubernetes-types/core/v1.js';
import { KUBERNETES_VERSION } from '../version/index.js';

/** The kubelet's version string on its Node (`kubectl get nodes` VERSION), marked as kubets the way k3s marks its own. */
export const KUBELET_VERSION = `${KUBERNETES_VERSION.gitVersion}+kubets`;

/** Facts about the machine a node runs on (upstream cadvisor MachineInfo + the OS). */
export interface MachineInfo {
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly architecture: string;
  readonly operatingSystem: string;
  readonly cpus: number;
  readonly memoryBytes: number;
}

function readOr(file: string, def: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return def;
  }
}

let machine: MachineInfo | undefined;

/** This machine's facts, read once. */
export function localMachineInfo(): MachineInfo {
  if (machine) return machine;
  const osRelease = readOr('/etc/os-release', '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  const machineID = readOr('/etc/machine-id', '');
  return (machine = {
    machineID,
    systemUUID: readOr('/sys/class/dmi/id/product_uuid', machineID),
    bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
    kernelVersion: os.release(),
    osImage: pretty,
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    operatingSystem: 'linux',
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
  });
}

/** The first non-internal IPv4 address of this machine, or 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** What a kubelet knows about its node at registration and at every status report. */
export interface NodeFacts {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly machine: MachineInfo;
  /** e.g. `containerd://1.7.24` or `simulated://0.1.0`. */
  readonly containerRuntimeVersion: string;
  readonly kubeletPort: number;
}

/** The labels a kubelet always sets on its node (upstream's well-known labels). */
export function defaultNodeLabels(f: Pick<NodeFacts, 'nodeName' | 'machine'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': f.machine.architecture,
    'beta.kubernetes.io/os': f.machine.operatingSystem,
    'kubernetes.io/arch': f.machine.architecture,
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': f.machine.operatingSystem,
  };
}

/** The Node the kubelet creates at registration (upstream initialNode). */
export function initialNode(f: NodeFacts, status: NodeStatus): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.nodeName,
      labels: { ...defaultNodeLabels(f), ...f.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: f.taints.length > 0 ? { taints: f.taints.map((t) => ({ ...t })) } : {},
    status,
  };
}

/** Runtime and resource health the conditions are computed from. */
export interface NodeHealth {
  readonly runtimeReady: boolean;
  readonly runtimeMessage?: string;
  readonly memoryPressure?: boolean;
  readonly diskPressure?: boolean;
  readonly pidPressure?: boolean;
}

/**
 * The node's conditions as upstream's setters produce them (reasons and messages verbatim). `previous` keeps
 * lastTransitionTime when a condition's status did not change; lastHeartbeatTime is always `now`.
 */
export function nodeConditions(health: NodeHealth, previous: readonly NodeCondition[] | undefined, now: string): NodeCondition[] {
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const old = previous?.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
      reason,
      message,
    };
  };
  return [
    health.memoryPressure
      ? cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    health.diskPressure
      ? cond('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    health.pidPressure
      ? cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    health.runtimeReady
      ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : cond('Ready', 'False', 'KubeletNotReady', health.runtimeMessage ?? 'container runtime is down'),
  ];
}

/** The full node status a kubelet reports. `images` newest list from the image service (names and sizes). */
export function nodeStatus(
  f: NodeFacts,
  health: NodeHealth,
  previous: NodeStatus | undefined,
  images: readonly { names: string[]; sizeBytes: number }[],
  now: string,
): NodeStatus {
  return {
    capacity: { ...f.capacity },
    allocatable: { ...f.allocatable },
    conditions: nodeConditions(health, previous?.conditions, now),
    addresses: [
      { type: 'InternalIP', address: f.nodeIP },
      { type: 'Hostname', address: f.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
    nodeInfo: {
      machineID: f.machine.machineID,
      systemUUID: f.machine.systemUUID,
      bootID: f.machine.bootID,
      kernelVersion: f.machine.kernelVersion,
      osImage: f.machine.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: f.machine.operatingSystem,
      architecture: f.machine.architecture,
    },
    ...(images.length > 0 ? { images: images.map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes })) } : {}),
  };
}

/**
 * Whether two statuses differ in what would make the kubelet write before the report interval: anything but
 * heartbeat times.
 */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return true;
  const strip = (s: NodeStatus) => ({
    ...s,
    conditions: (s.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })),
    volumesInUse: undefined,
    volumesAttached: undefined,
  });
  return JSON.stringify(strip(a)) !== JSON.stringify(strip(b));
}

/**
 * Parses `cpu=4,memory=8Gi,pods=110,nvidia.com/gpu=2` into a resource list; unknown names are kept (extended
 * resources). Throws an Error naming the bad entry.
 */
export function parseResourceList(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new Error(`invalid resource "${part}": want name=quantity`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Parses `key=value:Effect` (or `key:Effect`) taints as `--register-with-taints` does. */
export function parseTaint(spec: string): Taint {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(spec.trim());
  if (!m) throw new Error(`invalid taint "${spec}": want key=value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute`);
  return { key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3]! };
}

/** The capacity of this machine for real runtimes (cpu, memory, pods, ephemeral-storage, hugepages). */
export function machineCapacity(m: MachineInfo, ephemeralBytes: number, maxPods = 110): Record<string, string> {
  return {
    cpu: String(m.cpus),
    'ephemeral-storage': `${Math.floor(ephemeralBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(m.memoryBytes / 1024)}Ki`,
    pods: String(maxPods),
  };
}

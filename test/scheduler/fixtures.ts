// Builders of pods, nodes and node infos for the scheduler's tests.
import type { Container, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { localMachineInfo, SimulatedRuntime, type KubeletGroup } from '../../src/kubelet/index.js';
import { NodeInfo, newPodInfo } from '../../src/scheduler/nodeinfo.js';

let uid = 0;

/** A container requesting `req` (e.g. { cpu: '1', memory: '1Gi' }). */
export function container(name: string, req: Record<string, string> = {}, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox', ...(Object.keys(req).length ? { resources: { requests: req } } : {}), ...extra };
}

/** A pod in namespace `ns` with one container requesting `req`, plus spec overrides. */
export function pod(name: string, req: Record<string, string> = {}, spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${uid++}`, ...meta },
    spec: { containers: [container('c', req)], schedulerName: 'default-scheduler', ...spec },
  };
}

export interface NodeOpts {
  alloc?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

/** A Ready node with allocatable `alloc` (default cpu 4, memory 8Gi, pods 110). */
export function node(name: string, o: NodeOpts = {}): Node {
  const alloc = o.alloc ?? { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: alloc, capacity: alloc, conditions: [{ type: 'Ready', status: 'True' }], ...(o.images ? { images: o.images } : {}) },
  };
}

/** A NodeInfo for `n` with `pods` on it. */
export function nodeInfo(n: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(n);
  for (const p of pods) ni.addPod(newPodInfo({ ...p, spec: { ...p.spec!, nodeName: n.metadata!.name! } }));
  return ni;
}

export const tol = (t: Toleration): Toleration => t;

/** `p` without metadata.uid (for creating it through the API). */
export function withoutUid(p: Pod): Pod {
  const { uid: _uid, ...md } = p.metadata ?? {};
  return { ...p, metadata: md };
}

/** A simulated kubelet's node as the integration tests describe it. */
export interface SimulatedNodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/**
 * Adds one simulated kubelet per spec to `group` (capacity = allocatable: cpu [4], memory [8Gi], 110 pods; node IP
 * 192.0.2.<ipFrom + i>; pod IPs from `<cidrPrefix>.<ipFrom + i>.0/24`) and returns their runtimes, which the caller
 * closes. The group is not started.
 */
export function addSimulatedNodes(group: KubeletGroup, nodes: readonly SimulatedNodeSpec[], net: { cidrPrefix: string; ipFrom: number }): SimulatedRuntime[] {
  return nodes.map((n, i) => {
    const rt = new SimulatedRuntime({ nodeName: n.name, fallbackCidr: `${net.cidrPrefix}.${net.ipFrom + i}.0/24` });
    const capacity = { cpu: n.cpu ?? '4', memory: n.memory ?? '8Gi', pods: '110' };
    group.add({
      runtime: rt,
      images: rt,
      runtimeName: 'simulated',
      facts: {
        nodeName: n.name,
        nodeIP: `192.0.2.${net.ipFrom + i}`,
        hostname: n.name,
        labels: n.labels ?? {},
        taints: n.taints ?? [],
        capacity,
        allocatable: capacity,
        machine: localMachineInfo(),
        containerRuntimeVersion: 'simulated://0.1.0',
        kubeletPort: 10250,
      },
      plegPeriodMs: 200,
      log: () => {},
    });
    return rt;
  });
}

// Builders of pods, nodes and node infos for the scheduler's tests.
import type { Container, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
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

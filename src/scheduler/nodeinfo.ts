// Per-node aggregate the scheduler filters and scores against (upstream framework.NodeInfo): the node, its pods, their summed requests and host ports, image sizes.
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { podRequests, resourceList } from '../kubelet/resources.js';

/** The CPU (millicores) a container without a cpu request counts for in scoring (upstream DefaultMilliCPURequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** The memory (bytes) a container without a memory request counts for in scoring (upstream DefaultMemoryRequest). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A host port a pod uses, sanitised (empty IP is 0.0.0.0, empty protocol TCP). */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod with what the scheduler derives from it once. */
export interface PodInfo {
  readonly pod: Pod;
  /** Effective requests: cpu millicores, memory/ephemeral-storage bytes, others counts. */
  readonly requests: ReadonlyMap<string, number>;
  /** cpu and memory with upstream's non-zero defaults for containers that request none (scoring). */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  /** Whether the pod has pod affinity or anti-affinity (upstream NodeInfo.PodsWithAffinity). */
  readonly hasAffinity?: boolean;
  /** Whether the pod has required pod anti-affinity (upstream NodeInfo.PodsWithRequiredAntiAffinity). */
  readonly hasRequiredAntiAffinity?: boolean;
}

/** Upstream GetHostPorts: ports with hostPort > 0 of app containers and restartable (sidecar) init containers. */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** Upstream HostPortInfo.CheckConflict: same protocol and port, and the same IP or either side on 0.0.0.0. */
export function hostPortConflict(want: HostPort, used: readonly HostPort[]): boolean {
  return used.some((u) => u.protocol === want.protocol && u.port === want.port && (u.ip === want.ip || u.ip === '0.0.0.0' || want.ip === '0.0.0.0'));
}

function withNonZeroDefaults(c: Container): Container {
  const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as Record<string, string>;
  if (req['cpu'] === undefined) req['cpu'] = `${DEFAULT_MILLI_CPU_REQUEST}m`;
  if (req['memory'] === undefined) req['memory'] = String(DEFAULT_MEMORY_REQUEST);
  return { ...c, resources: { requests: req } };
}

/**
 * The pod's cpu (millicores) and memory (bytes) requests as scoring sees them (upstream NonMissingContainerRequests):
 * containers without a cpu/memory request count 100m / 200Mi; aggregated like {@link podRequests}, with overhead.
 */
export function nonZeroRequests(pod: Pod): { cpu: number; memory: number } {
  const spec = pod.spec;
  if (!spec) return { cpu: 0, memory: 0 };
  const synthetic: Pod = {
    ...pod,
    spec: { ...spec, containers: spec.containers.map(withNonZeroDefaults), ...(spec.initContainers ? { initContainers: spec.initContainers.map(withNonZeroDefaults) } : {}) },
  };
  const r = podRequests(synthetic);
  return { cpu: r.get('cpu') ?? 0, memory: r.get('memory') ?? 0 };
}

/** Derives a {@link PodInfo}. Throws QuantityParseError on a malformed quantity. */
export function newPodInfo(pod: Pod): PodInfo {
  const nz = nonZeroRequests(pod);
  const aff = pod.spec?.affinity;
  return {
    pod,
    requests: podRequests(pod),
    nonZeroCpu: nz.cpu,
    nonZeroMemory: nz.memory,
    hostPorts: podHostPorts(pod),
    hasAffinity: !!(aff?.podAffinity || aff?.podAntiAffinity),
    hasRequiredAntiAffinity: (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0,
  };
}

/** `namespace/name` of a pod. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** The cache's identity of a pod: its uid (falling back to namespace/name). */
export function podUid(pod: Pod): string {
  return pod.metadata?.uid || podKey(pod);
}

/** Upstream normalizedImageName: appends `:latest` when the image has neither tag nor digest. */
export function normalizedImageName(name: string): string {
  if (name.lastIndexOf(':') <= name.lastIndexOf('/')) return `${name}:latest`;
  return name;
}

/**
 * One node and the pods on (or assumed on) it. `generation` increases on every change so snapshots can copy
 * only what changed. Mutated by the cache only; plugins read snapshot clones.
 */
export class NodeInfo {
  node: Node | undefined;
  pods: PodInfo[] = [];
  /** How many of `pods` have pod (anti-)affinity, and required anti-affinity: plugins skip nodes with none. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Summed effective requests of the pods; `pods` is not included (see podCount). */
  requested = new Map<string, number>();
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  usedPorts: HostPort[] = [];
  /** Node allocatable (capacity when allocatable is absent), cpu millicores, others base units. */
  allocatable = new Map<string, number>();
  /** Image name (every name the node reports) -> size in bytes. */
  imageSizes = new Map<string, number>();
  generation = 0;

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  /** Sets (or replaces) the node object and recomputes allocatable and image sizes. */
  setNode(node: Node): void {
    this.node = node;
    this.allocatable = resourceList((node.status?.allocatable ?? node.status?.capacity) as Record<string, string> | undefined);
    this.imageSizes = new Map();
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) this.imageSizes.set(n, img.sizeBytes ?? 0);
    }
  }

  /** Adds a pod and its requests and ports. */
  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity++;
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity++;
    for (const [k, v] of pi.requests) this.requested.set(k, (this.requested.get(k) ?? 0) + v);
    this.nonZeroCpu += pi.nonZeroCpu;
    this.nonZeroMemory += pi.nonZeroMemory;
    this.usedPorts.push(...pi.hostPorts);
  }

  /** Removes the pod with `pod`'s uid; false when it is not here. */
  removePod(pod: Pod): boolean {
    const uid = podUid(pod);
    const i = this.pods.findIndex((p) => podUid(p.pod) === uid);
    if (i < 0) return false;
    const [pi] = this.pods.splice(i, 1);
    if (pi!.hasAffinity) this.podsWithAffinity--;
    if (pi!.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity--;
    for (const [k, v] of pi!.requests) this.requested.set(k, (this.requested.get(k) ?? 0) - v);
    this.nonZeroCpu -= pi!.nonZeroCpu;
    this.nonZeroMemory -= pi!.nonZeroMemory;
    for (const hp of pi!.hostPorts) {
      const j = this.usedPorts.findIndex((u) => u.ip === hp.ip && u.protocol === hp.protocol && u.port === hp.port);
      if (j >= 0) this.usedPorts.splice(j, 1);
    }
    return true;
  }

  /** A copy whose collections can be changed without touching this one (pod and node objects are shared). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = [...this.pods];
    c.podsWithAffinity = this.podsWithAffinity;
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity;
    c.requested = new Map(this.requested);
    c.nonZeroCpu = this.nonZeroCpu;
    c.nonZeroMemory = this.nonZeroMemory;
    c.usedPorts = [...this.usedPorts];
    c.allocatable = this.allocatable;
    c.imageSizes = this.imageSizes;
    c.generation = this.generation;
    return c;
  }
}

/** A consistent view of the cluster for one scheduling cycle (upstream cache.Snapshot). */
export class Snapshot {
  /** Node name -> info. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  /** Nodes in a stable order (the order filtering walks them, round-robin). */
  nodeInfoList: NodeInfo[] = [];
  /** Image name -> number of nodes that have it. */
  imageNodeCount = new Map<string, number>();
  /** The cache generation this snapshot reflects. */
  generation = 0;
  /** Position of each node in nodeInfoList. */
  private readonly index = new Map<string, number>();

  /** Builds a snapshot from node infos directly (tests, simulations). */
  static of(nodes: readonly NodeInfo[]): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.nodeInfoMap.set(n.name, n);
    s.rebuildLists();
    return s;
  }

  get(name: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(name);
  }

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  /** Puts `ni` where the node named `name` is in nodeInfoList; false when it is not listed (a rebuild is needed). */
  replaceInList(name: string, ni: NodeInfo): boolean {
    const i = this.index.get(name);
    if (i === undefined || ni.node === undefined) return false;
    this.nodeInfoList[i] = ni;
    return true;
  }

  /** Recomputes the node list (sorted by name) and image counts from nodeInfoMap. */
  rebuildLists(): void {
    this.nodeInfoList = [...this.nodeInfoMap.values()].filter((n) => n.node !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.index.clear();
    this.nodeInfoList.forEach((n, i) => this.index.set(n.name, i));
    const counts = new Map<string, number>();
    for (const n of this.nodeInfoList) {
      for (const name of n.imageSizes.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    this.imageNodeCount = counts;
  }
}

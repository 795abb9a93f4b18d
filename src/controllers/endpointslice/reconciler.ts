// Pure planning of the endpointslice reconciler (upstream staging endpointslice reconciler.go): which slices to create, update and delete.
import type { EndpointSlice, Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { DeepReadonly } from '../../client/index.js';
import { findPort, HEADLESS_LABEL, isIPv6, isPodReady, isServiceIPSet, shouldPodBeInEndpoints, shouldSetHostname } from './util.js';

type RPod = DeepReadonly<Pod>;
type RService = DeepReadonly<Service>;
type RSlice = DeepReadonly<EndpointSlice>;
type RNode = DeepReadonly<Node>;

/** Label naming the Service a slice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Label naming the controller that manages a slice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** This controller's value of {@link LABEL_MANAGED_BY}. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Node label giving an endpoint its zone. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** `--max-endpoints-per-slice` default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export type AddressType = 'IPv4' | 'IPv6';

/**
 * Upstream getAddressTypesForService: the address types of the service's ipFamilies; without them, the family of
 * its cluster IP, or both for a headless service.
 */
export function addressTypesForService(svc: RService): AddressType[] {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) if (f === 'IPv4' || f === 'IPv6') out.add(f);
  if (out.size > 0) return [...out];
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/**
 * Upstream getEndpointPorts: one port per service port the pod resolves (named target ports looked up in the
 * pod; unresolvable ones skipped). A headless service without ports gives none.
 */
export function endpointPorts(svc: RService, pod: RPod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    let port: number;
    try {
      port = findPort(pod, sp);
    } catch {
      continue;
    }
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

function normPort(p: DeepReadonly<EndpointPort>): string {
  return JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? '']);
}

/** Upstream NewPortMapKey: identifies a set of ports regardless of order. */
export function portMapKey(ports: readonly DeepReadonly<EndpointPort>[] | undefined): string {
  return JSON.stringify((ports ?? []).map(normPort).sort());
}

/** Upstream hashEndpoint: an endpoint's identity (sorted addresses, hostname, targetRef namespace/name). */
export function endpointKey(ep: DeepReadonly<Endpoint>): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** Upstream EndpointsEqualBeyondHash: nodeName, zone, conditions and targetRef (ignoring resourceVersion) equal. */
export function endpointsEqualBeyondHash(a: DeepReadonly<Endpoint>, b: DeepReadonly<Endpoint>): boolean {
  if (a.nodeName !== b.nodeName || a.zone !== b.zone) return false;
  const ca = a.conditions ?? {};
  const cb = b.conditions ?? {};
  if (ca.ready !== cb.ready || ca.serving !== cb.serving || ca.terminating !== cb.terminating) return false;
  const ra = a.targetRef;
  const rb = b.targetRef;
  if (!ra || !rb) return !ra && !rb;
  const fields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'fieldPath'] as const;
  return fields.every((f) => (ra[f] ?? '') === (rb[f] ?? ''));
}

/**
 * Upstream podToEndpoint: the pod's addresses of `addressType`, conditions (serving = Ready; terminating =
 * being deleted; ready = serving and not terminating, or always with publishNotReadyAddresses), nodeName, the
 * node's zone, hostname when the pod's subdomain names the service, and a targetRef.
 */
export function podToEndpoint(pod: RPod, node: RNode | undefined, svc: RService, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ips: string[] = (pod.status?.podIPs ?? []).flatMap((p) => (p.ip ? [p.ip] : []));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  const ep: Endpoint = {
    addresses: ips.filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname!;
  return ep;
}

/**
 * Upstream setEndpointSliceLabels: the service's labels (reserved ones ignored) plus the headless label when
 * the service has no cluster IP, service-name and managed-by; `changed` when the non-reserved labels differ.
 */
export function sliceLabels(slice: { metadata?: { labels?: Readonly<Record<string, string>> } } | undefined, svc: RService, controllerName = CONTROLLER_NAME): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string) => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === HEADLESS_LABEL;
  const cur: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata?.labels ?? {})) if (!reserved(k)) cur[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!reserved(k)) labels[k] = v;
  const ka = Object.keys(cur);
  const changed = ka.length !== Object.keys(labels).length || ka.some((k) => cur[k] !== labels[k]);
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata!.name!;
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}

/** Upstream newEndpointSlice: an empty slice for `svc` (generateName `<svc>-`, controller owner reference). */
export function newEndpointSlice(svc: RService, ports: EndpointPort[], addressType: AddressType, controllerName = CONTROLLER_NAME): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata!.name}-`,
      namespace: svc.metadata!.namespace!,
      labels: sliceLabels(undefined, svc, controllerName).labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    ports,
    endpoints: [],
  };
}

/** Whether `slice` has an owner reference to `svc` (upstream ownedBy). */
export function ownedBy(slice: RSlice, svc: RService): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === svc.metadata?.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

function isSamePlaceholder(a: RSlice, b: EndpointSlice): boolean {
  const la = a.metadata?.labels ?? {};
  const lb = b.metadata?.labels ?? {};
  const sameLabels = Object.keys(la).length === Object.keys(lb).length && Object.entries(la).every(([k, v]) => lb[k] === v);
  const oa = (a.metadata?.ownerReferences ?? []).map((o) => `${o.apiVersion}/${o.kind}/${o.name}/${o.uid}/${o.controller}`);
  const ob = (b.metadata?.ownerReferences ?? []).map((o) => `${o.apiVersion}/${o.kind}/${o.name}/${o.uid}/${o.controller}`);
  return (
    a.metadata?.namespace === b.metadata?.namespace &&
    sameLabels &&
    JSON.stringify(oa) === JSON.stringify(ob) &&
    a.addressType === b.addressType &&
    (a.ports ?? []).length === 0 &&
    (a.endpoints ?? []).length === 0
  );
}

/** What one reconcile writes. Slices to create have no name; updates are full objects (copies) to PUT. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: RSlice[];
  /** Pods skipped because their node is not known (the sync should be retried). */
  errors: string[];
}

export interface PlanInput {
  service: RService;
  /** Pods matching the service's selector. */
  pods: readonly RPod[];
  /** Slices of this service managed by this controller and not being deleted. */
  existing: readonly RSlice[];
  /** Node lookup (for zones); undefined when the node is not known. */
  node: (name: string) => RNode | undefined;
  maxEndpointsPerSlice?: number;
  controllerName?: string;
}

/**
 * Upstream Reconciler.Reconcile without the writes: slices of address types the service no longer has are
 * deleted; per address type, desired endpoints are grouped by port set and matched against existing slices with
 * minimal churn (endpoints kept in place, changed ones updated, removed ones dropped, new ones filling the
 * fullest updated slices, then the unchanged slice that fits best, then new slices of at most
 * `maxEndpointsPerSlice`); empty slices are deleted; a placeholder slice (no ports, no endpoints) is kept or
 * created when nothing else would exist; and creates are turned into updates of slices about to be deleted.
 */
export function planReconcile(input: PlanInput): SlicePlan {
  const { service: svc } = input;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const controllerName = input.controllerName ?? CONTROLLER_NAME;
  const plan: SlicePlan = { create: [], update: [], delete: [], errors: [] };
  const types = addressTypesForService(svc);
  const byType = new Map<AddressType, RSlice[]>();
  for (const s of input.existing) {
    if (!types.includes(s.addressType as AddressType)) {
      plan.delete.push(s);
      continue;
    }
    const list = byType.get(s.addressType as AddressType) ?? [];
    list.push(s);
    byType.set(s.addressType as AddressType, list);
  }
  for (const t of types) {
    const r = planByAddressType(svc, input.pods, byType.get(t) ?? [], t, input.node, max, controllerName, plan.errors);
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
  }
  return plan;
}

function planByAddressType(
  svc: RService,
  pods: readonly RPod[],
  existing: readonly RSlice[],
  addressType: AddressType,
  nodeOf: (name: string) => RNode | undefined,
  max: number,
  controllerName: string,
  errors: string[],
): { create: EndpointSlice[]; update: EndpointSlice[]; delete: RSlice[] } {
  let create: EndpointSlice[] = [];
  const update: EndpointSlice[] = [];
  const del: RSlice[] = [];
  const existingByPorts = new Map<string, RSlice[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      del.push(s);
      continue;
    }
    const k = portMapKey(s.ports ?? []);
    const l = existingByPorts.get(k) ?? [];
    l.push(s);
    existingByPorts.set(k, l);
  }
  const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const k = portMapKey(ports);
    let d = desired.get(k);
    if (!d) desired.set(k, (d = { ports, endpoints: new Map() }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodeOf(nodeName);
    if (!node && svc.spec?.publishNotReadyAddresses !== true) {
      errors.push(`skipping Pod ${pod.metadata?.name} for Service ${svc.metadata?.namespace}/${svc.metadata?.name}: Node ${nodeName} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) d.endpoints.set(endpointKey(ep), ep);
  }
  for (const [k, d] of desired) {
    const r = planByPortMapping(svc, existingByPorts.get(k) ?? [], d.endpoints, d.ports, addressType, max, controllerName);
    create.push(...r.create);
    update.push(...r.update);
    del.push(...r.delete);
  }
  for (const [k, slices] of existingByPorts) if (!desired.has(k)) del.push(...slices);
  if (existing.length === del.length && create.length < 1) {
    const placeholder = newEndpointSlice(svc, [], addressType, controllerName);
    if (del.length === 1 && isSamePlaceholder(del[0]!, placeholder)) del.length = 0;
    else create.push(placeholder);
  }
  // finalize: reuse slices about to be deleted for slices to create (same address type, owned by the service).
  for (let i = 0; i < del.length && create.length > 0; ) {
    const victim = del[i]!;
    const slice = create[create.length - 1]!;
    if (victim.addressType === slice.addressType && ownedBy(victim, svc)) {
      const reused = structuredClone(victim) as EndpointSlice;
      reused.metadata = { ...reused.metadata, labels: slice.metadata!.labels!, ownerReferences: slice.metadata!.ownerReferences! };
      delete reused.metadata.generateName;
      reused.ports = slice.ports ?? [];
      reused.endpoints = slice.endpoints;
      create = create.slice(0, -1);
      update.push(reused);
      del.splice(i, 1);
    } else i++;
  }
  return { create, update, delete: del };
}

function planByPortMapping(
  svc: RService,
  existing: readonly RSlice[],
  desired: Map<string, Endpoint>,
  ports: EndpointPort[],
  addressType: AddressType,
  max: number,
  controllerName: string,
): { create: EndpointSlice[]; update: EndpointSlice[]; delete: RSlice[] } {
  const byName = new Map<string, EndpointSlice | RSlice>();
  const unchanged: string[] = [];
  const toUpdate: string[] = [];
  const toDelete: string[] = [];
  // 1. Keep desired endpoints where they are; note changed and removed ones.
  for (const s of existing) {
    const name = s.metadata!.name!;
    byName.set(name, s);
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of s.endpoints ?? []) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) changed = true;
      desired.delete(k);
    }
    const { labels, changed: labelsChanged } = sliceLabels(s, svc, controllerName);
    if (changed || kept.length !== (s.endpoints ?? []).length) {
      if (kept.length === 0) toDelete.push(name);
      else {
        const copy = structuredClone(s) as EndpointSlice;
        copy.endpoints = kept;
        copy.metadata!.labels = labels;
        byName.set(name, copy);
        toUpdate.push(name);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(s) as EndpointSlice;
      copy.metadata!.labels = labels;
      byName.set(name, copy);
      toUpdate.push(name);
    } else unchanged.push(name);
  }
  const pop = (): Endpoint => {
    const [k, v] = desired.entries().next().value as [string, Endpoint];
    desired.delete(k);
    return v;
  };
  // 2. Fill the slices being updated, fullest first.
  if (desired.size > 0 && toUpdate.length > 0) {
    const slices = toUpdate.map((n) => byName.get(n) as EndpointSlice).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of slices) while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(pop());
  }
  // 3. Put the rest into the best-fitting unchanged slice, else into new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.length > 0) {
      let best: RSlice | undefined;
      let bestFree = Infinity;
      for (const n of unchanged) {
        const s = byName.get(n) as RSlice;
        const free = max - (s.endpoints ?? []).length;
        if (free >= desired.size && free < bestFree) {
          bestFree = free;
          best = s;
        }
      }
      if (best) {
        fill = structuredClone(best) as EndpointSlice;
        fill.endpoints = fill.endpoints ?? [];
        byName.set(fill.metadata!.name!, fill);
      }
    }
    if (!fill) fill = newEndpointSlice(svc, structuredClone(ports), addressType, controllerName);
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(pop());
    const name = fill.metadata?.name;
    if (name) {
      if (!toUpdate.includes(name)) toUpdate.push(name);
      unchanged.splice(unchanged.indexOf(name), 1);
    } else create.push(fill);
  }
  return {
    create,
    update: toUpdate.map((n) => byName.get(n) as EndpointSlice),
    delete: toDelete.map((n) => byName.get(n) as RSlice),
  };
}

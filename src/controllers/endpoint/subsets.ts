// Pure logic of the endpoint controller: a Service's EndpointSubsets from its pods, RepackSubsets, and truncation at 1000 addresses.
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { DeepReadonly } from '../../client/index.js';
import { findPort, isIPv6, isPodReady, shouldPodBeInEndpoints, shouldSetHostname } from '../endpointslice/util.js';

type RPod = DeepReadonly<Pod>;
type RService = DeepReadonly<Service>;

/** Most addresses an Endpoints object carries (upstream maxCapacity). */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** Annotation set (to `truncated`) when addresses were dropped to stay under {@link MAX_ENDPOINTS_CAPACITY}. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/**
 * Upstream podToEndpointAddressForService: the pod's IP of the service's (first) IP family, its node and a
 * targetRef; undefined when the pod has no IP of that family.
 */
export function podToEndpointAddress(svc: RService, pod: RPod): EndpointAddress | undefined {
  let v6: boolean;
  const fam = svc.spec?.ipFamilies?.[0];
  if (fam) v6 = fam === 'IPv6';
  else if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') v6 = isIPv6(svc.spec.clusterIP);
  else v6 = isIPv6(pod.status?.podIP);
  const ips: string[] = (pod.status?.podIPs ?? []).flatMap((p) => (p.ip ? [p.ip] : []));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  const ip = ips.find((x) => isIPv6(x) === v6);
  if (!ip) return undefined;
  return {
    ip,
    nodeName: pod.spec?.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

/**
 * The subsets of the Endpoints of `svc` (with a selector) given the pods matching that selector, as upstream
 * syncService builds them before writing: every eligible pod (terminal and pod-IP-less pods skipped, terminating
 * pods only with publishNotReadyAddresses) contributes one address per service port it resolves (named target
 * ports looked up per pod; unresolvable ports skipped for that pod), ready or not-ready by its Ready condition
 * (always ready with publishNotReadyAddresses); headless services without ports get port-less addresses. The
 * result is repacked ({@link repackSubsets}).
 */
export function computeSubsets(svc: RService, pods: readonly RPod[]): EndpointSubset[] {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const raw: EndpointSubset[] = [];
  const add = (pod: RPod, addr: EndpointAddress, port: EndpointPort | undefined) => {
    const ports = port ? [port] : [];
    if (publish || isPodReady(pod)) raw.push({ addresses: [addr], ports });
    else raw.push({ notReadyAddresses: [addr], ports });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publish)) continue;
    const addr = podToEndpointAddress(svc, pod);
    if (!addr) continue;
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname!;
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      if (svc.spec?.clusterIP === 'None') add(pod, addr, undefined);
      continue;
    }
    for (const sp of svcPorts) {
      let port: number;
      try {
        port = findPort(pod, sp);
      } catch {
        continue;
      }
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      add(pod, structuredClone(addr), ep);
    }
  }
  return repackSubsets(raw);
}

function addrKey(a: DeepReadonly<EndpointAddress>): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

function portKey(p: DeepReadonly<EndpointPort>): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']);
}

/** Upstream LessEndpointAddress: by IP (bytewise), then targetRef uid (no targetRef first). */
export function compareAddresses(a: DeepReadonly<EndpointAddress>, b: DeepReadonly<EndpointAddress>): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid;
  const ub = b.targetRef?.uid;
  if (ua === ub) return 0;
  if (ua === undefined) return -1;
  if (ub === undefined) return 1;
  return ua < ub ? -1 : 1;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = portKey(a);
  const kb = portKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Upstream RepackSubsets: regroups (address, port) pairs so each subset is a set of addresses sharing exactly
 * the same set of ports. An address ready on some port and not ready on another is listed per port accordingly;
 * the same address found both ready and not ready for one port counts as ready. Port-less subsets are kept.
 * Addresses and ports are sorted within subsets and subsets ordered deterministically.
 */
export function repackSubsets(subsets: readonly DeepReadonly<EndpointSubset>[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>();
  // port key -> (address key -> ready)
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, boolean> }>();
  const note = (a: DeepReadonly<EndpointAddress>, port: DeepReadonly<EndpointPort> | undefined, ready: boolean) => {
    const ak = addrKey(a);
    if (!addrs.has(ak)) addrs.set(ak, structuredClone(a) as EndpointAddress);
    const pk = port ? portKey(port) : '<none>';
    let e = byPort.get(pk);
    if (!e) byPort.set(pk, (e = { port: port ? (structuredClone(port) as EndpointPort) : undefined, addrs: new Map() }));
    if (!e.addrs.get(ak)) e.addrs.set(ak, ready);
  };
  for (const s of subsets) {
    const ports: (DeepReadonly<EndpointPort> | undefined)[] = s.ports && s.ports.length > 0 ? [...s.ports] : [undefined];
    for (const p of ports) {
      for (const a of s.addresses ?? []) note(a, p, true);
      for (const a of s.notReadyAddresses ?? []) note(a, p, false);
    }
  }
  // Group ports by their identical address-readiness sets.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs: set } of byPort.values()) {
    const sig = JSON.stringify([...set.entries()].sort());
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { addrs: set, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [ak, r] of g.addrs) (r ? ready : notReady).push(structuredClone(addrs.get(ak)!));
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    const s: EndpointSubset = {};
    if (ready.length > 0) s.addresses = ready;
    if (notReady.length > 0) s.notReadyAddresses = notReady;
    if (g.ports.length > 0) s.ports = g.ports.sort(comparePorts);
    out.push(s);
  }
  return out.sort((a, b) => {
    const ka = JSON.stringify(a);
    const kb = JSON.stringify(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * Upstream truncateEndpoints: when the subsets hold more than {@link MAX_ENDPOINTS_CAPACITY} addresses, keeps at
 * most that many, preferring ready ones: if ready addresses alone exceed it, not-ready ones are all dropped and
 * ready ones cut per subset in proportion (rounded up, the last subsets getting what is left); otherwise only
 * not-ready ones are cut that way. Mutates `subsets`; returns whether anything was truncated.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): boolean {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  if (ready + notReady <= max) return false;
  const truncateReady = ready > max;
  const budget = truncateReady ? max : max - ready;
  const total = truncateReady ? ready : notReady;
  let left = budget;
  for (const s of subsets) {
    const n = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const take = Math.min(Math.ceil((n / total) * budget), left);
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, take);
      s.notReadyAddresses = [];
      left -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, take);
      left -= s.notReadyAddresses.length;
    }
  }
  return true;
}

/** Upstream capacityAnnotationSetCorrectly: false when over capacity, else true iff the over-capacity annotation is absent. */
export function capacityAnnotationSetCorrectly(annotations: Readonly<Record<string, string>> | undefined, subsets: readonly DeepReadonly<EndpointSubset>[] | undefined): boolean {
  let n = 0;
  for (const s of subsets ?? []) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (n > MAX_ENDPOINTS_CAPACITY) return false;
  return annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
}

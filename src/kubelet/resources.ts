// Pod resource arithmetic shared by the kubelet's admission and QoS: effective requests and limits (upstream resourcehelper) and the QoS class.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../apimachinery/index.js';

type ResourceMap = Map<string, number>;

/** Converts one quantity to kubets' numeric units: cpu in millicores, everything else in base units (rounded up). */
function toNumber(name: string, value: string | number): number {
  const q = parseQuantity(String(value));
  return Number(name === 'cpu' ? q.milliValue() : q.value());
}

/**
 * Parses a node's capacity/allocatable map (or a container's requests/limits) into numbers: `cpu` in millicores,
 * `memory`, `ephemeral-storage`, hugepages and extended resources in base units (bytes / count), rounded up as
 * upstream's Value()/MilliValue(). Throws QuantityParseError on a malformed quantity. Undefined → empty map.
 */
export function resourceList(list: Record<string, string> | undefined): Map<string, number> {
  const out: ResourceMap = new Map();
  if (!list) return out;
  for (const [name, value] of Object.entries(list)) out.set(name, toNumber(name, value));
  return out;
}

function add(into: ResourceMap, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function max(into: ResourceMap, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (cur === undefined || v > cur) into.set(k, v);
  }
}

/** A container's requests, with a limit standing in for a request that is not set (what API defaulting does). */
function containerRequests(c: Container): ResourceMap {
  const out = resourceList(c.resources?.limits);
  for (const [k, v] of resourceList(c.resources?.requests)) out.set(k, v);
  return out;
}

function containerLimits(c: Container): ResourceMap {
  return resourceList(c.resources?.limits);
}

function isRestartable(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The upstream aggregation over a pod's containers: app containers and restartable (sidecar) init containers
 * are summed; each init container counts together with the sidecars started before it (a sidecar with itself
 * included); the result is the per-resource maximum of the two.
 */
function aggregate(pod: Pod, per: (c: Container) => ResourceMap): ResourceMap {
  const total: ResourceMap = new Map();
  for (const c of pod.spec?.containers ?? []) add(total, per(c));
  const sidecars: ResourceMap = new Map();
  const initMax: ResourceMap = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = per(c);
    let during: ResourceMap;
    if (isRestartable(c)) {
      add(total, own);
      add(sidecars, own);
      during = new Map(sidecars);
    } else {
      during = new Map(own);
      add(during, sidecars);
    }
    max(initMax, during);
  }
  max(total, initMax);
  return total;
}

/**
 * The pod's effective requests (upstream resourcehelper.PodRequests): per resource, max(sum of app containers +
 * sum of restartable (sidecar) init containers, max over init containers of (its request + sidecars started
 * before it)) + spec.overhead. Quantities as numbers: cpu in millicores, memory/ephemeral-storage/extended in
 * base units (bytes / count). A container's limit stands in for a request it does not set.
 */
export function podRequests(pod: Pod): Map<string, number> {
  const reqs = aggregate(pod, containerRequests);
  add(reqs, resourceList(pod.spec?.overhead));
  return reqs;
}

/**
 * The pod's effective limits (upstream resourcehelper.PodLimits), aggregated like {@link podRequests}; spec.overhead
 * is added only to resources that have a limit. Resources without any limit are absent (unbounded).
 */
export function podLimits(pod: Pod): Map<string, number> {
  const limits = aggregate(pod, containerLimits);
  for (const [k, v] of resourceList(pod.spec?.overhead)) {
    const cur = limits.get(k);
    if (cur !== undefined) limits.set(k, cur + v);
  }
  return limits;
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * Upstream's qos.GetPodQOS (ComputePodQOS), over app and init containers, cpu and memory only:
 * BestEffort when no container has a non-zero cpu/memory request or limit; Guaranteed when every container
 * has non-zero cpu and memory limits and the summed requests equal the summed limits; Burstable otherwise.
 * A limit stands in for an unset request (API defaulting). `status.qosClass` is not consulted.
 */
export function podQOSClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests: ResourceMap = new Map();
  const limits: ResourceMap = new Map();
  let guaranteed = true;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of all) {
    const req = containerRequests(c);
    const lim = containerLimits(c);
    for (const name of QOS_RESOURCES) {
      const r = req.get(name);
      if (r !== undefined && r > 0) requests.set(name, (requests.get(name) ?? 0) + r);
      const l = lim.get(name);
      if (l !== undefined && l > 0) limits.set(name, (limits.get(name) ?? 0) + l);
      else guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of requests) {
      if (limits.get(name) !== r) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

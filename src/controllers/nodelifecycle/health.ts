// Node heartbeat bookkeeping (upstream tryUpdateNodeHealth without the write) and zone disruption states of the node lifecycle controller.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';

/**
 * What the controller remembers of a node: when it last saw a heartbeat (local clock, as upstream: the node's own
 * timestamps are only compared with each other, never with our clock), when Ready last changed, and the status
 * and lease it saw then.
 */
export interface NodeHealth {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  status: Readonly<NodeStatus> | undefined;
  leaseRenewTime?: string | undefined;
}

/** The conditions set Unknown when heartbeats stop (NetworkUnavailable is left alone, as upstream). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** metav1.Time / MicroTime as microseconds since the epoch (NaN when unparsable). */
export function parseMicroTime(s: string | undefined | null): number {
  if (!s) return NaN;
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number((m[2] + '000000').slice(0, 6)) : 0;
  return base * 1000 + frac;
}

/** RFC 3339 with second precision (metav1.Time). */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Result of {@link observeNodeHealth}. */
export interface HealthObservation {
  /** The bookkeeping to keep for the node (before any write). */
  health: NodeHealth;
  /** The Ready condition as the node reported it (a synthesised Unknown one when it has none). */
  observedReady: NodeCondition;
  /** The Ready condition after this pass (Unknown when the grace period ran out); undefined when the node never reported one. */
  currentReady: NodeCondition | undefined;
  /** When set, the node with its monitored conditions turned Unknown: write it through nodes/status. */
  statusUpdate?: Node;
}

/**
 * Upstream tryUpdateNodeHealth minus the API write. The probe timestamp moves to `now` whenever the Ready
 * condition's lastHeartbeatTime changed since the last observation or the node's Lease renewTime advanced (so
 * the newer of the two heartbeats counts). Once `now` is more than the grace period past it (the startup grace
 * period for a node that never posted Ready), the monitored conditions become Unknown with reason
 * `NodeStatusUnknown` / message `Kubelet stopped posting node status.` (`NodeStatusNeverUpdated` / `Kubelet
 * never posted node status.` for a missing one) and, if Ready changed, `statusUpdate` carries the node to write.
 */
export function observeNodeHealth(
  node: Readonly<Node>,
  saved: NodeHealth | undefined,
  lease: Readonly<Lease> | undefined,
  now: number,
  gracePeriodMs: number,
  startupGracePeriodMs: number,
): HealthObservation {
  const created = Date.parse(node.metadata?.creationTimestamp ?? '') || now;
  const current = node.status?.conditions?.find((c) => c.type === 'Ready');
  let observedReady: NodeCondition;
  let grace: number;
  let health: NodeHealth | undefined = saved ? { ...saved } : undefined;
  if (!current) {
    const t = node.metadata?.creationTimestamp ?? metaTime(created);
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: t, lastTransitionTime: t };
    grace = startupGracePeriodMs;
    if (health) health.status = node.status;
    else health = { status: node.status, probeTimestamp: created, readyTransitionTimestamp: created };
  } else {
    observedReady = { ...current } as NodeCondition;
    grace = gracePeriodMs;
  }
  const savedReady = saved?.status?.conditions?.find((c) => c.type === 'Ready');
  if (!health) {
    health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if ((!savedReady && current) || (savedReady && !current)) {
    health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: health.leaseRenewTime };
  } else if (savedReady && current && savedReady.lastHeartbeatTime !== current.lastHeartbeatTime) {
    const transition = savedReady.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
    health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: transition, leaseRenewTime: health.leaseRenewTime };
  }
  const renew = lease?.spec?.renewTime ?? undefined;
  if (renew && (!health.leaseRenewTime || parseMicroTime(health.leaseRenewTime) < parseMicroTime(renew))) {
    health.leaseRenewTime = renew;
    health.probeTimestamp = now;
  }

  let currentReady: NodeCondition | undefined = current ? ({ ...current } as NodeCondition) : undefined;
  if (now > health.probeTimestamp + grace) {
    const status: NodeStatus = structuredClone(node.status ?? {}) as NodeStatus;
    const next = { ...(structuredClone(node) as Node), status };
    const conds = (status.conditions ??= []);
    const ts = metaTime(now);
    for (const type of MONITORED_CONDITIONS) {
      const c = conds.find((x) => x.type === type);
      if (!c) {
        conds.push({
          type,
          status: 'Unknown',
          reason: 'NodeStatusNeverUpdated',
          message: 'Kubelet never posted node status.',
          lastHeartbeatTime: node.metadata?.creationTimestamp ?? metaTime(created),
          lastTransitionTime: ts,
        });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = ts;
      }
    }
    currentReady = conds.find((x) => x.type === 'Ready');
    if (!conditionsEqual(currentReady, observedReady)) {
      return { health, observedReady, currentReady, statusUpdate: next };
    }
  }
  return { health, observedReady, currentReady };
}

function conditionsEqual(a: NodeCondition | undefined, b: NodeCondition | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    a.lastHeartbeatTime === b.lastHeartbeatTime &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}

/** Zone states (upstream ZoneState). */
export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

/** Upstream defaults: --unhealthy-zone-threshold 0.55, --large-cluster-size-threshold 50, --secondary-node-eviction-rate 0.01. */
export const UNHEALTHY_ZONE_THRESHOLD = 0.55;
export const LARGE_CLUSTER_THRESHOLD = 50;
export const SECONDARY_EVICTION_RATE = 0.01;

/**
 * Upstream ComputeZoneState: FullDisruption when no node of the zone is Ready (and some are not), PartialDisruption
 * when more than 2 are not Ready and they are at least `threshold` of the zone, Normal otherwise. Returns the
 * number of not-Ready nodes too.
 */
export function computeZoneState(readyConditions: readonly (Readonly<NodeCondition> | undefined)[], threshold = UNHEALTHY_ZONE_THRESHOLD): { unhealthy: number; state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const c of readyConditions) {
    if (c?.status === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + ready) >= threshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}

/**
 * The eviction (tainting) rate for a zone in `state` (upstream setLimiterInZone): the normal rate, the secondary
 * rate for a partially disrupted large zone (0 for a small one), and the normal rate again for a fully disrupted
 * zone (only "every zone fully disrupted" stops evictions; the caller handles that).
 */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, evictionRate: number, secondaryRate = SECONDARY_EVICTION_RATE, largeClusterThreshold = LARGE_CLUSTER_THRESHOLD): number {
  if (state === 'PartialDisruption') return zoneSize > largeClusterThreshold ? secondaryRate : 0;
  return evictionRate;
}

/** Upstream topology GetZoneKey: `region:\0:zone` from the topology (or legacy failure-domain) labels, '' when neither is set. */
export function zoneKey(node: Readonly<Node>): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\x00:${zone}`;
}

/** Nodes labelled `node.kubernetes.io/exclude-disruption` are left out of zone states. */
export function isExcludedFromDisruptionChecks(node: Readonly<Node>): boolean {
  return node.metadata?.labels?.['node.kubernetes.io/exclude-disruption'] !== undefined;
}

// Pure logic of the ReplicaSet controller: slow-start batches, status calculation and the ReplicaFailure condition.
import { isDeepStrictEqual } from 'node:util';
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../util/index.js';

/** Most creates or deletes one sync issues (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;
/** First slow-start batch size (upstream SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** The condition type set when creating or deleting pods fails (apps.ReplicaSetReplicaFailure). */
export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * Upstream slowStartBatch: calls `fn` `count` times in batches of `initialBatchSize`, 2x, 4x ... (capped by what
 * remains), each batch concurrently. After a batch with a failure no further batch starts. Resolves to the number of
 * successful calls and the first error of the failed batch (undefined when all succeeded).
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason ?? new Error('unknown error') };
    remaining -= batch;
  }
  return { successes, error: undefined };
}

/** What status calculation needs of a ReplicaSet (or a ReplicationController seen as one). */
export interface StatusInput {
  replicas: number;
  minReadySeconds: number;
  templateLabels: Readonly<Record<string, string>> | undefined;
  status: Readonly<ReplicaSetStatus> | undefined;
}

/** A new condition as upstream NewReplicaSetCondition (lastTransitionTime `now`, RFC 3339 seconds). */
export function newCondition(type: string, status: string, reason: string, message: string, now: number): ReplicaSetCondition {
  return { type, status, lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), reason, message };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Upstream calculateStatus: replicas = active claimed pods, fullyLabeledReplicas = those carrying every template label,
 * readyReplicas, availableReplicas (ready for minReadySeconds at `now`). A ReplicaFailure condition (reason
 * FailedCreate / FailedDelete, message the error) is added when `manageErr` is set and none exists; it is removed once a
 * sync manages replicas without error. observedGeneration is left as it was (see {@link statusUpToDate}).
 */
export function calculateStatus(rs: StatusInput, pods: readonly (Pod | Readonly<Pod>)[], manageErr: unknown, now: number): ReplicaSetStatus {
  const prev = structuredClone(rs.status ?? { replicas: 0 }) as ReplicaSetStatus;
  const template = Object.entries(rs.templateLabels ?? {});
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (template.every(([k, v]) => labels[k] === v)) fully++;
    if (isPodReady(p as Pod)) {
      ready++;
      if (isPodAvailable(p as Pod, rs.minReadySeconds, now)) available++;
    }
  }
  const out: ReplicaSetStatus = { ...prev };
  const conditions = [...(prev.conditions ?? [])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageErr !== undefined && !failure) {
    const diff = pods.length - rs.replicas;
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push(newCondition(REPLICA_FAILURE, 'True', reason, errorMessage(manageErr), now));
  } else if (manageErr === undefined && failure) {
    conditions.splice(conditions.indexOf(failure), 1);
  }
  if (conditions.length > 0) out.conditions = conditions;
  else delete out.conditions;
  out.replicas = pods.length;
  out.fullyLabeledReplicas = fully;
  out.readyReplicas = ready;
  out.availableReplicas = available;
  return out;
}

/**
 * Upstream's steady-state test in updateReplicaSetStatus: true when `current` already has the counts and conditions of
 * `next` and observedGeneration equals `generation`, so no status write is needed.
 */
export function statusUpToDate(generation: number, current: Readonly<ReplicaSetStatus> | undefined, next: ReplicaSetStatus): boolean {
  const c = current ?? { replicas: 0 };
  return (
    (c.replicas ?? 0) === next.replicas &&
    (c.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (c.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (c.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    generation === (c.observedGeneration ?? 0) &&
    isDeepStrictEqual(c.conditions ?? [], next.conditions ?? [])
  );
}

/**
 * The generateName prefix of a controller's pods (upstream getPodsPrefix): `<name>-`, or `<name>` when the dash
 * would make it too long to be a valid generated pod name.
 */
export function podsPrefix(controllerName: string): string {
  // ValidatePodName(prefix, true) checks prefix + "a" as a DNS-1123 subdomain (at most 253 characters).
  return controllerName.length + 2 > 253 ? controllerName : `${controllerName}-`;
}

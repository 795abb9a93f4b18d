// Creating and deleting pods for an owner (upstream RealPodControl): pods from a template, with the owner's controller reference.
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound, type EventRecorder, type RestClient } from '../../client/index.js';

/**
 * A pod built from `template` as upstream's GetPodFromTemplate does: the template's labels, annotations (and
 * finalizers) and spec; `generateName` `<prefix>-`; the controller reference. `namespace` is the owner's.
 */
export function podFromTemplate(template: PodTemplateSpec, namespace: string, generateName: string, ref: OwnerReference): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${generateName}-`,
      namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [ref],
    },
    spec: structuredClone(template.spec!) as Pod['spec'],
  };
}

/**
 * Creates a pod for `owner` and records upstream's events (`SuccessfulCreate` / `FailedCreate` on the owner).
 * Resolves to the created pod; rethrows API errors after recording them.
 */
export async function createPod(
  client: RestClient,
  recorder: EventRecorder,
  owner: { apiVersion?: string; kind?: string; metadata?: any },
  pod: Pod,
): Promise<Pod> {
  try {
    const created = await client.resource<Pod>('pods').create(pod);
    recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
    return created;
  } catch (err) {
    recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

/** Deletes a pod of `owner` (404 counts as done) and records `SuccessfulDelete` / `FailedDelete`. */
export async function deletePod(
  client: RestClient,
  recorder: EventRecorder,
  owner: { apiVersion?: string; kind?: string; metadata?: any },
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await client.resource<Pod>('pods').delete(name, { namespace });
    recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  } catch (err) {
    if (isNotFound(err)) return;
    recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

/** Upstream's IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

/** Upstream's IsPodReady: the Ready condition is True. */
export function isPodReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Upstream's IsPodAvailable: ready for at least `minReadySeconds` at `now`. */
export function isPodAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  const c = (p.status?.conditions ?? []).find((x) => x.type === 'Ready' && x.status === 'True');
  if (!c) return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

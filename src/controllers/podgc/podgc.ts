// The pod garbage collector (upstream pkg/controller/podgc): terminated pods beyond a threshold, orphaned and unscheduled-terminating pods.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound, type Informer, type RestClient } from '../../client/index.js';

/** Upstream gcCheckPeriod (20 s) and quarantineTime (40 s). */
export const GC_CHECK_PERIOD_MS = 20_000;
export const QUARANTINE_MS = 40_000;

export const isPodTerminated = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * Which terminated pods to delete so at most `threshold` remain (upstream gcTerminated): evicted pods first, then
 * oldest creation first (ties by namespace/name). `threshold <= 0` disables this.
 */
export function terminatedPodsToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const n = terminated.length - threshold;
  if (n <= 0) return [];
  const evicted = (p: Pod) => (p.status?.reason === 'Evicted' ? 0 : 1);
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  const name = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  return [...terminated]
    .sort((a, b) => evicted(a) - evicted(b) || created(a) - created(b) || name(a).localeCompare(name(b)))
    .slice(0, n);
}

/** Pods being deleted that were never scheduled (upstream gcUnscheduledTerminating). */
export function unscheduledTerminatingPods(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => !!p.metadata?.deletionTimestamp && !p.spec?.nodeName);
}

/** Options of {@link PodGCController} (shorter periods in tests). */
export interface PodGCOptions {
  terminatedPodThreshold: number;
  periodMs?: number;
  quarantineMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * Every period: deletes terminated pods beyond the threshold, pods bound to nodes that have been missing for the
 * quarantine time (confirmed by a live GET; marked Failed with DisruptionTarget/DeletionByPodGC first), and
 * terminating pods that were never scheduled. Deletes use grace period 0, as upstream.
 */
export class PodGCController {
  /** Node names seen missing, with when they were first seen missing. */
  private readonly missingSince = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    private readonly pods: Informer<Pod>,
    private readonly nodes: Informer<Node>,
    private readonly opts: PodGCOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs gc every period until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.opts.periodMs ?? GC_CHECK_PERIOD_MS;
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (err) {
        this.opts.log?.(`gc: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, period);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** One pass of all three collections. */
  async gc(): Promise<void> {
    const pods = this.pods.lister.list() as Pod[];
    for (const p of terminatedPodsToDelete(pods, this.opts.terminatedPodThreshold)) await this.markFailedAndDelete(p);
    await this.gcOrphaned(pods);
    for (const p of unscheduledTerminatingPods(pods)) await this.markFailedAndDelete(p);
  }

  private async gcOrphaned(pods: Pod[]): Promise<void> {
    const existing = new Set((this.nodes.lister.list() as Node[]).map((n) => n.metadata!.name!));
    const now = this.now();
    const referenced = new Set<string>();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (!n || existing.has(n)) continue;
      referenced.add(n);
      if (!this.missingSince.has(n)) this.missingSince.set(n, now);
    }
    for (const n of [...this.missingSince.keys()]) if (!referenced.has(n)) this.missingSince.delete(n);
    const deleted = new Set<string>();
    const quarantine = this.opts.quarantineMs ?? QUARANTINE_MS;
    for (const [n, since] of this.missingSince) {
      if (now - since < quarantine) continue;
      try {
        await this.client.resource<Node>('nodes').get(n);
        this.missingSince.delete(n);
      } catch (err) {
        if (isNotFound(err)) deleted.add(n);
        else throw err;
      }
    }
    for (const p of pods) {
      if (p.spec?.nodeName && deleted.has(p.spec.nodeName)) {
        await this.markFailedAndDelete(p, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
      }
    }
  }

  /** Upstream markFailedAndDeletePodWithCondition: a non-terminal pod is marked Failed (with `condition`), then deleted with grace 0. */
  private async markFailedAndDelete(pod: Pod, condition?: { type: string; status: string; reason: string; message: string }): Promise<void> {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    try {
      if (!isPodTerminated(pod)) {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) status['conditions'] = [{ ...condition, lastTransitionTime: new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') }];
        await this.client.resource<Pod>('pods').patch(name, { status }, 'strategic', { namespace, subresource: 'status' });
      }
      await this.client.resource<Pod>('pods').delete(name, { namespace, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

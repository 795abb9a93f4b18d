// The namespace controller (upstream pkg/controller/namespace): empties terminating namespaces and finalizes them.
import type { Namespace } from 'kubernetes-types/core/v1.js';
import {
  WorkQueue,
  bucketRateLimiter,
  exponentialRateLimiter,
  maxOfRateLimiter,
  runWorkers,
  type Informer,
  type RestClient,
} from '../../client/index.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './deleter.js';

/**
 * How long after seeing a namespace event the controller waits before processing it (upstream
 * namespaceDeletionGracePeriod): lets every apiserver's lifecycle admission see the deletion first.
 */
export const NAMESPACE_DELETION_GRACE_PERIOD_MS = 5_000;

/** Options of {@link NamespaceController}. */
export interface NamespaceControllerOptions {
  /** Delay before a namespace event is processed [5 s]. */
  deletionGracePeriodMs?: number;
  log?: (line: string) => void;
}

/** The requeue delay for remaining content: half the estimate plus one second (upstream). */
export function remainingRequeueMs(estimateSeconds: number): number {
  return (Math.floor(estimateSeconds / 2) + 1) * 1000;
}

/**
 * Watches namespaces; each one with a deletionTimestamp is queued (after the grace period) and handed to the
 * {@link NamespacedResourcesDeleter} until its content is gone and its `kubernetes` finalizer removed. Remaining
 * content requeues after half the estimate; errors back off 5 ms doubling to 60 s.
 */
export class NamespaceController {
  private readonly queue = new WorkQueue<string>({
    name: 'namespace',
    // Retries at least every minute, never longer (upstream nsControllerRateLimiter).
    rateLimiter: maxOfRateLimiter<string>(exponentialRateLimiter<string>(5, 60_000), bucketRateLimiter<string>(10, 100)),
  });
  readonly deleter: NamespacedResourcesDeleter;
  private readonly graceMs: number;
  private readonly log: (line: string) => void;

  constructor(client: RestClient, namespaces: Informer<Namespace>, opts: NamespaceControllerOptions = {}) {
    this.graceMs = opts.deletionGracePeriodMs ?? NAMESPACE_DELETION_GRACE_PERIOD_MS;
    this.log = opts.log ?? (() => {});
    this.deleter = new NamespacedResourcesDeleter(client, this.log);
    const enqueue = (o: unknown) => {
      const ns = o as Namespace;
      if (!ns.metadata?.deletionTimestamp || !ns.metadata.name) return;
      this.queue.addAfter(ns.metadata.name, this.graceMs);
    };
    namespaces.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  /** Runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    await runWorkers(this.queue, workers, (name) => this.sync(name), signal, (name, err) =>
      this.log(`deletion of namespace ${name} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** One pass for namespace `name`; remaining content is requeued after the estimate, errors are thrown. */
  async sync(name: string): Promise<void> {
    try {
      await this.deleter.delete(name);
    } catch (err) {
      if (err instanceof ResourcesRemainingError) {
        this.queue.addAfter(name, remainingRequeueMs(err.estimate));
        return;
      }
      throw err;
    }
  }
}

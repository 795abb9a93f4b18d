// The endpoint controller (upstream pkg/controller/endpoint): keeps the Endpoints of every Service with a selector in step with its pods.
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isForbidden, isNotFound, metaKey, runWorkers, splitMetaKey, WorkQueue, type DeepReadonly, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import {
  formatRFC3339Nano,
  hasStatusCause,
  HEADLESS_LABEL,
  isServiceIPSet,
  LAST_CHANGE_TRIGGER_TIME,
  semanticEqualIgnoreRV,
  enqueueServicesAndPods,
  podsSelectedBy,
  TriggerTimeTracker,
} from '../endpointslice/util.js';
import { capacityAnnotationSetCorrectly, computeSubsets, OVER_CAPACITY_ANNOTATION, truncateSubsets } from './subsets.js';

/** Endpoints carrying this annotation are leader-election records, never cleaned up as leftovers. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

function labelsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a![k] === b?.[k]);
}

/**
 * Upstream's endpoint controller. Services, pods and endpoints come from shared informers; the queue holds
 * service keys. A sync computes the subsets from the pods matching the selector and creates/updates the
 * Endpoints of the same name when they, its labels or its over-capacity annotation differ; it deletes the
 * Endpoints when the Service is gone. Services without a selector and ExternalName services are left alone.
 */
export class EndpointController {
  readonly queue = new WorkQueue<string>({ name: 'endpoint' });
  private readonly triggerTimes = new TriggerTimeTracker();
  /** Endpoints key -> the resourceVersion this controller replaced (a cache still showing it is stale). */
  private readonly staleRV = new Map<string, string>();

  constructor(
    private readonly client: RestClient,
    private readonly services: Informer<Service>,
    private readonly pods: Informer<Pod>,
    private readonly endpoints: Informer<Endpoints>,
    private readonly recorder?: EventRecorder,
    private readonly log: (line: string) => void = () => {},
  ) {
    enqueueServicesAndPods(services, pods, this.queue);
    endpoints.addEventHandler({ delete: (e) => this.queue.add(metaKey(e)) });
  }

  /** Runs the workers until `signal` aborts; first queues every existing Endpoints so leftovers without a Service are removed. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    for (const ep of this.endpoints.lister.list()) {
      if (ep.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.queue.add(metaKey(ep));
    }
    await runWorkers(this.queue, workers, (k) => this.sync(k), signal, (k, err) => this.log(`syncing endpoints of ${k}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Reconciles the Endpoints of the service `namespace/name`; throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaKey(key);
    const svc = this.services.lister.get(key);
    const epClient = this.client.resource<Endpoints>('endpoints');
    if (!svc) {
      try {
        await epClient.delete(name, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.staleRV.delete(key);
      return;
    }
    const pods = podsSelectedBy(svc, this.pods.lister);
    if (!pods) return;
    const trigger = this.triggerTimes.compute(svc, pods);
    const subsets = computeSubsets(svc, pods);

    const current = this.endpoints.lister.get(key);
    if (current && this.staleRV.get(key) === current.metadata?.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata?.resourceVersion} already processed for endpoints ${key}`);
    }
    const create = !current;
    const currentLabels = { ...(current?.metadata?.labels ?? {}) };
    delete currentLabels[HEADLESS_LABEL];
    if (
      current &&
      semanticEqualIgnoreRV(current.subsets, subsets) &&
      labelsEqual(currentLabels, svc.metadata?.labels) &&
      capacityAnnotationSetCorrectly(current.metadata?.annotations, current.subsets as never)
    ) {
      return;
    }
    const next: Endpoints = current
      ? (structuredClone(current) as Endpoints)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    next.apiVersion ??= 'v1';
    next.kind ??= 'Endpoints';
    next.subsets = subsets;
    const meta = next.metadata!;
    const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
    if (trigger !== 0) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncateSubsets(next.subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    meta.annotations = annotations;
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];
    meta.labels = labels;
    try {
      if (create) {
        await epClient.create(next, { namespace });
      } else {
        const updated = await epClient.update(next, { namespace });
        if (updated.metadata?.resourceVersion !== current.metadata?.resourceVersion) this.staleRV.set(key, current.metadata!.resourceVersion!);
      }
    } catch (err) {
      // Creates in a terminating namespace keep failing: drop the item.
      if (create && isForbidden(err) && hasStatusCause(err, 'NamespaceTerminating')) return;
      const msg = err instanceof Error ? err.message : String(err);
      if (create) this.recorder?.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${msg}`);
      else this.recorder?.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${msg}`);
      throw err;
    }
  }
}

// The endpointslice controller (upstream pkg/controller/endpointslice): keeps the EndpointSlices of every Service with a selector in step with its pods.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound, metaKey, runWorkers, splitMetaKey, WorkQueue, type DeepReadonly, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, planReconcile } from './reconciler.js';
import { formatRFC3339Nano, hasStatusCause, LAST_CHANGE_TRIGGER_TIME, enqueueServicesAndPods, podsSelectedBy, TriggerTimeTracker } from './util.js';

type RSlice = DeepReadonly<EndpointSlice>;

/** Delay before a service is synced because one of its slices changed (upstream endpointSliceChangeMinSyncDelay). */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;
const DELETION_EXPECTED = -1;

function rvNum(slice: RSlice): number {
  const n = Number(slice.metadata?.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Upstream EndpointSliceTracker, keyed on resourceVersion (kubets does not bump EndpointSlice generations): per
 * service, the resourceVersion of each slice this controller last wrote, or "deletion expected". It tells whether
 * an informer event is one of ours (no resync needed) and whether the cache is behind our own writes (stale).
 */
export class EndpointSliceTracker {
  private readonly byService = new Map<string, Map<string, number>>();

  private svcKey(slice: RSlice): string {
    return `${slice.metadata?.namespace}/${slice.metadata?.labels?.[LABEL_SERVICE_NAME] ?? ''}`;
  }

  /** Records a slice as written by us (the object the apiserver returned). */
  update(slice: RSlice): void {
    const k = this.svcKey(slice);
    let m = this.byService.get(k);
    if (!m) this.byService.set(k, (m = new Map()));
    m.set(slice.metadata!.uid!, rvNum(slice));
  }

  /** Records that we deleted `slice`. */
  expectDeletion(slice: RSlice): void {
    const k = this.svcKey(slice);
    let m = this.byService.get(k);
    if (!m) this.byService.set(k, (m = new Map()));
    m.set(slice.metadata!.uid!, DELETION_EXPECTED);
  }

  has(slice: RSlice): boolean {
    return this.byService.get(this.svcKey(slice))?.has(slice.metadata?.uid ?? '') ?? false;
  }

  /** Whether an observed slice differs from what we last wrote (someone else changed it, or we never wrote it). */
  shouldSync(slice: RSlice): boolean {
    const v = this.byService.get(this.svcKey(slice))?.get(slice.metadata?.uid ?? '');
    return v === undefined || rvNum(slice) > v;
  }

  /** Forgets a deleted slice; false when its deletion was not ours (the service must be resynced). */
  handleDeletion(slice: RSlice): boolean {
    const m = this.byService.get(this.svcKey(slice));
    if (!m) return true;
    const v = m.get(slice.metadata?.uid ?? '');
    m.delete(slice.metadata?.uid ?? '');
    return !(v !== undefined && v !== DELETION_EXPECTED);
  }

  /** Whether the cached `slices` of `namespace/name` lag behind our writes (a slice we wrote missing or older, or one we deleted still there). */
  staleSlices(key: string, slices: readonly RSlice[]): boolean {
    const m = this.byService.get(key);
    if (!m) return false;
    const seen = new Set<string>();
    for (const s of slices) {
      const uid = s.metadata?.uid ?? '';
      seen.add(uid);
      const v = m.get(uid);
      if (v !== undefined && (v === DELETION_EXPECTED || v > rvNum(s))) return true;
    }
    for (const [uid, v] of m) if (v !== DELETION_EXPECTED && !seen.has(uid)) return true;
    return false;
  }

  deleteService(key: string): void {
    this.byService.delete(key);
  }
}

/**
 * Upstream's endpointslice controller: the queue holds service keys; a sync lists the pods matching the
 * selector and the slices labelled with the service's name and this controller's managed-by value, plans the
 * minimal changes ({@link planReconcile}) and writes them, annotating written slices with the last change
 * trigger time. Slices of a deleted service are left to the garbage collector (owner references).
 */
export class EndpointSliceController {
  readonly queue = new WorkQueue<string>({ name: 'endpoint_slice' });
  readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(
    private readonly client: RestClient,
    private readonly services: Informer<Service>,
    private readonly pods: Informer<Pod>,
    private readonly slices: Informer<EndpointSlice>,
    private readonly nodes: Informer<Node>,
    private readonly maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE,
    private readonly recorder?: EventRecorder,
    private readonly log: (line: string) => void = () => {},
  ) {
    enqueueServicesAndPods(services, pods, this.queue);
    const managed = (s: RSlice) => s.metadata?.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
    const queueFor = (s: RSlice) => {
      const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (svc) this.queue.addAfter(`${s.metadata?.namespace}/${svc}`, SLICE_CHANGE_MIN_SYNC_DELAY_MS);
    };
    slices.addEventHandler({
      add: (s) => {
        if (managed(s) && this.tracker.shouldSync(s)) queueFor(s);
      },
      update: (o, n) => {
        if (o.metadata?.labels?.[LABEL_SERVICE_NAME] !== n.metadata?.labels?.[LABEL_SERVICE_NAME]) {
          queueFor(o);
          queueFor(n);
        }
        if (managed(o) !== managed(n) || (managed(n) && this.tracker.shouldSync(n))) queueFor(n);
      },
      delete: (s) => {
        if (managed(s) && this.tracker.has(s) && !this.tracker.handleDeletion(s)) queueFor(s);
      },
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    await runWorkers(this.queue, workers, (k) => this.sync(k), signal, (k, err) => this.log(`syncing endpoint slices of ${k}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Reconciles the EndpointSlices of the service `namespace/name`; throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaKey(key);
    const svc = this.services.lister.get(key);
    if (!svc) {
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(key);
      return;
    }
    const pods = podsSelectedBy(svc, this.pods.lister);
    if (!pods) return;
    const slices = this.slices.lister
      .byIndex('namespace', namespace)
      .filter((s) => s.metadata?.labels?.[LABEL_SERVICE_NAME] === name && s.metadata?.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME && !s.metadata?.deletionTimestamp)
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    if (this.tracker.staleSlices(key, slices)) throw new Error('EndpointSlice informer cache is out of date');
    const trigger = this.triggerTimes.compute(svc, pods);
    try {
      await this.reconcile(svc, pods, slices, trigger);
    } catch (err) {
      this.recorder?.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async reconcile(svc: DeepReadonly<Service>, pods: readonly DeepReadonly<Pod>[], slices: readonly RSlice[], trigger: number): Promise<void> {
    const ns = svc.metadata!.namespace!;
    const plan = planReconcile({
      service: svc,
      pods,
      existing: slices,
      node: (n) => this.nodes.lister.get(n),
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
    });
    const api = this.client.resource<EndpointSlice>('endpointslices');
    const annotate = (s: EndpointSlice) => {
      const a: Record<string, string> = { ...(s.metadata?.annotations ?? {}) };
      if (trigger !== 0) a[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
      else delete a[LAST_CHANGE_TRIGGER_TIME];
      s.metadata = { ...s.metadata, annotations: a };
    };
    // No new slices for a service being deleted (they would race with the garbage collector).
    if (!svc.metadata?.deletionTimestamp) {
      for (const s of plan.create) {
        annotate(s);
        try {
          this.tracker.update(await api.create(s, { namespace: ns }));
        } catch (err) {
          if (hasStatusCause(err, 'NamespaceTerminating')) return;
          throw new Error(`failed to create EndpointSlice for Service ${ns}/${svc.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    for (const s of plan.update) {
      annotate(s);
      try {
        this.tracker.update(await api.update(s, { namespace: ns }));
      } catch (err) {
        throw new Error(`failed to update ${s.metadata?.name} EndpointSlice for Service ${ns}/${svc.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const s of plan.delete) {
      try {
        await api.delete(s.metadata!.name!, { namespace: ns });
        this.tracker.expectDeletion(s);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`failed to delete ${s.metadata?.name} EndpointSlice for Service ${ns}/${svc.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (plan.errors.length > 0) throw new Error(plan.errors.join('; '));
  }
}

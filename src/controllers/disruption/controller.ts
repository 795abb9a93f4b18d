// The disruption controller (upstream pkg/controller/disruption): PodDisruptionBudget status the eviction subresource reads.
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector } from '../../apimachinery/index.js';
import { RESOURCES } from '../../api/resources.js';
import { isConflict, isNotFound, runWorkers, WorkQueue, type DeepReadonly, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import { controllerOf } from '../util/index.js';
import { withPodCondition } from '../nodelifecycle/nodeutil.js';
import {
  buildDisruptedPodMap,
  computePdbStatus,
  countHealthyPods,
  expectedPodCount,
  setStatusCondition,
  STALE_POD_DISRUPTION_TIMEOUT_MS,
} from './pdb.js';

type RPod = DeepReadonly<Pod>;
type RPdb = DeepReadonly<PodDisruptionBudget>;

/** Informers the controller reads. */
export interface DisruptionInformers {
  pods: Informer<Pod>;
  pdbs: Informer<PodDisruptionBudget>;
  rcs: Informer<ReplicationController>;
  rss: Informer<ReplicaSet>;
  deployments: Informer<Deployment>;
  statefulsets: Informer<StatefulSet>;
}

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  const i = v.indexOf('/');
  return i < 0 ? '' : v.slice(0, i);
}

const metaTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Keeps every PodDisruptionBudget's status current: expectedPods and desiredHealthy (from minAvailable or
 * maxUnavailable, percentages against the scale of the pods' controllers: ReplicationController, Deployment,
 * ReplicaSet, StatefulSet, else any `/scale`), currentHealthy (Ready pods not being deleted nor recently evicted),
 * disruptionsAllowed, disruptedPods (entries dropped once the pod is being deleted or after 2 minutes), the
 * DisruptionAllowed condition (SufficientPods / InsufficientPods, SyncFailed on errors with disruptionsAllowed 0)
 * and observedGeneration. Status is written through poddisruptionbudgets/status only when it changed. Also resets a
 * DisruptionTarget=True pod condition left 2 minutes on a pod that was not deleted.
 */
export class DisruptionController {
  private readonly queue = new WorkQueue<string>({ name: 'disruption' });
  private readonly staleQueue = new WorkQueue<string>({ name: 'stale_pod_disruption' });

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly inf: DisruptionInformers,
    private readonly now: () => number = Date.now,
  ) {
    const pdbKey = (p: RPdb) => `${p.metadata!.namespace}/${p.metadata!.name}`;
    inf.pdbs.addEventHandler({ add: (p) => this.queue.add(pdbKey(p)), update: (_o, p) => this.queue.add(pdbKey(p)), delete: (p) => this.queue.add(pdbKey(p)) });
    const onPod = (p: RPod, checkStale: boolean) => {
      for (const pdb of this.pdbsForPod(p)) this.queue.add(pdbKey(pdb));
      if (!checkStale) return;
      const stale = this.staleDisruptionWait(p);
      if (stale !== undefined) this.staleQueue.addAfter(`${p.metadata!.namespace}/${p.metadata!.name}`, stale);
    };
    inf.pods.addEventHandler({ add: (p) => onPod(p, true), update: (_o, p) => onPod(p, true), delete: (p) => onPod(p, false) });
  }

  /** Runs the workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    const log = (what: string) => (k: string, e: unknown) => process.stderr.write(`disruption: ${what} ${k}: ${e instanceof Error ? e.message : String(e)}\n`);
    await Promise.all([
      runWorkers(this.queue, workers, (k) => this.sync(k), signal, log('error syncing PodDisruptionBudget')),
      runWorkers(this.staleQueue, 1, (k) => this.syncStalePodDisruption(k), signal, log('error clearing DisruptionTarget of pod')),
    ]);
  }

  /** The PDBs whose (non-empty) selector matches the pod; more than one earns a `MultiplePodDisruptionBudgets` event. */
  private pdbsForPod(pod: RPod): RPdb[] {
    const labels = pod.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const out: RPdb[] = [];
    for (const pdb of this.inf.pdbs.lister.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      const s = pdb.spec?.selector;
      if (!s || ((s.matchLabels === undefined || Object.keys(s.matchLabels).length === 0) && (s.matchExpressions ?? []).length === 0)) continue;
      try {
        if (selectorFromLabelSelector(s as never).matches(labels)) out.push(pdb);
      } catch {
        // invalid selector: matches nothing
      }
    }
    if (out.length > 1) {
      const msg = `Pod ${JSON.stringify(pod.metadata?.namespace)}/${JSON.stringify(pod.metadata?.name)} matches multiple PodDisruptionBudgets.  Chose ${JSON.stringify(out[0]!.metadata?.name)} arbitrarily.`;
      this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return out;
  }

  private podsForPdb(pdb: RPdb): RPod[] {
    const sel = selectorFromLabelSelector(pdb.spec?.selector as never);
    return this.inf.pods.lister.byIndex('namespace', pdb.metadata?.namespace ?? '').filter((p) => sel.matches(p.metadata?.labels ?? {}));
  }

  /** Syncs one PDB (`namespace/name`); conflicts are rethrown (requeue), other failures go through failSafe. */
  async sync(key: string): Promise<void> {
    const pdb = this.inf.pdbs.lister.get(key);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      if (isConflict(err)) throw err;
      await this.failSafe(pdb, err);
    }
  }

  private async trySync(pdb: RPdb): Promise<void> {
    let pods: RPod[];
    try {
      pods = this.podsForPdb(pdb);
    } catch (err) {
      this.recorder.event(this.ref(pdb), 'Warning', 'NoPods', `Failed to get pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (pods.length === 0) this.recorder.event(this.ref(pdb), 'Normal', 'NoPods', 'No matching pods found');

    const spec = pdb.spec ?? {};
    const needsScale = (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) || typeof spec.minAvailable === 'string';
    let counts;
    try {
      const scale = needsScale ? await this.expectedScale(pods) : { expected: 0, unmanaged: [] };
      counts = expectedPodCount(pdb, pods, () => scale);
    } catch (err) {
      this.recorder.event(this.ref(pdb), 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (counts.unmanaged.length > 0) {
      this.recorder.event(
        this.ref(pdb),
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(spec.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.now();
    const { disrupted, expired, recheckAt } = buildDisruptedPodMap(pdb, pods, now);
    for (const p of expired) {
      this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: p.metadata }, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.name} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, disrupted, now);
    const status = computePdbStatus(pdb, currentHealthy, counts.desiredHealthy, counts.expectedCount, disrupted, metaTime(now));
    if (status) await this.writeStatus(pdb, status);
    if (recheckAt !== undefined) this.queue.addAfter(`${pdb.metadata!.namespace}/${pdb.metadata!.name}`, recheckAt - now);
  }

  /** Upstream failSafe: at least set disruptionsAllowed 0 with DisruptionAllowed=False reason SyncFailed. */
  private async failSafe(pdb: RPdb, err: unknown): Promise<void> {
    const status = structuredClone(pdb.status ?? {}) as NonNullable<PodDisruptionBudget['status']>;
    status.disruptionsAllowed = 0;
    status.conditions = setStatusCondition(
      pdb.status?.conditions,
      { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: err instanceof Error ? err.message : String(err), observedGeneration: pdb.status?.observedGeneration ?? 0 },
      metaTime(this.now()),
    );
    await this.writeStatus(pdb, status);
  }

  private async writeStatus(pdb: RPdb, status: NonNullable<PodDisruptionBudget['status']>): Promise<void> {
    const next = { ...(structuredClone(pdb) as PodDisruptionBudget), status };
    try {
      await this.client.resource<PodDisruptionBudget>('poddisruptionbudgets').updateStatus(next, { namespace: pdb.metadata!.namespace! });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /**
   * Upstream getExpectedScale: the summed scale of the distinct controllers of `pods`; pods without a controller
   * are returned as unmanaged; a controller that cannot be found is an error (`found no controllers for pod "x"`).
   */
  async expectedScale(pods: readonly RPod[]): Promise<{ expected: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod as Pod);
      if (!ref) {
        unmanaged.push(pod.metadata?.name ?? '');
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = await this.findController(ref, pod.metadata?.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name)}`);
      scales.set(found.uid, found.scale);
    }
    let expected = 0;
    for (const s of scales.values()) expected += s;
    return { expected, unmanaged };
  }

  /** The finders in upstream order: RC, Deployment (via its ReplicaSet), ReplicaSet, StatefulSet, then /scale. */
  private async findController(ref: OwnerReference, ns: string): Promise<{ uid: string; scale: number } | undefined> {
    const group = groupOf(ref.apiVersion);
    const key = `${ns}/${ref.name}`;
    if (ref.kind === 'ReplicationController' && group === '') {
      const rc = this.inf.rcs.lister.get(key);
      return rc && rc.metadata?.uid === ref.uid ? { uid: ref.uid, scale: rc.spec?.replicas ?? 1 } : undefined;
    }
    if (ref.kind === 'ReplicaSet' && (group === 'apps' || group === 'extensions')) {
      const rs = this.inf.rss.lister.get(key);
      if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs as ReplicaSet);
      if (owner && owner.kind === 'Deployment') {
        const og = groupOf(owner.apiVersion);
        if (og !== 'apps' && og !== 'extensions') return undefined;
        const d = this.inf.deployments.lister.get(`${ns}/${owner.name}`);
        return d && d.metadata?.uid === owner.uid ? { uid: owner.uid, scale: d.spec?.replicas ?? 1 } : undefined;
      }
      return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet' && group === 'apps') {
      const ss = this.inf.statefulsets.lister.get(key);
      return ss && ss.metadata?.uid === ref.uid ? { uid: ref.uid, scale: ss.spec?.replicas ?? 1 } : undefined;
    }
    return this.scaleController(ref, ns, group);
  }

  /** Upstream getScaleController: GET the owner's /scale subresource. */
  private async scaleController(ref: OwnerReference, ns: string, group: string): Promise<{ uid: string; scale: number } | undefined> {
    const version = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion.slice(ref.apiVersion.indexOf('/') + 1) : ref.apiVersion;
    const info = RESOURCES.find((r) => r.group === group && r.kind === ref.kind);
    if (!info) throw new Error(`no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}`);
    const gr = group ? `${info.resource}.${group}` : info.resource;
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    try {
      const scale = await this.client.request<{ metadata?: { uid?: string }; spec?: { replicas?: number } }>({
        method: 'GET',
        path: `${base}/namespaces/${encodeURIComponent(ns)}/${info.resource}/${encodeURIComponent(ref.name)}/scale`,
      });
      if (scale.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!info.subresources.some((s) => s.name === 'scale')) throw new Error(`${gr} does not implement the scale subresource`);
      return undefined;
    }
  }

  /** How long until a stale DisruptionTarget=True condition of `pod` should be reset; undefined when it has none to reset. */
  private staleDisruptionWait(pod: RPod): number | undefined {
    if (pod.metadata?.deletionTimestamp) return undefined;
    const phase = pod.status?.phase;
    const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    if (!c || c.status !== 'True' || c.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const since = Date.parse(c.lastTransitionTime ?? '') || this.now();
    return Math.max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - (this.now() - since));
  }

  /** Upstream syncStalePodDisruption: sets the stale DisruptionTarget condition False through pods/status. */
  async syncStalePodDisruption(key: string): Promise<void> {
    const pod = this.inf.pods.lister.get(key);
    if (!pod) return;
    const wait = this.staleDisruptionWait(pod);
    if (wait === undefined) return;
    if (wait > 0) {
      this.staleQueue.addAfter(key, wait);
      return;
    }
    const next = withPodCondition(pod, { type: 'DisruptionTarget', status: 'False' }, new Date(this.now()));
    if (!next) return;
    try {
      await this.client.resource<Pod>('pods').updateStatus(next, { namespace: pod.metadata!.namespace! });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private ref(pdb: RPdb): { apiVersion: string; kind: string; metadata: unknown } {
    return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: pdb.metadata };
  }
}

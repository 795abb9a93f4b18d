// The DaemonSet controller (upstream pkg/controller/daemon): one pod per eligible node, revisions, rolling updates, status.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../apimachinery/index.js';
import { isAlreadyExists, isConflict, isNotFound, runWorkers, WorkQueue, type Informer } from '../../client/index.js';
import type { ControllerContext } from '../context.js';
import { revisionData, templatePatch } from '../history/index.js';
import { claimObjects, ControllerExpectations, controllerOf, isPodAvailable, isPodReady, keyOf, newControllerRef, podFromTemplate } from '../util/index.js';
import {
  byCreation,
  countDaemonStatus,
  DAEMONSET_HASH_LABEL,
  daemonPodTemplate,
  daemonSetHash,
  nodeShouldRunDaemonPod,
  planRollingUpdate,
  planSurgeUpdate,
  replaceNodeNameAffinity,
  rollingLimits,
  targetNodeName,
  templateGeneration,
} from './utils.js';

/** Upstream BurstReplicas: at most this many creates (and deletes) per sync. */
const BURST_REPLICAS = 250;
const FAILED_BACKOFF_INITIAL_MS = 1_000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

/**
 * Upstream DaemonSetsController. Handlers enqueue `namespace/name`; `sync` records the template as a
 * ControllerRevision, creates a pod (with a required `metadata.name` node affinity, so the scheduler places it) on
 * every node that should run one and lacks it, deletes pods from nodes that should not (and failed ones, with
 * back-off), replaces old pods per the RollingUpdate strategy, cleans up history and writes status.
 */
export class DaemonSetController {
  readonly queue = new WorkQueue<string>({ name: 'daemonset' });
  readonly expectations = new ControllerExpectations();
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly failedBackoff = new Map<string, { delay: number; at: number }>();

  constructor(private readonly ctx: ControllerContext, private readonly now: () => number = Date.now) {
    this.sets = ctx.informers.informerFor<DaemonSet>('daemonsets');
    this.pods = ctx.informers.informerFor<Pod>('pods');
    this.nodes = ctx.informers.informerFor<Node>('nodes');
    this.revisions = ctx.informers.informerFor<ControllerRevision>('controllerrevisions');
    this.sets.addEventHandler({
      add: (d) => this.queue.add(keyOf(d as DaemonSet)),
      update: (_o, d) => this.queue.add(keyOf(d as DaemonSet)),
      delete: (d) => {
        this.expectations.delete(keyOf(d as DaemonSet));
        this.queue.add(keyOf(d as DaemonSet));
      },
    });
    this.pods.addEventHandler({
      add: (p) => {
        const pod = p as Pod;
        const ds = this.ownerOf(pod);
        if (pod.metadata?.deletionTimestamp) {
          if (ds) this.expectations.deletionObserved(keyOf(ds));
        } else if (ds) this.expectations.creationObserved(keyOf(ds));
        this.enqueueForPod(pod);
      },
      update: (o, p) => {
        const pod = p as Pod;
        if (pod.metadata?.deletionTimestamp && !(o as Pod).metadata?.deletionTimestamp) {
          const ds = this.ownerOf(pod);
          if (ds) this.expectations.deletionObserved(keyOf(ds));
        }
        const oldRef = controllerOf(o as Pod);
        if (oldRef && oldRef.uid !== controllerOf(pod)?.uid) this.enqueueForPod(o as Pod);
        this.enqueueForPod(pod);
      },
      delete: (p) => {
        const pod = p as Pod;
        const ds = this.ownerOf(pod);
        if (ds && !pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(keyOf(ds));
        if (ds) this.queue.add(keyOf(ds));
      },
    });
    this.nodes.addEventHandler({
      add: (n) => this.enqueueForNode(undefined, n as Node),
      update: (o, n) => this.enqueueForNode(o as Node, n as Node),
      delete: () => {
        for (const ds of this.sets.lister.list()) this.queue.add(keyOf(ds as DaemonSet));
      },
    });
  }

  /** Runs the workers until `signal` aborts (informers must be synced). */
  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.ctx.options.workers, (k) => this.sync(k), signal, (k, err) => this.ctx.log(`syncing ${k}: ${err instanceof Error ? err.message : String(err)}`));
  }

  private ownerOf(pod: Pod): DaemonSet | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.sets.lister.get(`${pod.metadata?.namespace}/${ref.name}`) as DaemonSet | undefined;
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  private enqueueForPod(pod: Pod): void {
    if (controllerOf(pod)) {
      const ds = this.ownerOf(pod);
      if (ds) this.queue.add(keyOf(ds));
      return;
    }
    for (const ds of this.sets.lister.list() as DaemonSet[]) {
      if (ds.metadata?.namespace !== pod.metadata?.namespace) continue;
      try {
        if (selectorFromLabelSelector(ds.spec?.selector as never).matches(pod.metadata?.labels ?? {})) this.queue.add(keyOf(ds));
      } catch {
        // invalid selector
      }
    }
  }

  /** Upstream add/updateNode: enqueue the DaemonSets whose verdict about the node is (or changed to) relevant. */
  private enqueueForNode(old: Node | undefined, node: Node): void {
    for (const ds of this.sets.lister.list() as DaemonSet[]) {
      const now = nodeShouldRunDaemonPod(node, ds);
      if (!old) {
        if (now.shouldRun) this.queue.add(keyOf(ds));
        continue;
      }
      const before = nodeShouldRunDaemonPod(old, ds);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.queue.add(keyOf(ds));
    }
  }

  /** One reconciliation of the DaemonSet `key`; throws to be retried. */
  async sync(key: string): Promise<void> {
    const cached = this.sets.lister.get(key) as DaemonSet | undefined;
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const ds = structuredClone(cached) as DaemonSet;
    const sel = ds.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.ctx.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const nodes = this.nodes.lister.list() as Node[];
    const { cur, old } = await this.constructHistory(ds);
    const hash = cur.metadata?.labels?.[DAEMONSET_HASH_LABEL] ?? '';
    if (!this.expectations.satisfied(key)) {
      await this.updateStatus(ds, nodes, hash, false);
      return;
    }
    let failure: unknown;
    try {
      await this.manage(ds, nodes, hash);
      if (this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await this.rollingUpdate(ds, nodes, hash);
      await this.cleanupHistory(ds, old);
    } catch (err) {
      failure = err;
    }
    await this.updateStatus(ds, nodes, hash, true);
    if (failure !== undefined) throw failure;
  }

  /** The DaemonSet's pods (adopting orphans, releasing non-matching), grouped by target node; terminal pods being deleted are left out. */
  private async nodesToDaemonPods(ds: DaemonSet): Promise<Map<string, Pod[]>> {
    const candidates = (this.pods.lister.list() as Pod[]).filter((p) => p.metadata?.namespace === ds.metadata?.namespace);
    const pods = await claimObjects(this.ctx.client.resource<Pod>('pods'), ds, 'apps/v1', 'DaemonSet', ds.spec?.selector as never, candidates);
    const out = new Map<string, Pod[]>();
    for (const p of pods) {
      const phase = p.status?.phase;
      if ((phase === 'Succeeded' || phase === 'Failed') && p.metadata?.deletionTimestamp) continue;
      const node = targetNodeName(p);
      if (node === undefined) continue;
      const list = out.get(node) ?? [];
      list.push(p);
      out.set(node, list);
    }
    return out;
  }

  /** Upstream manage: pods to create per node and pods to delete (failed, excess, misscheduled, on vanished nodes). */
  private async manage(ds: DaemonSet, nodes: readonly Node[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds);
    const create: string[] = [];
    const remove: string[] = [];
    for (const node of nodes) {
      const name = node.metadata!.name!;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = nodeToPods.get(name);
      if (shouldRun && !pods) {
        create.push(name);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const pod of pods ?? []) {
          if (pod.metadata?.deletionTimestamp) continue;
          if (pod.status?.phase === 'Failed') {
            const bkey = `${ds.metadata?.uid}/${ds.metadata?.generation}/${name}`;
            const wait = this.inBackoff(bkey);
            if (wait > 0) {
              this.queue.addAfter(keyOf(ds), wait);
              continue;
            }
            this.nextBackoff(bkey);
            this.ctx.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata!.namespace}/${pod.metadata!.name} on node ${name}, will try to kill it`);
            remove.push(pod.metadata!.name!);
          } else if (pod.status?.phase === 'Succeeded') {
            this.ctx.recorder.event(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.metadata!.namespace}/${pod.metadata!.name} on node ${name}, will try to delete it`);
            remove.push(pod.metadata!.name!);
          } else running.push(pod);
        }
        const surge = rollingLimits(ds, 1).maxSurge > 0 && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
        running.sort(byCreation);
        if (!surge) {
          for (const p of running.slice(1)) remove.push(p.metadata!.name!);
        } else if (running.length <= 1) {
          if (running.length === 0 && shouldRun) create.push(name);
        } else {
          let oldestNew: Pod | undefined;
          let oldestOld: Pod | undefined;
          for (const p of running) {
            const isNew = p.metadata?.labels?.[DAEMONSET_HASH_LABEL] === hash;
            if (isNew && !oldestNew) oldestNew = p;
            else if (!isNew && !oldestOld) oldestOld = p;
            else remove.push(p.metadata!.name!);
          }
          if (oldestNew && oldestOld) {
            const readyOld = isPodReady(oldestOld);
            if (!readyOld || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.now())) remove.push(oldestOld.metadata!.name!);
          }
        }
      } else if (pods) {
        for (const pod of pods) if (!pod.metadata?.deletionTimestamp) remove.push(pod.metadata!.name!);
      }
    }
    // Unscheduled pods aimed at nodes that no longer exist.
    const known = new Set(nodes.map((n) => n.metadata!.name!));
    for (const [node, pods] of nodeToPods) {
      if (known.has(node)) continue;
      for (const p of pods) if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp) remove.push(p.metadata!.name!);
    }
    await this.syncNodes(ds, remove, create, hash);
  }

  /** Upstream rollingUpdate: replaces old pods within maxUnavailable (or, with maxSurge, surges new pods first). */
  private async rollingUpdate(ds: DaemonSet, nodes: readonly Node[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds);
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      if (!nodeToPods.has(node.metadata!.name!)) nodeToPods.set(node.metadata!.name!, []);
    }
    const { maxSurge, maxUnavailable } = rollingLimits(ds, desired);
    const gen = templateGeneration(ds);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (maxSurge === 0) {
      await this.syncNodes(ds, planRollingUpdate(nodeToPods, hash, gen, maxUnavailable, minReady, this.now()), [], hash);
      return;
    }
    const byName = new Map(nodes.map((n) => [n.metadata!.name!, n] as const));
    const plan = planSurgeUpdate(nodeToPods, hash, gen, maxSurge, desired, minReady, this.now(), (n) => {
      const node = byName.get(n);
      return node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
    });
    await this.syncNodes(ds, plan.remove, plan.create, hash);
  }

  /** Upstream syncNodes: expectations, then creates in slow-start batches (1, 2, 4 ...) and deletes. */
  private async syncNodes(ds: DaemonSet, remove: string[], create: string[], hash: string): Promise<void> {
    const key = keyOf(ds);
    const createN = Math.min(create.length, BURST_REPLICAS);
    const deleteN = Math.min(remove.length, BURST_REPLICAS);
    if (createN === 0 && deleteN === 0) return;
    this.expectations.expectCreations(key, createN);
    this.expectations.raise(key, 0, deleteN);
    const template = daemonPodTemplate(ds, hash);
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
    const errors: unknown[] = [];
    let pos = 0;
    for (let batch = Math.min(createN, 1); pos < createN; pos += batch, batch = Math.min(2 * batch, createN - pos)) {
      const results = await Promise.allSettled(
        create.slice(pos, pos + batch).map(async (node) => {
          const pod = podFromTemplate(template, ds.metadata!.namespace!, ds.metadata!.name!, ref);
          pod.spec = { ...pod.spec!, affinity: replaceNodeNameAffinity(pod.spec?.affinity, node) };
          try {
            const created = await this.ctx.client.resource<Pod>('pods').create(pod);
            this.ctx.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
          } catch (err) {
            this.expectations.creationObserved(key);
            this.ctx.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
            throw err;
          }
        }),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        // Upstream skips the remaining batches; their creations will never be observed.
        for (let i = pos + batch; i < createN; i++) this.expectations.creationObserved(key);
        errors.push(...failed.map((f) => f.reason));
        break;
      }
    }
    await Promise.all(
      remove.slice(0, deleteN).map(async (name) => {
        try {
          await this.ctx.client.resource<Pod>('pods').delete(name, { namespace: ds.metadata!.namespace! });
          this.ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (isNotFound(err)) return;
          this.ctx.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** Upstream constructHistory: the revision matching the current template (created or renumbered newest) and the others. */
  private async constructHistory(ds: DaemonSet): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const ns = ds.metadata!.namespace!;
    const crs = this.ctx.client.resource<ControllerRevision>('controllerrevisions');
    const candidates = (this.revisions.lister.list() as ControllerRevision[]).filter((r) => r.metadata?.namespace === ns);
    const histories = await claimObjects(crs, ds, 'apps/v1', 'DaemonSet', ds.spec?.selector as never, candidates);
    const patch = templatePatch(ds);
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let h of histories) {
      if (h.metadata?.labels?.[DAEMONSET_HASH_LABEL] === undefined) {
        const next = structuredClone(h);
        next.metadata!.labels = { ...(next.metadata!.labels ?? {}), [DAEMONSET_HASH_LABEL]: next.metadata!.name! };
        h = await crs.update(next);
      }
      (revisionData(h) === patch ? current : old).push(h);
    }
    const nextRev = old.reduce((m, r) => Math.max(m, r.revision), 0) + 1;
    if (current.length === 0) return { cur: await this.snapshot(ds, patch, nextRev), old };
    let cur = await this.dedupCurHistories(ds, current);
    if (cur.revision < nextRev) {
      cur = await crs.update({ ...structuredClone(cur), revision: nextRev });
    }
    return { cur, old };
  }

  /** Upstream snapshot: creates the revision `<ds>-<hash>`; a different revision under that name bumps status.collisionCount. */
  private async snapshot(ds: DaemonSet, patch: string, revision: number): Promise<ControllerRevision> {
    const ns = ds.metadata!.namespace!;
    const hash = daemonSetHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${ds.metadata!.name}-${hash}`;
    const crs = this.ctx.client.resource<ControllerRevision>('controllerrevisions');
    const history: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [DAEMONSET_HASH_LABEL]: hash },
        ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      data: JSON.parse(patch) as object,
      revision,
    };
    try {
      return await crs.create(history);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await crs.get(name, { namespace: ns });
      if (revisionData(existing) === patch) return existing;
      const dsClient = this.ctx.client.resource<DaemonSet>('daemonsets');
      const fresh = await dsClient.get(ds.metadata!.name!, { namespace: ns });
      if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
        throw new Error(`found a stale collision count (${ds.status?.collisionCount ?? 0}, expected ${fresh.status?.collisionCount ?? 0}) of DaemonSet "${ds.metadata!.name}" while processing; will retry until it is updated`);
      }
      (fresh as { status?: DaemonSetStatus }).status = { ...(fresh.status as DaemonSetStatus), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
      await dsClient.updateStatus(fresh);
      throw err;
    }
  }

  /** Upstream dedupCurHistories: keeps the newest of several revisions equal to the template, relabels their pods, deletes the rest. */
  private async dedupCurHistories(ds: DaemonSet, current: ControllerRevision[]): Promise<ControllerRevision> {
    if (current.length === 1) return current[0]!;
    const keep = current.reduce((a, b) => (b.revision > a.revision ? b : a));
    const keepHash = keep.metadata?.labels?.[DAEMONSET_HASH_LABEL] ?? '';
    const pods = await this.nodesToDaemonPods(ds);
    for (const dup of current) {
      if (dup === keep) continue;
      const dupHash = dup.metadata?.labels?.[DAEMONSET_HASH_LABEL];
      for (const list of pods.values()) {
        for (const p of list) {
          if (p.metadata?.labels?.[DAEMONSET_HASH_LABEL] !== dupHash) continue;
          await this.ctx.client.resource<Pod>('pods').patch(p.metadata!.name!, { metadata: { labels: { [DAEMONSET_HASH_LABEL]: keepHash } } }, 'merge', { namespace: p.metadata!.namespace! });
        }
      }
      try {
        await this.ctx.client.resource('controllerrevisions').delete(dup.metadata!.name!, { namespace: dup.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return keep;
  }

  /** Upstream cleanupHistory: deletes the oldest old revisions no pod uses beyond revisionHistoryLimit. */
  private async cleanupHistory(ds: DaemonSet, old: ControllerRevision[]): Promise<void> {
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const list of (await this.nodesToDaemonPods(ds)).values()) for (const p of list) {
      const h = p.metadata?.labels?.[DAEMONSET_HASH_LABEL];
      if (h) live.add(h);
    }
    for (const h of [...old].sort((a, b) => a.revision - b.revision)) {
      if (toKill <= 0) break;
      if (live.has(h.metadata?.labels?.[DAEMONSET_HASH_LABEL] ?? '')) continue;
      try {
        await this.ctx.client.resource('controllerrevisions').delete(h.metadata!.name!, { namespace: h.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      toKill--;
    }
  }

  /** Upstream updateDaemonSetStatus/storeDaemonSetStatus: writes the counters (and observedGeneration) when they changed. */
  private async updateStatus(ds: DaemonSet, nodes: readonly Node[], hash: string, updateObservedGen: boolean): Promise<void> {
    const counts = countDaemonStatus(ds, nodes, await this.nodesToDaemonPods(ds), hash, this.now());
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) this.queue.addAfter(keyOf(ds), minReady * 1000);
    const s = ds.status;
    const same = (Object.keys(counts) as (keyof typeof counts)[]).every((k) => (s?.[k] ?? 0) === counts[k]);
    if (same && (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0)) return;
    const client = this.ctx.client.resource<DaemonSet>('daemonsets');
    let target = ds;
    for (let attempt = 0; attempt < 2; attempt++) {
      const next = structuredClone(target);
      const status: DaemonSetStatus = { ...(next.status ?? ({} as DaemonSetStatus)), ...counts };
      if (updateObservedGen) status.observedGeneration = ds.metadata?.generation ?? 0;
      (next as { status?: DaemonSetStatus }).status = status;
      try {
        await client.updateStatus(next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
        target = await client.get(ds.metadata!.name!, { namespace: ds.metadata!.namespace! });
      }
    }
  }

  /** Milliseconds left in the failed-pod back-off of `key` (0 when not backing off). */
  private inBackoff(key: string): number {
    const e = this.failedBackoff.get(key);
    if (!e) return 0;
    const left = e.at + e.delay - this.now();
    return left > 0 ? left : 0;
  }

  private nextBackoff(key: string): void {
    const e = this.failedBackoff.get(key);
    const t = this.now();
    if (!e || t - e.at > 2 * FAILED_BACKOFF_MAX_MS) this.failedBackoff.set(key, { delay: FAILED_BACKOFF_INITIAL_MS, at: t });
    else this.failedBackoff.set(key, { delay: Math.min(e.delay * 2, FAILED_BACKOFF_MAX_MS), at: t });
  }
}

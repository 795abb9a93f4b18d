// The taint eviction controller (upstream pkg/controller/tainteviction): deletes pods from nodes with NoExecute taints they do not tolerate.
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isNotFound, runWorkers, WorkQueue, type DeepReadonly, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import { ensureNodeNameIndex, NODE_NAME_INDEX, withPodCondition } from './nodeutil.js';
import { matchingTolerations, minTolerationTimeMs, noExecuteTaints } from './taints.js';

/** Upstream `retries` for one deletion. */
const DELETE_RETRIES = 5;

interface Work {
  createdAt: number;
  fireAt: number;
  /** undefined once the work ran successfully (kept so the pod is not scheduled again, as upstream). */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Upstream's TimedWorkerQueue: at most one pending deletion per pod key, fired at `fireAt`. A finished deletion
 * keeps its key (so the same pod is not queued again) until cancelled.
 */
export class TimedWorkerQueue {
  private readonly work = new Map<string, Work>();

  constructor(private readonly fn: (key: string, fireAt: number) => Promise<void>, private readonly now: () => number = Date.now) {}

  /** Schedules `key` to fire at `fireAt` unless it already has work (pending or done). */
  addWork(key: string, createdAt: number, fireAt: number): void {
    if (this.work.has(key)) return;
    const w: Work = { createdAt, fireAt, timer: undefined };
    w.timer = setTimeout(() => void this.fire(key, w), Math.max(0, fireAt - this.now()));
    this.work.set(key, w);
  }

  private async fire(key: string, w: Work): Promise<void> {
    let ok = false;
    try {
      await this.fn(key, w.fireAt);
      ok = true;
    } catch {
      ok = false;
    }
    if (this.work.get(key) !== w) return;
    if (ok) w.timer = undefined;
    else this.work.delete(key);
  }

  /** Cancels `key`'s work; true when pending work was cancelled (not when it had already run). */
  cancelWork(key: string): boolean {
    const w = this.work.get(key);
    if (!w) return false;
    this.work.delete(key);
    if (w.timer === undefined) return false;
    clearTimeout(w.timer);
    return true;
  }

  /** The pending or finished work of `key`. */
  get(key: string): { createdAt: number; fireAt: number; pending: boolean } | undefined {
    const w = this.work.get(key);
    return w && { createdAt: w.createdAt, fireAt: w.fireAt, pending: w.timer !== undefined };
  }

  /** Cancels every pending timer (shutdown). */
  close(): void {
    for (const w of this.work.values()) if (w.timer) clearTimeout(w.timer);
    this.work.clear();
  }
}

/**
 * What to do with one pod given its node's NoExecute taints (upstream processPodOnNode): `cancel` (no taints or
 * tolerated forever), `now` (a taint not tolerated: delete at once, cancelling any scheduled deletion), or
 * `at` a time (the smallest tolerationSeconds of the tolerations used, counted from `startTime` — the pending
 * work's start when there is one — and `keep` when the pending work already fires no later).
 */
export function evictionDecision(
  taints: readonly Readonly<Taint>[],
  tolerations: readonly Readonly<Toleration>[] | undefined,
  now: number,
  pending: { createdAt: number } | undefined,
): { action: 'cancel' } | { action: 'now' } | { action: 'keep' } | { action: 'at'; createdAt: number; fireAt: number } {
  if (taints.length === 0) return { action: 'cancel' };
  const { allTolerated, used } = matchingTolerations(taints, tolerations);
  if (!allTolerated) return { action: 'now' };
  const min = minTolerationTimeMs(used);
  if (min < 0) return { action: 'cancel' };
  const trigger = now + min;
  if (pending) {
    if (pending.createdAt + min < trigger) return { action: 'keep' };
    return { action: 'at', createdAt: pending.createdAt, fireAt: pending.createdAt + min };
  }
  return { action: 'at', createdAt: now, fireAt: trigger };
}

/**
 * Watches nodes' NoExecute taints and pods' tolerations. Pods on a tainted node that do not tolerate every
 * NoExecute taint are deleted at once; pods that tolerate with tolerationSeconds are deleted when the smallest
 * runs out (timed from when the controller saw the taint); removing the taint cancels pending deletions. Each
 * deletion first adds the pod condition DisruptionTarget=True (reason `DeletionByTaintManager`) and records a
 * `TaintManagerEviction` event ("Marking for deletion Pod ns/name"; "Cancelling deletion of Pod ns/name" on
 * cancel).
 */
export class TaintEvictionController {
  private readonly nodeQueue = new WorkQueue<string>({ name: 'noexec_taint_node' });
  private readonly podQueue = new WorkQueue<string>({ name: 'noexec_taint_pod' });
  private readonly tainted = new Map<string, Taint[]>();
  readonly evictions: TimedWorkerQueue;

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly nodes: Informer<Node>,
    private readonly pods: Informer<Pod>,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`taint-eviction-controller: ${l}\n`),
  ) {
    this.evictions = new TimedWorkerQueue((key) => this.deletePod(key));
    ensureNodeNameIndex(pods);
    const sameTaints = (a: DeepReadonly<Node>, b: DeepReadonly<Node>) => JSON.stringify(noExecuteTaints(a.spec?.taints as Taint[])) === JSON.stringify(noExecuteTaints(b.spec?.taints as Taint[]));
    nodes.addEventHandler({
      add: (n) => this.nodeQueue.add(n.metadata!.name!),
      update: (o, n) => {
        if (!sameTaints(o, n)) this.nodeQueue.add(n.metadata!.name!);
      },
      delete: (n) => this.nodeQueue.add(n.metadata!.name!),
    });
    const key = (p: DeepReadonly<Pod>) => `${p.metadata!.namespace}/${p.metadata!.name}`;
    pods.addEventHandler({
      add: (p) => this.podQueue.add(key(p)),
      update: (o, p) => {
        if (o.spec?.nodeName === p.spec?.nodeName && JSON.stringify(o.spec?.tolerations ?? []) === JSON.stringify(p.spec?.tolerations ?? [])) return;
        this.podQueue.add(key(p));
      },
      delete: (p) => this.podQueue.add(key(p)),
    });
  }

  /** Runs the workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 4): Promise<void> {
    signal.addEventListener('abort', () => this.evictions.close(), { once: true });
    await Promise.all([
      runWorkers(this.nodeQueue, workers, async (n) => this.handleNodeUpdate(n), signal, (n, e) => this.log(`node ${n}: ${String(e)}`)),
      runWorkers(this.podQueue, workers, async (k) => this.handlePodUpdate(k), signal, (k, e) => this.log(`pod ${k}: ${String(e)}`)),
    ]);
  }

  /** Upstream handleNodeUpdate: records the node's NoExecute taints and (re)decides for each of its pods. */
  handleNodeUpdate(name: string): void {
    const node = this.nodes.lister.get(name);
    if (!node) {
      this.tainted.delete(name);
      return;
    }
    const taints = noExecuteTaints(node.spec?.taints as Taint[] | undefined);
    if (taints.length === 0) this.tainted.delete(name);
    else this.tainted.set(name, taints);
    const pods = this.pods.lister.byIndex(NODE_NAME_INDEX, name);
    const now = Date.now();
    for (const p of pods) this.processPodOnNode(`${p.metadata!.namespace}/${p.metadata!.name}`, p, taints, now);
  }

  /** Upstream handlePodUpdate: a gone pod cancels its work; a pod on a tainted node is (re)decided. */
  handlePodUpdate(key: string): void {
    const pod = this.pods.lister.get(key);
    if (!pod) {
      this.cancelWithEvent(key);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const taints = this.tainted.get(nodeName);
    if (!taints) return;
    this.processPodOnNode(key, pod, taints, Date.now());
  }

  private processPodOnNode(key: string, pod: DeepReadonly<Pod>, taints: readonly Taint[], now: number): void {
    const pending = this.evictions.get(key);
    const d = evictionDecision(taints, pod.spec?.tolerations as Toleration[] | undefined, now, pending);
    switch (d.action) {
      case 'cancel':
        this.cancelWithEvent(key);
        return;
      case 'now':
        this.cancelWithEvent(key);
        this.evictions.addWork(key, now, now);
        return;
      case 'keep':
        return;
      case 'at':
        if (pending) this.cancelWithEvent(key);
        this.evictions.addWork(key, d.createdAt, d.fireAt);
    }
  }

  private cancelWithEvent(key: string): void {
    if (this.evictions.cancelWork(key)) this.event(key, `Cancelling deletion of Pod ${key}`);
  }

  private event(key: string, message: string): void {
    const i = key.indexOf('/');
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: key.slice(0, i), name: key.slice(i + 1) } }, 'Normal', 'TaintManagerEviction', message);
  }

  /** Upstream deletePodHandler: event, DisruptionTarget condition, delete; up to 5 tries. */
  private async deletePod(key: string): Promise<void> {
    this.log(`deleting pod ${key}`);
    this.event(key, `Marking for deletion Pod ${key}`);
    const i = key.indexOf('/');
    const namespace = key.slice(0, i);
    const name = key.slice(i + 1);
    const pods = this.client.resource<Pod>('pods');
    let last: unknown;
    for (let attempt = 0; attempt < DELETE_RETRIES; attempt++) {
      try {
        const pod = await pods.get(name, { namespace });
        const next = withPodCondition(pod, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }, new Date());
        if (next) await pods.updateStatus(next, { namespace });
        await pods.delete(name, { namespace });
        return;
      } catch (err) {
        last = err;
        if (isNotFound(err)) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    throw last;
  }
}

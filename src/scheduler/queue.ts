// The scheduling queue (upstream internal/queue.PriorityQueue): activeQ heap, backoffQ, the unschedulable (and gated) pods, moves on cluster events, periodic flushes.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ClusterEvent, QueuedPodInfo } from './framework.js';
import { podKey, podUid } from './nodeinfo.js';

/** A binary heap keyed by a string, with in-place update and delete. */
export class Heap<T> {
  private items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(
    private readonly key: (x: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  list(): T[] {
    return [...this.items];
  }
  peek(): T | undefined {
    return this.items[0];
  }
  /** Adds or replaces the item with the same key. */
  addOrUpdate(x: T): void {
    const k = this.key(x);
    const i = this.index.get(k);
    if (i !== undefined) {
      this.items[i] = x;
      this.fix(i);
      return;
    }
    this.items.push(x);
    this.index.set(k, this.items.length - 1);
    this.up(this.items.length - 1);
  }
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const x = this.items[i]!;
    const last = this.items.length - 1;
    this.swap(i, last);
    this.items.pop();
    this.index.delete(key);
    if (i < this.items.length) this.fix(i);
    return x;
  }
  pop(): T | undefined {
    const top = this.items[0];
    if (top === undefined) return undefined;
    this.delete(this.key(top));
    return top;
  }
  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }
  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.key(b), i);
    this.index.set(this.key(a), j);
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }
  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      const r = l + 1;
      if (r < n && this.less(this.items[r]!, this.items[l]!)) m = r;
      if (!this.less(this.items[m]!, this.items[i]!)) break;
      this.swap(i, m);
      i = m;
    }
    return i > i0;
  }
}

export interface SchedulingQueueOptions {
  /** The activeQ order (the profile's QueueSort). */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** PreEnqueue check; a non-undefined message gates the pod. */
  preEnqueue?: (pod: Pod) => { plugin: string; message: string } | undefined;
  /** Plugin -> events that may make pods it rejected schedulable ('all' = any event). */
  pluginEvents?: ReadonlyMap<string, ReadonlySet<ClusterEvent> | 'all'>;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** How long a pod may stay unschedulable before a periodic flush moves it back [5 min]. */
  podMaxInUnschedulablePodsMs?: number;
  now?: () => number;
}

/** Where a pod is in the queue (tests, debugging). */
export type QueueLocation = 'active' | 'backoff' | 'unschedulable' | 'gated' | undefined;

function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) => JSON.stringify({ labels: p.metadata?.labels, annotations: p.metadata?.annotations, spec: p.spec });
  return strip(a) !== strip(b);
}

/**
 * Upstream PriorityQueue. Pods wait in activeQ (ordered by `less`), in backoffQ after a failed attempt (1 s
 * doubling per attempt to 10 s), or in the unschedulable set until a relevant cluster event
 * ({@link moveAllToActiveOrBackoffQueue}) or the 5-minute flush. Pods a PreEnqueue plugin rejects (scheduling
 * gates) wait gated until an update lets them in. {@link pop} resolves with the next pod.
 */
export class SchedulingQueue {
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done (uid -> pod). */
  private readonly inFlight = new Map<string, Pod>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private seq = 0;
  private closed = false;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxUnschedMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SchedulingQueueOptions) {
    this.initialMs = opts.podInitialBackoffMs ?? 1000;
    this.maxMs = opts.podMaxBackoffMs ?? 10_000;
    this.maxUnschedMs = opts.podMaxInUnschedulablePodsMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    const key = (q: QueuedPodInfo) => podUid(q.pod);
    this.activeQ = new Heap(key, (a, b) => (opts.less(a, b) ? true : opts.less(b, a) ? false : a.seq < b.seq));
    this.backoffQ = new Heap(key, (a, b) => {
      const ta = this.backoffExpiry(a);
      const tb = this.backoffExpiry(b);
      return ta < tb || (ta === tb && a.seq < b.seq);
    });
  }

  /** Backoff after `attempts` failed attempts: initial * 2^(attempts-1), capped. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxMs) return this.maxMs;
    }
    return Math.min(d, this.maxMs);
  }

  /** When the pod's backoff ends (ms). */
  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.now();
  }

  private newInfo(pod: Pod): QueuedPodInfo {
    const now = this.now();
    return { pod, timestamp: now, attempts: 0, initialAttemptTimestamp: now, unschedulablePlugins: new Set(), gated: false, seq: this.seq++ };
  }

  /** Runs PreEnqueue; true when the pod may enter activeQ (else it is marked gated). */
  private admit(q: QueuedPodInfo): boolean {
    const r = this.opts.preEnqueue?.(q.pod);
    if (r) {
      q.gated = true;
      q.gatedBy = r.message;
      q.unschedulablePlugins = new Set([r.plugin]);
      return false;
    }
    q.gated = false;
    delete q.gatedBy;
    return true;
  }

  private toActive(q: QueuedPodInfo): void {
    const k = podUid(q.pod);
    if (!this.admit(q)) {
      this.unschedulable.set(k, q);
      return;
    }
    this.unschedulable.delete(k);
    this.backoffQ.delete(k);
    this.activeQ.addOrUpdate(q);
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.activeQ.size > 0) {
      const w = this.waiters.shift()!;
      w(this.popNow());
    }
  }

  /** A new unscheduled pod. */
  add(pod: Pod): void {
    const k = podUid(pod);
    if (this.activeQ.has(k) || this.backoffQ.has(k) || this.unschedulable.has(k)) return this.update(undefined, pod);
    this.toActive(this.newInfo(pod));
  }

  /** An unscheduled pod changed: updated in place, or moved out of the unschedulable/gated set when its spec changed. */
  update(old: Pod | undefined, pod: Pod): void {
    const k = podUid(pod);
    const inActive = this.activeQ.get(k);
    if (inActive) {
      inActive.pod = pod;
      this.activeQ.addOrUpdate(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(k);
    if (inBackoff) {
      inBackoff.pod = pod;
      this.backoffQ.addOrUpdate(inBackoff);
      return;
    }
    const u = this.unschedulable.get(k);
    if (u) {
      const changed = old === undefined || specOrLabelsChanged(old, pod);
      u.pod = pod;
      if (u.gated) {
        if (this.admit(u)) {
          this.unschedulable.delete(k);
          // A pod leaving the gate starts afresh (upstream: no backoff for gated pods).
          u.timestamp = this.now();
          this.activeQ.addOrUpdate(u);
          this.wake();
        }
        return;
      }
      if (changed) {
        this.unschedulable.delete(k);
        if (this.isBackingOff(u)) this.backoffQ.addOrUpdate(u);
        else this.toActive(u);
      }
      return;
    }
    if (this.inFlight.has(k)) {
      this.inFlight.set(k, pod);
      return;
    }
    this.toActive(this.newInfo(pod));
  }

  /**
   * Upstream Activate: a pod waiting in the unschedulable set (gated or not) or in backoffQ goes to activeQ now,
   * PreEnqueue permitting. Pods in activeQ, in flight or unknown are left alone.
   */
  activate(pod: Pod): void {
    const k = podUid(pod);
    const q = this.unschedulable.get(k) ?? this.backoffQ.get(k);
    if (!q) return;
    this.unschedulable.delete(k);
    this.backoffQ.delete(k);
    this.toActive(q);
  }

  /** The pod was deleted or assigned: removes it from every queue. */
  delete(pod: Pod): void {
    const k = podUid(pod);
    this.activeQ.delete(k);
    this.backoffQ.delete(k);
    this.unschedulable.delete(k);
  }

  /**
   * Waits for the next pod (removing it from activeQ, counting an attempt and a scheduling cycle); resolves
   * undefined once the queue is closed.
   */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (this.activeQ.size > 0) return Promise.resolve(this.popNow());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private popNow(): QueuedPodInfo | undefined {
    const q = this.activeQ.pop();
    if (!q) return undefined;
    q.attempts++;
    this.schedulingCycle++;
    this.inFlight.set(podUid(q.pod), q.pod);
    return q;
  }

  /** The number of pops so far. */
  currentSchedulingCycle(): number {
    return this.schedulingCycle;
  }

  /** The scheduling attempt of a popped pod is over (scheduled, or requeued). */
  done(pod: Pod): void {
    this.inFlight.delete(podUid(pod));
  }

  /**
   * After a failed attempt: to backoffQ when the failure was an error (no rejecting plugins) or a move request
   * arrived since the pod's cycle started; otherwise to the unschedulable set. The pod's timestamp is reset.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podSchedulingCycle: number): void {
    const k = podUid(q.pod);
    this.inFlight.delete(k);
    if (this.activeQ.has(k) || this.backoffQ.has(k) || this.unschedulable.has(k)) return;
    q.timestamp = this.now();
    if (this.moveRequestCycle >= podSchedulingCycle || q.unschedulablePlugins.size === 0) this.backoffQ.addOrUpdate(q);
    else this.unschedulable.set(k, q);
  }

  /**
   * A cluster event: every unschedulable (not gated) pod rejected by a plugin interested in `event` moves to
   * backoffQ (still backing off) or activeQ. Also records the move request so pods in flight go to backoffQ.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    const all = event === 'WildCard' || event === 'UnschedulableTimeout';
    for (const [k, q] of [...this.unschedulable]) {
      if (q.gated) continue;
      if (!all && !this.interested(q, event)) continue;
      this.unschedulable.delete(k);
      if (this.isBackingOff(q)) this.backoffQ.addOrUpdate(q);
      else this.toActive(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  private interested(q: QueuedPodInfo, event: ClusterEvent): boolean {
    const pe = this.opts.pluginEvents;
    if (!pe || q.unschedulablePlugins.size === 0) return true;
    for (const p of q.unschedulablePlugins) {
      const ev = pe.get(p);
      if (ev === undefined || ev === 'all' || ev.has(event)) return true;
    }
    return false;
  }

  /** Moves pods whose backoff has ended from backoffQ to activeQ (run every second). */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoffQ.pop();
      this.toActive(top);
    }
  }

  /** Moves pods unschedulable for longer than the limit (5 min) back (run every 30 s). Gated pods stay. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    for (const [k, q] of [...this.unschedulable]) {
      if (q.gated || now - q.timestamp <= this.maxUnschedMs) continue;
      this.unschedulable.delete(k);
      if (this.isBackingOff(q)) this.backoffQ.addOrUpdate(q);
      else this.toActive(q);
    }
  }

  /** Where the pod is queued. */
  locate(pod: Pod): QueueLocation {
    const k = podUid(pod);
    if (this.activeQ.has(k)) return 'active';
    if (this.backoffQ.has(k)) return 'backoff';
    const u = this.unschedulable.get(k);
    if (u) return u.gated ? 'gated' : 'unschedulable';
    return undefined;
  }

  /** Every queued pod with where it is (upstream PendingPods). */
  pendingPods(): { pod: Pod; location: Exclude<QueueLocation, undefined> }[] {
    return [
      ...this.activeQ.list().map((q) => ({ pod: q.pod, location: 'active' as const })),
      ...this.backoffQ.list().map((q) => ({ pod: q.pod, location: 'backoff' as const })),
      ...[...this.unschedulable.values()].map((q) => ({ pod: q.pod, location: q.gated ? ('gated' as const) : ('unschedulable' as const) })),
    ];
  }

  /** The queued info of a pod (tests). */
  get(pod: Pod): QueuedPodInfo | undefined {
    const k = podUid(pod);
    return this.activeQ.get(k) ?? this.backoffQ.get(k) ?? this.unschedulable.get(k);
  }

  /** Starts the periodic flushes (backoffQ every 1 s, leftovers every 30 s) until `signal` aborts; then closes. */
  run(signal: AbortSignal): void {
    const a = setInterval(() => this.flushBackoffQCompleted(), 1000);
    const b = setInterval(() => this.flushUnschedulablePodsLeftover(), 30_000);
    a.unref?.();
    b.unref?.();
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(a);
        clearInterval(b);
        this.close();
      },
      { once: true },
    );
  }

  /** Wakes every pop() with undefined; later pops resolve undefined. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** `ns/name` of every pod in activeQ in pop order (tests). */
  activeOrder(): string[] {
    const copy = new Heap<QueuedPodInfo>((q) => podUid(q.pod), (a, b) => (this.opts.less(a, b) ? true : this.opts.less(b, a) ? false : a.seq < b.seq));
    for (const q of this.activeQ.list()) copy.addOrUpdate(q);
    const out: string[] = [];
    for (let q = copy.pop(); q; q = copy.pop()) out.push(podKey(q.pod));
    return out;
  }
}

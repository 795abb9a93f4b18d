// API Priority and Fairness: per-priority-level concurrency limits, shuffle-sharded fair queuing, seat borrowing, and the max-inflight fallback.
import { createHash } from 'node:crypto';
import type { FlowSchema, PriorityLevelConfiguration } from 'kubernetes-types/flowcontrol/v1.js';
import { userCacheKey, type UserInfo } from '../authn.js';
import { StatusError, tooManyRequests } from '../../apimachinery/status.js';
import { CATCH_ALL, EXEMPT, MANDATORY_FS_CATCH_ALL, MANDATORY_FS_EXEMPT, MANDATORY_PL_CATCH_ALL, MANDATORY_PL_EXEMPT } from './bootstrap.js';
import { classify, sortFlowSchemas, type Classification, type RequestDigest } from './classify.js';

/** 400 (`--max-requests-inflight`) + 200 (`--max-mutating-requests-inflight`). */
export const DEFAULT_SERVER_CONCURRENCY_LIMIT = 600;
/** A quarter of the default request timeout (60 s), as upstream's APF filter. */
export const DEFAULT_REQUEST_WAIT_LIMIT_MS = 15_000;
/** Upstream's hard cap on the time a request may wait in a queue. */
export const MAX_REQUEST_WAIT_LIMIT_MS = 60_000;
/** How often seats are re-divided among the priority levels (upstream's borrowingAdjustmentPeriod). */
export const BORROWING_ADJUSTMENT_PERIOD_MS = 10_000;
/** The body message of every flow-control 429. */
export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests, please try again later.';
/** Response headers naming the FlowSchema and priority level a request was classified into. */
export const FLOW_SCHEMA_UID_HEADER = 'X-Kubernetes-PF-FlowSchema-UID';
export const PRIORITY_LEVEL_UID_HEADER = 'X-Kubernetes-PF-PriorityLevel-UID';

/** Decay of the smoothed seat demand per adjustment period (half-life of 5 minutes at 10 s periods). */
const SEAT_DEMAND_SMOOTHING = 0.977;
/** The service time a request is assumed to take when it is dispatched (queueset's estimatedServiceDuration). */
const ESTIMATED_SERVICE_SECONDS = 3;
/** Upstream's defaults of v1 queuing configuration and limited shares. */
const DEFAULT_QUEUES = 64;
const DEFAULT_HAND_SIZE = 8;
const DEFAULT_QUEUE_LENGTH_LIMIT = 50;
const DEFAULT_LIMITED_SHARES = 30;

/** Time source and timers; injectable so tests can use a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Timers are unref'd: flow control never keeps the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Why a request was not served: upstream's reject reasons (the `reason` label of apiserver_flowcontrol_rejected_requests_total). */
export type RejectReason = 'queue-full' | 'concurrency-limit' | 'time-out' | 'cancelled';

/** The 429 of flow control: `tooManyRequests("Too many requests, please try again later.", 1)` plus what was decided. */
export class FlowControlRejection extends StatusError {
  constructor(
    readonly rejectReason: RejectReason,
    readonly flowSchema?: { name: string; uid: string },
    readonly priorityLevel?: { name: string; uid: string },
  ) {
    super(tooManyRequests(TOO_MANY_REQUESTS_MESSAGE, 1).status);
  }
}

/** A request that may proceed. */
export interface Admission {
  readonly flowSchema: { readonly name: string; readonly uid: string };
  readonly priorityLevel: { readonly name: string; readonly uid: string };
  /** The flow distinguisher used for shuffle sharding ('' when the level does not queue, as upstream). */
  readonly flowDistinguisher: string;
  /** True when the request holds no seat: the exempt level, or a long-running non-watch request. */
  readonly exempt: boolean;
  /**
   * Frees the request's seat and dispatches waiting requests. Call exactly when the request is done (extra calls
   * are no-ops). For a watch call it once the watch is established (initial events sent): a watch holds a seat
   * only during its initialisation, as upstream.
   */
  release(): void;
}

/** Options of `FlowControl`. */
export interface FlowControlOptions {
  /** Total seats of non-exempt levels (default 600). */
  serverConcurrencyLimit?: number;
  /** How long a request may wait in a queue when its digest has no `timeoutMs` (default 15 s, at most 60 s). */
  requestWaitLimitMs?: number;
  clock?: Clock;
  /** Period of seat rebalancing among levels (default 10 s; 0 disables the timer, `rebalance()` still works). */
  rebalanceIntervalMs?: number;
}

// ---- shuffle sharding ------------------------------------------------------------------------------

/**
 * Upstream's hashFlowID: the first 8 bytes (little-endian) of sha256(flowSchemaName NUL distinguisher). Memoised
 * per flow (a flow's requests all hash alike; the memo is bounded and simply cleared when full).
 */
export function hashFlowID(flowSchema: string, distinguisher: string): bigint {
  const key = `${flowSchema}\u0000${distinguisher}`;
  let h = flowHashes.get(key);
  if (h === undefined) {
    h = createHash('sha256').update(flowSchema).update(Buffer.from([0])).update(distinguisher).digest().readBigUInt64LE(0);
    if (flowHashes.size >= 10_000) flowHashes.clear();
    flowHashes.set(key, h);
  }
  return h;
}

const flowHashes = new Map<string, bigint>();

/**
 * Deals a hand of `handSize` distinct queue indexes in [0, deckSize) from `hash` (shuffle sharding): the hash is
 * read as mixed-radix digits (deckSize, deckSize-1, ...), each digit picking among the cards not dealt yet.
 */
export function dealHand(hash: bigint, deckSize: number, handSize: number): number[] {
  const digits: number[] = [];
  let h = hash;
  for (let i = 0; i < handSize; i++) {
    const radix = BigInt(deckSize - i);
    digits.push(Number(h % radix));
    h /= radix;
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = digits[i]!;
    for (let j = i; j > 0; j--) if (card >= digits[j - 1]!) card++;
    hand.push(card);
  }
  return hand;
}

/** Entropy (bits) a shuffle-sharding configuration needs; upstream refuses more than 60. */
const requiredEntropyBits = (deckSize: number, handSize: number) => Math.ceil(Math.log2(deckSize) * handSize);

// ---- seat allocation -------------------------------------------------------------------------------

/** One priority level in the seat allocation problem. */
export interface AllocationItem {
  lowerBound: number;
  upperBound: number;
  target: number;
}

/**
 * Divides `requiredSum` seats among items: finds the one "fair proportion" p with
 * sum(clamp(target*p, lower, upper)) = requiredSum and returns each item's clamp(target*p, lower, upper) (upstream's
 * computeConcurrencyAllocation). Targets below 0.001 count as 0.001. Returns undefined when the bounds make the sum
 * impossible.
 */
export function allocateConcurrency(requiredSum: number, items: readonly AllocationItem[]): number[] | undefined {
  const eps = 1e-6;
  let lowSum = 0;
  let highSum = 0;
  const targets = items.map((it) => Math.max(it.target, 0.001));
  for (const it of items) {
    if (it.lowerBound < 0 || it.upperBound < it.lowerBound) return undefined;
    lowSum += it.lowerBound;
    highSum += it.upperBound;
  }
  if (requiredSum < 0 || lowSum - requiredSum > eps || requiredSum - highSum > eps) return undefined;
  if (requiredSum === 0) return items.map(() => 0);
  if (lowSum - requiredSum > -eps) return items.map((it) => it.lowerBound);
  if (requiredSum - highSum > -eps) return items.map((it) => it.upperBound);
  const at = (p: number) => items.map((it, i) => Math.min(it.upperBound, Math.max(it.lowerBound, targets[i]! * p)));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  let lo = Math.min(...items.map((it, i) => it.lowerBound / targets[i]!));
  let hi = Math.max(...items.map((it, i) => it.upperBound / targets[i]!));
  for (let k = 0; k < 200 && hi - lo > 1e-12 * Math.max(1, hi); k++) {
    const mid = (lo + hi) / 2;
    if (sum(at(mid)) < requiredSum) lo = mid;
    else hi = mid;
  }
  return at(hi);
}

// ---- queue sets ------------------------------------------------------------------------------------

type LevelKind = 'exempt' | 'reject' | 'queue';

interface LevelConfig {
  kind: LevelKind;
  shares: number;
  lendablePercent: number;
  borrowingLimitPercent: number | undefined;
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

/** Reads a PriorityLevelConfiguration, applying v1 defaults; undefined when it is broken (upstream ignores those). */
function parseLevel(pl: PriorityLevelConfiguration): LevelConfig | undefined {
  const name = pl.metadata?.name;
  const spec = pl.spec;
  if (!name || !spec) return undefined;
  if (spec.type === 'Exempt') {
    if (name !== EXEMPT || spec.limited) return undefined;
    return {
      kind: 'exempt',
      shares: spec.exempt?.nominalConcurrencyShares ?? 0,
      lendablePercent: spec.exempt?.lendablePercent ?? 0,
      borrowingLimitPercent: undefined,
      queues: 0,
      handSize: 0,
      queueLengthLimit: 0,
    };
  }
  if (spec.type !== 'Limited' || name === EXEMPT || !spec.limited || spec.exempt) return undefined;
  const lim = spec.limited;
  const base = {
    shares: lim.nominalConcurrencyShares ?? DEFAULT_LIMITED_SHARES,
    lendablePercent: lim.lendablePercent ?? 0,
    borrowingLimitPercent: lim.borrowingLimitPercent ?? undefined,
  };
  const lr = lim.limitResponse;
  if (!lr || lr.type === 'Reject') {
    if (lr?.queuing) return undefined;
    return { kind: 'reject', ...base, queues: 0, handSize: 0, queueLengthLimit: 0 };
  }
  if (lr.type !== 'Queue') return undefined;
  const queues = lr.queuing?.queues ?? DEFAULT_QUEUES;
  const handSize = lr.queuing?.handSize ?? DEFAULT_HAND_SIZE;
  const queueLengthLimit = lr.queuing?.queueLengthLimit ?? DEFAULT_QUEUE_LENGTH_LIMIT;
  if (queues < 1 || handSize < 1 || handSize > queues || queueLengthLimit < 1 || requiredEntropyBits(queues, handSize) > 60) return undefined;
  return { kind: 'queue', ...base, queues, handSize, queueLengthLimit };
}

class Queue {
  readonly waiting: Request[] = [];
  readonly executing = new Set<Request>();
  seatsInUse = 0;
  /** Virtual time (seat-seconds) at which this queue's next request is due. */
  nextDispatchR = 0;
  get idle(): boolean {
    return this.waiting.length === 0 && this.executing.size === 0;
  }
  get waitingSeats(): number {
    return this.waiting.reduce((s, r) => s + r.seats, 0);
  }
}

class Request {
  state: 'waiting' | 'executing' | 'done' = 'waiting';
  queue: Queue | undefined;
  readonly seats = 1;
  startTime = 0;
  arrivalR = 0;
  private timer: unknown;
  private detachSignal: (() => void) | undefined;
  resolve: (a: Admission) => void = () => {};
  reject: (e: Error) => void = () => {};

  constructor(
    readonly digest: RequestDigest,
    readonly fs: { name: string; uid: string },
    readonly pl: { name: string; uid: string },
    readonly distinguisher: string,
    readonly hash: bigint,
    readonly arriveTime: number,
  ) {}

  /** Work charged at dispatch: seats times the estimated service time. */
  get work(): number {
    return this.seats * ESTIMATED_SERVICE_SECONDS;
  }

  arm(clock: Clock, waitMs: number, signal: AbortSignal | undefined, onTimeout: () => void, onAbort: () => void): void {
    this.timer = clock.setTimeout(onTimeout, waitMs);
    if (signal) {
      signal.addEventListener('abort', onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
    this.disarm = () => {
      clock.clearTimeout(this.timer);
      this.detachSignal?.();
    };
  }

  disarm: () => void = () => {};
}

/** One priority level: its limits, its queues and its counters (upstream's priorityLevelState + queueSet). */
class Level {
  cfg: LevelConfig = { kind: 'reject', shares: 0, lendablePercent: 0, borrowingLimitPercent: undefined, queues: 0, handSize: 0, queueLengthLimit: 0 };
  uid = '';
  queues: Queue[] = [];
  readonly queueless = new Set<Request>();
  nominalCL = 0;
  minCL = 0;
  maxCL = 0;
  currentCL = 0;
  quiescing = false;
  fresh = true;

  seatsInUse = 0;
  executing = 0;
  waiting = 0;
  waitingSeats = 0;
  dispatched = 0;
  rejected = 0;
  timedout = 0;
  cancelled = 0;

  currentR = 0;
  private lastRealTime: number;
  private robinIndex = -1;

  // seat demand (seats in use + seats waiting), integrated over the current adjustment period
  private demand = 0;
  private demandSince: number;
  private demandLast: number;
  private demandSum = 0;
  private demandSumSq = 0;
  private demandMax = 0;
  highWatermark = 0;
  smoothedDemand = 0;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    this.lastRealTime = now;
    this.demandSince = now;
    this.demandLast = now;
  }

  configure(pl: PriorityLevelConfiguration, cfg: LevelConfig): void {
    this.cfg = cfg;
    this.uid = pl.metadata?.uid ?? '';
    // Growing adds queues; shrinking keeps the extra queues until they drain (only the first `queues` are dealt).
    while (this.queues.length < cfg.queues) this.queues.push(new Queue());
    this.trimQueues();
  }

  get idle(): boolean {
    return this.waiting === 0 && this.executing === 0;
  }

  private trimQueues(): void {
    while (this.queues.length > this.cfg.queues && this.queues[this.queues.length - 1]!.idle) this.queues.pop();
  }

  /** Advances virtual time: it runs at min(seats requested, limit) / active queues seat-seconds per second. */
  private syncTime(now: number): void {
    const dt = (now - this.lastRealTime) / 1000;
    this.lastRealTime = now;
    if (dt <= 0) return;
    let active = 0;
    let seats = 0;
    for (const q of this.queues) {
      seats += q.seatsInUse + q.waitingSeats;
      if (!q.idle) active++;
    }
    if (active > 0) this.currentR += (dt * Math.min(seats, this.currentCL)) / active;
  }

  private noteDemand(now: number): void {
    const dt = now - this.demandLast;
    if (dt > 0) {
      this.demandSum += this.demand * dt;
      this.demandSumSq += this.demand * this.demand * dt;
    }
    this.demandLast = now;
    this.demand = this.seatsInUse + this.waitingSeats;
    this.demandMax = Math.max(this.demandMax, this.demand);
  }

  /** Closes the adjustment period: updates high watermark and smoothed demand (avg + stddev, decayed), as upstream. */
  updateDemandStats(now: number): void {
    this.noteDemand(now);
    const duration = now - this.demandSince;
    this.highWatermark = Math.round(this.demandMax);
    if (duration > 0) {
      const avg = this.demandSum / duration;
      const stdDev = Math.sqrt(Math.max(0, this.demandSumSq / duration - avg * avg));
      const envelope = avg + stdDev;
      this.smoothedDemand = Math.max(envelope, SEAT_DEMAND_SMOOTHING * this.smoothedDemand + (1 - SEAT_DEMAND_SMOOTHING) * envelope);
    }
    this.demandSince = now;
    this.demandSum = 0;
    this.demandSumSq = 0;
    this.demandMax = this.demand;
  }

  private canAccommodate(seats: number): boolean {
    if (this.cfg.kind === 'exempt') return true;
    if (seats > this.currentCL) return this.executing === 0;
    return this.seatsInUse + seats <= this.currentCL;
  }

  /** Admits `req` now, queues it, or throws the rejection. `arm` sets up its wait timeout when it is queued. */
  start(req: Request, arm: () => void): void {
    const now = this.clock.now();
    this.syncTime(now);
    if (this.cfg.kind !== 'queue') {
      if (!this.canAccommodate(req.seats)) {
        this.rejected++;
        throw new FlowControlRejection('concurrency-limit', req.fs, req.pl);
      }
      this.execute(req, undefined, now);
      this.noteDemand(now);
      return;
    }
    const q = this.chooseQueue(req.hash);
    if (this.seatsInUse >= this.currentCL && q.waiting.length >= this.cfg.queueLengthLimit) {
      this.rejected++;
      throw new FlowControlRejection('queue-full', req.fs, req.pl);
    }
    if (q.idle) q.nextDispatchR = this.currentR;
    req.arrivalR = this.currentR;
    req.queue = q;
    q.waiting.push(req);
    this.waiting++;
    this.waitingSeats += req.seats;
    arm();
    this.dispatchAsMuchAsPossible(now);
    this.noteDemand(now);
  }

  /** The queue of the request's hand with the least load (seats waiting + in use); ties go to the first dealt. */
  private chooseQueue(hash: bigint): Queue {
    let best: Queue | undefined;
    let bestLoad = Infinity;
    for (const idx of dealHand(hash, this.cfg.queues, this.cfg.handSize)) {
      const q = this.queues[idx]!;
      const load = q.waitingSeats + q.seatsInUse;
      if (load < bestLoad) {
        best = q;
        bestLoad = load;
      }
    }
    return best!;
  }

  private execute(req: Request, q: Queue | undefined, now: number): void {
    req.disarm();
    req.state = 'executing';
    req.startTime = now;
    if (q) {
      q.executing.add(req);
      q.seatsInUse += req.seats;
    } else this.queueless.add(req);
    this.seatsInUse += req.seats;
    this.executing++;
    this.dispatched++;
    req.resolve(this.admission(req));
  }

  admission(req: Request): Admission {
    let released = false;
    return {
      flowSchema: req.fs,
      priorityLevel: req.pl,
      flowDistinguisher: req.distinguisher,
      exempt: this.cfg.kind === 'exempt',
      release: () => {
        if (released) return;
        released = true;
        this.finish(req);
      },
    };
  }

  /** Fair queuing: dispatches from the queue whose head has the earliest virtual finish time while seats allow. */
  dispatchAsMuchAsPossible(now: number): void {
    while (this.waiting > 0 && this.seatsInUse < this.currentCL && this.dispatchOne(now));
  }

  private dispatchOne(now: number): boolean {
    const nq = this.queues.length;
    let minQueue: Queue | undefined;
    let minIndex = -1;
    let minFinish = Infinity;
    for (let k = 0; k < nq; k++) {
      this.robinIndex = (this.robinIndex + 1) % nq;
      const q = this.queues[this.robinIndex]!;
      const head = q.waiting[0];
      if (!head) continue;
      const finish = q.nextDispatchR + head.work;
      if (finish < minFinish) {
        minFinish = finish;
        minQueue = q;
        minIndex = this.robinIndex;
      }
    }
    const head = minQueue?.waiting[0];
    if (!minQueue || !head || !this.canAccommodate(head.seats)) return false;
    // Start the next scan after the chosen queue, so equal finish times are served round-robin.
    this.robinIndex = minIndex;
    minQueue.waiting.shift();
    this.waiting--;
    this.waitingSeats -= head.seats;
    minQueue.nextDispatchR += head.work;
    this.execute(head, minQueue, now);
    return true;
  }

  finish(req: Request): void {
    if (req.state !== 'executing') return;
    req.state = 'done';
    const now = this.clock.now();
    this.syncTime(now);
    this.seatsInUse -= req.seats;
    this.executing--;
    const q = req.queue;
    if (q) {
      q.executing.delete(req);
      q.seatsInUse -= req.seats;
      // Correct the charge made at dispatch by the actual service time.
      q.nextDispatchR -= req.seats * (ESTIMATED_SERVICE_SECONDS - (now - req.startTime) / 1000);
    } else this.queueless.delete(req);
    this.dispatchAsMuchAsPossible(now);
    this.trimQueues();
    this.noteDemand(now);
    this.onIdle?.();
  }

  /** Removes a waiting request that timed out or was cancelled, and rejects it. */
  abandon(req: Request, reason: 'time-out' | 'cancelled'): void {
    if (req.state !== 'waiting' || !req.queue) return;
    req.disarm();
    const now = this.clock.now();
    this.syncTime(now);
    const q = req.queue;
    const i = q.waiting.indexOf(req);
    if (i >= 0) q.waiting.splice(i, 1);
    req.state = 'done';
    this.waiting--;
    this.waitingSeats -= req.seats;
    if (reason === 'time-out') this.timedout++;
    else this.cancelled++;
    req.reject(new FlowControlRejection(reason, req.fs, req.pl));
    this.dispatchAsMuchAsPossible(now);
    this.trimQueues();
    this.noteDemand(now);
    this.onIdle?.();
  }

  onIdle: (() => void) | undefined;
}

// ---- debug dumps -----------------------------------------------------------------------------------

/** One request in a dump. Times are ms since the epoch; `startTime` undefined while waiting. */
export interface RequestDump {
  readonly flowSchema: string;
  readonly flowDistinguisher: string;
  readonly arriveTime: number;
  readonly startTime: number | undefined;
  readonly initialSeats: number;
  readonly finalSeats: number;
  readonly additionalLatencyMs: number;
  readonly digest: RequestDigest;
}

/** One queue in a dump. R values are in seat-seconds. */
export interface QueueDump {
  readonly waiting: readonly RequestDump[];
  readonly executing: readonly RequestDump[];
  readonly seatsInUse: number;
  readonly nextDispatchR: number;
  readonly initialSeatsSum: number;
  readonly maxSeatsSum: number;
  readonly totalWorkSum: number;
}

/** One priority level in a dump (upstream's QueueSetDump plus the level's limits). */
export interface PriorityLevelDump {
  readonly name: string;
  readonly uid: string;
  readonly type: 'Exempt' | 'Limited';
  readonly isIdle: boolean;
  readonly isQuiescing: boolean;
  readonly waiting: number;
  readonly executing: number;
  readonly seatsInUse: number;
  readonly dispatched: number;
  readonly rejected: number;
  readonly timedout: number;
  readonly cancelled: number;
  readonly nominalCL: number;
  readonly minCL: number;
  readonly maxCL: number;
  readonly currentCL: number;
  readonly queues: readonly QueueDump[];
  /** Executing requests that did not go through a queue (exempt and reject-type levels). */
  readonly queuelessExecuting: readonly RequestDump[];
}

function dumpRequest(r: Request): RequestDump {
  return {
    flowSchema: r.fs.name,
    flowDistinguisher: r.distinguisher,
    arriveTime: r.arriveTime,
    startTime: r.state === 'waiting' ? undefined : r.startTime,
    initialSeats: r.seats,
    finalSeats: 0,
    additionalLatencyMs: 0,
    digest: r.digest,
  };
}

// ---- the controller --------------------------------------------------------------------------------

const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/**
 * API Priority and Fairness for one apiserver, configured from the current FlowSchemas and
 * PriorityLevelConfigurations (`reload` on every change; missing mandatory objects are imagined, FlowSchemas that
 * reference a missing or broken level are ignored).
 *
 * Limits: the server concurrency limit is divided among levels by nominalConcurrencyShares,
 * NominalCL = ceil(ServerCL * NCS / sum NCS); each level may lend round(NominalCL * lendablePercent / 100) seats
 * and borrow round(NominalCL * borrowingLimitPercent / 100) (unlimited when unset). Every adjustment period (10 s)
 * the seats are re-divided by upstream's allocation: each level is bounded below by
 * max(MinCL, min(NominalCL, seat-demand high watermark)) and above by MaxCL, and gets its smoothed seat demand times
 * one common fair proportion. Simplifications: every request occupies one seat (no work estimator, no extra latency
 * for watch notifications), and seat demand statistics are integrated only at request events.
 *
 * Queuing: a queuing level shuffle-shards each flow (FlowSchema name + distinguisher) onto a hand of queues and
 * enqueues into the least loaded one; a full queue (while the level is at its limit) rejects. Dispatch is fair
 * queuing in virtual time: the queue whose head would finish earliest goes next, each dispatch charging the queue
 * 3 seat-seconds, corrected by the actual service time at release, so a flood flow cannot starve others. A waiting
 * request times out after the wait limit (a quarter of its timeout, 15 s by default, at most 1 minute). Reject-type
 * levels admit while seats are free and reject otherwise. The exempt level never waits.
 *
 * Long-running requests: non-watch ones (exec, attach, proxy...) bypass flow control entirely; a watch is admitted
 * like any request and is expected to release its seat once initialised.
 */
export class FlowControl {
  readonly serverConcurrencyLimit: number;
  private readonly requestWaitLimitMs: number;
  private readonly clock: Clock;
  private levels = new Map<string, Level>();
  private flowSchemas: FlowSchema[] = [];
  /**
   * Classifications by (user, request attributes), valid for one `flowSchemas` array (a reload installs a new
   * array and so starts a new cache). Matching walks every FlowSchema's subjects and rules (~2% of a GET's CPU);
   * a client repeats the same few requests. Bounded; cleared when full.
   */
  private classified = new Map<string, Classification>();
  private classifiedFor: FlowSchema[] | undefined;
  private nominalCLSum = 0;
  private lastConfig: { fs: readonly FlowSchema[]; plc: readonly PriorityLevelConfiguration[] } = { fs: [], plc: [] };
  private timer: unknown;
  private closed = false;

  constructor(flowSchemas: readonly FlowSchema[] = [], priorityLevels: readonly PriorityLevelConfiguration[] = [], opts: FlowControlOptions = {}) {
    this.serverConcurrencyLimit = opts.serverConcurrencyLimit ?? DEFAULT_SERVER_CONCURRENCY_LIMIT;
    this.requestWaitLimitMs = Math.min(opts.requestWaitLimitMs ?? DEFAULT_REQUEST_WAIT_LIMIT_MS, MAX_REQUEST_WAIT_LIMIT_MS);
    this.clock = opts.clock ?? realClock;
    this.reload(flowSchemas, priorityLevels);
    const period = opts.rebalanceIntervalMs ?? BORROWING_ADJUSTMENT_PERIOD_MS;
    if (period > 0) {
      const tick = () => {
        if (this.closed) return;
        this.rebalance();
        this.timer = this.clock.setTimeout(tick, period);
      };
      this.timer = this.clock.setTimeout(tick, period);
    }
  }

  /** Stops the rebalancing timer. Admitted and queued requests are unaffected. */
  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
  }

  /**
   * Replaces the configuration with all current FlowSchemas and PriorityLevelConfigurations. Levels that disappear
   * keep serving their queued and executing requests ("quiescing") and are dropped once idle.
   */
  reload(flowSchemas: readonly FlowSchema[], priorityLevels: readonly PriorityLevelConfiguration[]): void {
    this.lastConfig = { fs: flowSchemas, plc: priorityLevels };
    const next = new Map<string, Level>();
    for (const pl of priorityLevels) {
      const name = nameOf(pl);
      if (!name || next.has(name)) continue;
      const cfg = parseLevel(pl);
      if (!cfg) continue;
      const level = this.levels.get(name) ?? new Level(name, this.clock);
      level.configure(pl, cfg);
      level.quiescing = false;
      next.set(name, level);
    }
    // FlowSchemas are checked against the levels that really exist, before mandatory levels are imagined.
    const seen = new Set<string>();
    const usable: FlowSchema[] = [];
    for (const fs of flowSchemas) {
      const name = nameOf(fs);
      const plName = fs.spec?.priorityLevelConfiguration?.name ?? '';
      if (!name || seen.has(name) || !next.has(plName)) continue;
      seen.add(name);
      usable.push(fs);
    }
    const sorted = sortFlowSchemas(usable);
    if (!seen.has(EXEMPT)) sorted.unshift(MANDATORY_FS_EXEMPT);
    if (!seen.has(CATCH_ALL)) sorted.push(MANDATORY_FS_CATCH_ALL);

    for (const [name, level] of this.levels) {
      if (next.has(name)) continue;
      if (name === EXEMPT || name === CATCH_ALL) next.set(name, level); // mandatory: retained without an object
      else if (!level.idle) {
        level.quiescing = true;
        next.set(name, level);
      }
    }
    for (const proto of [MANDATORY_PL_EXEMPT, MANDATORY_PL_CATCH_ALL]) {
      const name = nameOf(proto);
      if (next.has(name)) continue;
      const level = new Level(name, this.clock);
      level.configure(proto, parseLevel(proto)!);
      next.set(name, level);
    }

    let shareSum = 0;
    for (const level of next.values()) shareSum += level.cfg.shares;
    let nominalSum = 0;
    for (const level of next.values()) {
      const nominal = shareSum > 0 ? Math.ceil((this.serverConcurrencyLimit * level.cfg.shares) / shareSum) : 0;
      const lendable = Math.round((nominal * level.cfg.lendablePercent) / 100);
      const borrowing = level.cfg.borrowingLimitPercent === undefined ? this.serverConcurrencyLimit : Math.round((nominal * level.cfg.borrowingLimitPercent) / 100);
      level.nominalCL = nominal;
      level.minCL = nominal - lendable;
      level.maxCL = nominal + borrowing;
      if (level.fresh) {
        level.currentCL = nominal - Math.floor(lendable / 2);
        level.fresh = false;
      }
      level.onIdle = () => this.maybeReap(level);
      nominalSum += nominal;
    }
    this.nominalCLSum = nominalSum;
    this.levels = next;
    this.flowSchemas = sorted;
    this.rebalance();
  }

  private maybeReap(level: Level): void {
    if (level.quiescing && level.idle && this.levels.get(level.name) === level) this.reload(this.lastConfig.fs, this.lastConfig.plc);
  }

  /**
   * Re-divides seats among the levels from their seat demand since the previous call (upstream's periodic
   * borrowing adjustment), then dispatches what the new limits allow. Runs every adjustment period by itself.
   */
  rebalance(): void {
    const now = this.clock.now();
    const items: { level: Level; item: AllocationItem; minCurrent: number }[] = [];
    let remaining = this.nominalCLSum;
    let minCLSum = 0;
    let minCurrentSum = 0;
    for (const level of this.levels.values()) {
      level.updateDemandStats(now);
      if (level.cfg.kind === 'exempt') {
        const minCurrent = Math.max(level.minCL, level.highWatermark);
        level.currentCL = minCurrent;
        remaining -= minCurrent;
        continue;
      }
      const minCurrent = Math.max(level.minCL, Math.min(level.nominalCL, level.highWatermark));
      items.push({ level, minCurrent, item: { lowerBound: minCurrent, upperBound: level.maxCL, target: Math.max(minCurrent, level.smoothedDemand) } });
      minCLSum += level.minCL;
      minCurrentSum += minCurrent;
    }
    if (remaining <= minCLSum) {
      for (const { level } of items) level.currentCL = level.minCL;
    } else if (remaining <= minCurrentSum) {
      const frac = (remaining - minCLSum) / (minCurrentSum - minCLSum);
      for (const { level, minCurrent } of items) level.currentCL = level.minCL + Math.round((minCurrent - level.minCL) * frac);
    } else {
      const allocs = allocateConcurrency(this.nominalCLSum, items.map((i) => i.item));
      if (allocs) items.forEach(({ level }, i) => (level.currentCL = Math.round(allocs[i]!)));
    }
    for (const level of this.levels.values()) level.dispatchAsMuchAsPossible(now);
  }

  /** Classifies a request with the current configuration (no admission). */
  classify(digest: RequestDigest): Classification {
    if (this.classifiedFor !== this.flowSchemas) {
      this.classified = new Map();
      this.classifiedFor = this.flowSchemas;
    }
    const uk = userCacheKey(digest.user);
    const key = digest.isResourceRequest
      ? `${uk}\0${digest.verb}\0${digest.apiGroup}\0${digest.resource}\0${digest.subresource}\0${digest.namespace}`
      : `${uk}\0${digest.verb}\0\0${digest.path}`;
    const hit = this.classified.get(key);
    if (hit) return hit;
    const c = classify(digest, this.flowSchemas);
    if (this.classified.size >= 10_000) this.classified.clear();
    this.classified.set(key, c);
    return c;
  }

  /**
   * Classifies the request and waits for a seat at its priority level. Resolves with the decision (call
   * `release()` when done); rejects with a `FlowControlRejection` (429, Retry-After 1) when the level rejects,
   * the queue is full, the wait limit passes, or `signal` aborts while waiting.
   */
  admit(digest: RequestDigest, signal?: AbortSignal): Promise<Admission> {
    const c = this.classify(digest);
    const level = this.levels.get(c.priorityLevel) ?? this.levels.get(CATCH_ALL)!;
    const fs = { name: nameOf(c.flowSchema), uid: c.flowSchema.metadata?.uid ?? '' };
    const pl = { name: level.name, uid: level.uid };
    if (digest.longRunning && digest.verb !== 'watch') {
      return Promise.resolve({ flowSchema: fs, priorityLevel: pl, flowDistinguisher: '', exempt: true, release: () => {} });
    }
    if (signal?.aborted) {
      level.cancelled++;
      return Promise.reject(new FlowControlRejection('cancelled', fs, pl));
    }
    const queuing = level.cfg.kind === 'queue' && level.cfg.queues > 1;
    const distinguisher = queuing ? c.flowDistinguisher : '';
    const hash = queuing ? hashFlowID(fs.name, distinguisher) : 0n;
    const waitMs = digest.timeoutMs !== undefined && digest.timeoutMs > 0 ? Math.min(digest.timeoutMs / 4, MAX_REQUEST_WAIT_LIMIT_MS) : this.requestWaitLimitMs;
    const req = new Request(digest, fs, pl, distinguisher, hash, this.clock.now());
    return new Promise<Admission>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
      try {
        level.start(req, () =>
          req.arm(
            this.clock,
            waitMs,
            signal,
            () => level.abandon(req, 'time-out'),
            () => level.abandon(req, 'cancelled'),
          ),
        );
      } catch (err) {
        reject(err);
      }
    });
  }

  /** The state of every priority level, sorted by name, for the debug endpoints and tests. */
  dump(): PriorityLevelDump[] {
    return [...this.levels.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((l) => ({
        name: l.name,
        uid: l.uid,
        type: l.cfg.kind === 'exempt' ? 'Exempt' : 'Limited',
        isIdle: l.idle,
        isQuiescing: l.quiescing,
        waiting: l.waiting,
        executing: l.executing,
        seatsInUse: l.seatsInUse,
        dispatched: l.dispatched,
        rejected: l.rejected,
        timedout: l.timedout,
        cancelled: l.cancelled,
        nominalCL: l.nominalCL,
        minCL: l.minCL,
        maxCL: l.maxCL,
        currentCL: l.currentCL,
        queues: l.queues.map((q) => ({
          waiting: q.waiting.map(dumpRequest),
          executing: [...q.executing].map(dumpRequest),
          seatsInUse: q.seatsInUse,
          nextDispatchR: q.nextDispatchR,
          initialSeatsSum: q.waitingSeats,
          maxSeatsSum: q.waitingSeats,
          totalWorkSum: q.waiting.reduce((s, r) => s + r.work, 0),
        })),
        queuelessExecuting: [...l.queueless].map(dumpRequest),
      }));
  }
}

// ---- max-inflight ----------------------------------------------------------------------------------

/** Verbs counted against the read-only limit; everything else is mutating (upstream's nonMutatingRequestVerbs). */
const NON_MUTATING_VERBS = new Set(['get', 'list', 'watch']);

/** Options of `MaxInflight`; 0 disables a limit. */
export interface MaxInflightOptions {
  /** `--max-requests-inflight` (default 400). */
  maxRequestsInflight?: number;
  /** `--max-mutating-requests-inflight` (default 200). */
  maxMutatingRequestsInflight?: number;
}

/**
 * The limiter used when priority and fairness is disabled (`--enable-priority-and-fairness=false`): separate caps
 * on read-only and mutating requests in flight. Long-running requests are not counted; over the cap a request is
 * refused with a 429 (Retry-After 1), except for members of `system:masters`, who are always served.
 */
export class MaxInflight {
  readonly readOnlyLimit: number;
  readonly mutatingLimit: number;
  private readOnly = 0;
  private mutating = 0;

  constructor(opts: MaxInflightOptions = {}) {
    this.readOnlyLimit = opts.maxRequestsInflight ?? 400;
    this.mutatingLimit = opts.maxMutatingRequestsInflight ?? 200;
  }

  /** Requests currently counted. */
  get inflight(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }

  /** Takes a slot for the request and returns its release function (idempotent); throws the 429 when full. */
  admit(req: { readonly verb: string; readonly user: UserInfo; readonly longRunning?: boolean }): () => void {
    const noop = () => {};
    if (req.longRunning) return noop;
    const isMutating = !NON_MUTATING_VERBS.has(req.verb);
    const limit = isMutating ? this.mutatingLimit : this.readOnlyLimit;
    if (limit <= 0) return noop;
    const current = isMutating ? this.mutating : this.readOnly;
    if (current >= limit) {
      if (req.user.groups.includes('system:masters')) return noop;
      throw new FlowControlRejection('concurrency-limit');
    }
    if (isMutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (isMutating) this.mutating--;
      else this.readOnly--;
    };
  }
}

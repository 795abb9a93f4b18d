// The etcd backend: the Backend contract over a real etcd v3 cluster (gRPC, failover between endpoints).
import { randomBytes } from 'node:crypto';
import {
  Etcd3,
  KVClient,
  LeaseClient,
  MaintenanceClient,
  WatchClient,
  type IDuplexStream,
  type IEvent,
  type IKeyValue,
  type IWatchRequest,
  type IWatchResponse,
  type IOptions,
} from 'etcd3';
import {
  ClosedError,
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  LeaseNotFoundError,
  NotFoundError,
  RequestTooLargeError,
  StorageError,
  UnavailableError,
} from '../errors.js';
import { checkSize, prefixEndBytes } from '../limits.js';
import { KVClient as FastKV, Result, Target, num, type CompareReq, type KV, type RangeReq, type RangeRes, type RequestOp, type TxnRes } from './kvclient.js';
import {
  MAX_REQUEST_BYTES,
  type Backend,
  type CountResult,
  type GetOptions,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from '../types.js';
import { DEFAULT_WATCH_BUFFER, WatchQueue } from '../watchqueue.js';

export interface EtcdOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]. Calls fail over between them. */
  endpoints: string[];
  /** Prepended to every key in etcd; default "/registry" (so "/pods/ns/a" is stored as "/registry/pods/ns/a"). */
  prefix?: string;
  /** Undelivered events a watch may hold before it is cut off; default 10,000. */
  watchBuffer?: number;
  /** Default idle time before a watch gets a progress notification (ms); default 10,000; 0 never. */
  progressNotifyIntervalMs?: number;
  /** Deadline of one attempt of a unary call (ms); default 10,000. Compaction gets 5 minutes. */
  requestTimeoutMs?: number;
  /** How long a watch keeps reconnecting while no endpoint accepts it before it fails with `UnavailableError` (ms); default 30,000. */
  watchReconnectTimeoutMs?: number;
  /**
   * How long a requested progress notification is held back, after the last event at or below its
   * revision, before it is delivered (ms). Default: 250 for etcd versions whose requested progress
   * notifications can overtake events (3.4 before 3.4.24, 3.5 before 3.5.8, etcd issue 15220), else 0.
   */
  progressSettleMs?: number;
}

const DEFAULT_PREFIX = '/registry';
const DEFAULT_PROGRESS_NOTIFY_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_WATCH_RECONNECT_TIMEOUT_MS = 30_000;
const COMPACT_TIMEOUT_MS = 5 * 60_000;
/** Settle time used against etcd versions with the progress-notification ordering bug. */
const BUGGY_PROGRESS_SETTLE_MS = 250;
/**
 * etcd registers a watcher created at a past revision as "unsynced" and replays its history on the
 * next pass of a loop that runs every 100 ms. Until then, compacting would cancel it. `compact()` by
 * this backend waits this long after such a watcher's creation (at most `MAX_COMPACT_WAIT_MS`).
 */
const WATCH_SYNC_GRACE_MS = 250;
const MAX_COMPACT_WAIT_MS = 1_000;

const COMPACTED_MSG = 'required revision has been compacted';
const FUTURE_MSG = 'required revision is a future revision';
const LEASE_NOT_FOUND_MSG = 'requested lease not found';
const LEASE_EXISTS_MSG = 'lease already exists';
const TOO_LARGE_MSG = 'request is too large';

const EMPTY = Buffer.alloc(0);

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;
type Pool = ConstructorParameters<typeof KVClient>[0];

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function hasMsg(e: unknown, needle: string): boolean {
  return messageOf(e).includes(needle);
}

/** True for errors that mean "could not reach a working etcd member" rather than an answer from one. */
function isConnectivityError(e: unknown): boolean {
  const name = e instanceof Error ? e.constructor.name : '';
  if (['GRPCUnavailableError', 'GRPCDeadlineExceededError', 'BrokenCircuitError', 'ClientClosedError', 'GRPCCancelledError'].includes(name)) return true;
  const m = messageOf(e);
  return /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|No connection established|circuit breaker is open/.test(m);
}

/** Whether this etcd version can send a requested progress notification ahead of events (etcd issue 15220). */
export function hasProgressOrderingBug(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (maj !== 3) return maj < 3;
  if (min < 4) return true;
  if (min === 4) return patch < 24;
  if (min === 5) return patch < 8;
  return false;
}

/** A random lease id that is a safe JavaScript integer (etcd's own ids use all 63 bits). */
function randomLeaseId(): number {
  const b = randomBytes(8);
  const hi = b.readUInt32BE(0) & 0x1fffff; // 21 bits
  const lo = b.readUInt32BE(4); // 32 bits
  const id = hi * 2 ** 32 + lo;
  return id === 0 ? 1 : id;
}

function normalizeEndpoint(e: string): string {
  return e.trim().replace(/\/+$/, '');
}

/** Everything a watch needs from its backend. */
interface WatchContext {
  readonly watchClient: WatchClient;
  readonly endpoints: readonly string[];
  readonly settleMs: number;
  readonly reconnectTimeoutMs: number;
  toEvent(e: IEvent): WatchEvent;
  noteCompacted(rev: number): void;
  forget(w: EtcdWatch): void;
}

/**
 * The etcd implementation of `Backend`. Keys are stored under `prefix`. Writes are single compare-and-swap
 * transactions, so every successful call is one etcd revision. Each `watch` is its own gRPC watch stream.
 *
 * etcd facts that show through the contract: revoking or expiring a lease deletes all its keys in one
 * revision (several DELETE events share it); leases granted by other clients may have ids above 2^53.
 */
export class EtcdBackend implements Backend {
  readonly name = 'etcd';
  private readonly kv: KVClient;
  /** Range and Txn, the calls of every read and write, go through this lean client (see kvclient.ts). */
  private readonly fast: FastKV;
  private readonly leases: LeaseClient;
  private readonly watchClient: WatchClient;
  private readonly watches = new Set<EtcdWatch>();
  private readonly prefixBytes: number;
  private readonly watchCtx: WatchContext;
  private closed = false;
  /** Highest compaction revision this client has seen (its own compactions, watch cancellations, probes). */
  private knownCompacted = 0;

  private constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
    private readonly prefix: string,
    private readonly opts: {
      watchBuffer: number;
      progressNotifyIntervalMs: number;
      reconnectTimeoutMs: number;
      settleMs: number;
      requestTimeoutMs: number;
    },
  ) {
    this.fast = new FastKV({ endpoints, requestTimeoutMs: opts.requestTimeoutMs });
    const pool = (client as unknown as { pool: Pool }).pool;
    this.kv = new KVClient(pool);
    this.leases = new LeaseClient(pool);
    this.watchClient = new WatchClient(pool);
    this.prefixBytes = Buffer.byteLength(prefix);
    this.watchCtx = {
      watchClient: this.watchClient,
      endpoints,
      settleMs: opts.settleMs,
      reconnectTimeoutMs: opts.reconnectTimeoutMs,
      toEvent: (e) => this.toEvent(e),
      noteCompacted: (rev) => {
        if (rev > this.knownCompacted) this.knownCompacted = rev;
      },
      forget: (w) => this.watches.delete(w),
    };
  }

  /**
   * Connects to the cluster. Resolves once one endpoint answered a status call; rejects with
   * `UnavailableError` naming the endpoints when none does.
   */
  static async open(opts: EtcdOptions): Promise<Backend> {
    const endpoints = (opts.endpoints ?? []).map(normalizeEndpoint).filter((e) => e !== '');
    if (endpoints.length === 0) throw new Error('etcd backend: at least one endpoint is required');
    const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const options: IOptions = {
      hosts: endpoints,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      grpcOptions: {
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        // Lists of many objects exceed gRPC's default 4 MiB receive limit.
        'grpc.max_receive_message_length': -1,
      },
    };
    const client = new Etcd3(options);
    const pool = (client as unknown as { pool: Pool }).pool;
    let version: string;
    try {
      version = (await new MaintenanceClient(pool).status()).version;
    } catch (e) {
      client.close();
      throw new UnavailableError(`etcd unavailable: no endpoint of ${endpoints.join(', ')} answered: ${messageOf(e)}`);
    }
    let prefix = opts.prefix ?? DEFAULT_PREFIX;
    if (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
    return new EtcdBackend(client, endpoints, prefix, {
      watchBuffer: opts.watchBuffer ?? DEFAULT_WATCH_BUFFER,
      progressNotifyIntervalMs: opts.progressNotifyIntervalMs ?? DEFAULT_PROGRESS_NOTIFY_MS,
      reconnectTimeoutMs: opts.watchReconnectTimeoutMs ?? DEFAULT_WATCH_RECONNECT_TIMEOUT_MS,
      settleMs: opts.progressSettleMs ?? (hasProgressOrderingBug(version) ? BUGGY_PROGRESS_SETTLE_MS : 0),
      requestTimeoutMs,
    });
  }

  // ---- keys and conversions ----

  private raw(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  private unraw(key: Buffer): string {
    return key.subarray(this.prefixBytes).toString('utf8');
  }

  /** From a watch event's key-value (etcd3: int64 as strings) or a Range/Txn answer's (kvclient: numbers or Longs). */
  private toKV(kv: IKeyValue | KV): KeyValue {
    const value = kv.value;
    return {
      key: this.unraw(Buffer.isBuffer(kv.key) ? kv.key : Buffer.from(kv.key.buffer, kv.key.byteOffset, kv.key.byteLength)),
      value: value && value.byteLength > 0 ? (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)) : EMPTY,
      createRevision: num(kv.create_revision),
      modRevision: num(kv.mod_revision),
      lease: num(kv.lease),
    };
  }

  private toEvent(e: IEvent): WatchEvent {
    const prevKv = e.prev_kv ? this.toKV(e.prev_kv) : undefined;
    if (e.type === 'Delete') {
      const kv: KeyValue = {
        key: this.unraw(e.kv.key),
        value: EMPTY,
        createRevision: Number(e.kv.create_revision),
        modRevision: Number(e.kv.mod_revision),
        lease: 0,
      };
      return prevKv ? { type: 'DELETE', kv, prevKv } : { type: 'DELETE', kv };
    }
    const kv = this.toKV(e.kv);
    return prevKv ? { type: 'PUT', kv, prevKv } : { type: 'PUT', kv };
  }

  // ---- calls and errors ----

  private ensureOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  /** Runs one etcd call; turns its failure into the storage error it means. */
  private async call<T>(fn: () => Promise<T>, ctx: { revision?: number; lease?: number; size?: number } = {}): Promise<T> {
    this.ensureOpen();
    try {
      return await fn();
    } catch (e) {
      throw await this.translate(e, ctx);
    }
  }

  private async translate(e: unknown, ctx: { revision?: number; lease?: number; size?: number }): Promise<unknown> {
    if (this.closed) return new ClosedError();
    if (e instanceof StorageError) return e;
    if (hasMsg(e, COMPACTED_MSG)) {
      const rev = await this.compactedRevision().catch(() => this.knownCompacted);
      return new CompactedError(ctx.revision ?? 0, rev);
    }
    if (hasMsg(e, FUTURE_MSG)) {
      const cur = await this.currentRevision().catch(() => 0);
      return new FutureRevisionError(ctx.revision ?? 0, cur);
    }
    if (hasMsg(e, LEASE_NOT_FOUND_MSG)) return new LeaseNotFoundError(ctx.lease ?? 0);
    if (hasMsg(e, TOO_LARGE_MSG)) return new RequestTooLargeError('value', ctx.size ?? 0, MAX_REQUEST_BYTES);
    if (isConnectivityError(e)) {
      return new UnavailableError(`etcd unavailable: no endpoint of ${this.endpoints.join(', ')} answered: ${messageOf(e)}`);
    }
    return new UnavailableError(`etcd request failed (${this.endpoints.join(', ')}): ${messageOf(e)}`);
  }

  private async range(req: RangeReq, revision: number): Promise<RangeRes> {
    const r = revision > 0 ? { ...req, revision } : req;
    return this.call(() => this.fast.range(r), { revision });
  }

  private async txn(compare: CompareReq[], success: RequestOp[], failure: RequestOp[], ctx: { lease?: number; size?: number }): Promise<TxnRes> {
    return this.call(() => this.fast.txn(compare, success, failure), ctx);
  }

  // ---- reads ----

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: this.raw(''), count_only: true }, 0);
    return num(res.header?.revision);
  }

  async get(key: string, opts: GetOptions = {}): Promise<GetResult> {
    this.ensureOpen();
    checkSize(key);
    const rev = opts.revision ?? 0;
    const res = await this.range({ key: this.raw(key) }, rev);
    const kv = res.kvs[0];
    return { kv: kv ? this.toKV(kv) : undefined, revision: rev > 0 ? rev : num(res.header?.revision) };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    checkSize(prefix);
    const rev = opts.revision ?? 0;
    const start = this.raw(prefix);
    const end = prefixEndBytes(start);
    let from = start;
    if (opts.continueFrom !== undefined) {
      checkSize(opts.continueFrom);
      const after = Buffer.concat([this.raw(opts.continueFrom), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) from = after;
    }
    const res = await this.range({ key: from, range_end: end, limit: opts.limit ?? 0 }, rev);
    return {
      kvs: res.kvs.map((kv) => this.toKV(kv)),
      revision: rev > 0 ? rev : num(res.header?.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<CountResult> {
    this.ensureOpen();
    checkSize(prefix);
    const start = this.raw(prefix);
    const res = await this.range({ key: start, range_end: prefixEndBytes(start), count_only: true }, 0);
    return { count: num(res.count), revision: num(res.header?.revision) };
  }

  // ---- writes ----

  async create(key: string, value: Uint8Array, opts: WriteOptions = {}): Promise<WriteResult> {
    this.ensureOpen();
    checkSize(key, value);
    const k = this.raw(key);
    const v = Buffer.from(value);
    const lease = opts.lease ?? 0;
    const res = await this.txn(
      [{ key: k, target: Target.Create, result: Result.Equal, create_revision: 0 }],
      [{ request_put: { key: k, value: v, lease } }],
      [{ request_range: { key: k } }],
      { lease, size: v.byteLength },
    );
    if (res.succeeded) {
      const rev = num(res.header?.revision);
      return { kv: { key, value: v, createRevision: rev, modRevision: rev, lease }, revision: rev };
    }
    const cur = res.responses[0]?.response_range?.kvs[0];
    throw new KeyExistsError(key, cur ? this.toKV(cur) : undefined);
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts: WriteOptions = {}): Promise<WriteResult> {
    this.ensureOpen();
    checkSize(key, value);
    const k = this.raw(key);
    const v = Buffer.from(value);
    const lease = opts.lease ?? 0;
    const res = await this.txn(
      [
        // The key must exist (an absent key's mod_revision compares as 0).
        { key: k, target: Target.Create, result: Result.Greater, create_revision: 0 },
        { key: k, target: Target.Mod, result: Result.Equal, mod_revision: expectedModRevision },
      ],
      // The key's create revision comes from a keys-only range after the put (prev_kv would ship the whole
      // previous value back just for it).
      [{ request_put: { key: k, value: v, lease } }, { request_range: { key: k, keys_only: true } }],
      [{ request_range: { key: k } }],
      { lease, size: v.byteLength },
    );
    if (res.succeeded) {
      const rev = num(res.header?.revision);
      const after = res.responses[1]?.response_range?.kvs[0];
      const createRevision = after ? num(after.create_revision) : rev;
      return { kv: { key, value: v, createRevision, modRevision: rev, lease }, revision: rev };
    }
    const cur = res.responses[0]?.response_range?.kvs[0];
    if (!cur) throw new NotFoundError(key);
    throw new ConflictError(key, expectedModRevision, this.toKV(cur));
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    this.ensureOpen();
    checkSize(key);
    const k = this.raw(key);
    const compare: CompareReq[] = [{ key: k, target: Target.Create, result: Result.Greater, create_revision: 0 }];
    if (expectedModRevision !== undefined) {
      compare.push({ key: k, target: Target.Mod, result: Result.Equal, mod_revision: expectedModRevision });
    }
    const res = await this.txn(compare, [{ request_delete_range: { key: k, prev_kv: true } }], [{ request_range: { key: k } }], {});
    if (res.succeeded) {
      const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
      if (!prev) throw new UnavailableError(`etcd delete of ${key} returned no previous value`);
      return { kv: this.toKV(prev), revision: num(res.header?.revision) };
    }
    const cur = res.responses[0]?.response_range?.kvs[0];
    if (!cur) throw new NotFoundError(key);
    throw new ConflictError(key, expectedModRevision ?? 0, this.toKV(cur));
  }

  // ---- watch ----

  watch(prefix: string, fromRevision = 0, opts: WatchOptions = {}): Watch {
    if (this.closed) {
      const q = new WatchQueue(this.opts.watchBuffer);
      q.fail(new ClosedError());
      return q;
    }
    checkSize(prefix);
    const start = this.raw(prefix);
    const w = new EtcdWatch(
      this.watchCtx,
      start,
      prefixEndBytes(start),
      Math.max(0, fromRevision),
      this.opts.watchBuffer,
      opts.progressNotifyIntervalMs ?? this.opts.progressNotifyIntervalMs,
      opts.signal,
      opts.prevKv !== false,
    );
    if (!w.queue.ended) {
      this.watches.add(w);
      w.start();
    }
    return w.queue;
  }

  // ---- compaction ----

  /**
   * Compacts etcd's history at `revision` (physically, i.e. it returns once the member applied it).
   * A revision at or below the current compaction is a no-op; above the current revision throws
   * `FutureRevisionError`. Waits briefly (at most 1 s) for this backend's freshly created watches
   * that replay history from at or below `revision`, so that etcd's replay reaches them first.
   */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision <= 0) return;
    await this.waitForReplayingWatches(revision);
    this.ensureOpen();
    try {
      await this.kv.compact({ revision, physical: true }, { deadline: Date.now() + COMPACT_TIMEOUT_MS });
    } catch (e) {
      if (!this.closed && hasMsg(e, COMPACTED_MSG)) return; // at or below the current compaction: no-op
      throw await this.translate(e, { revision });
    }
    this.watchCtx.noteCompacted(revision);
  }

  private async waitForReplayingWatches(revision: number): Promise<void> {
    const until = Date.now() + MAX_COMPACT_WAIT_MS;
    for (;;) {
      let wait = 0;
      for (const w of this.watches) wait = Math.max(wait, w.replayWaitMs(revision));
      const left = until - Date.now();
      if (wait <= 0 || left <= 0) return;
      await new Promise((r) => setTimeout(r, Math.min(wait, left)));
    }
  }

  /**
   * The revision etcd's history is compacted to (0 if never). etcd reports it nowhere cheap, so it is
   * found from reads: a read at revision r fails with "compacted" exactly when r < the compaction
   * revision C, so C is the smallest readable revision, found by binary search over
   * [highest compaction seen by this client, current revision] — usually one read, since this
   * client's own compactions and watch cancellations keep the lower bound current. This sees
   * compactions by other clients too. A compaction at revision 1 by another client is reported as 0
   * (reads cannot tell it from none).
   */
  async compactedRevision(): Promise<number> {
    this.ensureOpen();
    const readable = async (rev: number): Promise<boolean> => {
      try {
        await this.fast.range({ key: this.raw(''), count_only: true, revision: rev });
        return true;
      } catch (e) {
        if (!this.closed && hasMsg(e, COMPACTED_MSG)) return false;
        throw await this.translate(e, { revision: rev });
      }
    };
    const cur = await this.currentRevision();
    let lo = Math.max(1, this.knownCompacted);
    if (lo >= cur || (await readable(lo))) return this.knownCompacted;
    // readable(lo) is false, readable(cur) is true: the compaction revision is in (lo, cur].
    let hi = cur;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.watchCtx.noteCompacted(hi);
    return hi;
  }

  // ---- leases ----

  /** Grants a lease with an id this backend picks (a safe integer, so it survives as a JS number). */
  async grantLease(ttlSeconds: number): Promise<number> {
    this.ensureOpen();
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    for (let attempt = 0; ; attempt++) {
      const id = randomLeaseId();
      try {
        const res = await this.leases.leaseGrant({ TTL: ttl, ID: id });
        if (res.error) throw new UnavailableError(`etcd lease grant failed: ${res.error}`);
        return Number(res.ID);
      } catch (e) {
        if (!this.closed && hasMsg(e, LEASE_EXISTS_MSG) && attempt < 5) continue;
        throw await this.translate(e, {});
      }
    }
  }

  async revokeLease(id: number): Promise<void> {
    this.ensureOpen();
    if (!(id > 0)) return;
    try {
      await this.leases.leaseRevoke({ ID: id });
    } catch (e) {
      if (!this.closed && hasMsg(e, LEASE_NOT_FOUND_MSG)) return; // unknown ids are ignored
      throw await this.translate(e, { lease: id });
    }
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.queue.end();
    this.watches.clear();
    this.fast.close();
    this.client.close();
  }
}

/**
 * One watch: one gRPC watch stream with one watcher on it. Reconnects (to any endpoint) after the
 * stream breaks, resuming after the last revision it delivered, so events stay ordered, unique and
 * gapless; fails with `CompactedError` when that resume point was compacted meanwhile.
 */
class EtcdWatch {
  readonly queue: WatchQueue;
  private stream: WatchStream | undefined;
  /** Bumped whenever the current stream is abandoned; callbacks of older streams are ignored. */
  private generation = 0;
  private created = false;
  private ended = false;
  /** Revision of the last event pushed, or the revision the watch starts after; undefined until known for a "now" watch. */
  private lastEventRev: number | undefined;
  private lastProgressRev = 0;
  /** start_revision of the current stream's create request. */
  private requestedStart = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Highest revision of a requested progress notification not yet delivered (0: none). */
  private pendingProgress = 0;
  private progressWanted = false;
  private lastEventAt = 0;
  private failingSince: number | undefined;
  /** Failed connection attempts since the last successful watch creation. */
  private attempts = 0;
  /** When the current watcher was created at a past revision (etcd replays it asynchronously). */
  private replayingSince: number | undefined;

  constructor(
    private readonly ctx: WatchContext,
    private readonly key: Buffer,
    private readonly rangeEnd: Buffer,
    fromRevision: number,
    limit: number,
    private readonly idleMs: number,
    signal: AbortSignal | undefined,
    private readonly prevKv: boolean,
  ) {
    if (fromRevision > 0) this.lastEventRev = fromRevision - 1;
    this.queue = new WatchQueue(
      limit,
      { onClose: () => this.cleanup(), onProgressRequest: () => this.requestProgress() },
      fromRevision,
      signal,
    );
  }

  start(): void {
    this.connect();
  }

  /** The revision the next stream starts at: after everything delivered, or 0 ("now") if nothing is known yet. */
  private nextStart(): number {
    if (this.lastEventRev === undefined) return 0;
    return Math.max(this.lastEventRev, this.lastProgressRev) + 1;
  }

  /** How long `compact(revision)` should wait for this watch's replay to be safe from it (ms). */
  replayWaitMs(revision: number): number {
    if (this.ended) return 0;
    const next = this.nextStart();
    if (next === 0 || next > revision) return 0;
    if (!this.created) return 25;
    if (this.replayingSince === undefined) return 0;
    return Math.max(0, this.replayingSince + WATCH_SYNC_GRACE_MS - Date.now());
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.ended) return;
    const gen = ++this.generation;
    this.created = false;
    this.ctx.watchClient.watch().then(
      (stream) => {
        if (this.ended || gen !== this.generation) {
          cancelStream(stream);
          return;
        }
        this.stream = stream;
        stream.on('data', (r: IWatchResponse) => {
          if (gen === this.generation) this.onResponse(r);
        });
        stream.on('error', (e: Error) => {
          if (gen === this.generation) this.onBroken(e);
        });
        stream.on('end', () => {
          if (gen === this.generation) this.onBroken(new Error('watch stream ended'));
        });
        this.requestedStart = this.nextStart();
        stream.write({
          create_request: {
            key: this.key,
            range_end: this.rangeEnd,
            start_revision: this.requestedStart,
            prev_kv: this.prevKv,
            progress_notify: true,
          },
        });
      },
      (e: unknown) => {
        if (gen === this.generation) this.onBroken(e);
      },
    );
  }

  private onBroken(e: unknown): void {
    if (this.ended) return;
    this.generation++;
    if (this.stream) cancelStream(this.stream);
    this.stream = undefined;
    this.created = false;
    this.replayingSince = undefined;
    this.clearTimer('idleTimer');
    this.clearTimer('settleTimer');
    if (this.pendingProgress > 0) {
      // Its events may be lost with the stream; ask again on the next one.
      this.pendingProgress = 0;
      this.progressWanted = true;
    }
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince >= this.ctx.reconnectTimeoutMs) {
      this.queue.fail(
        new UnavailableError(
          `etcd watch lost: no endpoint of ${this.ctx.endpoints.join(', ')} accepted it for ${this.ctx.reconnectTimeoutMs} ms: ${messageOf(e)}`,
        ),
      );
      return;
    }
    // The pool picks a random endpoint per attempt, and a dead one refuses at once: retry quickly a
    // few times, then back off up to 1 s.
    this.attempts++;
    const delay = this.attempts <= 3 ? 10 : Math.min(50 * 2 ** (this.attempts - 4), 1_000);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onResponse(r: IWatchResponse): void {
    if (this.ended) return;
    this.armIdle();
    const compactRev = Number(r.compact_revision);
    if (compactRev > 0) {
      this.ctx.noteCompacted(compactRev);
      this.queue.fail(new CompactedError(this.requestedStart, compactRev));
      return;
    }
    if (r.canceled) {
      this.queue.fail(new UnavailableError(`etcd canceled the watch: ${r.cancel_reason || 'no reason given'}`));
      return;
    }
    const headerRev = Number(r.header?.revision ?? 0);
    if (r.created) {
      this.created = true;
      this.failingSince = undefined;
      this.attempts = 0;
      if (this.lastEventRev === undefined) {
        // A "now" watch: it sees the changes after the revision it was created at.
        this.lastEventRev = headerRev;
        if (this.queue.delivered < headerRev) this.queue.delivered = headerRev;
      }
      this.replayingSince = this.requestedStart > 0 && this.requestedStart <= headerRev ? Date.now() : undefined;
      if (this.progressWanted) {
        this.progressWanted = false;
        this.sendProgressRequest();
      }
      this.armIdle();
      return;
    }
    if (r.events.length > 0) {
      const last = this.lastEventRev ?? 0;
      const events: WatchEvent[] = [];
      for (const e of r.events) {
        const ev = this.ctx.toEvent(e);
        if (ev.kv.modRevision > last) events.push(ev); // never deliver a revision twice
      }
      if (events.length === 0) return;
      const rev = events[events.length - 1]!.kv.modRevision;
      if (this.pendingProgress > 0 && events[0]!.kv.modRevision <= this.pendingProgress) {
        // Still catching up to a requested progress revision: wait for quiet again.
        this.lastEventAt = Date.now();
      }
      this.lastEventRev = rev;
      this.queue.push({ events, revision: rev, progress: false });
      return;
    }
    // A progress notification. watch_id -1 answers a progress request; others are the server's own.
    if (r.watch_id === '-1' && this.ctx.settleMs > 0) {
      this.pendingProgress = Math.max(this.pendingProgress, headerRev);
      if (!this.settleTimer) this.armSettle(this.ctx.settleMs);
      return;
    }
    this.emitProgress(headerRev);
  }

  private armSettle(ms: number): void {
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      if (this.ended || this.pendingProgress === 0) return;
      const now = Date.now();
      const quietUntil = Math.max(this.lastEventAt + this.ctx.settleMs, (this.replayingSince ?? 0) + WATCH_SYNC_GRACE_MS);
      if (now < quietUntil) {
        this.armSettle(quietUntil - now);
        return;
      }
      const rev = this.pendingProgress;
      this.pendingProgress = 0;
      this.emitProgress(rev);
    }, ms);
  }

  private emitProgress(headerRev: number): void {
    const rev = Math.max(headerRev, this.lastEventRev ?? 0);
    if (rev <= 0) return;
    this.lastProgressRev = Math.max(this.lastProgressRev, rev);
    this.queue.push({ events: [], revision: rev, progress: true });
  }

  private requestProgress(): void {
    if (this.ended) return;
    if (!this.stream || !this.created) {
      this.progressWanted = true;
      return;
    }
    this.sendProgressRequest();
  }

  private sendProgressRequest(): void {
    try {
      this.stream?.write({ progress_request: {} });
    } catch {
      // the stream is breaking; the reconnect asks again if wanted
      this.progressWanted = true;
    }
  }

  private armIdle(): void {
    this.clearTimer('idleTimer');
    if (this.idleMs <= 0 || !this.created || this.ended) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.ended) return;
      this.sendProgressRequest();
      this.armIdle();
    }, this.idleMs);
  }

  private clearTimer(name: 'idleTimer' | 'settleTimer' | 'reconnectTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = undefined;
  }

  /** Runs once when the queue ends for any reason: stops the stream and every timer. */
  private cleanup(): void {
    this.ended = true;
    this.generation++;
    this.clearTimer('idleTimer');
    this.clearTimer('settleTimer');
    this.clearTimer('reconnectTimer');
    if (this.stream) cancelStream(this.stream);
    this.stream = undefined;
    this.ctx.forget(this);
  }
}

/**
 * Ends a watch stream from our side. Half-closing first makes the stream non-writable, so etcd3's own
 * error listener does not count the resulting CANCELLED as a failure of the endpoint.
 */
function cancelStream(stream: WatchStream): void {
  try {
    stream.end();
  } catch {
    // already ended
  }
  try {
    stream.cancel();
  } catch {
    // already cancelled
  }
}

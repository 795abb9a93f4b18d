// The embedded backend: the Backend contract over one SQLite file (better-sqlite3, WAL), kine's log design.
//
// The table `kv` is an append-only log: every write inserts one row whose INTEGER PRIMARY KEY
// AUTOINCREMENT id is the store's revision. A row names the row it replaces in `prev_revision`
// (0 for the first incarnation of a key, the tombstone's id for a re-create), and the unique index
// (name, prev_revision) makes compare-and-swap a constraint check: two writers that read the same
// state cannot both append after it. Deletes append tombstones. The latest row of a name is its
// current state; compaction removes rows superseded at or below the compact revision. The table
// `live` (name -> id of the newest row, live keys only) is an index kept in the same transaction, so a
// list at the current revision reads only live keys, however much history the prefix has.
//
// Writes are group-committed: every write queued in one turn of the event loop runs in one
// transaction, one after the other (each sees the ones before it), and resolves only after COMMIT
// (with synchronous=FULL, an fsync of the WAL), so a write that returned is on disk. Events go to
// watchers after the commit, in revision order.
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ClosedError,
  CompactedError,
  ConflictError,
  CorruptStoreError,
  FutureRevisionError,
  KeyExistsError,
  LeaseNotFoundError,
  NotFoundError,
  StorageError,
  WatchOverflowError,
} from '../errors.js';
import { checkSize, prefixEnd } from '../limits.js';
import type {
  Backend,
  CountResult,
  GetOptions,
  GetResult,
  KeyValue,
  ListOptions,
  ListResult,
  Watch,
  WatchBatch,
  WatchEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../types.js';
import { DEFAULT_WATCH_BUFFER, WatchQueue } from '../watchqueue.js';

export interface SqliteOptions {
  /** The database file; its directory is created if missing. */
  file: string;
  /** How often automatic compaction runs (ms); default 300,000 (5 minutes); 0 disables it. */
  compactIntervalMs?: number;
  /** Automatic compaction keeps at least this much history by age (ms); default 300,000. */
  compactMinRetentionMs?: number;
  /** Automatic compaction keeps at least this many revisions of history; default 1,000. */
  compactMinRevisions?: number;
  /** Undelivered events a watch may hold before it is cut off; default 10,000. */
  watchBuffer?: number;
  /** Default idle time before a watch gets a progress notification (ms); default 10,000; 0 never. */
  progressNotifyIntervalMs?: number;
  /** How often expired leases are looked for (ms); default 1,000. */
  leaseCheckIntervalMs?: number;
  /** Injected clock for lease expiry and compaction retention (ms since epoch); default Date.now. */
  now?: () => number;
}

const SCHEMA_VERSION = '1';
/** Rows per page when a watch replays history. */
const REPLAY_PAGE = 500;
/** Rows deleted per transaction by compaction, so a large compaction never stalls the event loop for long. */
const COMPACT_CHUNK = 5_000;

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  value: Buffer | null;
}

interface HistoryRow extends Row {
  p_id: number | null;
  p_create_revision: number | null;
  p_lease: number | null;
  p_value: Buffer | null;
}

type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; lease: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; lease: number }
  | { kind: 'delete'; key: string; expected: number | undefined }
  | { kind: 'expire'; key: string; lease: number };

interface Pending {
  op: WriteOp;
  resolve: (r: WriteResult | undefined) => void;
  reject: (e: unknown) => void;
}

interface Watcher {
  prefix: string;
  /** The first revision this watcher wants. */
  start: number;
  end: string | undefined;
  queue: WatchQueue;
  /** Events above this revision are delivered live; at or below it the replay delivers them. */
  replayTo: number;
  /** Live events that arrived while the replay was running. */
  backlog: WatchEvent[] | undefined;
  progressWanted: boolean;
  lastSent: number;
  intervalMs: number;
}

const EMPTY = Buffer.alloc(0);

function toKv(r: Row): KeyValue {
  return { key: r.name, value: r.value ?? EMPTY, createRevision: r.create_revision, modRevision: r.id, lease: r.lease };
}

function tombstoneKv(key: string, revision: number): KeyValue {
  return { key, value: EMPTY, createRevision: 0, modRevision: revision, lease: 0 };
}

function inRange(key: string, prefix: string, end: string | undefined): boolean {
  return key >= prefix && (end === undefined || key < end);
}

/**
 * SQLite implementation of `Backend`. One process owns the file at a time. All calls are safe to make
 * concurrently; writes are serialised in arrival order.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  private readonly db: Db;
  private revision: number;
  private compactRev: number;
  private closed = false;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly watchers = new Set<Watcher>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly opts: Required<Omit<SqliteOptions, 'file' | 'now'>>;
  private readonly now: () => number;
  /** (time, revision) samples for age-based retention; oldest first. */
  private readonly samples: { at: number; revision: number }[] = [];
  /** The running compaction, if any; compactions run one at a time. */
  private compacting: Promise<void> | undefined;
  private readonly st: Record<string, Statement>;

  /** Opens (creating if needed) the store. Throws `CorruptStoreError` naming the file if it cannot be read. */
  static async open(opts: SqliteOptions): Promise<Backend> {
    return new SqliteBackend(opts);
  }

  constructor(private readonly options: SqliteOptions) {
    this.opts = {
      compactIntervalMs: options.compactIntervalMs ?? 300_000,
      compactMinRetentionMs: options.compactMinRetentionMs ?? 300_000,
      compactMinRevisions: options.compactMinRevisions ?? 1_000,
      watchBuffer: options.watchBuffer ?? DEFAULT_WATCH_BUFFER,
      progressNotifyIntervalMs: options.progressNotifyIntervalMs ?? 10_000,
      leaseCheckIntervalMs: options.leaseCheckIntervalMs ?? 1_000,
    };
    this.now = options.now ?? Date.now;
    const file = options.file;
    try {
      if (existsSync(file) && !statSync(file).isFile()) throw new Error('not a regular file');
      mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
    } catch (e) {
      throw new CorruptStoreError(file, (e as Error).message);
    }
    try {
      this.db.pragma('auto_vacuum = INCREMENTAL'); // only takes effect on a new file
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('journal_size_limit = 16777216');
      this.db.pragma('busy_timeout = 5000');
      this.initSchema();
      this.st = this.prepare();
      this.revision = (this.st.seq!.get() as { seq: number } | undefined)?.seq ?? 0;
      this.compactRev = Number((this.st.getMeta!.get('compact_rev') as { value: string } | undefined)?.value ?? 0);
    } catch (e) {
      try {
        this.db.close();
      } catch {
        // already broken
      }
      if (e instanceof StorageError) throw e;
      throw new CorruptStoreError(file, (e as Error).message);
    }
    this.samples.push({ at: this.now(), revision: this.revision });
    if (this.opts.compactIntervalMs > 0) {
      this.timers.push(setInterval(() => void this.autoCompact().catch(() => undefined), this.opts.compactIntervalMs));
    }
    if (this.opts.leaseCheckIntervalMs > 0) {
      this.timers.push(setInterval(() => this.expireLeases(), this.opts.leaseCheckIntervalMs));
    }
    for (const t of this.timers) t.unref();
  }

  private initSchema(): void {
    const tables = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
    const names = new Set(tables.map((t) => t.name));
    if (names.size > 0 && !names.has('kubets_meta')) {
      throw new CorruptStoreError(this.options.file, `not a kubets store (it has tables ${[...names].join(', ')} but no kubets_meta)`);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kubets_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        created INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        create_revision INTEGER NOT NULL,
        prev_revision INTEGER NOT NULL,
        lease INTEGER NOT NULL,
        value BLOB
      );
      CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev ON kv (name, prev_revision);
      CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
      CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease != 0;
      CREATE TABLE IF NOT EXISTS live (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS lease_expiry ON lease (expires_at);
      INSERT OR IGNORE INTO kubets_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');
      INSERT OR IGNORE INTO kubets_meta (key, value) VALUES ('compact_rev', '0');
    `);
    const version = (this.db.prepare(`SELECT value FROM kubets_meta WHERE key = 'schema_version'`).get() as { value: string }).value;
    if (version !== SCHEMA_VERSION) {
      throw new CorruptStoreError(this.options.file, `schema version ${version} is not the supported version ${SCHEMA_VERSION}`);
    }
  }

  private prepare(): Record<string, Statement> {
    const cols = 'id, name, created, deleted, create_revision, prev_revision, lease, value';
    // The newest row per name at or below @rev, visiting each distinct name with index seeks
    // (a recursive walk over (name, id)), so the cost follows the number of names, not the history.
    const latestRows = `WITH RECURSIVE names(n) AS (
        SELECT (SELECT MIN(name) FROM kv WHERE name >= @start AND (@end IS NULL OR name < @end))
        UNION ALL
        SELECT (SELECT MIN(name) FROM kv WHERE name > names.n AND (@end IS NULL OR name < @end)) FROM names WHERE names.n IS NOT NULL
      )
      SELECT k.* FROM names JOIN kv k ON k.id = (SELECT MAX(id) FROM kv WHERE name = names.n AND id <= @rev)
      WHERE names.n IS NOT NULL AND k.deleted = 0`;
    return {
      seq: this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kv'`),
      getMeta: this.db.prepare(`SELECT value FROM kubets_meta WHERE key = ?`),
      setMeta: this.db.prepare(`INSERT INTO kubets_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      latest: this.db.prepare(`SELECT ${cols} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`),
      latestAt: this.db.prepare(`SELECT ${cols} FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`),
      insert: this.db.prepare(
        `INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, lease, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listAt: this.db.prepare(`SELECT ${cols} FROM (${latestRows}) LIMIT @limit`),
      list: this.db.prepare(
        `SELECT k.${cols.split(', ').join(', k.')} FROM live l JOIN kv k ON k.id = l.id
         WHERE l.name >= @start AND (@end IS NULL OR l.name < @end) ORDER BY l.name LIMIT @limit`,
      ),
      count: this.db.prepare(`SELECT COUNT(*) AS n FROM live WHERE name >= @start AND (@end IS NULL OR name < @end)`),
      liveSet: this.db.prepare(`INSERT INTO live (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id`),
      liveDelete: this.db.prepare(`DELETE FROM live WHERE name = ?`),
      history: this.db.prepare(
        `SELECT c.id, c.name, c.created, c.deleted, c.create_revision, c.prev_revision, c.lease, c.value,
                p.id AS p_id, p.create_revision AS p_create_revision, p.lease AS p_lease, p.value AS p_value
         FROM kv c LEFT JOIN kv p ON p.id = c.prev_revision AND c.created = 0
         WHERE c.id >= @from AND c.id <= @to AND c.name >= @start AND (@end IS NULL OR c.name < @end)
         ORDER BY c.id LIMIT @limit`,
      ),
      superseded: this.db.prepare(
        `SELECT prev_revision AS id FROM kv WHERE id > ? AND id <= ? AND prev_revision != 0 ORDER BY id LIMIT ${COMPACT_CHUNK}`,
      ),
      lastIdInChunk: this.db.prepare(`SELECT id FROM kv WHERE id > ? AND id <= ? ORDER BY id LIMIT 1 OFFSET ${COMPACT_CHUNK - 1}`),
      deleteRow: this.db.prepare(`DELETE FROM kv WHERE id = ?`),
      deleteTombstones: this.db.prepare(`DELETE FROM kv WHERE deleted = 1 AND id > ? AND id <= ?`),
      leaseGet: this.db.prepare(`SELECT id FROM lease WHERE id = ?`),
      leaseInsert: this.db.prepare(`INSERT INTO lease (id, ttl, expires_at) VALUES (?, ?, ?)`),
      leaseDelete: this.db.prepare(`DELETE FROM lease WHERE id = ?`),
      leaseExpired: this.db.prepare(`SELECT id FROM lease WHERE expires_at <= ? ORDER BY expires_at LIMIT 100`),
      leaseKeys: this.db.prepare(
        `SELECT k.name FROM kv k WHERE k.lease = ? AND k.deleted = 0
         AND NOT EXISTS (SELECT 1 FROM kv n WHERE n.name = k.name AND n.id > k.id)`,
      ),
    };
  }

  // ---- reads -------------------------------------------------------------------------------------

  private check(): void {
    if (this.closed) throw new ClosedError();
  }

  /** Validates a read revision; returns the revision to read at. */
  private readRevision(revision: number | undefined): number {
    if (!revision) return this.revision;
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision < this.compactRev) throw new CompactedError(revision, this.compactRev);
    return revision;
  }

  async currentRevision(): Promise<number> {
    this.check();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.check();
    return this.compactRev;
  }

  async get(key: string, opts: GetOptions = {}): Promise<GetResult> {
    this.check();
    const rev = this.readRevision(opts.revision);
    const row = (rev === this.revision ? this.st.latest!.get(key) : this.st.latestAt!.get(key, rev)) as Row | undefined;
    return { kv: row && !row.deleted ? toKv(row) : undefined, revision: rev };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const rev = this.readRevision(opts.revision);
    const end = prefixEnd(prefix) ?? null;
    let start = prefix;
    if (opts.continueFrom !== undefined && opts.continueFrom >= prefix) start = opts.continueFrom + '\0';
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const stmt = rev === this.revision ? this.st.list! : this.st.listAt!;
    const rows = stmt.all({ start, end, rev, limit: limit > 0 ? limit + 1 : -1 }) as Row[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { kvs: rows.map(toKv), revision: rev, more };
  }

  async count(prefix: string): Promise<CountResult> {
    this.check();
    const row = this.st.count!.get({ start: prefix, end: prefixEnd(prefix) ?? null }) as { n: number };
    return { count: row.n, revision: this.revision };
  }

  // ---- writes ------------------------------------------------------------------------------------

  async create(key: string, value: Uint8Array, opts: WriteOptions = {}): Promise<WriteResult> {
    checkSize(key, value);
    return (await this.enqueue({ kind: 'create', key, value: Buffer.from(value), lease: opts.lease ?? 0 }))!;
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts: WriteOptions = {}): Promise<WriteResult> {
    checkSize(key, value);
    return (await this.enqueue({ kind: 'update', key, value: Buffer.from(value), expected: expectedModRevision, lease: opts.lease ?? 0 }))!;
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    checkSize(key);
    return (await this.enqueue({ kind: 'delete', key, expected: expectedModRevision }))!;
  }

  private enqueue(op: WriteOp): Promise<WriteResult | undefined> {
    this.check();
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs every queued write in one transaction, commits, then settles the callers and feeds watchers. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const p of batch) p.reject(new ClosedError());
      return;
    }
    const outcomes: ({ ok: true; result: WriteResult | undefined; event: WatchEvent | undefined } | { ok: false; error: unknown })[] = [];
    const startRevision = this.revision;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const p of batch) {
        try {
          outcomes.push({ ok: true, ...this.apply(p.op) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // the connection is unusable; the next write reports it
      }
      this.revision = startRevision;
      const err = new StorageError('Unavailable', `sqlite commit to ${this.options.file} failed: ${(error as Error).message}`);
      for (const p of batch) p.reject(err);
      return;
    }
    const events: WatchEvent[] = [];
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        if (o.event) events.push(o.event);
        p.resolve(o.result);
      } else {
        p.reject(o.error);
      }
    });
    if (events.length > 0) this.broadcast(events);
  }

  /** Applies one write inside the open transaction. Throws the caller's error (nothing written) on a failed condition. */
  private apply(op: WriteOp): { result: WriteResult | undefined; event: WatchEvent | undefined } {
    const latest = this.st.latest!.get(op.key) as Row | undefined;
    const live = latest && !latest.deleted ? latest : undefined;
    const rev = this.revision + 1;
    switch (op.kind) {
      case 'create': {
        if (live) throw new KeyExistsError(op.key, toKv(live));
        if (op.lease !== 0 && !this.st.leaseGet!.get(op.lease)) throw new LeaseNotFoundError(op.lease);
        this.insert(rev, op.key, 1, 0, rev, latest ? latest.id : 0, op.lease, op.value);
        const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, lease: op.lease };
        return { result: { kv, revision: rev }, event: { type: 'PUT', kv } };
      }
      case 'update': {
        if (!live) throw new NotFoundError(op.key);
        if (live.id !== op.expected) throw new ConflictError(op.key, op.expected, toKv(live));
        if (op.lease !== 0 && !this.st.leaseGet!.get(op.lease)) throw new LeaseNotFoundError(op.lease);
        this.insert(rev, op.key, 0, 0, live.create_revision, live.id, op.lease, op.value);
        const kv: KeyValue = { key: op.key, value: op.value, createRevision: live.create_revision, modRevision: rev, lease: op.lease };
        return { result: { kv, revision: rev }, event: { type: 'PUT', kv, prevKv: toKv(live) } };
      }
      case 'delete':
      case 'expire': {
        if (!live) {
          if (op.kind === 'expire') return { result: undefined, event: undefined };
          throw new NotFoundError(op.key);
        }
        if (op.kind === 'delete' && op.expected !== undefined && live.id !== op.expected) {
          throw new ConflictError(op.key, op.expected, toKv(live));
        }
        if (op.kind === 'expire' && live.lease !== op.lease) return { result: undefined, event: undefined };
        this.insert(rev, op.key, 0, 1, live.create_revision, live.id, 0, null);
        const prev = toKv(live);
        return { result: { kv: prev, revision: rev }, event: { type: 'DELETE', kv: tombstoneKv(op.key, rev), prevKv: prev } };
      }
    }
  }

  private insert(id: number, name: string, created: number, deleted: number, createRev: number, prev: number, lease: number, value: Buffer | null): void {
    try {
      this.st.insert!.run(id, name, created, deleted, createRev, prev, lease, value);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        // Another write appended after the same state first: the compare-and-swap lost.
        const cur = this.st.latest!.get(name) as Row | undefined;
        if (cur && !cur.deleted) throw new ConflictError(name, prev, toKv(cur));
        throw new NotFoundError(name);
      }
      throw e;
    }
    if (deleted) this.st.liveDelete!.run(name);
    else this.st.liveSet!.run(name, id);
    this.revision = id;
  }

  // ---- watch -------------------------------------------------------------------------------------

  watch(prefix: string, fromRevision?: number, opts: WatchOptions = {}): Watch {
    const start = fromRevision && fromRevision > 0 ? fromRevision : this.revision + 1;
    let w: Watcher | undefined;
    const queue = new WatchQueue(
      this.opts.watchBuffer,
      {
        onClose: () => {
          if (w) {
            this.watchers.delete(w);
            if (timer) clearInterval(timer);
          }
        },
        onProgressRequest: () => {
          if (w) {
            w.progressWanted = true;
            this.sendProgressIfLive(w);
          }
        },
      },
      start,
      opts.signal,
    );
    let timer: NodeJS.Timeout | undefined;
    if (this.closed) {
      queue.fail(new ClosedError());
      return queue;
    }
    if (start <= this.compactRev) {
      queue.fail(new CompactedError(start, this.compactRev));
      return queue;
    }
    if (queue.ended) return queue;
    const replayTo = this.revision;
    w = {
      prefix,
      start,
      end: prefixEnd(prefix),
      queue,
      replayTo,
      backlog: start <= replayTo ? [] : undefined,
      progressWanted: false,
      lastSent: Date.now(),
      intervalMs: opts.progressNotifyIntervalMs ?? this.opts.progressNotifyIntervalMs,
    };
    this.watchers.add(w);
    if (w.intervalMs > 0) {
      const watcher = w;
      timer = setInterval(() => {
        if (Date.now() - watcher.lastSent >= watcher.intervalMs) {
          watcher.progressWanted = true;
          this.sendProgressIfLive(watcher);
        }
      }, Math.min(w.intervalMs, 1_000));
      timer.unref();
    }
    if (w.backlog) void this.replay(w, start);
    return queue;
  }

  /** Streams history [start, replayTo] to the watcher page by page, then its backlog, then goes live. */
  private async replay(w: Watcher, start: number): Promise<void> {
    let from = start;
    try {
      // Pages fit in half the buffer, and each waits for the consumer to make room: a replay never overflows.
      const page = Math.max(1, Math.min(REPLAY_PAGE, Math.floor(this.opts.watchBuffer / 2)));
      while (from <= w.replayTo && !w.queue.ended) {
        await w.queue.waitForRoom(this.opts.watchBuffer - page);
        if (w.queue.ended) break;
        if (from <= this.compactRev) throw new CompactedError(from, this.compactRev);
        const rows = this.st.history!.all({ from, to: w.replayTo, start: w.prefix, end: w.end ?? null, limit: page }) as HistoryRow[];
        if (rows.length === 0) break;
        const events = rows.map(historyEvent);
        w.queue.push({ events, revision: events[events.length - 1]!.kv.modRevision, progress: false });
        w.lastSent = Date.now();
        from = rows[rows.length - 1]!.id + 1;
        if (rows.length < page) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      w.queue.fail(e);
      return;
    }
    const backlog = w.backlog ?? [];
    w.backlog = undefined;
    if (backlog.length > 0) {
      w.queue.push({ events: backlog, revision: backlog[backlog.length - 1]!.kv.modRevision, progress: false });
      w.lastSent = Date.now();
    }
    this.sendProgressIfLive(w);
  }

  private broadcast(events: WatchEvent[]): void {
    for (const w of this.watchers) {
      const mine = events.filter((e) => e.kv.modRevision >= w.start && inRange(e.kv.key, w.prefix, w.end));
      if (mine.length === 0) continue;
      if (w.backlog) {
        w.backlog.push(...mine);
        if (w.backlog.length > this.opts.watchBuffer) {
          w.backlog = [];
          w.queue.fail(new WatchOverflowError(w.queue.delivered, this.opts.watchBuffer));
        }
        continue;
      }
      w.queue.push({ events: mine, revision: mine[mine.length - 1]!.kv.modRevision, progress: false });
      w.lastSent = Date.now();
    }
  }

  private sendProgressIfLive(w: Watcher): void {
    if (!w.progressWanted || w.backlog || w.queue.ended) return;
    w.progressWanted = false;
    w.lastSent = Date.now();
    w.queue.push({ events: [], revision: this.revision, progress: true });
  }

  // ---- compaction --------------------------------------------------------------------------------

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision <= this.compactRev) return;
    if (this.compacting) {
      // A second caller waits for the running compaction, then continues from where it got to.
      await this.compacting;
      return this.compact(revision);
    }
    this.compacting = this.compactTo(revision);
    try {
      await this.compacting;
    } finally {
      this.compacting = undefined;
    }
  }

  /** Deletes superseded rows and tombstones up to `revision`, in chunks that yield to the event loop. */
  private async compactTo(revision: number): Promise<void> {
    let done = this.compactRev;
    while (done < revision && !this.closed) {
      const chunkEnd = Math.min(revision, ((this.st.lastIdInChunk!.get(done, revision) as { id: number } | undefined)?.id ?? revision));
      this.db.transaction(() => {
        const ids = this.st.superseded!.all(done, chunkEnd) as { id: number }[];
        for (const { id } of ids) this.st.deleteRow!.run(id);
        this.st.deleteTombstones!.run(done, chunkEnd);
        this.st.setMeta!.run('compact_rev', String(chunkEnd));
      })();
      done = chunkEnd;
      this.compactRev = chunkEnd;
      if (done < revision) await new Promise((r) => setImmediate(r));
    }
    this.reclaimSpace();
  }

  /** Returns free pages to the file system when a quarter of the file is free (auto_vacuum=INCREMENTAL). */
  private reclaimSpace(): void {
    if (this.closed) return;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const total = this.db.pragma('page_count', { simple: true }) as number;
    if (free > 256 && free * 4 > total) this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** The automatic compaction: keeps `compactMinRevisions` revisions and `compactMinRetentionMs` of history. */
  async autoCompact(): Promise<void> {
    if (this.closed) return;
    const now = this.now();
    this.samples.push({ at: now, revision: this.revision });
    const cutoff = now - this.opts.compactMinRetentionMs;
    let byAge = 0;
    while (this.samples.length > 1 && this.samples[1]!.at <= cutoff) this.samples.shift();
    if (this.samples[0]!.at <= cutoff) byAge = this.samples[0]!.revision;
    const target = Math.min(byAge, this.revision - this.opts.compactMinRevisions);
    if (target > this.compactRev) await this.compact(target);
  }

  // ---- leases ------------------------------------------------------------------------------------

  async grantLease(ttlSeconds: number): Promise<number> {
    this.check();
    if (!(ttlSeconds > 0)) throw new StorageError('InvalidLease', `lease TTL must be positive, got ${ttlSeconds}`);
    for (;;) {
      // Random 48-bit ids, like etcd's unpredictable lease ids, but exact as JavaScript numbers.
      const id = Math.floor(Math.random() * 2 ** 48) + 1;
      if (this.st.leaseGet!.get(id)) continue;
      this.st.leaseInsert!.run(id, ttlSeconds, this.now() + ttlSeconds * 1000);
      return id;
    }
  }

  async revokeLease(id: number): Promise<void> {
    this.check();
    await this.dropLease(id);
  }

  private async dropLease(id: number): Promise<void> {
    const keys = this.st.leaseKeys!.all(id) as { name: string }[];
    this.st.leaseDelete!.run(id);
    await Promise.all(keys.map((k) => this.enqueue({ kind: 'expire', key: k.name, lease: id })));
  }

  private expiring = false;
  /** Deletes the keys of leases whose time is up (one revision per key), then the leases. */
  private expireLeases(): void {
    if (this.closed || this.expiring) return;
    const expired = this.st.leaseExpired!.all(this.now()) as { id: number }[];
    if (expired.length === 0) return;
    this.expiring = true;
    void Promise.all(expired.map((l) => this.dropLease(l.id)))
      .catch(() => undefined)
      .finally(() => {
        this.expiring = false;
      });
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    // Let queued writes commit before closing.
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    for (const w of [...this.watchers]) w.queue.end();
    this.watchers.clear();
    this.db.close();
  }
}

function historyEvent(r: HistoryRow): WatchEvent {
  if (r.deleted) {
    const prevKv: KeyValue | undefined =
      r.p_id !== null ? { key: r.name, value: r.p_value ?? EMPTY, createRevision: r.p_create_revision!, modRevision: r.p_id, lease: r.p_lease! } : undefined;
    return prevKv ? { type: 'DELETE', kv: tombstoneKv(r.name, r.id), prevKv } : { type: 'DELETE', kv: tombstoneKv(r.name, r.id) };
  }
  const kv = toKv(r);
  if (r.created || r.p_id === null) return { type: 'PUT', kv };
  return {
    type: 'PUT',
    kv,
    prevKv: { key: r.name, value: r.p_value ?? EMPTY, createRevision: r.p_create_revision!, modRevision: r.p_id, lease: r.p_lease! },
  };
}

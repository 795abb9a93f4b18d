// The storage seam: an etcd-v3-shaped key-value store that only the apiserver talks to.

/** A stored key with its value and revisions, as etcd's mvccpb.KeyValue. */
export interface KeyValue {
  /** The full key, e.g. `/registry/pods/default/web-0` (the backend's own prefix, if any, removed). */
  readonly key: string;
  /** The stored bytes. Empty for a DELETE event's current value. */
  readonly value: Uint8Array;
  /** Revision of the write that created this incarnation of the key. */
  readonly createRevision: number;
  /** Revision of the last write to the key (for a DELETE event: the delete's revision). */
  readonly modRevision: number;
  /** Lease the key is attached to; 0 for none. */
  readonly lease: number;
}

/** One change in the history. */
export interface WatchEvent {
  readonly type: 'PUT' | 'DELETE';
  /** For PUT, the new state; for DELETE, the key with an empty value and `modRevision` = the delete's revision. */
  readonly kv: KeyValue;
  /** The state before this change; undefined for the first PUT of a key (a create). */
  readonly prevKv?: KeyValue;
}

/**
 * What a watch yields. Either events (in revision order) or a progress notification
 * (`events` empty, `progress` true): "every change up to and including `revision` that matches the
 * watch has been delivered".
 */
export interface WatchBatch {
  readonly events: readonly WatchEvent[];
  /** For events: the revision of the last event. For progress: the store's revision at that moment. */
  readonly revision: number;
  readonly progress: boolean;
}

export interface GetOptions {
  /** Read as of this revision; undefined or 0 means the current revision. */
  revision?: number;
}

export interface ListOptions {
  /** Read as of this revision; undefined or 0 means the current revision. A later page passes the first page's revision. */
  revision?: number;
  /** At most this many keys; undefined or 0 means no limit. */
  limit?: number;
  /** Start strictly after this key (the last key of the previous page). */
  continueFrom?: string;
}

export interface GetResult {
  /** undefined when the key does not exist at that revision. */
  readonly kv: KeyValue | undefined;
  /** The revision the read was served at. */
  readonly revision: number;
}

export interface ListResult {
  /** Keys in byte order. */
  readonly kvs: KeyValue[];
  /** The revision the read was served at (pass it to the next page). */
  readonly revision: number;
  /** True when keys beyond `limit` remain. */
  readonly more: boolean;
}

export interface CountResult {
  readonly count: number;
  readonly revision: number;
}

export interface WriteResult {
  /** The state after the write (for a delete: the deleted state, i.e. the previous value). */
  readonly kv: KeyValue;
  /** The revision this write produced. */
  readonly revision: number;
}

export interface WriteOptions {
  /** Attach the key to this lease (from `grantLease`); the key is deleted when the lease expires. 0 or undefined: none. */
  lease?: number;
}

export interface WatchOptions {
  /**
   * Send a progress notification when the watch has been idle this long (milliseconds).
   * undefined: the backend's default (see each backend); 0: never.
   */
  progressNotifyIntervalMs?: number;
  /**
   * false: the consumer keeps its own copy of previous states, so events need not carry `prevKv` (etcd then
   * skips reading and sending the previous value of every change). A hint: a backend that has the previous
   * value for free may still send it. undefined or true: every event carries `prevKv` as documented on `watch`.
   */
  prevKv?: boolean;
  /** Ends the watch (the iterator returns normally). */
  signal?: AbortSignal;
}

/**
 * A running watch. Iterate it with `for await`. The iterator ends normally after `close()` or the
 * signal aborts; it throws `CompactedError` when the start revision has been compacted, and
 * `WatchOverflowError` when the consumer fell too far behind (resume from the last revision seen + 1).
 */
export interface Watch extends AsyncIterable<WatchBatch> {
  /** Ask for a progress notification now (as etcd's WatchProgressRequest). */
  requestProgress(): void;
  /** Stop the watch; idempotent. */
  close(): void;
}

/**
 * The store contract, with etcd v3 semantics (what kube-apiserver asks of etcd).
 *
 * - One cluster-wide revision; every successful create, update and delete increments it by exactly one.
 *   Failed writes change nothing. (Keys deleted by a lease expiring: see `revokeLease`.)
 * - Compare-and-swap is the only write path: `create` requires absence, `update` and a guarded
 *   `delete` require the caller's `modRevision` to be current.
 * - Reads are linearizable: a read started after a write returned sees it.
 * - Keys are strings compared as UTF-8 bytes; prefixes are plain string prefixes.
 * - Keys and values larger than `MAX_REQUEST_BYTES` are refused with `RequestTooLargeError`.
 * - Methods may be called concurrently; each call is atomic. After `close()` every call rejects
 *   with `ClosedError` and open watches end.
 */
export interface Backend {
  /** Which implementation this is, e.g. "sqlite" or "etcd". */
  readonly name: string;
  /** The current revision (the revision of the last successful write; 0 for an empty new store). */
  currentRevision(): Promise<number>;
  /** Reads one key. Throws `CompactedError` when `revision` is at or below the compacted revision (but not equal to it). */
  get(key: string, opts?: GetOptions): Promise<GetResult>;
  /** Reads the keys that start with `prefix`, in key order. Same revision rules as `get`. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Counts the keys that start with `prefix` at the current revision. */
  count(prefix: string): Promise<CountResult>;
  /** Creates `key`. Throws `KeyExistsError` (with the current state) if it exists. */
  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult>;
  /**
   * Replaces `key`'s value if its current `modRevision` equals `expectedModRevision`.
   * Throws `NotFoundError` if the key does not exist, `ConflictError` (with the current state) if the
   * revision differs. The key keeps its `createRevision`.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<WriteResult>;
  /**
   * Deletes `key`; when `expectedModRevision` is given, only if it is current (`ConflictError`
   * otherwise). Throws `NotFoundError` if the key does not exist. Returns the deleted state.
   */
  delete(key: string, expectedModRevision?: number): Promise<WriteResult>;
  /**
   * Watches the keys that start with `prefix`, from `fromRevision` inclusive (etcd semantics: the first
   * event has `modRevision >= fromRevision`); 0 or undefined means "changes after now".
   * Events are ordered by revision, unique and gapless for the prefix; every event carries `prevKv`
   * (except creates). A slow consumer never blocks writers: past the backend's buffer limit the watch
   * ends with `WatchOverflowError`.
   */
  watch(prefix: string, fromRevision?: number, opts?: WatchOptions): Watch;
  /**
   * Discards history at and below `revision` (the latest state of every key stays readable).
   * Reads and watches at revisions below it then fail with `CompactedError`. Compacting to a
   * revision at or below the current compaction is a no-op; above the current revision is an error.
   */
  compact(revision: number): Promise<void>;
  /** The revision history has been compacted to (0 if never). */
  compactedRevision(): Promise<number>;
  /** Grants a lease living `ttlSeconds`; returns its id (> 0). Keys attached to it are deleted when it expires. */
  grantLease(ttlSeconds: number): Promise<number>;
  /**
   * Revokes a lease now, deleting its keys; watchers see a DELETE for each. sqlite spends one revision
   * per key; etcd deletes them all in one revision (its events then share that revision). Unknown ids
   * are ignored.
   */
  revokeLease(id: number): Promise<void>;
  /** Releases connections and files; ends every watch. Idempotent. */
  close(): Promise<void>;
}

/** etcd's default --max-request-bytes: 1.5 MiB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

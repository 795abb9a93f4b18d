// Error classes of the storage seam; the apiserver maps each to a Kubernetes Status.
import type { KeyValue } from './types.js';

/** Base class: every error a backend throws on purpose is a StorageError with a stable `code`. */
export class StorageError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** `create` of a key that exists. `current` is its state. */
export class KeyExistsError extends StorageError {
  constructor(readonly key: string, readonly current?: KeyValue) {
    super('KeyExists', `key exists: ${key}`);
  }
}

/** A key that does not exist (update or delete). */
export class NotFoundError extends StorageError {
  constructor(readonly key: string) {
    super('NotFound', `key not found: ${key}`);
  }
}

/** A compare-and-swap whose expected modRevision is not current. `current` is the state that won. */
export class ConflictError extends StorageError {
  constructor(readonly key: string, readonly expectedModRevision: number, readonly current: KeyValue) {
    super('Conflict', `conflict on ${key}: expected modRevision ${expectedModRevision}, current is ${current.modRevision}`);
  }
}

/** A read or watch at a revision that compaction has discarded. */
export class CompactedError extends StorageError {
  constructor(readonly requestedRevision: number, readonly compactRevision: number) {
    super('Compacted', `required revision ${requestedRevision} has been compacted (compacted to ${compactRevision})`);
  }
}

/** A read at a revision that has not happened yet. */
export class FutureRevisionError extends StorageError {
  constructor(readonly requestedRevision: number, readonly currentRevision: number) {
    super('FutureRevision', `required revision ${requestedRevision} is a future revision (current is ${currentRevision})`);
  }
}

/** A key or value over the request size limit (etcd's 1.5 MiB). */
export class RequestTooLargeError extends StorageError {
  constructor(readonly what: 'key' | 'value', readonly size: number, readonly limit: number) {
    super('RequestTooLarge', `${what} of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** A watch whose consumer fell behind by more than the backend buffers; resume from the last revision seen + 1. */
export class WatchOverflowError extends StorageError {
  constructor(readonly lastDeliveredRevision: number, readonly limit: number) {
    super('WatchOverflow', `watch consumer too slow: more than ${limit} undelivered events after revision ${lastDeliveredRevision}; resume from ${lastDeliveredRevision + 1}`);
  }
}

/** A write naming a lease that does not exist (never granted, expired or revoked). */
export class LeaseNotFoundError extends StorageError {
  constructor(readonly lease: number) {
    super('LeaseNotFound', `lease ${lease} not found`);
  }
}

/** A call on a closed backend. */
export class ClosedError extends StorageError {
  constructor() {
    super('Closed', 'storage backend is closed');
  }
}

/** The database cannot be opened or read (corrupt file, wrong format, permissions). Names the file. */
export class CorruptStoreError extends StorageError {
  constructor(readonly file: string, cause: string) {
    super('Corrupt', `cannot open store ${file}: ${cause}`);
  }
}

/** A backend that cannot be reached (all etcd endpoints down) or failed unexpectedly. */
export class UnavailableError extends StorageError {
  constructor(message: string) {
    super('Unavailable', message);
  }
}

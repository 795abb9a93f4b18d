// The generic registry: object semantics (metadata, status, generation, finalizers, graceful delete) over storage.Backend.
import { randomUUID } from 'node:crypto';
import type { Backend, KeyValue } from '../storage/index.js';
import { ConflictError, KeyExistsError, NotFoundError as StorageNotFoundError } from '../storage/index.js';
import {
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  deepEqual,
  field,
  invalid,
  notFound,
  resourceExpired,
  toStatusError,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type FieldError,
  type GroupResource,
  type Json,
  type LabelSelector,
  type FieldSelector,
  nameIsDNSSubdomain,
  type ValidateNameFunc,
} from '../apimachinery/index.js';
import { lookupKind, type ResourceInfo } from '../api/index.js';
import { WatchCache, withResourceVersion, type CachedObject } from './watchcache.js';
import type { Hooks } from './hooks.js';
import { KIND_STRATEGIES } from './certificates.js';
import type { UserInfo } from './authn.js';

/** A plain JSON object. */
export type Obj = Record<string, any>;

/** Kinds whose strategies keep `metadata.generation` (set to 1 on create, +1 on each spec change). */
const GENERATION_KINDS = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ControllerRevision',
  '/ReplicationController',
  'batch/Job',
  'batch/CronJob',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/NetworkPolicy',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/IngressClass',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass',
]);

/** Kinds a PUT may create when the object does not exist (upstream AllowCreateOnUpdate). */
const CREATE_ON_UPDATE = new Set([
  '/Endpoints',
  '/Event',
  '/LimitRange',
  'coordination.k8s.io/Lease',
  'discovery.k8s.io/EndpointSlice',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

/** Kinds whose status is accepted on create (the rest start with an empty status). */
const STATUS_ON_CREATE = new Set(['/Node', '/Event', '/Namespace', 'coordination.k8s.io/Lease']);

/** Name rules per kind that differ from DNS-1123 subdomain (upstream ValidateNameFunc). */
let nameValidatorOverride: ((group: string, kind: string) => ValidateNameFunc | undefined) | undefined;
/** Lets the scheme supply per-kind name validators. */
export function setNameValidator(f: (group: string, kind: string) => ValidateNameFunc | undefined): void {
  nameValidatorOverride = f;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** Upstream's SimpleNameGenerator: base (trimmed to 58 chars) + 5 random characters. */
export function generateName(base: string): string {
  const b = base.length > 58 ? base.slice(0, 58) : base;
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return b + s;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function nowTime(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Options of a write. */
export interface WriteOpts {
  dryRun?: boolean;
}

/** DeleteOptions as the handlers parsed them. */
export interface DeleteOpts extends WriteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** The deprecated field as the client sent it (undefined when absent); only the response code looks at it. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Result of a delete: the object as deleted or as marked for deletion, and whether it is gone. */
export interface DeleteResult {
  obj: Obj;
  deleted: boolean;
}

/** Selection for lists and watches. */
export interface Selection {
  namespace: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
  /** Field set of an object for field selectors. */
  fieldSet?: (obj: Obj) => Record<string, string>;
}

/** Turns stored bytes into plaintext and back (encryption at rest); `stale` marks bytes written with an old key. */
export interface ValueTransformer {
  toStorage(data: Uint8Array, key: string): Uint8Array;
  fromStorage(data: Uint8Array, key: string): { data: Uint8Array; stale: boolean };
}

/** An update function for read-modify-write: gets the current object (copy, storage version) and returns the new one. */
export type UpdateFn = (current: Obj | undefined) => Promise<Obj> | Obj;

/**
 * One resource's storage: keys `/registry/<group/>resource/<ns>/<name>`, values JSON in the storage version
 * without `metadata.resourceVersion` (it is the key's modRevision).
 *
 * Every method throws `StatusError`s only. Writes are compare-and-swap against the revision read; callers pass
 * read-modify-write functions (`update`) so retries on conflict re-run them against the fresh state.
 */
export class ResourceStore {
  readonly prefix: string;
  readonly gr: GroupResource;
  readonly cache: WatchCache;
  private readonly storageKey: string;
  readonly generation: boolean;

  constructor(
    readonly backend: Backend,
    readonly info: ResourceInfo,
    private readonly hooks: Hooks,
  ) {
    const storage = info.storage!;
    const storageInfo = lookupKind(storage.group, storage.kind, storage.version) ?? info;
    this.storageKey = `${storage.group}/${storage.kind}`;
    this.prefix = `/registry/${storage.group ? storage.group + '/' : ''}${storageInfo.resource}/`;
    this.gr = { group: info.group, resource: info.resource };
    this.generation = GENERATION_KINDS.has(this.storageKey);
    this.cache = new WatchCache(backend, this.prefix, (key, value, rev) => this.decodeValue(key, value, rev));
  }

  /**
   * Encryption at rest for this resource (from `--encryption-provider-config`); undefined stores plaintext JSON.
   * Set before the server serves.
   */
  transformer: ValueTransformer | undefined;
  /** Decoded objects whose stored bytes were not written with the current first provider/key. */
  private readonly stale = new WeakSet<object>();

  /** The stored bytes of `obj` at `key`: JSON without resourceVersion, through the transformer. */
  encodeValue(obj: Obj, key: string): Uint8Array {
    const plain = encode(obj);
    return this.transformer ? this.transformer.toStorage(plain, key) : plain;
  }

  /** The object stored as `value` at `key` with its resourceVersion; throws on bytes it cannot read. */
  decodeValue(key: string, value: Uint8Array, rev: number): Obj {
    if (!this.transformer) return decode(key, value, rev);
    const { data, stale } = this.transformer.fromStorage(value, key);
    const obj = decode(key, data, rev);
    if (stale) this.stale.add(obj);
    return obj;
  }

  /** Whether `obj` (as decoded by this store) was stored with an old key or provider. */
  isStale(obj: object): boolean {
    return this.stale.has(obj);
  }

  get storageVersion(): string {
    const s = this.info.storage!;
    return s.group ? `${s.group}/${s.version}` : s.version;
  }

  get kind(): string {
    return this.info.storage!.kind;
  }

  key(namespace: string, name: string): string {
    return this.info.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** The key prefix of a namespace (or every object for '' / cluster-scoped). */
  keyPrefix(namespace: string): string {
    return this.info.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  /** Reads one object from the store (consistent); throws 404. */
  async get(namespace: string, name: string): Promise<Obj> {
    const got = await this.readRaw(namespace, name);
    if (!got) throw notFound(this.gr, name);
    return got.obj;
  }

  private async readRaw(namespace: string, name: string): Promise<{ obj: Obj; rev: number } | undefined> {
    try {
      const { kv } = await this.backend.get(this.key(namespace, name));
      if (!kv) return undefined;
      return { obj: this.decodeValue(kv.key, kv.value, kv.modRevision), rev: kv.modRevision };
    } catch (err) {
      throw toStatusError(err, this.gr, name);
    }
  }

  /** Creates `obj` (storage version, already defaulted and validated); returns the stored object. */
  async create(obj: Obj, opts: WriteOpts = {}): Promise<Obj> {
    const meta = obj.metadata;
    const key = this.key(meta.namespace ?? '', meta.name);
    if (opts.dryRun) {
      const { kv } = await this.backend.get(key).catch((e) => {
        throw toStatusError(e, this.gr, meta.name);
      });
      if (kv) throw alreadyExists(this.gr, meta.name);
      return obj;
    }
    try {
      const res = await this.backend.create(key, this.encodeValue(obj, key));
      return withResourceVersion(obj, res.revision);
    } catch (err) {
      if (err instanceof KeyExistsError) throw alreadyExists(this.gr, meta.name);
      throw toStatusError(err, this.gr, meta.name);
    }
  }

  /**
   * Read-modify-write of one object. `fn` gets a private copy of the current object (undefined when absent) and
   * returns the object to store; when it returns an object deep-equal to the current one nothing is written.
   * On a store conflict `fn` runs again on the fresh state, unless `fn` itself pinned a resourceVersion
   * (a client precondition), in which case 409 Conflict is thrown.
   * Returns the stored object and whether it was created.
   */
  async update(namespace: string, name: string, fn: UpdateFn, opts: WriteOpts = {}): Promise<{ obj: Obj; created: boolean }> {
    // As upstream's GuaranteedUpdate with a cached existing object: the first attempt starts from the watch
    // cache's copy (saving a store read); anything that could be an artefact of a stale copy (a miss, a
    // resourceVersion precondition, a no-op, a CAS conflict) re-reads the store and tries again.
    let fromCache = this.cache.loaded;
    for (let attempt = 0; ; attempt++) {
      const cached = fromCache;
      const cur = cached ? this.cachedRaw(namespace, name) : await this.readRaw(namespace, name);
      fromCache = false;
      if (cached && !cur) continue;
      let next: Obj;
      try {
        next = await fn(cur ? structuredClone(cur.obj) : undefined);
      } catch (err) {
        // The refusal may be an artefact of the stale copy (e.g. a resourceVersion check): ask the store.
        if (cached) continue;
        throw err;
      }
      if (!cur) {
        const created = await this.create(next, opts);
        return { obj: created, created: true };
      }
      const pinned = next.metadata?.resourceVersion;
      if (pinned !== undefined && pinned !== '' && pinned !== String(cur.rev)) {
        if (cached) continue;
        throw conflict(this.gr, name);
      }
      if (this.hooks.shouldDeleteOnUpdate(next)) {
        // The last finalizer of an object being deleted went away: the object goes now.
        if (opts.dryRun) {
          if (cached) continue;
          return { obj: next, created: false };
        }
        try {
          const res = await this.backend.delete(this.key(namespace, name), cur.rev);
          return { obj: withResourceVersion(stripRv(next), res.revision), created: false };
        } catch (err) {
          if (err instanceof ConflictError && (cached || ((pinned === undefined || pinned === '') && attempt < 10))) continue;
          throw mapWriteError(err, this.gr, name);
        }
      }
      const curCmp = stripRv(cur.obj);
      const nextCmp = stripRv(next);
      // A value stored under an old encryption key or provider is rewritten even when nothing changed (how
      // `kubectl replace` of every secret rotates keys, as upstream).
      if (deepEqual(curCmp as Json, nextCmp as Json) && !this.stale.has(cur.obj)) {
        if (cached) continue;
        return { obj: cur.obj, created: false };
      }
      if (opts.dryRun) {
        if (cached) continue;
        return { obj: withResourceVersion(nextCmp, cur.rev), created: false };
      }
      try {
        const res = await this.backend.update(this.key(namespace, name), this.encodeValue(nextCmp, this.key(namespace, name)), cur.rev);
        return { obj: withResourceVersion(nextCmp, res.revision), created: false };
      } catch (err) {
        if ((err instanceof ConflictError || err instanceof StorageNotFoundError) && (cached || ((pinned === undefined || pinned === '') && attempt < 10))) continue;
        throw mapWriteError(err, this.gr, name);
      }
    }
  }

  /** The watch cache's copy of one object (frozen, shared), or undefined when the cache does not hold it. */
  private cachedRaw(namespace: string, name: string): { obj: Obj; rev: number } | undefined {
    const c = this.cache.get(this.key(namespace, name));
    return c ? { obj: c.obj as Obj, rev: c.rev } : undefined;
  }

  /**
   * Deletes one object, honouring preconditions, finalizers, propagation policy and (through hooks) graceful
   * deletion. `rev` of the read is the CAS guard; conflicts retry.
   */
  async delete(namespace: string, name: string, opts: DeleteOpts = {}): Promise<DeleteResult> {
    // The first attempt may start from the watch cache's copy, as `update` does; whatever a stale copy could
    // have caused (a miss, a failed precondition, a no-op, a CAS conflict, a dry run's answer) re-reads the store.
    let fromCache = this.cache.loaded;
    for (let attempt = 0; ; attempt++) {
      const cached = fromCache;
      const cur = cached ? this.cachedRaw(namespace, name) : await this.readRaw(namespace, name);
      fromCache = false;
      if (!cur) {
        if (cached) continue;
        throw notFound(this.gr, name);
      }
      const obj = structuredClone(cur.obj);
      const meta = obj.metadata ?? {};
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        if (cached) continue;
        throw conflictPrecondition(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev)) {
        if (cached) continue;
        throw conflictPrecondition(
          this.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rev}`,
        );
      }
      if (cached && opts.dryRun) continue;
      const marked = this.hooks.markForDeletion(this.info, obj, opts);
      if (marked) {
        // Finalizers or a grace period keep the object; it only gets (or keeps) its deletionTimestamp.
        if (deepEqual(stripRv(cur.obj) as Json, stripRv(marked) as Json)) {
          if (cached) continue;
          return { obj: cur.obj, deleted: false };
        }
        if (opts.dryRun) return { obj: marked, deleted: false };
        try {
          const res = await this.backend.update(this.key(namespace, name), this.encodeValue(stripRv(marked), this.key(namespace, name)), cur.rev);
          return { obj: withResourceVersion(stripRv(marked), res.revision), deleted: false };
        } catch (err) {
          if ((err instanceof ConflictError || (cached && err instanceof StorageNotFoundError)) && (cached || attempt < 10)) continue;
          throw mapWriteError(err, this.gr, name);
        }
      }
      if (opts.dryRun) return { obj: cur.obj, deleted: true };
      try {
        const res = await this.backend.delete(this.key(namespace, name), cur.rev);
        return { obj: withResourceVersion(stripRv(obj), res.revision), deleted: true };
      } catch (err) {
        if ((err instanceof ConflictError || (cached && err instanceof StorageNotFoundError)) && (cached || attempt < 10)) continue;
        if (err instanceof StorageNotFoundError) throw notFound(this.gr, name);
        throw mapWriteError(err, this.gr, name);
      }
    }
  }

  /**
   * Lists from the store (consistent or at `revision`), filtered, in key order, at most `limit` matches.
   * Returns the continue key (the last key examined) when more keys remain.
   */
  async listFromStore(
    sel: Selection,
    opts: { limit?: number; revision?: number; continueKey?: string },
  ): Promise<{ items: Obj[]; revision: number; continueKey?: string; remaining?: number }> {
    const items: Obj[] = [];
    const prefix = this.keyPrefix(sel.namespace);
    let revision = opts.revision ?? 0;
    let after = opts.continueKey;
    const limit = opts.limit ?? 0;
    try {
      for (;;) {
        const want = limit > 0 ? Math.max(limit - items.length, 1) : 0;
        const page = await this.backend.list(prefix, {
          ...(revision ? { revision } : {}),
          ...(want ? { limit: filtersActive(sel) ? Math.max(want, 100) : want } : {}),
          ...(after ? { continueFrom: after } : {}),
        });
        revision = page.revision;
        let lastKey: string | undefined;
        for (let i = 0; i < page.kvs.length; i++) {
          const kv = page.kvs[i]!;
          lastKey = kv.key;
          let obj: Obj;
          try {
            obj = this.decodeValue(kv.key, kv.value, kv.modRevision);
          } catch {
            continue;
          }
          if (!matches(sel, obj)) continue;
          items.push(obj);
          if (limit > 0 && items.length >= limit) {
            const more = i < page.kvs.length - 1 || page.more;
            return more ? { items, revision, continueKey: kv.key } : { items, revision };
          }
        }
        if (!page.more || page.kvs.length === 0) return { items, revision };
        after = lastKey;
      }
    } catch (err) {
      if (err instanceof StatusError) throw err;
      const se = toStatusError(err, this.gr);
      if (se.code === 410 && opts.continueKey) {
        throw resourceExpired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      throw se;
    }
  }

  /** Lists from the watch cache (after `minRevision` has been applied), filtered, in key order. */
  async listFromCache(sel: Selection, minRevision = 0): Promise<{ items: readonly CachedObject[]; revision: number }> {
    await this.cache.start();
    if (minRevision > 0) await this.cache.waitFresh(minRevision);
    const snap = this.cache.list(this.keyPrefix(sel.namespace));
    const items = filtersActive(sel) ? snap.items.filter((c) => matches(sel, c.obj)) : snap.items;
    return { items, revision: snap.revision };
  }

  /** Validates metadata and the kind's rules for a create; throws 422. */
  validateCreate(obj: Obj): void {
    const errs: FieldError[] = validateObjectMeta(obj.metadata ?? {}, {
      namespaced: this.info.namespaced,
      nameValidator: nameValidatorOverride?.(this.info.storage!.group, this.kind) ?? nameIsDNSSubdomain,
    });
    errs.push(...this.hooks.validateCreate(this.info, obj));
    if (errs.length > 0) throw invalid({ group: this.info.group, kind: this.info.kind }, obj.metadata?.name ?? '', errs);
  }

  /** Validates an update (of the object or of `subresource`); throws 422. */
  validateUpdate(obj: Obj, old: Obj, subresource = ''): void {
    const errs: FieldError[] = validateObjectMeta(obj.metadata ?? {}, {
      namespaced: this.info.namespaced,
      nameValidator: nameValidatorOverride?.(this.info.storage!.group, this.kind) ?? nameIsDNSSubdomain,
    });
    errs.push(...validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}));
    const strategy = KIND_STRATEGIES[this.storageKey];
    errs.push(...(strategy?.validateUpdate ? strategy.validateUpdate(obj, old, subresource) : this.hooks.validateUpdate(this.info, obj, old)));
    if (errs.length > 0) throw invalid({ group: this.info.group, kind: this.info.kind }, obj.metadata?.name ?? '', dedupe(errs));
  }

  /** Whether create may happen through PUT. */
  get allowCreateOnUpdate(): boolean {
    return CREATE_ON_UPDATE.has(this.storageKey);
  }

  /** Whether status given on create is kept. */
  get keepsStatusOnCreate(): boolean {
    return STATUS_ON_CREATE.has(this.storageKey);
  }

  /** Fills system metadata of a new object (uid, creationTimestamp, generation) and clears what clients may not set. */
  prepareCreate(obj: Obj, user?: UserInfo): void {
    const meta = (obj.metadata ??= {});
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTime();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.generation) meta.generation = 1;
    else delete meta.generation;
    if (this.info.subresources.some((s) => s.name === 'status') && !this.keepsStatusOnCreate) delete obj.status;
    KIND_STRATEGIES[this.storageKey]?.prepareForCreate?.(obj, user);
  }

  /**
   * Carries system fields from `old` into `obj` for an update of the main resource (`subresource` ''), or
   * builds the status update (`subresource` 'status': spec and most metadata from old, status from obj).
   */
  prepareUpdate(obj: Obj, old: Obj, subresource: '' | 'status' | 'approval'): Obj {
    let next: Obj;
    if (subresource === 'status' || subresource === 'approval') {
      next = { ...structuredClone(old), status: obj.status };
      // Labels, annotations and the like may change with a status write; system fields may not.
      const m = obj.metadata ?? {};
      for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
        if (k in m) next.metadata[k] = m[k];
        else delete next.metadata[k];
      }
    } else {
      next = obj;
      if (this.info.subresources.some((s) => s.name === 'status')) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
    }
    const meta = (next.metadata ??= {});
    const om = old.metadata ?? {};
    meta.uid = om.uid;
    meta.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp) meta.deletionTimestamp = om.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (om.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.generation) {
      const gen = om.generation ?? 1;
      meta.generation = subresource === '' && specChanged(next, old) ? gen + 1 : gen;
    } else if (om.generation !== undefined) meta.generation = om.generation;
    else delete meta.generation;
    KIND_STRATEGIES[this.storageKey]?.prepareForUpdate?.(next, old, subresource);
    return next;
  }
}

/** Whether anything but metadata and status differs. */
export function specChanged(a: Obj, b: Obj): boolean {
  const strip = (o: Obj) => {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(a) as Json, strip(b) as Json);
}

function filtersActive(sel: Selection): boolean {
  return !!((sel.labels && !sel.labels.empty()) || (sel.fields && !sel.fields.empty()));
}

/** Whether `obj` passes the selection's label and field selectors (namespace is handled by key prefix). */
export function matches(sel: Selection, obj: Obj): boolean {
  if (sel.labels && !sel.labels.empty() && !sel.labels.matches(obj.metadata?.labels ?? {})) return false;
  if (sel.fields && !sel.fields.empty()) {
    const fs = sel.fieldSet ? sel.fieldSet(obj) : defaultFieldSet(obj);
    if (!sel.fields.matches(fs)) return false;
  }
  return true;
}

/** metadata.name and metadata.namespace: the fields every kind supports. */
export function defaultFieldSet(obj: Obj): Record<string, string> {
  const fs: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (obj.metadata?.namespace !== undefined) fs['metadata.namespace'] = obj.metadata.namespace;
  return fs;
}

function conflictPrecondition(gr: GroupResource, name: string, message: string): StatusError {
  const e = conflict(gr, name);
  e.status.message = `Operation cannot be fulfilled on ${gr.group ? `${gr.resource}.${gr.group}` : gr.resource} "${name}": ${message}`;
  return e;
}

function mapWriteError(err: unknown, gr: GroupResource, name: string): StatusError {
  if (err instanceof ConflictError) return conflict(gr, name);
  if (err instanceof StorageNotFoundError) return notFound(gr, name);
  return toStatusError(err, gr, name);
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${e.detail ?? ''}|${JSON.stringify(e.value ?? null)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A copy without metadata.resourceVersion (the stored form). */
export function stripRv(obj: Obj): Obj {
  if (!obj.metadata || obj.metadata.resourceVersion === undefined) return obj;
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The stored bytes of an object. */
export function encode(obj: Obj): Uint8Array {
  return enc.encode(JSON.stringify(stripRv(obj)));
}

/** A stored value as an object with its resourceVersion. */
export function decode(_key: string, value: Uint8Array, rev: number): Obj {
  const obj = JSON.parse(dec.decode(value)) as Obj;
  (obj.metadata ??= {}).resourceVersion = String(rev);
  return obj;
}

export type { KeyValue };
export { field };

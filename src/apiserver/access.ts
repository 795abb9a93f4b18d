// What the apiserver's security and admission parts see of stored objects: reads from the watch caches, writes through the registry.
import type { UserInfo } from './authn.js';

/** A stored object in its storage version (e.g. `v1` Pod, `rbac.authorization.k8s.io/v1` Role), JSON-shaped. */
export type Obj = Record<string, any>;

/**
 * Read access to the current objects, served from the apiserver's watch caches (started with the server), so
 * a read costs a map lookup. Like an informer's lister: the state may trail the store by the few milliseconds a
 * watch event takes; callers that must not act on a stale state re-check through `ObjectWriter`.
 *
 * Returned objects and arrays are shared and frozen: copy (`structuredClone`) before changing them. `list`
 * returns the same array for as long as the resource's objects do not change.
 * `group` is '' for core; `resource` the plural (`pods`, `clusterroles`); `namespace` '' for cluster-scoped.
 */
export interface ObjectReader {
  /** The object, or undefined when it does not exist. */
  get(group: string, resource: string, namespace: string, name: string): Obj | undefined;
  /** Every object of the resource in `namespace` (all namespaces when '' or undefined), in key order. */
  list(group: string, resource: string, namespace?: string): Obj[];
}

/**
 * Writes through the registry (compare-and-swap against the stored revision; no admission, no validation:
 * callers are trusted apiserver parts, e.g. quota status or bootstrap policy). Throws `StatusError`s.
 */
export interface ObjectWriter {
  /**
   * Read-modify-write of one existing object. `fn` gets a private copy of the current state and returns the
   * object to store, or undefined to leave it as it is; on a conflict it runs again on the fresh state.
   * `subresource` 'status' writes only the status. Throws 404 when the object does not exist.
   * Resolves to the stored object.
   */
  update(group: string, resource: string, namespace: string, name: string, fn: (cur: Obj) => Obj | undefined, subresource?: 'status'): Promise<Obj>;
  /** Creates `obj` (metadata.name and, for namespaced kinds, metadata.namespace set); 409 when it exists. */
  create(group: string, resource: string, obj: Obj): Promise<Obj>;
  /** Deletes one object (no-op when absent). */
  delete(group: string, resource: string, namespace: string, name: string): Promise<void>;
}

/** Both halves. */
export interface ObjectAccess extends ObjectReader, ObjectWriter {}

/**
 * One admission request, as upstream's admission.Attributes. Objects are in the storage version (the internal
 * form of this apiserver): a Deployment sent as apps/v1 is `apps/v1`, an HPA sent as autoscaling/v1 is
 * `autoscaling/v2`.
 */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** API group of the resource ('' for core). */
  readonly group: string;
  /** The storage version (`v1`). */
  readonly version: string;
  /** The storage kind (`Pod`). */
  readonly kind: string;
  /** Plural resource (`pods`). */
  readonly resource: string;
  /** '' or e.g. `status`, `binding`, `eviction`, `token`. */
  readonly subresource: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  /** '' for a create with generateName that has no name yet. */
  readonly name: string;
  /**
   * The object being written: the new state for CREATE/UPDATE (mutating plugins change it in place), the
   * request body for CONNECT and subresources like `eviction`/`binding`/`token`, the current state for DELETE.
   */
  readonly object: Obj | undefined;
  /** The state before an UPDATE or DELETE. */
  readonly oldObject: Obj | undefined;
  readonly user: UserInfo;
  readonly dryRun: boolean;
  /** Warnings for the client (`Warning: 299 - "..."` headers); plugins push plain messages. */
  readonly warnings: string[];
  /** Adds an annotation to the request's audit event (upstream's AddAnnotation); a no-op when not audited. */
  readonly annotate?: (key: string, value: string) => void;
  /**
   * Runs `cb` once the request's handler has finished, whatever the outcome (the object stored, refused by a
   * later step, or the write failed). Absent when the caller cannot tell (plugins then assume nothing).
   */
  readonly whenDone?: (cb: () => void) => void;
}

/**
 * An admission plugin. Mutating plugins implement `admit` (they may change `req.object`), validating plugins
 * `validate` (they must not change anything). All `admit`s run in the configured order, then all `validate`s.
 * To refuse, throw a `StatusError` (usually `forbidden(...)`, 403, or `invalid(...)`, 422). `handles` limits
 * which operations reach the plugin (all when absent).
 */
export interface AdmissionPlugin {
  readonly name: string;
  handles?(operation: AdmissionRequest['operation']): boolean;
  admit?(req: AdmissionRequest): void | Promise<void>;
  validate?(req: AdmissionRequest): void | Promise<void>;
}

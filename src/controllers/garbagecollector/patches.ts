// Pure helpers of the garbage collector: which resources it watches, how references classify, and the merge patches it sends.
import { RESOURCES, lookupKind, type ResourceInfo } from '../../api/resources.js';
import type { ResourceRef } from '../../client/index.js';
import type { OwnerReference } from './graph.js';

/** Resources upstream's garbage collector never monitors (DefaultIgnoredResources). */
export const IGNORED_RESOURCES: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' },
];

/** Every served, stored resource that supports delete, list and watch, minus the ignored ones (upstream GetDeletableResources). */
export function deletableResources(resources: readonly ResourceInfo[] = RESOURCES): ResourceInfo[] {
  return resources.filter(
    (r) =>
      r.storage !== undefined &&
      ['delete', 'list', 'watch'].every((v) => r.verbs.includes(v as never)) &&
      !IGNORED_RESOURCES.some((i) => i.group === r.group && i.resource === r.resource),
  );
}

/** The wire reference (preferred version) of a resource. */
export function refOf(info: ResourceInfo): ResourceRef {
  return { group: info.group, version: info.versions[0] ?? 'v1', resource: info.resource, namespaced: info.namespaced };
}

/** `group/version` (or `version` for the core group). */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Splits an apiVersion into group and version (`v1` → core). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** An apiVersion/kind the server does not serve (upstream restMappingError): retried with back-off. */
export class RestMappingError extends Error {
  constructor(readonly kind: string, readonly apiVersion: string) {
    super(`unable to get REST mapping for ${apiVersion}/${kind}.`);
    this.name = 'RestMappingError';
  }
}

/**
 * Resolves an owner's apiVersion and kind to the resource to GET it from (the reference's version when served,
 * else the group's preferred one). Throws {@link RestMappingError} for a kind the server does not serve.
 */
export function resolveKind(apiVersion: string, kind: string): ResourceRef {
  const { group, version } = splitApiVersion(apiVersion);
  const info = lookupKind(group, kind);
  if (!info || !info.verbs.includes('get')) throw new RestMappingError(kind, apiVersion);
  return { group, version: info.versions.includes(version) ? version : (info.versions[0] ?? version), resource: info.resource, namespaced: info.namespaced };
}

/** Owner metadata as a live GET returns it. */
export interface OwnerMeta {
  uid?: string;
  deletionTimestamp?: string;
  finalizers?: readonly string[];
}

/**
 * Splits references into solid (owner exists, not waiting for dependents), dangling (owner absent or its uid
 * differs) and waitingForDependentsDeletion (owner being deleted in the foreground), given each reference's live
 * owner (`undefined` = not found). Mirrors upstream classifyReferences.
 */
export function classifyReferences(
  refs: readonly OwnerReference[],
  owners: readonly (OwnerMeta | undefined)[],
): { solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] } {
  const solid: OwnerReference[] = [];
  const dangling: OwnerReference[] = [];
  const waiting: OwnerReference[] = [];
  refs.forEach((ref, i) => {
    const o = owners[i];
    if (!o || o.uid !== ref.uid) dangling.push(ref);
    else if (o.deletionTimestamp && (o.finalizers ?? []).includes('foregroundDeletion')) waiting.push(ref);
    else solid.push(ref);
  });
  return { solid, dangling, waiting };
}

/**
 * The JSON merge patch that drops the references to `ownerUids` from an object's ownerReferences, pinned to
 * `resourceVersion` (upstream deleteOwnerRefJSONMergePatch); undefined when none of them is referenced.
 */
export function deleteOwnerRefsPatch(refs: readonly OwnerReference[], ownerUids: readonly string[], resourceVersion: string | undefined): object | undefined {
  const keep = refs.filter((r) => !ownerUids.includes(r.uid));
  if (keep.length === refs.length) return undefined;
  return { metadata: { ...(resourceVersion ? { resourceVersion } : {}), ownerReferences: keep.length > 0 ? keep : null } };
}

/**
 * The JSON merge patch that sets blockOwnerDeletion false on every blocking reference (upstream
 * unblockOwnerReferencesJSONMergePatch); undefined when no reference blocks.
 */
export function unblockOwnerRefsPatch(refs: readonly OwnerReference[], resourceVersion: string | undefined): object | undefined {
  if (!refs.some((r) => r.blockOwnerDeletion === true)) return undefined;
  const out = refs.map((r) => (r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : { ...r }));
  return { metadata: { ...(resourceVersion ? { resourceVersion } : {}), ownerReferences: out } };
}

/** The JSON merge patch removing finalizer `f`, pinned to `resourceVersion`; undefined when `f` is not there. */
export function removeFinalizerPatch(finalizers: readonly string[] | undefined, f: string, resourceVersion: string | undefined): object | undefined {
  const cur = finalizers ?? [];
  if (!cur.includes(f)) return undefined;
  const rest = cur.filter((x) => x !== f);
  return { metadata: { ...(resourceVersion ? { resourceVersion } : {}), finalizers: rest.length > 0 ? rest : null } };
}

/**
 * The propagation policy a dependent is deleted with when no owner keeps it: an orphan or foreground finalizer it
 * already has is honoured, else Background.
 */
export function propagationFor(finalizers: readonly string[] | undefined): 'Orphan' | 'Foreground' | 'Background' {
  const f = finalizers ?? [];
  if (f.includes('orphan')) return 'Orphan';
  if (f.includes('foregroundDeletion')) return 'Foreground';
  return 'Background';
}

/** A small LRU set (upstream's absent owner cache). */
export class LruSet {
  private readonly items = new Map<string, true>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    if (!this.items.has(k)) return false;
    this.items.delete(k);
    this.items.set(k, true);
    return true;
  }
  add(k: string): void {
    this.items.delete(k);
    this.items.set(k, true);
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value as string);
  }
  get size(): number {
    return this.items.size;
  }
}

// ControllerRevision helpers shared by the StatefulSet and DaemonSet controllers (upstream pkg/controller/history).
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isAlreadyExists, type RestClient } from '../../client/index.js';

/** The label holding the hash of a ControllerRevision's data (upstream ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** 32-bit FNV-1 (Go's fnv.New32) of `data`, continuing from `seed`. */
export function fnv32(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of data) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

/** 32-bit FNV-1a (Go's fnv.New32a) of `data`, continuing from `seed`. */
export function fnv32a(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of data) {
    h = (h ^ b) >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream rand.SafeEncodeString: each character mapped into an alphabet without vowels (no bad words). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += ALPHANUMS[ch.codePointAt(0)! % ALPHANUMS.length];
  return out;
}

/**
 * JSON as Go's json.Marshal writes a generic value (map[string]interface{}): object keys sorted, no spaces, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped. Undefined members are dropped.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${goString(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v);
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The revision data upstream StatefulSet and DaemonSet controllers record (their getPatch): the owner's pod template
 * as `{"spec":{"template":{...,"$patch":"replace"}}}`, serialized with sorted keys.
 */
export function templatePatch(owner: { spec?: object }): string {
  const template = structuredClone(((owner.spec as { template?: unknown } | undefined)?.template ?? {}) as Record<string, unknown>);
  template['$patch'] = 'replace';
  return canonicalJson({ spec: { template } });
}

/** The pod template recorded in a revision made by {@link templatePatch} (the `$patch` directive removed). */
export function templateFromRevision<T = unknown>(rev: { data?: unknown }): T {
  const data = (rev.data ?? {}) as { spec?: { template?: Record<string, unknown> } };
  const t = structuredClone(data.spec?.template ?? {});
  delete t['$patch'];
  return t as T;
}

/** The serialized data of a revision, as compared by {@link equalRevision}. */
export function revisionData(rev: { data?: unknown }): string {
  return canonicalJson(rev.data ?? null);
}

/**
 * Upstream HashControllerRevision: FNV-1 32 of the revision's serialized data, then of the decimal `probe` (the
 * collision count) when given, printed in decimal and safe-encoded.
 */
export function hashControllerRevision(data: string, probe?: number): string {
  let h = fnv32(Buffer.from(data, 'utf8'));
  if (probe !== undefined) h = fnv32(Buffer.from(String(probe), 'utf8'), h);
  return safeEncodeString(String(h));
}

/** Upstream ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/**
 * Upstream NewControllerRevision: a revision of `parent` holding `data` (a serialized JSON object), labelled with
 * the template labels and the hash label, named `<parent>-<hash>`, controlled by `ownerRef`.
 */
export function newControllerRevision(
  parent: { metadata?: { name?: string; namespace?: string } },
  ownerRef: OwnerReference,
  templateLabels: Readonly<Record<string, string>> | undefined,
  data: string,
  revision: number,
  collisionCount?: number,
): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace ?? 'default',
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [ownerRef],
    },
    data: JSON.parse(data) as object,
    revision,
  };
}

/** Upstream EqualRevision: both absent, or both present with the same serialized data. */
export function equalRevision(a: { data?: unknown } | undefined, b: { data?: unknown } | undefined): boolean {
  if (!a || !b) return a === b;
  return revisionData(a) === revisionData(b);
}

/** Upstream FindEqualRevisions: the revisions equal to `needle`, order kept. */
export function findEqualRevisions<R extends { data?: unknown }>(revisions: readonly R[], needle: { data?: unknown }): R[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** Upstream SortControllerRevisions (stable): by revision, then creation timestamp, then name. Returns a new array. */
export function sortControllerRevisions<R extends ControllerRevision>(revisions: readonly R[]): R[] {
  return [...revisions].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (ta !== tb) return ta - tb;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** Upstream nextRevision: one more than the highest revision (1 when there are none). */
export function nextRevision(revisions: readonly { revision: number }[]): number {
  let max = 0;
  for (const r of revisions) if (r.revision > max) max = r.revision;
  return max + 1;
}

/**
 * Upstream realHistory.CreateControllerRevision: creates `rev` named from its data and `collision.count`; when the
 * name is taken by a revision with the same data that one is returned, otherwise the count is raised and the name
 * recomputed. `collision.count` is updated in place (the caller stores it in status.collisionCount).
 */
export async function createControllerRevision(
  client: RestClient,
  parent: { metadata?: { name?: string; namespace?: string } },
  rev: ControllerRevision,
  collision: { count: number },
): Promise<ControllerRevision> {
  const data = revisionData(rev);
  const ns = parent.metadata?.namespace ?? 'default';
  const crs = client.resource<ControllerRevision>('controllerrevisions');
  for (let attempt = 0; attempt < 100; attempt++) {
    const clone = structuredClone(rev);
    clone.metadata = { ...clone.metadata, name: controllerRevisionName(parent.metadata?.name ?? '', hashControllerRevision(data, collision.count)), namespace: ns };
    try {
      return await crs.create(clone, { namespace: ns });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const exists = await crs.get(clone.metadata.name!, { namespace: ns });
      if (revisionData(exists) === data) return exists;
      collision.count++;
    }
  }
  throw new Error(`too many ControllerRevision name collisions for ${ns}/${parent.metadata?.name}`);
}

/**
 * Which revisions to delete to keep at most `limit` of the non-live ones (upstream truncateHistory): the oldest
 * first, never one named in `live`. `revisions` must be sorted oldest first.
 */
export function revisionsToTruncate<R extends { metadata?: { name?: string } }>(revisions: readonly R[], live: ReadonlySet<string>, limit: number): R[] {
  const history = revisions.filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = history.length - Math.max(0, limit);
  return excess > 0 ? history.slice(0, excess) : [];
}

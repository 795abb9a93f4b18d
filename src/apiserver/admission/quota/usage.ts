// Quota usage by listing (upstream quota.CalculateUsage, as the resourcequota controller does): a quota's status.hard and status.used.
import type { Obj, ObjectAccess, ObjectReader } from '../../access.js';
import { evaluatorsForNames, quotaScopeRequirements } from './evaluators.js';
import { addLists, listsEqual, maskList, parseResourceList, type ResourceList, resourceListToJSON } from './resources.js';
import { Quantity } from '../../../apimachinery/index.js';

/**
 * The objects of the quota's namespace per resource: a function `(group, resource) => objects`, or a map keyed
 * by `resource` (core) or `resource.group` (`deployments.apps`). Missing resources count as none.
 */
export type ObjectsByResource = ReadonlyMap<string, readonly Obj[]> | ((group: string, resource: string) => readonly Obj[]);

/** A computed ResourceQuotaStatus. */
export interface QuotaStatus {
  hard: Record<string, string>;
  used: Record<string, string>;
}

function lister(objects: ObjectsByResource): (group: string, resource: string) => readonly Obj[] {
  if (typeof objects === 'function') return objects;
  return (group, resource) => objects.get(group ? `${resource}.${group}` : resource) ?? [];
}

/**
 * Measures the usage of `names` (a subset of the quota's hard names) over the listed objects: every name some
 * evaluator tracks gets a value (zero when nothing uses it); names no evaluator tracks are left out. Objects must
 * match every scope requirement of the quota.
 */
export function measureUsage(quota: Obj, names: readonly string[], objects: ObjectsByResource, now: Date = new Date()): ResourceList {
  const list = lister(objects);
  const scopes = quotaScopeRequirements(quota);
  let used: ResourceList = new Map();
  const tracked = new Set<string>();
  for (const ev of evaluatorsForNames(names)) {
    const mine = ev.matchingResources(names);
    for (const n of mine) {
      tracked.add(n);
      if (!used.has(n)) used.set(n, Quantity.fromValue(0));
    }
    for (const obj of list(ev.group, ev.resource)) {
      if (!scopes.every((s) => ev.matchesScope(s, obj))) continue;
      used = addLists(used, maskList(ev.usage(obj, now), mine));
    }
  }
  return maskList(used, [...tracked]);
}

/**
 * Computes a quota's status from scratch, as the resourcequota controller does: `hard` is `spec.hard`, `used`
 * has the measured usage of every hard resource that quota can track (canonical quantities, keys sorted).
 */
export function computeUsage(quota: Obj, objects: ObjectsByResource, now: Date = new Date()): QuotaStatus {
  const hard = parseResourceList(quota.spec?.hard);
  const used = measureUsage(quota, [...hard.keys()], objects, now);
  return { hard: resourceListToJSON(hard), used: resourceListToJSON(used) };
}

/**
 * The quota's status with `hard` = `spec.hard`, keeping the recorded `used` of each hard resource and measuring
 * (by listing through `reader`) only the ones not recorded yet. What admission uses before a quota's first sync.
 */
export function completeStatus(quota: Obj, reader: ObjectReader, now: Date = new Date()): { hard: ResourceList; used: ResourceList } {
  const hard = parseResourceList(quota.spec?.hard);
  const recorded = maskList(parseResourceList(quota.status?.used), hard.keys());
  const missing = [...hard.keys()].filter((n) => !recorded.has(n));
  if (missing.length === 0) return { hard, used: recorded };
  const ns = quota.metadata?.namespace ?? '';
  const measured = measureUsage(quota, missing, (g, r) => reader.list(g, r, ns), now);
  return { hard, used: addLists(recorded, measured) };
}

/** Whether the stored status already says exactly `status` (no write needed). */
export function statusEquals(quota: Obj, status: { hard: ResourceList; used: ResourceList }): boolean {
  return listsEqual(parseResourceList(quota.status?.hard), status.hard) && listsEqual(parseResourceList(quota.status?.used), status.used);
}

/**
 * Recomputes every quota of `namespace` by listing through `access` and writes the status (compare-and-swap,
 * 'status' subresource) of those whose status changed; the measurement is redone on the fresh quota when a
 * write conflicts. Resolves to the quotas written. Quotas deleted meanwhile are skipped.
 */
export async function recomputeNamespaceQuotas(access: ObjectAccess, namespace: string, now: () => Date = () => new Date()): Promise<Obj[]> {
  const written: Obj[] = [];
  for (const q of access.list('', 'resourcequotas', namespace)) {
    const name: string = q.metadata?.name ?? '';
    let changed = false;
    try {
      const stored = await access.update(
        '',
        'resourcequotas',
        namespace,
        name,
        (cur) => {
          const st = computeUsage(cur, (g, r) => access.list(g, r, namespace), now());
          const parsed = { hard: parseResourceList(st.hard), used: parseResourceList(st.used) };
          changed = !statusEquals(cur, parsed);
          if (!changed) return undefined;
          cur.status = { ...(cur.status ?? {}), hard: st.hard, used: st.used };
          return cur;
        },
        'status',
      );
      if (changed) written.push(stored);
    } catch (e) {
      if ((e as { code?: number }).code === 404) continue;
      throw e;
    }
  }
  return written;
}

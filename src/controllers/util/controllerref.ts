// Owner references as controllers use them: the controller of an object, new controller refs, and claiming (adopt/release) dependents.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { selectorFromLabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';
import { isConflict, isNotFound, type ResourceClient } from '../../client/index.js';

type Meta = { metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; ownerReferences?: readonly OwnerReference[]; deletionTimestamp?: string } };

/** The ownerReference with `controller: true`, or undefined. */
export function controllerOf(obj: Meta): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller ownerReference to `owner` (blockOwnerDeletion true, as upstream's NewControllerRef). */
export function newControllerRef(owner: Meta, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** `namespace/name` (or `name`). */
export function keyOf(obj: Meta): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

/** Splits a `namespace/name` key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * Upstream's ControllerRefManager.ClaimObjects for one owner: of `candidates` (objects in the owner's namespace),
 * returns those it controls after adopting orphans that match `selector` and releasing owned ones that stop
 * matching. Adoption and release are merge patches of `metadata.ownerReferences` with the object's uid as
 * precondition (a conflict or 404 just skips the object). An owner being deleted adopts nothing.
 */
export async function claimObjects<T extends Meta>(
  client: ResourceClient<T>,
  owner: Meta,
  ownerApiVersion: string,
  ownerKind: string,
  selector: MetaLabelSelector | undefined,
  candidates: readonly T[],
): Promise<T[]> {
  const sel = selectorFromLabelSelector(selector as never);
  const uid = owner.metadata!.uid!;
  const out: T[] = [];
  for (const obj of candidates) {
    const ref = controllerOf(obj);
    const matches = sel.matches(obj.metadata?.labels ?? {});
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || obj.metadata?.deletionTimestamp) {
        out.push(obj);
        continue;
      }
      if (owner.metadata?.deletionTimestamp) continue;
      // Release: drop our reference.
      await patchRefs(client, obj, (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid));
      continue;
    }
    if (!matches || owner.metadata?.deletionTimestamp || obj.metadata?.deletionTimestamp) continue;
    const adopted = await patchRefs(client, obj, [...(obj.metadata?.ownerReferences ?? []), newControllerRef(owner, ownerApiVersion, ownerKind)]);
    if (adopted) out.push(adopted);
  }
  return out;
}

async function patchRefs<T extends Meta>(client: ResourceClient<T>, obj: T, refs: OwnerReference[]): Promise<T | undefined> {
  try {
    return await client.patch(
      obj.metadata!.name!,
      { metadata: { uid: obj.metadata!.uid, ownerReferences: refs.length > 0 ? refs : null } },
      'merge',
      { namespace: obj.metadata!.namespace! },
    );
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return undefined;
    throw err;
  }
}

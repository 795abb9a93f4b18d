// Per-kind behaviour the generic registry delegates: validation, and how a delete turns into a mark (finalizers, grace).
import type { FieldError } from '../apimachinery/index.js';
import type { ResourceInfo } from '../api/index.js';
import { validateCreate as schemeValidateCreate, validateUpdate as schemeValidateUpdate } from '../api/validate/index.js';
import type { DeleteOpts, Obj } from './registry.js';
import { nowTime } from './registry.js';

/** What the registry asks of the scheme. Implementations must not throw; errors are returned as field errors. */
export interface Hooks {
  validateCreate(info: ResourceInfo, obj: Obj): FieldError[];
  validateUpdate(info: ResourceInfo, obj: Obj, old: Obj): FieldError[];
  /**
   * Given a private copy of an object being deleted, returns it marked for deletion when it must stay for now
   * (finalizers, a pod's grace period, a namespace's spec.finalizers), or undefined when it can go immediately.
   */
  markForDeletion(info: ResourceInfo, obj: Obj, opts: DeleteOpts): Obj | undefined;
  /** Whether an update leaves an object that must now be deleted (being deleted, no finalizers, no grace left). */
  shouldDeleteOnUpdate(obj: Obj): boolean;
}

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

/** The built-in kinds' hooks. */
export const defaultHooks: Hooks = {
  validateCreate(info, obj) {
    const s = info.storage!;
    return safe(() => schemeValidateCreate(s.group, s.kind, obj));
  },
  validateUpdate(info, obj, old) {
    const s = info.storage!;
    return safe(() => schemeValidateUpdate(s.group, s.kind, obj, old));
  },
  markForDeletion(info, obj, opts) {
    const meta = (obj.metadata ??= {});
    let finalizers: string[] = [...(meta.finalizers ?? [])];
    if (opts.propagationPolicy === 'Orphan') {
      finalizers = finalizers.filter((f) => f !== FOREGROUND);
      if (!finalizers.includes(ORPHAN)) finalizers.push(ORPHAN);
    } else if (opts.propagationPolicy === 'Foreground') {
      finalizers = finalizers.filter((f) => f !== ORPHAN);
      if (!finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    } else if (opts.propagationPolicy === 'Background') {
      finalizers = finalizers.filter((f) => f !== ORPHAN && f !== FOREGROUND);
    }
    const isPod = info.storage!.group === '' && info.storage!.kind === 'Pod';
    const isNamespace = info.storage!.group === '' && info.storage!.kind === 'Namespace';
    let grace = 0;
    if (isPod) {
      const spec = obj.spec ?? {};
      const phase = obj.status?.phase;
      grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (grace < 0) grace = 0;
      // A second delete may shorten, never lengthen, the grace period.
      if (meta.deletionGracePeriodSeconds !== undefined && grace > meta.deletionGracePeriodSeconds) grace = meta.deletionGracePeriodSeconds;
    }
    const nsFinalizers: string[] = isNamespace ? (obj.spec?.finalizers ?? []) : [];
    if (finalizers.length === 0 && grace === 0 && nsFinalizers.length === 0) return undefined;
    if (finalizers.length > 0) meta.finalizers = finalizers;
    else delete meta.finalizers;
    const now = Date.now();
    if (!meta.deletionTimestamp || (isPod && grace < (meta.deletionGracePeriodSeconds ?? Infinity))) {
      meta.deletionTimestamp = nowTime(new Date(now + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
    }
    if (isNamespace) (obj.status ??= {}).phase = 'Terminating';
    return obj;
  },
  shouldDeleteOnUpdate(obj) {
    const meta = obj.metadata ?? {};
    if (!meta.deletionTimestamp) return false;
    if ((meta.finalizers ?? []).length > 0) return false;
    if ((meta.deletionGracePeriodSeconds ?? 0) !== 0) return false;
    if (obj.kind === 'Namespace' && (obj.spec?.finalizers ?? []).length > 0) return false;
    return true;
  },
};

function safe(f: () => FieldError[]): FieldError[] {
  try {
    return f();
  } catch (err) {
    process.stderr.write(`kubets: validation hook failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    return [{ type: "FieldValueInvalid", field: "", value: undefined, detail: `internal validation error: ${String(err)}` }];
  }
}

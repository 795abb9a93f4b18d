// Namespace deletion status conditions (upstream deletion/status_condition_utils.go): types, reasons and messages.
import type { NamespaceCondition, NamespaceStatus } from 'kubernetes-types/core/v1.js';

/** The condition types the namespace deleter maintains, in upstream order. */
export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
export type DeletionConditionType = (typeof CONDITION_TYPES)[number];

const OK_MESSAGES: Record<DeletionConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'All resources successfully discovered',
  NamespaceDeletionGroupVersionParsingFailure: 'All legacy kube types successfully parsed',
  NamespaceDeletionContentFailure: 'All content successfully deleted, may be waiting on finalization',
  NamespaceContentRemaining: 'All content successfully removed',
  NamespaceFinalizersRemaining: 'All content successfully removed',
};
const OK_REASONS: Record<DeletionConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'ResourcesDiscovered',
  NamespaceDeletionGroupVersionParsingFailure: 'ParsedGroupVersions',
  NamespaceDeletionContentFailure: 'ContentDeleted',
  NamespaceContentRemaining: 'ContentRemoved',
  NamespaceFinalizersRemaining: 'ContentRemoved',
};

/** What is left after one deletion pass: instances per `resource.group`, and instances per finalizer. */
export interface ContentTotals {
  readonly remainingByResource: ReadonlyMap<string, number>;
  readonly remainingByFinalizer: ReadonlyMap<string, number>;
}

/** RFC 3339 seconds, as metav1.Time serialises. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go's sort.Strings order (byte-wise). */
function goSort(xs: string[]): string[] {
  return xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Collects one deletion pass's failures and totals, then folds them into a namespace's status (upstream
 * namespaceConditionUpdater). Every maintained condition type ends up present: True with the failure, or False
 * with the "ok" reason and message.
 */
export class NamespaceConditionUpdater {
  private readonly newConditions: NamespaceCondition[] = [];
  private readonly deleteContentErrors: string[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Discovery failed (all or some groups). */
  processDiscoverResourcesErr(message: string): void {
    this.newConditions.push(this.cond('NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed', message));
  }

  /** Group versions could not be parsed. */
  processGroupVersionErr(message: string): void {
    this.newConditions.push(this.cond('NamespaceDeletionGroupVersionParsingFailure', 'True', 'GroupVersionParsingFailed', message));
  }

  /** One resource's content could not be deleted (collected; reported together on update). */
  processDeleteContentErr(message: string): void {
    this.deleteContentErrors.push(message);
  }

  /** Remaining instances and finalizers → NamespaceContentRemaining / NamespaceFinalizersRemaining. */
  processContentTotals(t: ContentTotals): void {
    if (t.remainingByResource.size > 0) {
      const parts = goSort([...t.remainingByResource].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`));
      this.newConditions.push(this.cond('NamespaceContentRemaining', 'True', 'SomeResourcesRemain', `Some resources are remaining: ${parts.join(', ')}`));
    }
    if (t.remainingByFinalizer.size > 0) {
      const parts = goSort([...t.remainingByFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`));
      this.newConditions.push(this.cond('NamespaceFinalizersRemaining', 'True', 'SomeFinalizerRemain', `Some finalizers are remaining: ${parts.join(', ')}`));
    }
  }

  /** Applies the collected conditions to `status` in place; true when anything changed. */
  update(status: NamespaceStatus): boolean {
    if (!this.newConditions.some((c) => c.type === 'NamespaceDeletionContentFailure') && this.deleteContentErrors.length > 0) {
      const msgs = goSort([...this.deleteContentErrors]);
      this.newConditions.push(
        this.cond('NamespaceDeletionContentFailure', 'True', 'ContentDeletionFailed', `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`),
      );
    }
    return updateConditions(status, this.newConditions, this.now());
  }

  private cond(type: DeletionConditionType, status: string, reason: string, message: string): NamespaceCondition {
    return { type, status, lastTransitionTime: metaTime(this.now()), reason, message };
  }
}

/**
 * Sets every maintained condition type on `status` from `next` (a missing type gets its "ok" False variant);
 * lastTransitionTime moves only when the status flips. Returns true when anything changed (upstream updateConditions).
 */
export function updateConditions(status: NamespaceStatus, next: readonly NamespaceCondition[], now: Date = new Date()): boolean {
  let changed = false;
  const conds = (status.conditions ??= []);
  for (const type of CONDITION_TYPES) {
    const want = next.find((c) => c.type === type) ?? {
      type,
      status: 'False',
      lastTransitionTime: metaTime(now),
      reason: OK_REASONS[type],
      message: OK_MESSAGES[type],
    };
    const old = conds.find((c) => c.type === type);
    if (!old) {
      conds.push({ ...want });
      changed = true;
    } else if (old.status !== want.status || old.message !== want.message || old.reason !== want.reason) {
      if (old.status !== want.status) old.lastTransitionTime = metaTime(now);
      old.status = want.status;
      if (want.reason !== undefined) old.reason = want.reason;
      if (want.message !== undefined) old.message = want.message;
      changed = true;
    }
  }
  return changed;
}

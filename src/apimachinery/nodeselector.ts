// Node selector requirement matching (upstream component-helpers nodeaffinity), shared by the kubelet's admission and the scheduler.
import type { NodeSelectorRequirement } from 'kubernetes-types/core/v1.js';

/**
 * Upstream node selector requirement semantics against a label (or field) map: In/NotIn need values, Exists and
 * DoesNotExist need none, Gt/Lt compare one integer value. A malformed requirement does not match.
 */
export function nodeSelectorRequirementMatches(r: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const v = has ? values[r.key] : undefined;
  const want = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return want.length > 0 && v !== undefined && want.includes(v);
    case 'NotIn':
      return want.length > 0 && (v === undefined || !want.includes(v));
    case 'Exists':
      return want.length === 0 && has;
    case 'DoesNotExist':
      return want.length === 0 && !has;
    case 'Gt':
    case 'Lt': {
      if (want.length !== 1 || v === undefined) return false;
      const INT = /^[+-]?\d+$/;
      if (!INT.test(v) || !INT.test(want[0] ?? '')) return false;
      return r.operator === 'Gt' ? BigInt(v) > BigInt(want[0]!) : BigInt(v) < BigInt(want[0]!);
    }
    default:
      return false;
  }
}

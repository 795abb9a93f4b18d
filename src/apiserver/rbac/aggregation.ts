// Aggregated ClusterRoles (upstream clusterrole-aggregation controller): the rules an aggregationRule gathers.
import type { Obj } from '../access.js';
import { selectorFromLabelSelector, type MetaLabelSelector } from '../../apimachinery/index.js';
import { ruleEquals, rulesEqual, type PolicyRule } from './policy.js';

/**
 * The rules of `clusterRole` as the aggregation controller computes them: for each of
 * `aggregationRule.clusterRoleSelectors` in order, the ClusterRoles of `allClusterRoles` whose labels match it,
 * sorted by name (the role itself skipped), and their rules in order; a rule already gathered (semantically equal)
 * is not added twice. Returns undefined when the role has no aggregationRule. Throws SelectorParseError for an
 * invalid selector (the controller then leaves the role alone).
 */
export function aggregateRules(clusterRole: Obj, allClusterRoles: readonly Obj[]): PolicyRule[] | undefined {
  const rule = clusterRole.aggregationRule;
  if (!rule) return undefined;
  const self = clusterRole.metadata?.name;
  const out: PolicyRule[] = [];
  for (const sel of (rule.clusterRoleSelectors ?? []) as MetaLabelSelector[]) {
    const selector = selectorFromLabelSelector(sel);
    const matching = allClusterRoles
      .filter((r) => selector.matches(r.metadata?.labels))
      .sort((a, b) => (a.metadata?.name < b.metadata?.name ? -1 : a.metadata?.name > b.metadata?.name ? 1 : 0));
    for (const r of matching) {
      if (r.metadata?.name === self) continue;
      for (const pr of (r.rules ?? []) as PolicyRule[]) {
        if (!out.some((o) => ruleEquals(o, pr))) out.push(structuredClone(pr));
      }
    }
  }
  return out;
}

/**
 * What the aggregation controller writes: the aggregated rules when they differ (semantically) from
 * `clusterRole.rules`, else undefined (also for a role without aggregationRule).
 */
export function aggregationUpdate(clusterRole: Obj, allClusterRoles: readonly Obj[]): PolicyRule[] | undefined {
  const rules = aggregateRules(clusterRole, allClusterRoles);
  if (rules === undefined || rulesEqual(rules, clusterRole.rules)) return undefined;
  return rules;
}

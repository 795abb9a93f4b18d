// RBAC PolicyRule semantics shared by the authorizer, escalation checks and reconciliation: matching, covers, compaction, printing.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

export type { PolicyRule };

/** The RBAC API group. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** What a rule is matched against (the relevant part of AuthorizationAttributes). */
export interface RuleRequest {
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

const has = (set: readonly string[] | undefined, s: string): boolean => set !== undefined && set.includes(s);

/** True when one of the rule's verbs is `*` or `verb` (upstream VerbMatches). */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === '*' || v === verb) return true;
  return false;
}

/** True when one of the rule's apiGroups is `*` or `group` (upstream APIGroupMatches). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === '*' || g === group) return true;
  return false;
}

/**
 * Upstream ResourceMatches: a rule resource matches when it is `*`, equals `combined` (`pods` or `pods/log`), or,
 * for a subresource request, is `*\/<subresource>`. `pods/*` is NOT a wildcard (it only matches the literal).
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** True when the rule has no resourceNames or lists `name` (so a rule with resourceNames never matches a request without a name). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames;
  if (!names || names.length === 0) return true;
  return names.includes(name);
}

/** Upstream NonResourceURLMatches: `*`, an exact path, or a rule ending in `*` matching the path as a prefix. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimRightStars(u))) return true;
  }
  return false;
}

function trimRightStars(s: string): string {
  let i = s.length;
  while (i > 0 && s[i - 1] === '*') i--;
  return s.slice(0, i);
}

/** Upstream RuleAllows: whether `rule` grants the request. */
export function ruleAllows(req: RuleRequest, rule: PolicyRule): boolean {
  if (req.isResourceRequest) {
    const combined = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
    return (
      verbMatches(rule, req.verb) &&
      apiGroupMatches(rule, req.apiGroup) &&
      resourceMatches(rule, combined, req.subresource) &&
      resourceNameMatches(rule, req.name)
    );
  }
  return verbMatches(rule, req.verb) && nonResourceURLMatches(rule, req.path);
}

/** True when any of `rules` grants the request. */
export function rulesAllow(req: RuleRequest, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(req, r));
}

// ---- covers (component-helpers/auth/rbac/validation) -------------------------------------------------

/**
 * Splits a rule into atomic rules of one group, one resource, one verb and at most one resource name (resource
 * part), plus one URL and one verb each (non-resource part), in upstream's order.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames && rule.resourceNames.length > 0) {
          for (const n of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

const hasAll = (set: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean => {
  if (!wanted || wanted.length === 0) return true;
  if (!set) return false;
  return wanted.every((w) => set.includes(w));
};

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, '*/' + path.slice(slash + 1))) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(trimRightStars(owner));
}

/** Whether `owner` covers the atomic `sub` rule (upstream ruleCovers). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbOk = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groupOk = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resourceOk = resourceCoversAll(owner.resources, sub.resources);
  const urlOk = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const namesOk = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbOk && groupOk && resourceOk && namesOk && urlOk;
}

/**
 * Upstream Covers: whether `ownerRules` grant everything `requested` grants. `missing` lists the atomic rules
 * (see breakdownRule) no owner rule covers, in order.
 */
export function coversAll(ownerRules: readonly PolicyRule[], requested: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const r of requested) {
    for (const sub of breakdownRule(r)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/**
 * Upstream CompactRules: merges the verbs of rules that have exactly one group and one resource, at most one
 * resource name and nothing else; other rules are kept as they are (first), then the merged ones.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple =
      names.length <= 1 && (r.nonResourceURLs ?? []).length === 0 && (r.apiGroups ?? []).length === 1 && (r.resources ?? []).length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], names.length > 0, names[0] ?? '']);
    const cur = simple.get(key);
    if (cur) cur.verbs = [...cur.verbs, ...(r.verbs ?? [])];
    else simple.set(key, structuredClone(r));
  }
  out.push(...simple.values());
  return out;
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return '[' + list.map((s) => JSON.stringify(s)).join(' ') + ']';
}

/** Upstream CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}` (empty fields left out). */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return '{' + parts.join(', ') + '}';
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean => {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** Semantic equality of two rules (a missing list equals an empty one), as equality.Semantic.DeepEqual. */
export function ruleEquals(a: PolicyRule, b: PolicyRule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

/** Semantic equality of two rule lists (order matters). */
export function rulesEqual(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => ruleEquals(r, y[i]!));
}

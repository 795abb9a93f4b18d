// The rules a user holds in a namespace, in SelfSubjectRulesReview status shape (what `kubectl auth can-i --list` prints).
import type { ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import { RuleResolver, aggregateErrors } from './resolver.js';

/** authorization/v1 ResourceRule (kubernetes-types 1.30 lacks `verbs` and `resources` on it). */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** authorization/v1 NonResourceRule. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** authorization/v1 SubjectRulesReviewStatus. */
export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  /** Set when some roles could not be resolved (the rules found are still listed). */
  evaluationError?: string;
}

/**
 * Upstream RBACAuthorizer.RulesFor as the SelfSubjectRulesReview REST handler returns it: every rule from the
 * user's ClusterRoleBindings and the RoleBindings in `namespace`, each rule with resources becoming a resource
 * rule and each rule with nonResourceURLs a non-resource rule. `incomplete` is false (RBAC always knows all of
 * its rules); unresolvable role references are reported in `evaluationError`. Accepts a RuleResolver to share
 * the authorizer's binding index.
 */
export function rulesFor(reader: ObjectReader | RuleResolver, user: UserInfo, namespace: string): SubjectRulesReviewStatus {
  const resolver = reader instanceof RuleResolver ? reader : new RuleResolver(reader);
  const { rules, errors } = resolver.rulesFor(user, namespace);
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rules) {
    if (r.resources && r.resources.length > 0) {
      const rr: ResourceRule = { verbs: [...r.verbs] };
      if (r.apiGroups) rr.apiGroups = [...r.apiGroups];
      rr.resources = [...r.resources];
      if (r.resourceNames) rr.resourceNames = [...r.resourceNames];
      resourceRules.push(rr);
    }
    if (r.nonResourceURLs && r.nonResourceURLs.length > 0) {
      nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    }
  }
  const status: SubjectRulesReviewStatus = { resourceRules, nonResourceRules, incomplete: false };
  if (errors.length > 0) status.evaluationError = aggregateErrors(errors);
  return status;
}

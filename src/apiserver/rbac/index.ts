// Public surface of RBAC: the authorizer, rules review, escalation checks, aggregation and the bootstrap policy.
export { rbacAuthorizer, forbiddenMessage, forbiddenError, type RbacAuthorizer } from './authorizer.js';
export { rulesFor, type SubjectRulesReviewStatus, type ResourceRule, type NonResourceRule } from './rules.js';
export {
  checkRoleEscalation,
  checkBindingEscalation,
  confirmNoEscalation,
  escalationAllowed,
  isOnlyMutatingGCFields,
  rbacEscalationPlugin,
  SYSTEM_MASTERS,
  type EscalationContext,
} from './escalation.js';
export { aggregateRules, aggregationUpdate } from './aggregation.js';
export {
  bootstrapPolicy,
  reconcile,
  needsRecreate,
  BOOTSTRAP_LABEL,
  AUTOUPDATE_ANNOTATION,
  CONTROLLER_ROLE_PREFIX,
  type BootstrapPolicy,
} from './bootstrap.js';
export {
  RBAC_GROUP,
  ruleAllows,
  rulesAllow,
  coversAll,
  breakdownRule,
  compactRules,
  compactString,
  ruleEquals,
  rulesEqual,
  type PolicyRule,
  type RuleRequest,
} from './policy.js';
export {
  RuleResolver,
  describeSource,
  subjectApplies,
  aggregateErrors,
  SERVICE_ACCOUNT_PREFIX,
  type RoleRef,
  type Subject,
  type RuleSource,
  type RuleVisitor,
} from './resolver.js';

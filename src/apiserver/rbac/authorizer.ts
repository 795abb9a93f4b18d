// The RBAC authorizer (upstream plugin/pkg/auth/authorizer/rbac) and the 403 message the apiserver writes for a denied request.
import type { ObjectReader } from '../access.js';
import { userCacheKey, type AuthorizationAttributes, type Authorizer } from '../authn.js';
import { StatusError, forbidden } from '../../apimachinery/index.js';
import { ruleAllows } from './policy.js';
import { RuleResolver, aggregateErrors, describeSource } from './resolver.js';
import { RBAC_GROUP } from './policy.js';

/** An Authorizer that also exposes its resolver (for rulesFor and escalation checks sharing the same index). */
export interface RbacAuthorizer extends Authorizer {
  readonly resolver: RuleResolver;
  authorize(attrs: AuthorizationAttributes): { allowed: boolean; reason?: string };
}

/**
 * RBAC with upstream semantics: allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace,
 * binds a subject matching the user (User by name, Group by membership, ServiceAccount by
 * `system:serviceaccount:<ns>:<name>`) to a role with a rule allowing the request. RoleBindings referencing a
 * ClusterRole grant its rules in their namespace only. Allowed decisions carry upstream's reason
 * (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "jane"`); denials carry no reason unless
 * roles could not be resolved (`RBAC: clusterrole.rbac.authorization.k8s.io "y" not found`). A denial is
 * upstream's NoOpinion: the caller moves to the next authorizer or refuses. system:masters gets nothing special.
 * Synchronous; costs a few µs per request (see rbac.test.ts).
 */
export function rbacAuthorizer(reader: ObjectReader): RbacAuthorizer {
  const resolver = new RuleResolver(reader);
  // Decisions are cached per (user, request attributes) and reused while the four lists a decision depends on
  // (ClusterRoleBindings, ClusterRoles, and the namespace's RoleBindings and Roles) are the same arrays: the watch
  // caches hand out a new array whenever anything in them changed, so a cached decision can never outlive a
  // change of policy. Bounded; cleared when full.
  const cache = new Map<string, { deps: unknown[]; result: { allowed: boolean; reason?: string } }>();
  const deps = (ns: string): unknown[] => [
    reader.list(RBAC_GROUP, 'clusterrolebindings'),
    reader.list(RBAC_GROUP, 'clusterroles'),
    ns ? reader.list(RBAC_GROUP, 'rolebindings', ns) : undefined,
    ns ? reader.list(RBAC_GROUP, 'roles', ns) : undefined,
  ];
  const decide = (attrs: AuthorizationAttributes): { allowed: boolean; reason?: string } => {
      let allowedBy: string | undefined;
      const errors: string[] = [];
      resolver.visitRulesFor(attrs.user, attrs.namespace, (source, rule, err) => {
        if (rule && source && ruleAllows(attrs, rule)) {
          allowedBy = describeSource(source);
          return false;
        }
        if (err) errors.push(err);
        return true;
      });
      if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
      return errors.length > 0 ? { allowed: false, reason: `RBAC: ${aggregateErrors(errors)}` } : { allowed: false };
  };
  return {
    resolver,
    authorize(attrs) {
      const key = `${userCacheKey(attrs.user)}\0${attrs.verb}\0${attrs.isResourceRequest ? `${attrs.apiGroup}\0${attrs.resource}\0${attrs.subresource}\0${attrs.namespace}\0${attrs.name}` : `\0${attrs.path}`}`;
      const d = deps(attrs.namespace);
      const hit = cache.get(key);
      if (hit && hit.deps[0] === d[0] && hit.deps[1] === d[1] && hit.deps[2] === d[2] && hit.deps[3] === d[3]) return hit.result;
      const result = decide(attrs);
      if (cache.size >= 10_000) cache.clear();
      cache.set(key, { deps: d, result });
      return result;
    },
  };
}

/** Upstream's sanitizer for forbidden messages: no text that looks like HTML. */
const sanitize = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Upstream forbiddenMessage (responsewriters/errors.go), sanitized as upstream does:
 * `User "jane" cannot list resource "pods" in API group "" in the namespace "prod"`,
 * `User "jane" cannot get resource "nodes" in API group "" at the cluster scope`,
 * `User "jane" cannot get resource "pods/log" in API group "" in the namespace "prod"`,
 * `User "jane" cannot get path "/metrics"`.
 */
export function forbiddenMessage(attrs: AuthorizationAttributes): string {
  const user = attrs.user?.name ?? '';
  const q = JSON.stringify;
  let msg: string;
  if (!attrs.isResourceRequest) {
    msg = `User ${q(user)} cannot ${attrs.verb} path ${q(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    msg = attrs.namespace
      ? `User ${q(user)} cannot ${attrs.verb} resource ${q(resource)} in API group ${q(attrs.apiGroup)} in the namespace ${q(attrs.namespace)}`
      : `User ${q(user)} cannot ${attrs.verb} resource ${q(resource)} in API group ${q(attrs.apiGroup)} at the cluster scope`;
  }
  return sanitize(msg);
}

/**
 * The 403 the apiserver returns for a denied request (upstream responsewriters.Forbidden): the forbidden message,
 * `: <reason>` appended when the authorizer gave one, wrapped as NewForbidden does:
 * `pods "p" is forbidden: User ...`, `pods is forbidden: User ...`, and `forbidden: User ...` for non-resource paths.
 */
export function forbiddenError(attrs: AuthorizationAttributes, reason?: string): StatusError {
  const why = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  if (!attrs.isResourceRequest || (!attrs.resource && !attrs.apiGroup)) {
    return new StatusError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `forbidden: ${why}`,
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
  }
  return forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, why);
}

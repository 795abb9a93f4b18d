// RBAC escalation prevention (upstream pkg/registry/rbac/*/policybased): nobody grants or binds permissions they do not hold.
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import type { Authorizer, UserInfo } from '../authn.js';
import { forbidden, notFound } from '../../apimachinery/index.js';
import { RBAC_GROUP, compactRules, compactString, coversAll, goQuoteList, type PolicyRule } from './policy.js';
import { RuleResolver, type RoleRef } from './resolver.js';

/** The group whose members may do anything (the apiserver's loopback identity is in it). */
export const SYSTEM_MASTERS = 'system:masters';

/** Everything: what changing an aggregationRule requires. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** Upstream EscalationAllowed: members of system:masters bypass escalation checks. */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}

/**
 * Upstream ConfirmNoEscalation: returns undefined when the rules `user` holds in `namespace` ('' for cluster-wide
 * bindings only) cover `rules`, else upstream's message:
 * `user "jane" (groups=["g" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:`
 * followed by one compacted missing rule per line (sorted, deduplicated), and `; resolution errors: [...]` when
 * some of the user's roles could not be resolved.
 */
export function confirmNoEscalation(resolver: RuleResolver, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const { rules: owned, errors } = resolver.rulesFor(user, namespace);
  const { covered, missing } = coversAll(owned, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (errors.length > 0) msg += `; resolution errors: [${errors.join(' ')}]`;
  return msg;
}

/** Upstream IsOnlyMutatingGCFields: the update changes nothing but ownerReferences and finalizers. */
export function isOnlyMutatingGCFields(obj: Obj, old: Obj): boolean {
  const strip = (o: Obj) => {
    const c = structuredClone(o);
    if (c.metadata) {
      delete c.metadata.ownerReferences;
      delete c.metadata.finalizers;
      delete c.metadata.selfLink;
      delete c.metadata.resourceVersion;
      delete c.metadata.managedFields;
      delete c.metadata.generation;
    }
    return c;
  };
  return canonical(strip(obj)) === canonical(strip(old));
}

/** JSON with sorted keys, empty arrays/objects dropped (semantic equality for stored objects). */
function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.length === 0 ? undefined : x.map(norm);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const n = norm((x as Record<string, unknown>)[k]);
        if (n !== undefined && n !== null && n !== '') out[k] = n;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    return x;
  };
  return JSON.stringify(norm(v) ?? null);
}

/** What the escalation checks need to know about a write. */
export interface EscalationContext {
  /** The requesting user. */
  user: UserInfo;
  /** The authorizer chain, to ask whether the user holds `escalate` / `bind` (RBAC alone works too). */
  authorizer: Authorizer;
  /** Resolves the user's rules and role references. */
  resolver: RuleResolver;
}

/** Whether the authorizer allows `verb` on a role resource (upstream RoleEscalationAuthorized / BindingAuthorized). */
async function authorized(ctx: EscalationContext, verb: string, resource: string, namespace: string, name: string, apiGroup = RBAC_GROUP): Promise<boolean> {
  try {
    const d = await ctx.authorizer.authorize({
      user: ctx.user,
      verb,
      isResourceRequest: true,
      path: '',
      apiGroup,
      apiVersion: '*',
      namespace,
      resource,
      subresource: '',
      name,
    });
    return d.allowed;
  } catch {
    return false;
  }
}

const hasAggregationRule = (o: Obj | undefined) => (o?.aggregationRule?.clusterRoleSelectors ?? []).length > 0;

/**
 * Escalation check for creating or updating a Role or ClusterRole (upstream role/clusterrole policybased storage).
 * Allowed for system:masters, for users the authorizer allows `escalate` on the resource (in the request's
 * namespace, named as in the request URL: '' for a create), for updates that only change ownerReferences /
 * finalizers, and for users already holding every rule the object grants (in its namespace, cluster-wide for
 * ClusterRoles). Setting or changing a ClusterRole's aggregationRule additionally requires holding `*` on
 * everything. Throws the upstream 403 otherwise.
 */
export async function checkRoleEscalation(
  ctx: EscalationContext,
  req: { resource: 'roles' | 'clusterroles'; namespace: string; name: string; operation: 'CREATE' | 'UPDATE'; object: Obj; oldObject?: Obj | undefined },
): Promise<void> {
  if (escalationAllowed(ctx.user)) return;
  const urlName = req.operation === 'CREATE' ? '' : req.name;
  if (await authorized(ctx, 'escalate', req.resource, req.namespace, urlName)) return;
  if (req.operation === 'UPDATE' && req.oldObject && isOnlyMutatingGCFields(req.object, req.oldObject)) return;
  const gr = { group: RBAC_GROUP, resource: req.resource };
  const name = String(req.object.metadata?.name ?? req.name);
  const msg = confirmNoEscalation(ctx.resolver, ctx.user, req.namespace, req.object.rules ?? []);
  if (msg !== undefined) throw forbidden(gr, name, msg);
  if (req.resource === 'clusterroles' && (hasAggregationRule(req.object) || (req.operation === 'UPDATE' && hasAggregationRule(req.oldObject)))) {
    if (confirmNoEscalation(ctx.resolver, ctx.user, '', FULL_AUTHORITY) !== undefined) {
      throw forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }
}

/**
 * Escalation check for creating or updating a RoleBinding or ClusterRoleBinding (upstream binding policybased
 * storage). Allowed for system:masters, for updates that only change ownerReferences / finalizers, for users the
 * authorizer allows `bind` on the referenced role (resource `roles`/`clusterroles`, name the role's name, in the
 * binding's namespace), and for users already holding every rule of the referenced role (in the binding's
 * namespace). A reference to a missing role is a 404 as upstream. Throws the upstream 403 otherwise.
 */
export async function checkBindingEscalation(
  ctx: EscalationContext,
  req: { resource: 'rolebindings' | 'clusterrolebindings'; namespace: string; name: string; operation: 'CREATE' | 'UPDATE'; object: Obj; oldObject?: Obj | undefined },
): Promise<void> {
  if (escalationAllowed(ctx.user)) return;
  if (req.operation === 'UPDATE' && req.oldObject && isOnlyMutatingGCFields(req.object, req.oldObject)) return;
  const ref = (req.object.roleRef ?? {}) as RoleRef;
  const namespace = req.resource === 'rolebindings' ? req.namespace : '';
  const roleResource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : undefined;
  if (roleResource && (await authorized(ctx, 'bind', roleResource, namespace, ref.name, ref.apiGroup ?? RBAC_GROUP))) return;
  const res = ctx.resolver.roleRefRules(ref, namespace);
  if ('error' in res) {
    if (roleResource) throw notFound({ group: RBAC_GROUP, resource: roleResource }, ref.name);
    throw forbidden({ group: RBAC_GROUP, resource: req.resource }, req.name, res.error);
  }
  const msg = confirmNoEscalation(ctx.resolver, ctx.user, namespace, res.rules);
  if (msg !== undefined) throw forbidden({ group: RBAC_GROUP, resource: req.resource }, String(req.object.metadata?.name ?? req.name), msg);
}

/**
 * The escalation checks as a validating admission plugin for CREATE/UPDATE of roles, clusterroles, rolebindings
 * and clusterrolebindings. `authorizer` should be the server's whole authorizer chain (as upstream), or the RBAC
 * authorizer; `resolver` defaults to a new one over `reader` (pass the RBAC authorizer's to share its index).
 */
export function rbacEscalationPlugin(reader: ObjectReader, authorizer: Authorizer, resolver: RuleResolver = new RuleResolver(reader)): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(req: AdmissionRequest) {
      if (req.group !== RBAC_GROUP || req.subresource !== '' || !req.object) return;
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
      const ctx: EscalationContext = { user: req.user, authorizer, resolver };
      const common = { namespace: req.namespace, name: req.name, operation: req.operation, object: req.object, oldObject: req.oldObject };
      switch (req.resource) {
        case 'roles':
        case 'clusterroles':
          return checkRoleEscalation(ctx, { resource: req.resource, ...common });
        case 'rolebindings':
        case 'clusterrolebindings':
          return checkBindingEscalation(ctx, { resource: req.resource, ...common });
      }
    },
  };
}

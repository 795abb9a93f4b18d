// The static rules the Node authorizer applies to resources it does not subdivide (upstream bootstrappolicy.NodeRules, 1.32 defaults).
import type { AuthorizationAttributes } from '../authn.js';

/** An RBAC PolicyRule (rbac.authorization.k8s.io/v1), as plain data. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const READ = ['get', 'list', 'watch'];

/**
 * The `system:node` ClusterRole's rules with Kubernetes 1.32's default feature gates (DynamicResourceAllocation
 * and ClusterTrustBundle off), in upstream order. Upstream binds this role to nobody: the Node authorizer
 * evaluates these rules itself for node users (`rbac.RulesAllow(attrs, nodeRules...)`) after its graph checks.
 */
export const NODE_RULES: readonly PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(READ, [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
];

/** The rules DynamicResourceAllocation adds to `system:node` when enabled (off by default in 1.32). */
export const NODE_RULES_DRA: readonly PolicyRule[] = [
  rule(['get'], ['resource.k8s.io'], ['resourceclaims']),
  rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'], ['resource.k8s.io'], ['resourceslices']),
];

const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === '*' || res === combined) return true;
    // `*/status` matches the status subresource of every resource.
    if (subresource && res === `*/${subresource}`) return true;
  }
  return false;
}

function urlMatches(r: PolicyRule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/**
 * True when one of `rules` allows the request, with upstream RBAC matching (rbac.RuleAllows): verbs and
 * apiGroups (`*` wildcards); resources as `resource` or `resource/subresource`, `*`, or a `*`-prefixed
 * `/subresource` entry matching that subresource of every resource; resourceNames (only constrain when
 * non-empty; a rule with names never matches a request without a name); nonResourceURLs (exact, `*`, or a
 * trailing-`*` prefix) for non-resource requests.
 */
export function rulesAllow(attrs: AuthorizationAttributes, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) {
    if (!has(r.verbs, attrs.verb)) continue;
    if (!attrs.isResourceRequest) {
      if (urlMatches(r, attrs.path)) return true;
      continue;
    }
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    if (!has(r.apiGroups, attrs.apiGroup)) continue;
    if (!resourceMatches(r, combined, attrs.subresource)) continue;
    if (r.resourceNames && r.resourceNames.length > 0 && !r.resourceNames.includes(attrs.name)) continue;
    return true;
  }
  return false;
}

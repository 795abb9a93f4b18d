// The Node authorizer (upstream plugin/pkg/auth/authorizer/node): what a kubelet may do, limited to the objects of the pods bound to it.
import type { ObjectReader } from '../access.js';
import type { AuthorizationAttributes, Authorizer } from '../authn.js';
import { parseFieldSelector, type FieldRequirement } from '../../apimachinery/index.js';
import { NodeGraph, type VertexType } from './graph.js';
import { NODE_LEASE_NAMESPACE, nodeIdentity } from './refs.js';
import { NODE_RULES, rulesAllow, type PolicyRule } from './rules.js';

/**
 * The request attributes, plus the raw `?fieldSelector=` of the request. The Node authorizer needs it to allow
 * a kubelet's `list`/`watch` of pods with `spec.nodeName=<its name>` (and resourceslices with
 * `spec.nodeName=`), and to read `metadata.name=<x>` on a list/watch as a request for the single object `x`
 * (upstream's RequestInfoFactory sets the name that way). Absent means no selector.
 */
export interface NodeAuthorizationAttributes extends AuthorizationAttributes {
  readonly fieldSelector?: string;
}

/**
 * A decision. `allowed: true` allows. `allowed: false` with `noOpinion: true` is upstream's DecisionNoOpinion:
 * the next authorizer in the chain decides (the Node authorizer never denies outright; upstream returns
 * NoOpinion even for its refusals). `reason` says why the node was refused (upstream's text, e.g.
 * `no relationship found between node 'n1' and this object`) and is absent when the user is not a node; a chain
 * that ends without an allow should report the collected reasons.
 */
export interface NodeAuthorizationDecision {
  allowed: boolean;
  noOpinion?: boolean;
  reason?: string;
}

/** The Node authorizer: an `Authorizer` whose answers carry `noOpinion`. */
export interface NodeAuthorizer extends Authorizer {
  authorize(attrs: NodeAuthorizationAttributes): NodeAuthorizationDecision;
}

export interface NodeAuthorizerOptions {
  /**
   * Upstream's AuthorizeNodeWithSelectors gate (beta, on by default in 1.32): nodes may only get/list/watch
   * their own Node object and only pods bound to them (list/watch with a `spec.nodeName` selector). When false,
   * nodes and pods are checked against the static rules only (nodes read every Node and Pod).
   */
  readonly authorizeNodeWithSelectors?: boolean;
  /** The static rules for resources the graph does not cover; default `NODE_RULES` (upstream NodeRules()). */
  readonly rules?: readonly PolicyRule[];
}

const ALLOW: NodeAuthorizationDecision = { allowed: true };
/** No opinion; an empty reason (upstream's "") is left out. */
const noOpinion = (reason = ''): NodeAuthorizationDecision => (reason ? { allowed: false, noOpinion: true, reason } : { allowed: false, noOpinion: true });

/**
 * Creates the Node authorizer over the watch-cache reader. For users that are not nodes (see `nodeIdentity`)
 * it has no opinion and gives no reason. For node `n`:
 * - secrets, configmaps: get/list/watch of a single named object in a namespace related to `n` through a pod
 *   bound to it (or, for secrets, through such a pod's PVC's PV);
 * - persistentvolumeclaims, persistentvolumes, resourceclaims, volumeattachments: get of a related object;
 *   `persistentvolumeclaims/status` update/patch of a related PVC;
 * - serviceaccounts: only create `token` for the service account of a pod bound to `n`;
 * - leases: get/create/update/patch/delete in `kube-node-lease`, named `n` (create is checked by NodeRestriction);
 * - csinodes: get/create/update/patch/delete of `n` (no subresources); resourceslices as upstream;
 * - nodes, pods (AuthorizeNodeWithSelectors): create/update/patch nodes and update/patch `nodes/status`
 *   (NodeRestriction limits them to `n`), get/list/watch only node `n`; pods get when bound to `n`, list/watch
 *   with the `spec.nodeName=n` selector or of one bound pod, create/delete (mirror pods, left to
 *   NodeRestriction), update/patch `pods/status`, create `pods/eviction`;
 * - everything else: the static `system:node` rules (`rulesAllow`).
 * Every refusal is a no-opinion decision with upstream's reason text.
 */
export function nodeAuthorizer(reader: ObjectReader, opts: NodeAuthorizerOptions = {}): NodeAuthorizer {
  const graph = new NodeGraph(reader);
  const withSelectors = opts.authorizeNodeWithSelectors ?? true;
  const rules = opts.rules ?? NODE_RULES;

  const related = (node: string, type: VertexType, namespace: string, name: string): NodeAuthorizationDecision => {
    if (!name) return noOpinion('No Object name found');
    if (graph.hasPathFrom(node, type, namespace, name)) return ALLOW;
    return noOpinion(`no relationship found between node '${node}' and this object`);
  };

  const authorizeGet = (node: string, type: VertexType, a: Attrs): NodeAuthorizationDecision => {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return related(node, type, a.namespace, a.name);
  };

  const authorizeReadNamespaced = (node: string, type: VertexType, a: Attrs): NodeAuthorizationDecision => {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return related(node, type, a.namespace, a.name);
  };

  const authorizeStatusUpdate = (node: string, type: VertexType, a: Attrs): NodeAuthorizationDecision => {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (a.subresource !== 'status') return noOpinion('can only update status subresource');
    return related(node, type, a.namespace, a.name);
  };

  const authorizeCreateToken = (node: string, a: Attrs): NodeAuthorizationDecision => {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    if (graph.hasPathFrom(node, 'serviceAccount', a.namespace, a.name)) return ALLOW;
    return noOpinion(`no relationship found between node '${node}' and this object`);
  };

  const authorizeLease = (node: string, a: Attrs): NodeAuthorizationDecision => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
      return noOpinion('can only get, create, update, patch, or delete a node lease');
    }
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // The name of a create is only known to admission (NodeRestriction checks it).
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return ALLOW;
  };

  const authorizeCSINode = (node: string, a: Attrs): NodeAuthorizationDecision => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access CSINode with the same name as the requesting node');
    return ALLOW;
  };

  const authorizeResourceSlice = (node: string, a: Attrs): NodeAuthorizationDecision => {
    if (a.subresource) return noOpinion('cannot authorize ResourceSlice subresources');
    switch (a.verb) {
      case 'create':
        return ALLOW; // NodeRestriction checks spec.nodeName
      case 'get':
      case 'update':
      case 'patch':
      case 'delete':
        return related(node, 'resourceslice', '', a.name);
      case 'watch':
      case 'list':
      case 'deletecollection':
        if (!withSelectors) return ALLOW;
        if (a.selector.some((r) => r.field === 'spec.nodeName' && r.operator === '=' && r.value === node)) return ALLOW;
        return noOpinion('can only list/watch/deletecollection resourceslices with nodeName field selector');
      default:
        return noOpinion('only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection');
    }
  };

  const authorizeNode = (node: string, a: Attrs): NodeAuthorizationDecision => {
    if (a.subresource === '') {
      switch (a.verb) {
        case 'create':
        case 'update':
        case 'patch':
          return ALLOW; // NodeRestriction limits the node to its own object
        case 'get':
        case 'list':
        case 'watch':
          // Compared by name rather than through the graph, so a kubelet can read its Node before creating it.
          if (a.name === node) return ALLOW;
          if (a.name === '') return noOpinion(`node '${node}' cannot read all nodes, only its own Node object`);
          return noOpinion(`node '${node}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return ALLOW;
    }
    return noOpinion();
  };

  const authorizePod = (node: string, a: Attrs): NodeAuthorizationDecision => {
    switch (a.subresource) {
      case '':
        switch (a.verb) {
          case 'get':
            return authorizeGet(node, 'pod', a);
          case 'list':
          case 'watch':
            if (a.selector.some((r) => r.field === 'spec.nodeName' && r.operator === '=' && r.value === node)) return ALLOW;
            if (a.name) return related(node, 'pod', a.namespace, a.name);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          case 'create':
          case 'delete':
            return ALLOW; // mirror pods; NodeRestriction limits them to pods bound to the node
        }
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (a.verb === 'create') return ALLOW;
        break;
    }
    return noOpinion();
  };

  return {
    authorize(attrs: NodeAuthorizationAttributes): NodeAuthorizationDecision {
      const node = nodeIdentity(attrs.user);
      if (node === undefined) return { allowed: false, noOpinion: true };
      if (node === '') return noOpinion(`unknown node for user "${attrs.user.name}"`);
      const a = withSelector(attrs);
      if (a.isResourceRequest) {
        switch (`${a.apiGroup}/${a.resource}`) {
          case '/secrets':
            return authorizeReadNamespaced(node, 'secret', a);
          case '/configmaps':
            return authorizeReadNamespaced(node, 'configmap', a);
          case '/persistentvolumeclaims':
            if (a.subresource === 'status') return authorizeStatusUpdate(node, 'pvc', a);
            return authorizeGet(node, 'pvc', a);
          case '/persistentvolumes':
            return authorizeGet(node, 'pv', a);
          case 'resource.k8s.io/resourceclaims':
            return authorizeGet(node, 'resourceclaim', a);
          case 'storage.k8s.io/volumeattachments':
            return authorizeGet(node, 'volumeattachment', a);
          case '/serviceaccounts':
            return authorizeCreateToken(node, a);
          case 'coordination.k8s.io/leases':
            return authorizeLease(node, a);
          case 'storage.k8s.io/csinodes':
            return authorizeCSINode(node, a);
          case 'resource.k8s.io/resourceslices':
            return authorizeResourceSlice(node, a);
          case '/nodes':
            if (withSelectors) return authorizeNode(node, a);
            break;
          case '/pods':
            if (withSelectors) return authorizePod(node, a);
            break;
        }
      }
      // Resources the graph does not subdivide: the static system:node rules.
      return rulesAllow(a, rules) ? ALLOW : { allowed: false, noOpinion: true };
    },
  };
}

/** Attributes with the parsed field selector, and the name a `metadata.name=` selector gives a list/watch. */
interface Attrs extends AuthorizationAttributes {
  readonly selector: readonly FieldRequirement[];
}

function withSelector(attrs: NodeAuthorizationAttributes): Attrs {
  let selector: readonly FieldRequirement[] = [];
  if (attrs.fieldSelector) {
    try {
      selector = parseFieldSelector(attrs.fieldSelector).requirements;
    } catch {
      selector = []; // an unparsable selector restricts nothing, as upstream (GetFieldSelector's error is ignored)
    }
  }
  let name = attrs.name;
  if (!name && (attrs.verb === 'list' || attrs.verb === 'watch')) {
    const byName = selector.find((r) => r.field === 'metadata.name' && r.operator === '=');
    if (byName && isValidPathSegmentName(byName.value)) name = byName.value;
  }
  return { ...attrs, name, selector };
}

/** upstream path.IsValidPathSegmentName: not `.`/`..`, no `/` or `%`. */
function isValidPathSegmentName(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('%');
}

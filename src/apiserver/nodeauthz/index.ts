// Public surface of the node security parts: the Node authorizer and the NodeRestriction admission plugin.
export {
  nodeAuthorizer,
  type NodeAuthorizer,
  type NodeAuthorizerOptions,
  type NodeAuthorizationAttributes,
  type NodeAuthorizationDecision,
} from './authorizer.js';
export { nodeRestriction, forbiddenNodeLabels, isKubeletLabel, semanticEqual, type NodeRestrictionOptions } from './noderestriction.js';
export { NodeGraph, type VertexType } from './graph.js';
export { NODE_RULES, NODE_RULES_DRA, rulesAllow, type PolicyRule } from './rules.js';
export {
  nodeIdentity,
  isMirrorPod,
  podSecretNames,
  podConfigMapNames,
  podPVCNames,
  podResourceClaimNames,
  podServiceAccountName,
  pvSecretRefs,
  NODES_GROUP,
  NODE_USER_PREFIX,
  MIRROR_POD_ANNOTATION,
  NODE_LEASE_NAMESPACE,
  type PVSecretRef,
} from './refs.js';

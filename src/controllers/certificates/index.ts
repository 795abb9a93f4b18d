// Public surface of the certificates controllers' pure logic: the CSR approver's decisions and the kubernetes.io signers.
export {
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  NODE_CLIENT_MESSAGE,
  SELF_NODE_CLIENT_MESSAGE,
  approvalChecks,
  approvedCondition,
  csrRequestPem,
  isNodeClientCSR,
  kubeletClientError,
  parseRequest,
} from './approver.js';
export {
  DEFAULT_SIGNING_DURATION_SECONDS,
  HANDLED_SIGNERS,
  KUBELET_SERVING_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  LEGACY_UNKNOWN_SIGNER,
  keyUsagesFromStrings,
  kubeletServingError,
  signCSR,
  signerValidation,
  signingDurationMs,
} from './signer.js';

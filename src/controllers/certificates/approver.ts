// The csrapproving controller's decisions (upstream pkg/controller/certificates/approver/sarapprove.go), pure: which CSRs it recognises, which SubjectAccessReview decides them, the condition it adds.
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import { parseCSRPem, type ParsedCSR } from '../../pki/csr.js';

/** The signer of kubelet client certificates. */
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

/** The PEM text of a CSR's `spec.request` (base64 in JSON). */
export function csrRequestPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec?.request ?? '', 'base64').toString('latin1');
}

/** The request parsed and its signature checked, or undefined when it does not parse or verify. */
export function parseRequest(csr: CertificateSigningRequest): ParsedCSR | undefined {
  try {
    return parseCSRPem(csrRequestPem(csr));
  } catch {
    return undefined;
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((u) => y.has(u));
};

const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];

/**
 * upstream ValidateKubeletClientCSR: undefined when the parsed request is a kubelet client request (O exactly
 * [system:nodes], no DNS/email/IP/URI SANs, CN starting with `system:node:`, usages exactly {digital signature,
 * key encipherment, client auth} or {digital signature, client auth}); else upstream's error text.
 */
export function kubeletClientError(req: ParsedCSR, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, CLIENT_USAGES) && !sameSet(usages, CLIENT_USAGES_NO_RSA)) {
    return `usages did not match [${[...CLIENT_USAGES].sort().join(' ')}]`;
  }
  return undefined;
}

/**
 * Upstream's isNodeClientCert: signer `kubernetes.io/kube-apiserver-client-kubelet` and a request that parses, verifies
 * and is a kubelet client request (see {@link kubeletClientError}).
 */
export function isNodeClientCSR(csr: CertificateSigningRequest): boolean {
  if (csr.spec?.signerName !== KUBE_APISERVER_CLIENT_KUBELET_SIGNER) return false;
  const req = parseRequest(csr);
  return !!req && kubeletClientError(req, csr.spec.usages ?? []) === undefined;
}

/** The messages of the two recognisers, as upstream words them. */
export const SELF_NODE_CLIENT_MESSAGE = 'Auto approving self kubelet client certificate after SubjectAccessReview.';
export const NODE_CLIENT_MESSAGE = 'Auto approving kubelet client certificate after SubjectAccessReview.';

/**
 * The SubjectAccessReviews that may approve `csr`, in upstream order: each is `create` on
 * `certificates.k8s.io/certificatesigningrequests/<subresource>` for the requestor (spec.username/groups/...), and the
 * first allowed one approves with its message. `selfnodeclient` comes first and only when the requestor is the node
 * itself (spec.username equals the subject CN); `nodeclient` always. [] when the approver does not handle this CSR.
 */
export function approvalChecks(csr: CertificateSigningRequest): Array<{ subresource: string; message: string }> {
  if (!isNodeClientCSR(csr)) return [];
  const req = parseRequest(csr)!;
  const out: Array<{ subresource: string; message: string }> = [];
  if ((csr.spec.username ?? '') === req.commonName) out.push({ subresource: 'selfnodeclient', message: SELF_NODE_CLIENT_MESSAGE });
  out.push({ subresource: 'nodeclient', message: NODE_CLIENT_MESSAGE });
  return out;
}

/**
 * The condition the approver appends: type Approved, status True, reason AutoApproved, the recogniser's message,
 * lastUpdateTime `now` (the apiserver fills lastTransitionTime).
 */
export function approvedCondition(message: string, now: Date): CertificateSigningRequestCondition {
  return {
    type: 'Approved',
    status: 'True',
    reason: 'AutoApproved',
    message,
    lastUpdateTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

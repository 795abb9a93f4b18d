// The CertificateApproval, CertificateSigning and CertificateSubjectRestriction admission plugins (upstream plugin/pkg/admission/certificates).
import { forbidden } from '../../apimachinery/index.js';
import { parseCSRPem } from '../../pki/csr.js';
import type { AdmissionPlugin, AdmissionRequest, Obj } from '../access.js';
import type { AuthorizationAttributes, UserInfo } from '../authn.js';
import { arr, isObj, str } from './util.js';

const GROUP = 'certificates.k8s.io';
const RESOURCE = 'certificatesigningrequests';
/** The signer whose certificates kube-apiserver accepts as client credentials. */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** Asks the apiserver's authorizer chain (system:masters always allowed). */
export type AuthorizeFn = (attrs: AuthorizationAttributes) => Promise<{ allowed: boolean }> | { allowed: boolean };

function signerAttributes(user: UserInfo, verb: string, name: string): AuthorizationAttributes {
  return { user, verb, isResourceRequest: true, path: '', apiGroup: GROUP, apiVersion: '*', namespace: '', resource: 'signers', subresource: '', name };
}

/**
 * upstream IsAuthorizedForSignerName: whether `user` may `verb` (approve, sign) the `signers` resource named
 * `signerName`, or failing that `<domain>/*` for the signer's domain.
 */
export async function isAuthorizedForSignerName(authorize: AuthorizeFn, user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  try {
    if ((await authorize(signerAttributes(user, verb, signerName))).allowed) return true;
  } catch {
    // an authorizer error counts as no permission, as upstream
  }
  const domain = signerName.split('/')[0] ?? '';
  try {
    return (await authorize(signerAttributes(user, verb, `${domain}/*`))).allowed;
  } catch {
    return false;
  }
}

const isCSR = (req: AdmissionRequest) => req.group === GROUP && req.resource === RESOURCE;
const refuse = (req: AdmissionRequest, why: string) => forbidden({ group: GROUP, resource: RESOURCE }, req.name, why);
const signerOf = (o: Obj | undefined) => str(isObj(o?.['spec']) ? o['spec']['signerName'] : undefined);

/**
 * `CertificateApproval`: an UPDATE of `certificatesigningrequests/approval` needs verb `approve` on the `signers`
 * resource named after the (new object's) signerName, else 403 "user not permitted to approve requests with
 * signerName ...".
 */
export function certificateApprovalPlugin(authorize: AuthorizeFn): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    handles: (op) => op === 'UPDATE',
    async validate(req) {
      if (!isCSR(req) || req.subresource !== 'approval') return;
      const signer = signerOf(req.object);
      if (!(await isAuthorizedForSignerName(authorize, req.user, 'approve', signer))) {
        throw refuse(req, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
      }
    },
  };
}

/** Whether two JSON values are equal (key order ignored). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k])) return false;
    return true;
  }
  return (a === undefined || a === null) && (b === undefined || b === null);
}

/**
 * `CertificateSigning`: an UPDATE of `certificatesigningrequests/status` that changes `status.certificate` or the
 * conditions needs verb `sign` on the `signers` resource named after the (old object's) signerName, else 403
 * "user not permitted to sign requests with signerName ...".
 */
export function certificateSigningPlugin(authorize: AuthorizeFn): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    handles: (op) => op === 'UPDATE',
    async validate(req) {
      if (!isCSR(req) || req.subresource !== 'status') return;
      const oldStatus = req.oldObject?.['status'] ?? {};
      const status = req.object?.['status'] ?? {};
      if (req.oldObject && str(oldStatus['certificate']) === str(status['certificate']) && same(arr(oldStatus['conditions']), arr(status['conditions']))) return;
      const signer = signerOf(req.oldObject);
      if (!(await isAuthorizedForSignerName(authorize, req.user, 'sign', signer))) {
        throw refuse(req, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
      }
    },
  };
}

/**
 * `CertificateSubjectRestriction`: a new CSR for signer `kubernetes.io/kube-apiserver-client` whose subject has
 * O=system:masters is refused with 403 ("use of kubernetes.io/kube-apiserver-client signer with system:masters
 * group is not allowed").
 */
export function certificateSubjectRestrictionPlugin(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    handles: (op) => op === 'CREATE',
    validate(req) {
      if (!isCSR(req) || req.subresource !== '') return;
      if (signerOf(req.object) !== KUBE_APISERVER_CLIENT_SIGNER) return;
      let orgs: string[];
      try {
        orgs = parseCSRPem(Buffer.from(str(req.object?.['spec']?.['request']), 'base64').toString('latin1')).organizations;
      } catch (e) {
        throw new Error(`unable to parse csr: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (orgs.includes('system:masters')) {
        throw refuse(req, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
      }
    },
  };
}

// The csrsigning controller's logic (upstream pkg/controller/certificates/signer and authority), pure: per-signer request checks and signing with the cluster CA.
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { parseCSRPem, type ParsedCSR } from '../../pki/csr.js';
import { csrRequestPem, kubeletClientError, KUBE_APISERVER_CLIENT_KUBELET_SIGNER } from './approver.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
/** The signers the kubernetes.io csrsigning controllers handle (legacy-unknown is not served through v1). */
export const HANDLED_SIGNERS: readonly string[] = [KUBE_APISERVER_CLIENT_SIGNER, KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBELET_SERVING_SIGNER];

/** upstream --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_DURATION_SECONDS = 365 * 24 * 60 * 60;
const BACKDATE_MS = 5 * 60 * 1000;
/** Certificates shorter-lived than this are not backdated at the end (upstream's Short, 8 h). */
const SHORT_MS = 8 * 60 * 60 * 1000;
const MIN_DURATION_MS = 10 * 60 * 1000;

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((u) => y.has(u));
};
const SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

/** upstream ValidateKubeletServingCSR: undefined when ok, else upstream's error text. */
export function kubeletServingError(req: ParsedCSR, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, SERVING_USAGES) && !sameSet(usages, SERVING_USAGES_NO_RSA)) {
    return `usages did not match [${[...SERVING_USAGES].sort().join(' ')}]`;
  }
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** upstream validAPIServerClientUsages: only digital signature / key encipherment / client auth, client auth required. */
function apiServerClientError(usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}

/**
 * The kubernetes.io signers' checks before signing (upstream getCSRVerificationFuncForSignerName):
 * kube-apiserver-client allows only digital signature/key encipherment/client auth and needs client auth;
 * kube-apiserver-client-kubelet must be a kubelet client request; kubelet-serving a kubelet serving request
 * (O=system:nodes, DNS or IP SAN, CN system:node:*, serving usages). Returns undefined when the CSR may be signed,
 * else the message of the Failed condition (reason SignerValidationFailure) the signer adds. A request that does
 * not parse yields `unable to parse csr: ...`; a signer not handled here `unrecognized signerName: "..."`.
 */
export function signerValidation(csr: CertificateSigningRequest): string | undefined {
  const signer = csr.spec?.signerName ?? '';
  const usages = csr.spec?.usages ?? [];
  let req: ParsedCSR;
  try {
    req = parseCSRPem(csrRequestPem(csr));
  } catch (e) {
    return `unable to parse csr: ${e instanceof Error ? e.message : String(e)}`;
  }
  switch (signer) {
    case KUBE_APISERVER_CLIENT_SIGNER:
      return apiServerClientError(usages);
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER:
      return kubeletClientError(req, usages);
    case KUBELET_SERVING_SIGNER:
      return kubeletServingError(req, usages);
    case LEGACY_UNKNOWN_SIGNER:
      return undefined;
    default:
      return `unrecognized signerName: ${JSON.stringify(signer)}`;
  }
}

const KEY_USAGE_FLAGS: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const EXT_KEY_USAGE_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/**
 * upstream keyUsagesFromStrings: the key usage bits and extended key usage OIDs of `usages` (EKUs de-duplicated
 * and in OID order as upstream sorts them). Throws `unrecognized usage: <u>` for unknown ones.
 */
export function keyUsagesFromStrings(usages: readonly string[]): { keyUsage: number; extKeyUsages: string[] } {
  let keyUsage = 0;
  const ext = new Set<string>();
  for (const u of usages) {
    if (u in KEY_USAGE_FLAGS) keyUsage |= KEY_USAGE_FLAGS[u]!;
    else if (u in EXT_KEY_USAGE_OIDS) ext.add(EXT_KEY_USAGE_OIDS[u]!);
    else throw new Error(`unrecognized usage: ${u}`);
  }
  const order = Object.values(EXT_KEY_USAGE_OIDS);
  return { keyUsage, extKeyUsages: [...ext].sort((a, b) => order.indexOf(a) - order.indexOf(b)) };
}

/** upstream signer.duration: the default TTL unless the CSR asks for less; never under 10 minutes. */
export function signingDurationMs(expirationSeconds: number | undefined, defaultSeconds: number): number {
  const def = defaultSeconds * 1000;
  if (expirationSeconds === undefined || expirationSeconds === null) return def;
  const req = expirationSeconds * 1000;
  if (req > def) return def;
  if (req < MIN_DURATION_MS) return MIN_DURATION_MS;
  return req;
}

async function importSigningKey(keyPem: string): Promise<{ key: webcrypto.CryptoKey; alg: { name: string; hash: string } }> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  try {
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    return { key, alg: { name: 'ECDSA', hash: 'SHA-256' } };
  } catch {
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key, alg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
  }
}

/** A positive random 128-bit serial number in hex. */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b.toString('hex');
}

/**
 * Signs `csr` with the CA, as upstream's csrsigning controller (authority.PermissiveSigningPolicy): the request is
 * parsed and its signature checked; the certificate carries the request's subject, DNS/IP/email/URI SANs and public
 * key, key usage and extended key usage from `spec.usages`, basicConstraints CA:FALSE, the CA's authority key id and
 * a random serial. notBefore = now - 5 min; notAfter = now + duration (- 5 min when the duration is 8 h or more), where
 * duration is `spec.expirationSeconds` capped by `defaultDurationSeconds` [1 year] and at least 10 min; never after the
 * CA's notAfter. Throws an Error (`unable to parse csr: ...`, `the signer has expired: ...`, `unrecognized usage:
 * ...`) instead of signing. Resolves to the PEM certificate.
 */
export async function signCSR(ca: { certPem: string; keyPem: string }, csr: CertificateSigningRequest, opts: { now?: Date; defaultDurationSeconds?: number } = {}): Promise<string> {
  let req: ParsedCSR;
  try {
    req = parseCSRPem(csrRequestPem(csr));
  } catch (e) {
    throw new Error(`unable to parse csr: ${e instanceof Error ? e.message : String(e)}`);
  }
  const now = opts.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const signerNotAfter = caCert.notAfter;
  const ttl = signingDurationMs(csr.spec?.expirationSeconds, opts.defaultDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS);
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + (ttl < SHORT_MS ? ttl : ttl - BACKDATE_MS));
  if (notAfter.getTime() >= signerNotAfter.getTime()) notAfter = signerNotAfter;
  if (notBefore.getTime() >= signerNotAfter.getTime()) throw new Error(`the signer has expired: NotAfter=${signerNotAfter.toISOString()}`);
  if (now.getTime() >= signerNotAfter.getTime()) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${signerNotAfter.toISOString()}`);

  const { keyUsage, extKeyUsages } = keyUsagesFromStrings(csr.spec?.usages ?? []);
  const extensions: x509.Extension[] = [];
  if (keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (extKeyUsages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsages));
  extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert));
  const sans: x509.JsonGeneralName[] = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.emailAddresses.map((value) => ({ type: 'email' as const, value })),
    ...req.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...req.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const signing = await importSigningKey(ca.keyPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: req.request.subjectName,
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: req.request.publicKey,
    signingKey: signing.key as never,
    signingAlgorithm: signing.alg,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

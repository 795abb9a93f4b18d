// PKCS#10 certificate signing requests: synchronous parsing with signature check (as Go's x509.ParseCertificateRequest + CheckSignature) and the kubelet's client CSR.
import { createPublicKey, verify as nodeVerify, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The PEM block type of a PKCS#10 request. */
export const CERTIFICATE_REQUEST_BLOCK = 'CERTIFICATE REQUEST';

/** What the CSR approver and signer look at in a request. */
export interface ParsedCSR {
  /** Subject CN (first one; '' when absent). */
  commonName: string;
  /** Subject O values in order. */
  organizations: string[];
  dnsNames: string[];
  emailAddresses: string[];
  ipAddresses: string[];
  uris: string[];
  /** The subject DN as @peculiar/x509 prints it (e.g. `CN=system:node:n1, O=system:nodes`). */
  subject: string;
  /** DER SubjectPublicKeyInfo of the requested key. */
  publicKeyDer: Uint8Array;
  /** The parsed request itself. */
  request: x509.Pkcs10CertificateRequest;
}

/** The blocks of a PEM text, in order: type, whether it carries headers, and the decoded bytes. */
export function pemBlocks(text: string): Array<{ type: string; hasHeaders: boolean; der: Buffer }> {
  const out: Array<{ type: string; hasHeaders: boolean; der: Buffer }> = [];
  const re = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2] ?? '';
    const hasHeaders = body.split(/\r?\n/).some((l) => l.includes(':'));
    const b64 = body
      .split(/\r?\n/)
      .filter((l) => !l.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    out.push({ type: m[1] ?? '', hasHeaders, der: Buffer.from(b64, 'base64') });
  }
  return out;
}

/** One DER TLV at `off`: where its contents start and how long they are. Throws on truncated input. */
function derElement(buf: Uint8Array, off: number): { tag: number; contentStart: number; length: number; end: number } {
  if (off + 2 > buf.length) throw new Error('asn1: syntax error: data truncated');
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Error('asn1: syntax error: data truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new Error('asn1: syntax error: data truncated');
  return { tag, contentStart: p, length: len, end: p + len };
}

/** Node's name of the digest of a signature algorithm; null for EdDSA. */
type SigAlg = { name: string; hash?: string | { name?: string } };

function digestOf(alg: SigAlg): string | null {
  if (alg.name === 'Ed25519' || alg.name === 'EdDSA') return null;
  const h = alg.hash;
  const name = typeof h === 'string' ? h : h?.name;
  if (!name) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  return name.toLowerCase().replace('-', '');
}

/**
 * Parses a DER PKCS#10 request and checks its self-signature, synchronously (node:crypto). Throws an Error in Go's
 * words (`x509: ECDSA verification failure`, `crypto/rsa: verification error`, asn1 errors) when it does not parse
 * or the signature does not verify.
 */
export function parseCSRDer(der: Uint8Array): ParsedCSR {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(der);
  } catch (e) {
    throw new Error(`asn1: structure error: ${e instanceof Error ? e.message : String(e)}`);
  }
  const outer = derElement(der, 0);
  const info = derElement(der, outer.contentStart);
  const tbs = der.subarray(outer.contentStart, info.end);
  const alg = request.signatureAlgorithm as unknown as SigAlg;
  const publicKeyDer = new Uint8Array(request.publicKey.rawData);
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  let ok = false;
  try {
    const digest = digestOf(alg);
    const opts = alg.name === 'RSA-PSS' ? { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ } : key;
    ok = nodeVerify(digest, tbs, opts, Buffer.from(request.signature));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new Error(alg.name === 'ECDSA' ? 'x509: ECDSA verification failure' : alg.name.startsWith('RSA') ? 'crypto/rsa: verification error' : 'x509: signature verification failure');
  }
  const names = request.subjectName;
  const san = request.getExtension('2.5.29.17');
  const gn = san ? new x509.SubjectAlternativeNameExtension(san.rawData).names.toJSON() : [];
  const of = (t: string) => gn.filter((n) => n.type === t).map((n) => n.value);
  return {
    commonName: names.getField('CN')[0] ?? '',
    organizations: names.getField('O'),
    dnsNames: of('dns'),
    emailAddresses: of('email'),
    ipAddresses: of('ip'),
    uris: of('url'),
    subject: request.subject,
    publicKeyDer,
    request,
  };
}

/**
 * Upstream's certificates.ParseCSR plus CheckSignature on a PEM text: the first PEM block must be a
 * `CERTIFICATE REQUEST` ("PEM block type must be CERTIFICATE REQUEST" otherwise); then as {@link parseCSRDer}.
 */
export function parseCSRPem(pem: string): ParsedCSR {
  const block = pemBlocks(pem)[0];
  if (!block || block.type !== CERTIFICATE_REQUEST_BLOCK) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return parseCSRDer(block.der);
}

/** The ECDSA P-256 / SHA-256 parameters the kubelet uses for its keys and requests. */
const KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * A new ECDSA P-256 key and a PKCS#10 request signed with it for `commonName` in `organizations`, with optional
 * DNS/IP SANs. Returns PEM strings (key as PKCS#8 `PRIVATE KEY`).
 */
export async function createCSR(opts: { commonName: string; organizations?: string[]; dnsNames?: string[]; ips?: string[] }): Promise<{ keyPem: string; csrPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const name = [...(opts.organizations ?? []).map((o) => `O=${esc(o)}`), `CN=${esc(opts.commonName)}`].join(', ');
  const sans: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: SIGN_ALG,
    ...(sans.length ? { extensions: [new x509.SubjectAlternativeNameExtension(sans)] } : {}),
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', csrPem: csr.toString('pem') + '\n' };
}

/**
 * What a kubelet sends when bootstrapping its client certificate: a fresh ECDSA P-256 key and a request for
 * subject `CN=system:node:<nodeName>, O=system:nodes` (upstream's certificate manager template).
 */
export async function createNodeClientCSR(nodeName: string): Promise<{ keyPem: string; csrPem: string }> {
  if (!nodeName) throw new Error('createNodeClientCSR: node name is required');
  return createCSR({ commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] });
}

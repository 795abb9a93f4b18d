// TLS bootstrapping of a node (upstream kubelet --bootstrap-kubeconfig): a join token buys a client certificate through a CertificateSigningRequest.
import { createHash, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ApiError, RestClient, type ClientConfig } from '../client/index.js';
import { createNodeClientCSR, writeKubeconfig } from '../pki/index.js';

/**
 * A join token. `kubets server` writes `K10<sha256 of the CA certificate's DER, hex>::<id>.<secret>` (k3s's
 * shape) to DIR/token; a bare bootstrap token `<id>.<secret>` also works but then the server's CA is trusted on
 * first use.
 */
export interface JoinToken {
  readonly caHash?: string;
  readonly id: string;
  readonly secret: string;
  /** `<id>.<secret>`, the bearer token. */
  readonly bearer: string;
}

const BARE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** Parses a join token; throws an Error saying what is wrong. */
export function parseJoinToken(token: string): JoinToken {
  const t = token.trim();
  let caHash: string | undefined;
  let rest = t;
  const m = /^K10([0-9a-f]{64})::(.*)$/.exec(t);
  if (m) {
    caHash = m[1]!;
    rest = m[2]!;
  }
  const b = BARE.exec(rest);
  if (!b) throw new Error('invalid token: want K10<ca-hash>::<id>.<secret> or <id>.<secret> (id 6 and secret 16 characters of [a-z0-9])');
  return { ...(caHash ? { caHash } : {}), id: b[1]!, secret: b[2]!, bearer: rest };
}

/** The K10 form of a join token for a CA. */
export function formatJoinToken(caPem: string, bearer: string): string {
  return `K10${caHash(caPem)}::${bearer}`;
}

/** sha256 of a PEM certificate's DER, hex. */
export function caHash(caPem: string): string {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex');
}

/**
 * Learns the server's CA from its TLS handshake (the server sends its chain) without sending any credential,
 * and checks it against the token's hash. Throws when the hash does not match or no CA is in the chain.
 */
export async function discoverServerCA(server: string, expectedHash: string | undefined): Promise<string> {
  const u = new URL(server);
  const chain = await new Promise<X509Certificate[]>((resolve, reject) => {
    const sock = tls.connect({ host: u.hostname, port: Number(u.port || 443), servername: u.hostname.match(/^[\d.]+$/) ? undefined as unknown as string : u.hostname, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const out: X509Certificate[] = [];
      let c: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
      const seen = new Set<string>();
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        out.push(new X509Certificate(c.raw));
        c = c.issuerCertificate;
      }
      sock.end();
      resolve(out);
    });
    sock.setTimeout(10_000, () => sock.destroy(new Error(`no TLS handshake with ${server} within 10 s`)));
    sock.on('error', reject);
  });
  const leaf = chain[0];
  if (!leaf) throw new Error(`${server} sent no certificate`);
  const cas = chain.filter((c) => c.ca);
  for (const ca of cas) {
    const pem = ca.toString();
    if (expectedHash && caHash(pem) !== expectedHash) continue;
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) continue;
    return pem;
  }
  if (expectedHash) throw new Error(`the server's CA does not match the token's CA hash: is --server the cluster that issued the token?`);
  throw new Error(`${server} did not send its CA certificate in the TLS handshake`);
}

/** Options of bootstrapNodeCredentials. */
export interface BootstrapOptions {
  readonly server: string;
  readonly token: string;
  readonly nodeName: string;
  /** Where `kubelet.kubeconfig` and the key/cert are written. */
  readonly dataDir: string;
  /** How long to wait for the CSR to be approved and signed. Default 2 min. */
  readonly timeoutMs?: number;
  /** Renew when less than this fraction of the certificate's lifetime is left. Default 0.2 (upstream rotates at 70-90%). */
  readonly renewFraction?: number;
  readonly log?: (line: string) => void;
}

/** Files of a node's credentials. */
export interface NodeCredentials {
  readonly kubeconfig: string;
  readonly notAfter: Date;
  readonly notBefore: Date;
  /** Whether this call obtained a new certificate. */
  readonly issued: boolean;
}

/**
 * Ensures `DIR/kubelet.kubeconfig` holds a client certificate for `system:node:NAME` signed by the server's CA
 * that is not close to expiry. When missing, it creates a CSR authenticated by the bootstrap token; when it only
 * needs renewal, the CSR is authenticated by the current certificate (selfnodeclient). Waits for approval and
 * signing. Throws an Error a user can act on: the token refused (401), the CSR denied or failed, the timeout.
 */
export async function bootstrapNodeCredentials(opts: BootstrapOptions): Promise<NodeCredentials> {
  const kubeconfig = path.join(opts.dataDir, 'kubelet.kubeconfig');
  const certFile = path.join(opts.dataDir, 'kubelet-client.crt');
  const keyFile = path.join(opts.dataDir, 'kubelet-client.key');
  const caFile = path.join(opts.dataDir, 'server-ca.crt');
  await fs.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const token = parseJoinToken(opts.token);
  let caPem = await fs.readFile(caFile, 'utf8').catch(() => undefined);
  if (caPem && token.caHash && caHash(caPem) !== token.caHash) caPem = undefined;
  if (!caPem) {
    caPem = await discoverServerCA(opts.server, token.caHash);
    await fs.writeFile(caFile, caPem, { mode: 0o644 });
  }
  const current = await readPair(certFile, keyFile);
  let renewWith: ClientConfig | undefined;
  if (current) {
    const cert = new X509Certificate(current.certPem);
    const ca = new X509Certificate(caPem);
    const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    const left = Date.parse(cert.validTo) - Date.now();
    const valid = cert.checkIssued(ca) && cert.verify(ca.publicKey) && cert.subject.split('\n').includes(`CN=system:node:${opts.nodeName}`);
    if (valid && left > lifetime * (opts.renewFraction ?? 0.2)) {
      await writeKubeconfig(kubeconfig, { server: opts.server, caPem, clientCertPem: current.certPem, clientKeyPem: current.keyPem, user: `system:node:${opts.nodeName}` });
      return { kubeconfig, notAfter: new Date(cert.validTo), notBefore: new Date(cert.validFrom), issued: false };
    }
    if (valid && left > 0) renewWith = { server: opts.server, caPem, certPem: current.certPem, keyPem: current.keyPem };
  }
  const client = new RestClient(renewWith ?? { server: opts.server, caPem, token: token.bearer, qps: 0 });
  try {
    const { keyPem, csrPem } = await createNodeClientCSR(opts.nodeName);
    const csrs = client.resource<CertificateSigningRequest>('certificatesigningrequests');
    let created: CertificateSigningRequest;
    try {
      created = await csrs.create({
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: 'node-csr-' },
        spec: {
          request: Buffer.from(csrPem).toString('base64'),
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        },
      });
    } catch (err) {
      if (err instanceof ApiError && err.code === 401) throw new Error(`the server refused the join token (401 Unauthorized): check --token, it may be wrong or expired`);
      if (err instanceof ApiError && err.code === 403) throw new Error(`the join token may not request node certificates (403 Forbidden): ${err.message}`);
      throw err;
    }
    const name = created.metadata!.name!;
    opts.log?.(`waiting for certificate signing request ${name} to be approved and signed`);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    let certPem: string | undefined;
    while (Date.now() < deadline) {
      const cur = await csrs.get(name);
      const conds = cur.status?.conditions ?? [];
      const denied = conds.find((c) => c.type === 'Denied' && c.status === 'True');
      if (denied) throw new Error(`certificate signing request ${name} was denied: ${denied.reason ?? ''} ${denied.message ?? ''}`.trim());
      const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed) throw new Error(`certificate signing request ${name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
      if (cur.status?.certificate) {
        certPem = Buffer.from(cur.status.certificate, 'base64').toString('utf8');
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!certPem) throw new Error(`certificate signing request ${name} was not signed within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s: is the controller-manager running?`);
    await fs.writeFile(`${keyFile}.tmp`, keyPem, { mode: 0o600 });
    await fs.rename(`${keyFile}.tmp`, keyFile);
    await fs.writeFile(`${certFile}.tmp`, certPem, { mode: 0o644 });
    await fs.rename(`${certFile}.tmp`, certFile);
    await writeKubeconfig(kubeconfig, { server: opts.server, caPem, clientCertPem: certPem, clientKeyPem: keyPem, user: `system:node:${opts.nodeName}` });
    const cert = new X509Certificate(certPem);
    opts.log?.(`node certificate issued, valid until ${cert.validTo}`);
    return { kubeconfig, notAfter: new Date(cert.validTo), notBefore: new Date(cert.validFrom), issued: true };
  } finally {
    client.close();
  }
}

async function readPair(certFile: string, keyFile: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  try {
    return { certPem: await fs.readFile(certFile, 'utf8'), keyPem: await fs.readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

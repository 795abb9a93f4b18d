// Client identities of the cluster's own components (scheduler, controller-manager, proxy, kubelets): certificates and kubeconfigs, renewed before expiry.
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeKubeconfig } from './kubeconfig.js';
import { issueClientCertificate, RENEW_BEFORE_DAYS, type CertKeyPem, type ClusterPki } from './pki.js';

/** One component's identity: `name` names its files, `commonName`/`organizations` are its user and groups. */
export interface ComponentIdentity {
  readonly name: string;
  readonly commonName: string;
  readonly organizations?: readonly string[];
}

/**
 * The control plane's identities, bound by upstream's bootstrap RBAC: the scheduler and the controller-manager
 * by user name (`system:kube-scheduler`, `system:kube-controller-manager`), kube-proxy by `system:kube-proxy`
 * (bound to `system:node-proxier`), and the apiserver's client for kubelets (logs, exec) in `system:masters`
 * as kubeadm issues it.
 */
export const CONTROL_PLANE_IDENTITIES: readonly ComponentIdentity[] = Object.freeze([
  { name: 'kube-scheduler', commonName: 'system:kube-scheduler' },
  { name: 'kube-controller-manager', commonName: 'system:kube-controller-manager' },
  { name: 'kube-proxy', commonName: 'system:kube-proxy' },
  { name: 'kube-apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] },
]);

/** A kubelet's identity (the Node authorizer's `system:node:<name>` in `system:nodes`). */
export function kubeletIdentity(nodeName: string): ComponentIdentity {
  return { name: `kubelet-${nodeName}`, commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] };
}

/** One component's credentials on disk. */
export interface ComponentCredentials extends CertKeyPem {
  readonly identity: ComponentIdentity;
  /** `DIR/tls/client-<name>.crt` / `.key`. */
  readonly certPath: string;
  readonly keyPath: string;
  /** `DIR/cred/<name>.kubeconfig`, embedding the CA, the certificate and the key. */
  readonly kubeconfigPath: string;
  /** When the certificate stops being valid. */
  readonly notAfter: Date;
  /** Whether this call (re)issued the certificate. */
  readonly issued: boolean;
}

/**
 * Ensures every identity has a client certificate signed by the cluster CA and a kubeconfig pointing at
 * `server`. A certificate is (re)issued when missing, not signed by the current CA, for another subject, or
 * expiring within {@link RENEW_BEFORE_DAYS} days of `now`; the kubeconfig is rewritten when its certificate
 * was reissued, when it is missing, or when `server` changed. Keys mode 0600, kubeconfigs 0600.
 * Idempotent; not safe against concurrent calls on the same directory.
 */
export async function ensureComponentCredentials(
  pki: Pick<ClusterPki, 'dir' | 'tlsDir' | 'ca'>,
  server: string,
  identities: readonly ComponentIdentity[],
  now: Date = new Date(),
): Promise<ComponentCredentials[]> {
  const out: ComponentCredentials[] = [];
  const credDir = path.join(pki.dir, 'cred');
  await fs.mkdir(credDir, { recursive: true, mode: 0o700 });
  for (const id of identities) {
    const certPath = path.join(pki.tlsDir, `client-${id.name}.crt`);
    const keyPath = path.join(pki.tlsDir, `client-${id.name}.key`);
    const kubeconfigPath = path.join(credDir, `${id.name}.kubeconfig`);
    let pair = await readPair(certPath, keyPath);
    let issued = false;
    if (!pair || !usable(pair.certPem, pki.ca.certPem, id, now)) {
      pair = await issueClientCertificate(pki.ca, { commonName: id.commonName, organizations: [...(id.organizations ?? [])], now });
      await writeAtomic(keyPath, pair.keyPem, 0o600);
      await writeAtomic(certPath, pair.certPem, 0o644);
      issued = true;
    }
    if (issued || !(await kubeconfigPoints(kubeconfigPath, server))) {
      await writeKubeconfig(kubeconfigPath, { server, caPem: pki.ca.certPem, clientCertPem: pair.certPem, clientKeyPem: pair.keyPem, user: id.name });
    }
    out.push({ ...pair, identity: id, certPath, keyPath, kubeconfigPath, notAfter: new Date(new X509Certificate(pair.certPem).validTo), issued });
  }
  return out;
}

function usable(certPem: string, caPem: string, id: ComponentIdentity, now: Date): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    const subject = cert.subject.split('\n');
    if (!subject.includes(`CN=${id.commonName}`)) return false;
    const orgs = subject.filter((l) => l.startsWith('O=')).map((l) => l.slice(2)).sort();
    if (orgs.join('\n') !== [...(id.organizations ?? [])].sort().join('\n')) return false;
    return new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * 86_400_000;
  } catch {
    return false;
  }
}

async function readPair(certPath: string, keyPath: string): Promise<CertKeyPem | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([fs.readFile(certPath, 'utf8'), fs.readFile(keyPath, 'utf8')]);
    return { certPem, keyPem };
  } catch {
    return undefined;
  }
}

async function kubeconfigPoints(file: string, server: string): Promise<boolean> {
  try {
    return (await fs.readFile(file, 'utf8')).includes(`server: ${server}\n`);
  } catch {
    return false;
  }
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

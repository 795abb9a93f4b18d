// Kubeconfig files: render/write the upstream v1 Config form (as k3s writes it) and load the current context's credentials.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';

/** Input of {@link renderKubeconfig}. */
export interface KubeconfigOptions {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** PEM CA bundle for verifying the server; embedded as `certificate-authority-data`. */
  caPem?: string;
  /** PEM client certificate; embedded as `client-certificate-data`. */
  clientCertPem?: string;
  /** PEM client private key; embedded as `client-key-data`. */
  clientKeyPem?: string;
  /** Bearer token, as an alternative or addition to the client certificate. */
  token?: string;
  /** User entry name; default `default` (as k3s). */
  user?: string;
  /** Cluster entry name; default `default`. */
  cluster?: string;
  /** Context entry name (also current-context); default `default`. */
  context?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * Renders a single-cluster, single-user kubeconfig as YAML in the upstream `apiVersion: v1, kind: Config`
 * form, keys in the order kubectl writes them. Data fields are base64 of the PEM text. Long base64 lines
 * are never folded.
 */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = opts.cluster ?? 'default';
  const user = opts.user ?? 'default';
  const context = opts.context ?? 'default';
  const clusterEntry: Record<string, string> = {};
  if (opts.caPem !== undefined) clusterEntry['certificate-authority-data'] = b64(opts.caPem);
  clusterEntry['server'] = opts.server;
  const userEntry: Record<string, string> = {};
  if (opts.clientCertPem !== undefined) userEntry['client-certificate-data'] = b64(opts.clientCertPem);
  if (opts.clientKeyPem !== undefined) userEntry['client-key-data'] = b64(opts.clientKeyPem);
  if (opts.token !== undefined) userEntry['token'] = opts.token;
  const doc = {
    apiVersion: 'v1',
    clusters: [{ cluster: clusterEntry, name: cluster }],
    contexts: [{ context: { cluster, user }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: userEntry }],
  };
  return stringify(doc, { lineWidth: 0 });
}

/**
 * Renders (see {@link renderKubeconfig}) and writes a kubeconfig atomically with mode 0600, creating the
 * parent directory if needed. Overwrites an existing file.
 */
export async function writeKubeconfig(file: string, opts: KubeconfigOptions): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, renderKubeconfig(opts), { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

/** Credentials of one kubeconfig context, as {@link loadKubeconfig} returns them. */
export interface LoadedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** PEM CA bundle (from `certificate-authority-data` or the `certificate-authority` file). */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token (from `token` or `tokenFile`). */
  token?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function findNamed(doc: Obj, list: string, field: string, name: string, file: string): Obj {
  const items = doc[list];
  if (Array.isArray(items)) {
    for (const it of items) {
      if (isObj(it) && it['name'] === name && isObj(it[field])) return it[field] as Obj;
    }
  }
  throw new Error(`kubeconfig ${file}: no ${field} named ${JSON.stringify(name)} in ${list}`);
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Loads a kubeconfig file and returns the credentials of `context` (default: current-context).
 * `*-data` fields are base64-decoded; file references (`certificate-authority`, `client-certificate`,
 * `client-key`, `tokenFile`) are read, relative paths resolved against the kubeconfig's directory as
 * kubectl does. Throws an Error naming the file for missing/malformed entries. Auth plugins/exec are
 * not supported (ignored).
 */
export async function loadKubeconfig(file: string, opts: { context?: string } = {}): Promise<LoadedKubeconfig> {
  const text = await fs.readFile(file, 'utf8');
  const doc: unknown = parse(text);
  if (!isObj(doc)) throw new Error(`kubeconfig ${file}: not a YAML mapping`);
  const contextName = opts.context ?? str(doc, 'current-context');
  if (!contextName) throw new Error(`kubeconfig ${file}: no current-context set and no context given`);
  const ctx = findNamed(doc, 'contexts', 'context', contextName, file);
  const clusterName = str(ctx, 'cluster');
  const userName = str(ctx, 'user');
  if (!clusterName) throw new Error(`kubeconfig ${file}: context ${JSON.stringify(contextName)} names no cluster`);
  const cluster = findNamed(doc, 'clusters', 'cluster', clusterName, file);
  const user = userName ? findNamed(doc, 'users', 'user', userName, file) : {};
  const server = str(cluster, 'server');
  if (!server) throw new Error(`kubeconfig ${file}: cluster ${JSON.stringify(clusterName)} has no server`);

  const base = path.dirname(path.resolve(file));
  const dataOrFile = async (o: Obj, dataKey: string, fileKey: string): Promise<string | undefined> => {
    const data = str(o, dataKey);
    if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    const ref = str(o, fileKey);
    if (ref !== undefined) return fs.readFile(path.resolve(base, ref), 'utf8');
    return undefined;
  };

  const out: LoadedKubeconfig = { contextName, clusterName, userName: userName ?? '', server };
  const caPem = await dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority');
  if (caPem !== undefined) out.caPem = caPem;
  if (cluster['insecure-skip-tls-verify'] === true) out.insecureSkipTlsVerify = true;
  const clientCertPem = await dataOrFile(user, 'client-certificate-data', 'client-certificate');
  if (clientCertPem !== undefined) out.clientCertPem = clientCertPem;
  const clientKeyPem = await dataOrFile(user, 'client-key-data', 'client-key');
  if (clientKeyPem !== undefined) out.clientKeyPem = clientKeyPem;
  const tokenFile = str(user, 'tokenFile');
  const token = str(user, 'token') ?? (tokenFile !== undefined ? (await fs.readFile(path.resolve(base, tokenFile), 'utf8')).trim() : undefined);
  if (token !== undefined) out.token = token;
  return out;
}

/**
 * Writes the admin kubeconfig for a cluster PKI (e.g. `DIR/admin.kubeconfig`) with mode 0600, embedding
 * the CA and the admin client certificate/key; entry names default to `default`.
 */
export async function writeAdminKubeconfig(
  file: string,
  pki: { ca: { certPem: string }; admin: { certPem: string; keyPem: string } },
  server: string,
): Promise<void> {
  await writeKubeconfig(file, { server, caPem: pki.ca.certPem, clientCertPem: pki.admin.certPem, clientKeyPem: pki.admin.keyPem });
}

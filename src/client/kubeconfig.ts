// Client connection settings (ClientConfig) and a synchronous kubeconfig loader that produces them.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** How a RestClient reaches and authenticates to the apiserver (client-go's rest.Config, trimmed). */
export interface ClientConfig {
  /** Base URL, e.g. `https://127.0.0.1:6443` (`http://` speaks cleartext HTTP/2, for tests). */
  server: string;
  /** PEM trust roots; undefined = system roots. */
  caPem?: string;
  /** PEM client certificate and key. */
  certPem?: string;
  keyPem?: string;
  /** Bearer token. */
  token?: string;
  /** Requests per second for non-watch requests [50]; 0 or negative = unlimited. */
  qps?: number;
  /** Token-bucket burst [100]. */
  burst?: number;
  /** User-Agent header [`kubets/<version>`]. */
  userAgent?: string;
  /** Per non-watch request timeout in ms [60000]. */
  timeoutMs?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

function named(doc: Obj, list: string, field: string, name: string, file: string): Obj {
  const items = doc[list];
  if (Array.isArray(items)) {
    for (const it of items) if (isObj(it) && it['name'] === name && isObj(it[field])) return it[field] as Obj;
  }
  throw new Error(`kubeconfig ${file}: no ${field} named ${JSON.stringify(name)} in ${list}`);
}

/**
 * Reads a kubeconfig file synchronously and returns the ClientConfig of `opts.context` (default: the
 * current-context). Supports `certificate-authority(-data)`, `client-certificate(-data)`, `client-key(-data)`,
 * `token` and `tokenFile`; file references are resolved against the kubeconfig's directory as kubectl does.
 * Throws an Error naming the file when it is missing, unparsable, or lacks the named entries.
 */
export function loadKubeconfig(file: string, opts: { context?: string } = {}): ClientConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`kubeconfig ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`kubeconfig ${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new Error(`kubeconfig ${file}: not a YAML mapping`);
  const contextName = opts.context ?? str(doc, 'current-context');
  if (!contextName) throw new Error(`kubeconfig ${file}: no current-context set and no context given`);
  const ctx = named(doc, 'contexts', 'context', contextName, file);
  const clusterName = str(ctx, 'cluster');
  if (!clusterName) throw new Error(`kubeconfig ${file}: context ${JSON.stringify(contextName)} names no cluster`);
  const cluster = named(doc, 'clusters', 'cluster', clusterName, file);
  const userName = str(ctx, 'user');
  const user = userName ? named(doc, 'users', 'user', userName, file) : {};
  const server = str(cluster, 'server');
  if (!server) throw new Error(`kubeconfig ${file}: cluster ${JSON.stringify(clusterName)} has no server`);

  const base = path.dirname(path.resolve(file));
  const readRef = (ref: string): string => {
    const p = path.resolve(base, ref);
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new Error(`kubeconfig ${file}: ${(e as Error).message}`);
    }
  };
  const dataOrFile = (o: Obj, dataKey: string, fileKey: string): string | undefined => {
    const data = str(o, dataKey);
    if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    const ref = str(o, fileKey);
    return ref === undefined ? undefined : readRef(ref);
  };

  const out: ClientConfig = { server: server.replace(/\/+$/, '') };
  const ca = dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority');
  if (ca !== undefined) out.caPem = ca;
  const cert = dataOrFile(user, 'client-certificate-data', 'client-certificate');
  if (cert !== undefined) out.certPem = cert;
  const key = dataOrFile(user, 'client-key-data', 'client-key');
  if (key !== undefined) out.keyPem = key;
  const tokenFile = str(user, 'tokenFile');
  const token = str(user, 'token') ?? (tokenFile !== undefined ? readRef(tokenFile).trim() : undefined);
  if (token !== undefined) out.token = token;
  return out;
}

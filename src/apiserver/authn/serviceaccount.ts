// Service-account tokens: the signing key, the token issuer (bound and legacy JWTs), their authenticator and TokenRequest.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CompactSign, compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { badRequest, conflict, field, invalid, isDNS1123Label, isDNS1123Subdomain, notFound, type FieldError } from '../../apimachinery/index.js';
import type { Obj, ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import type { TokenAuthenticator } from './bearer.js';
import { constantTimeEqual } from './bootstrap.js';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The `iss` of secret-based (legacy) tokens. */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';
/** The expiration kubelet asks for on projected tokens; such pod-bound tokens are extended to a year, warning after it. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXPIRATION_EXTENSION_SECONDS = 365 * 24 * 60 * 60;
/** Clock skew tolerated on exp/nbf/iat, and how long objects marked for deletion keep their tokens valid (jwt.DefaultLeeway). */
export const LEEWAY_SECONDS = 60;
const LEGACY_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const ACCEPTED_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'ES512'];

// ---- names ---------------------------------------------------------------------------------------------------------

/** `system:serviceaccount:<namespace>:<name>`. */
export function makeServiceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/**
 * Splits `system:serviceaccount:<ns>:<name>` as upstream's SplitUsername: exactly two parts after the prefix, the
 * namespace a DNS-1123 label and the name a DNS-1123 subdomain; undefined otherwise.
 */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts as [string, string];
  if (isDNS1123Label(namespace).length > 0 || isDNS1123Subdomain(name).length > 0) return undefined;
  return { namespace, name };
}

/** The groups of every service account of `namespace`: `system:serviceaccounts`, `system:serviceaccounts:<ns>`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** What a valid service-account token says about its holder (upstream's ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  /** `JTI=<jti>` when the token carries a jti. */
  credentialId?: string;
}

/**
 * The user of a service-account token, as upstream's ServiceAccountInfo.UserInfo: name
 * `system:serviceaccount:<ns>:<name>`, uid the service account's, groups {@link serviceAccountGroups}, extra
 * pod-name/pod-uid (both present), node-name (and node-uid) and credential-id when known. Without
 * `system:authenticated` (the bearer authenticator adds it).
 */
export function serviceAccountUserInfo(sa: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[POD_NAME_KEY] = [sa.podName];
    extra[POD_UID_KEY] = [sa.podUID];
  }
  if (sa.credentialId) extra[CREDENTIAL_ID_KEY] = [sa.credentialId];
  if (sa.nodeName) {
    extra[NODE_NAME_KEY] = [sa.nodeName];
    if (sa.nodeUID) extra[NODE_UID_KEY] = [sa.nodeUID];
  }
  const user: UserInfo = { name: makeServiceAccountUsername(sa.namespace, sa.name), uid: sa.uid, groups: serviceAccountGroups(sa.namespace) };
  return Object.keys(extra).length > 0 ? { ...user, extra } : user;
}

// ---- keys ----------------------------------------------------------------------------------------------------------

/** The service-account signing key pair. */
export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `<dataDir>/tls/sa.key` (PKCS#8 PEM, mode 0600). */
  keyPath: string;
  /** `<dataDir>/tls/sa.pub` (SPKI PEM). */
  pubPath: string;
  /** {@link serviceAccountKeyId} of the public key. */
  keyId: string;
}

/** Upstream's key id: unpadded base64url of the SHA-256 of the DER (PKIX/SPKI) public key. */
export function serviceAccountKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Ensures the RSA 2048 service-account key pair exists at `<dataDir>/tls/sa.key` and `sa.pub` (directory created
 * with mode 0700) and returns it. Created once; afterwards loaded as is. A missing `sa.pub` is re-derived from
 * `sa.key`; an `sa.pub` without `sa.key` is an error (replacing the key would silently invalidate every token).
 */
export async function ensureServiceAccountKey(dataDir: string): Promise<ServiceAccountKey> {
  const tlsDir = path.join(dataDir, 'tls');
  await fs.mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const keyPath = path.join(tlsDir, 'sa.key');
  const pubPath = path.join(tlsDir, 'sa.pub');
  let keyPem = await readIfExists(keyPath);
  let pubPem = await readIfExists(pubPath);
  if (keyPem === undefined && pubPem !== undefined) {
    throw new Error(`${pubPath} exists but ${keyPath} does not: restore the key or remove both to create a new pair`);
  }
  if (keyPem === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeAtomic(keyPath, keyPem, 0o600);
    pubPem = undefined;
  }
  const privateKey = createPrivateKey(keyPem);
  const publicKey = createPublicKey(privateKey);
  const derivedPub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  if (pubPem === undefined) await writeAtomic(pubPath, derivedPub, 0o644);
  return { privateKey, publicKey, keyPath, pubPath, keyId: serviceAccountKeyId(publicKey) };
}

/**
 * The public keys in PEM text (as `--service-account-key-file`): every `PUBLIC KEY`, `RSA PUBLIC KEY`, private key
 * (its public half) or certificate (its key) block. Throws when there is none.
 */
export function parsePublicKeys(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const keys: KeyObject[] = [];
  for (const b of blocks) {
    if (b.startsWith('-----BEGIN CERTIFICATE-----')) keys.push(createPublicKey(b));
    else if (/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b)) keys.push(createPublicKey(createPrivateKey(b)));
    else if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(b)) keys.push(createPublicKey(b));
  }
  if (keys.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return keys;
}

function toPublicKeys(keys: readonly (KeyObject | string)[]): KeyObject[] {
  return keys.flatMap((k) => (typeof k === 'string' ? parsePublicKeys(k) : [k.type === 'private' ? createPublicKey(k) : k]));
}

// ---- issuing -------------------------------------------------------------------------------------------------------

/** A reference to a bound object as put in a token: name and, when known, uid. */
export interface BoundRef {
  name: string;
  uid?: string;
}

/** What a bound token is for. */
export interface BoundTokenSpec {
  /** The service account: `metadata.namespace`, `metadata.name`, `metadata.uid` are used. */
  serviceAccount: Obj;
  audiences: readonly string[];
  /** Lifetime of the token (exp - iat). */
  expirationSeconds: number;
  pod?: BoundRef;
  secret?: BoundRef;
  /** The node a Node-bound token is bound to, or the node of the pod of a Pod-bound one. */
  node?: BoundRef;
  /** Seconds after which a stale-token warning applies (the `warnafter` claim); 0 or absent for none. */
  warnAfterSeconds?: number;
}

/** Options of a {@link TokenIssuer}. */
export interface TokenIssuerOptions {
  /** `iss` of bound tokens (default {@link DEFAULT_SERVICE_ACCOUNT_ISSUER}). */
  issuer?: string;
  /** Put a random `jti` in bound tokens (default true, as the ServiceAccountTokenJTI feature). */
  jti?: boolean;
  now?: () => Date;
}

function refClaim(r: BoundRef): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.name) out.name = r.name;
  if (r.uid) out.uid = r.uid;
  return out;
}

/** JSON with object keys sorted at every level (how upstream's claims come out of go-jose). */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${sortedJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Signs service-account tokens with the cluster's service-account key: RS256 for RSA keys (ES256/384/512 for EC),
 * protected header `{alg, kid}` with upstream's key id.
 */
export class TokenIssuer {
  readonly issuer: string;
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly alg: string;
  private readonly jti: boolean;
  private readonly now: () => Date;

  constructor(privateKey: KeyObject | string, opts: TokenIssuerOptions = {}) {
    this.privateKey = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
    this.keyId = serviceAccountKeyId(createPublicKey(this.privateKey));
    this.issuer = opts.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.jti = opts.jti ?? true;
    this.now = opts.now ?? (() => new Date());
    const curve = this.privateKey.asymmetricKeyDetails?.namedCurve;
    this.alg = this.privateKey.asymmetricKeyType === 'ec' ? (curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256') : 'RS256';
  }

  private async sign(claims: Record<string, unknown>): Promise<string> {
    return new CompactSign(new TextEncoder().encode(sortedJson(claims))).setProtectedHeader({ alg: this.alg, kid: this.keyId }).sign(this.privateKey);
  }

  /**
   * Issues a bound token with upstream's claims: iss, sub `system:serviceaccount:<ns>:<name>`, aud, iat = nbf =
   * now, exp = now + expirationSeconds, jti (unless disabled), and `kubernetes.io`: {namespace, serviceaccount
   * {name, uid}, pod|secret {name, uid}, node {name, uid}, warnafter}. Throws when bound to a secret and to a pod
   * or node at once. Resolves to the token, its claims and its expiry.
   */
  async issueBoundToken(spec: BoundTokenSpec): Promise<{ token: string; claims: Record<string, unknown>; expiration: Date }> {
    if (spec.secret && (spec.pod || spec.node)) throw new Error('internal error, token can only be bound to one object type');
    const meta = spec.serviceAccount.metadata ?? {};
    const namespace = String(meta.namespace ?? '');
    const name = String(meta.name ?? '');
    const now = Math.floor(this.now().getTime() / 1000);
    const k8s: Record<string, unknown> = {
      namespace,
      serviceaccount: refClaim({ name, uid: meta.uid ? String(meta.uid) : '' }),
    };
    if (spec.pod) k8s.pod = refClaim(spec.pod);
    if (spec.secret) k8s.secret = refClaim(spec.secret);
    if (spec.node) k8s.node = refClaim(spec.node);
    if (spec.warnAfterSeconds) k8s.warnafter = now + spec.warnAfterSeconds;
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: makeServiceAccountUsername(namespace, name),
      aud: [...spec.audiences],
      exp: now + spec.expirationSeconds,
      iat: now,
      nbf: now,
      'kubernetes.io': k8s,
    };
    if (this.jti) claims.jti = randomUUID();
    return { token: await this.sign(claims), claims, expiration: new Date((now + spec.expirationSeconds) * 1000) };
  }

  /**
   * Issues a legacy secret-based token (no expiry, no audience): iss `kubernetes/serviceaccount`, sub, and the
   * `kubernetes.io/serviceaccount/{namespace,secret.name,service-account.name,service-account.uid}` claims.
   * The token must then be stored as the secret's `data.token` for it to authenticate.
   */
  async issueLegacyToken(serviceAccount: Obj, secretName: string): Promise<string> {
    const meta = serviceAccount.metadata ?? {};
    const namespace = String(meta.namespace ?? '');
    const name = String(meta.name ?? '');
    return this.sign({
      iss: LEGACY_SERVICE_ACCOUNT_ISSUER,
      sub: makeServiceAccountUsername(namespace, name),
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': name,
      'kubernetes.io/serviceaccount/service-account.uid': String(meta.uid ?? ''),
    });
  }
}

// ---- authenticating ------------------------------------------------------------------------------------------------

/** Options of a {@link ServiceAccountTokenAuthenticator}. */
export interface ServiceAccountAuthenticatorOptions {
  /** Verification keys: KeyObjects (private ones are reduced to their public half) or PEM text. */
  publicKeys: readonly (KeyObject | string)[];
  /** Reads service accounts, pods, secrets and nodes (group '') for the liveness checks. */
  reader: ObjectReader;
  /** Accepted `iss` of bound tokens (default [{@link DEFAULT_SERVICE_ACCOUNT_ISSUER}]). */
  issuers?: readonly string[];
  /** The apiserver's audiences (`--api-audiences`, default the issuers): a token must name one of them. */
  apiAudiences?: readonly string[];
  /** Accept legacy secret-based tokens (default true). */
  legacy?: boolean;
  now?: () => Date;
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function goQuotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function numericDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}


/**
 * Verifies service-account JWTs, as upstream's JWT token authenticator with its two validators:
 * - tokens whose `iss` is neither a configured issuer nor `kubernetes/serviceaccount` (or that are not JWTs) are
 *   not recognised: undefined;
 * - the signature must verify with one of the keys, and the token audiences (the apiserver audiences when it has
 *   none) must intersect the apiserver audiences;
 * - bound tokens: exp/nbf/iat checked with a 60 s leeway; the service account must exist with the claimed uid; a
 *   pod-, secret- or node-bound token is invalid once that object is gone, has another uid, or was marked for
 *   deletion more than 60 s ago;
 * - legacy tokens: the claims must be complete and `sub` consistent; the secret must exist, not be deleting, not be
 *   labelled `kubernetes.io/legacy-token-invalid-since`, hold this token in `data.token` and carry the service
 *   account's uid in its `kubernetes.io/service-account.uid` annotation; the service account must exist with the
 *   claimed uid.
 * Invalid recognised tokens throw an Error with upstream's message.
 */
export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  private readonly keys: Array<{ key: KeyObject; kid: string }>;
  private readonly reader: ObjectReader;
  private readonly issuers: ReadonlySet<string>;
  private readonly apiAudiences: readonly string[];
  private readonly legacy: boolean;
  private readonly now: () => Date;

  constructor(opts: ServiceAccountAuthenticatorOptions) {
    this.keys = toPublicKeys(opts.publicKeys).map((key) => ({ key, kid: serviceAccountKeyId(key) }));
    this.reader = opts.reader;
    const issuers = opts.issuers && opts.issuers.length > 0 ? opts.issuers : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
    this.issuers = new Set(issuers);
    this.apiAudiences = opts.apiAudiences && opts.apiAudiences.length > 0 ? opts.apiAudiences : issuers;
    this.legacy = opts.legacy ?? true;
    this.now = opts.now ?? (() => new Date());
  }

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const info = await this.validate(token);
    return info && serviceAccountUserInfo(info);
  }

  /** As {@link authenticateToken}, resolving to the token's {@link ServiceAccountInfo}. */
  async validate(token: string): Promise<ServiceAccountInfo | undefined> {
    let iss: string;
    try {
      iss = str(decodeJwt(token).iss);
    } catch {
      return undefined;
    }
    const isLegacy = iss === LEGACY_SERVICE_ACCOUNT_ISSUER;
    if (isLegacy ? !this.legacy : !this.issuers.has(iss)) return undefined;

    const claims = await this.verifySignature(token);
    const aud = claims.aud;
    let tokenAudiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
    if (tokenAudiences.length === 0) tokenAudiences = [...this.apiAudiences];
    if (!tokenAudiences.some((a) => this.apiAudiences.includes(a))) {
      throw new Error(`token audiences ${goQuotedList(tokenAudiences)} is invalid for the target audiences ${goQuotedList(this.apiAudiences)}`);
    }
    return isLegacy ? this.validateLegacy(token, claims) : this.validateBound(claims);
  }

  private async verifySignature(token: string): Promise<Record<string, unknown>> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new Error('invalid token header');
    }
    // Keys with the token's kid first, then the others.
    const ordered = kid ? [...this.keys.filter((k) => k.kid === kid), ...this.keys.filter((k) => k.kid !== kid)] : this.keys;
    const errs: string[] = [];
    for (const { key } of ordered) {
      try {
        const { payload } = await compactVerify(token, key, { algorithms: ACCEPTED_ALGORITHMS });
        const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
        if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('invalid claims');
        return claims as Record<string, unknown>;
      } catch (err) {
        errs.push(err instanceof Error ? err.message : String(err));
      }
    }
    throw new Error(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  }

  /** True when the object's deletionTimestamp is older than now - leeway. */
  private deletedBefore(obj: Obj, nowMs: number): boolean {
    const ts = obj.metadata?.deletionTimestamp;
    if (!ts) return false;
    const t = Date.parse(String(ts));
    return !Number.isNaN(t) && t < nowMs - LEEWAY_SECONDS * 1000;
  }

  private validateBound(claims: Record<string, unknown>): ServiceAccountInfo {
    const nowMs = this.now().getTime();
    const now = nowMs / 1000;
    const nbf = numericDate(claims.nbf);
    const exp = numericDate(claims.exp);
    const iat = numericDate(claims.iat);
    if (nbf !== undefined && now + LEEWAY_SECONDS < nbf) throw new Error('service account token is not valid yet');
    if (exp !== undefined && now - LEEWAY_SECONDS > exp) throw new Error('service account token has expired');
    if (iat !== undefined && now + LEEWAY_SECONDS < iat) throw new Error('service account token is issued in the future');

    const k8s = claims['kubernetes.io'];
    if (k8s === null || typeof k8s !== 'object') throw new Error('service account token claims could not be validated due to unexpected private claim');
    const priv = k8s as Record<string, any>;
    const namespace = str(priv.namespace);
    const saRef = { name: str(priv.serviceaccount?.name), uid: str(priv.serviceaccount?.uid) };
    const ref = (v: unknown): { name: string; uid: string } | undefined =>
      v !== null && typeof v === 'object' ? { name: str((v as any).name), uid: str((v as any).uid) } : undefined;
    const podRef = ref(priv.pod);
    const secretRef = ref(priv.secret);
    const nodeRef = ref(priv.node);

    const sa = this.reader.get('', 'serviceaccounts', namespace, saRef.name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, saRef.name);
    if (str(sa.metadata?.uid) !== saRef.uid) throw new Error(`service account UID (${str(sa.metadata?.uid)}) does not match claim (${saRef.uid})`);
    if (this.deletedBefore(sa, nowMs)) throw new Error(`service account ${namespace}/${saRef.name} has been deleted`);

    if (secretRef) {
      const secret = this.reader.get('', 'secrets', namespace, secretRef.name);
      if (!secret) throw new Error('service account token has been invalidated');
      if (str(secret.metadata?.uid) !== secretRef.uid) {
        throw new Error(`secret UID (${str(secret.metadata?.uid)}) does not match service account secret ref claim (${secretRef.uid})`);
      }
      if (this.deletedBefore(secret, nowMs)) throw new Error('service account token has been invalidated');
    }

    const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
    if (podRef) {
      const pod = this.reader.get('', 'pods', namespace, podRef.name);
      if (!pod) throw new Error('service account token has been invalidated');
      if (str(pod.metadata?.uid) !== podRef.uid) {
        throw new Error(`pod UID (${str(pod.metadata?.uid)}) does not match service account pod ref claim (${podRef.uid})`);
      }
      if (this.deletedBefore(pod, nowMs)) throw new Error('service account token has been invalidated');
      info.podName = podRef.name;
      info.podUID = podRef.uid;
    }

    if (nodeRef) {
      if (!podRef) {
        // A node-bound token lives as long as its node.
        const node = this.reader.get('', 'nodes', '', nodeRef.name);
        if (!node) throw new Error('service account token has been invalidated');
        if (str(node.metadata?.uid) !== nodeRef.uid) {
          throw new Error(`node UID (${str(node.metadata?.uid)}) does not match service account node ref claim (${nodeRef.uid})`);
        }
        if (this.deletedBefore(node, nowMs)) throw new Error('service account token has been invalidated');
      }
      if (nodeRef.name) info.nodeName = nodeRef.name;
      if (nodeRef.uid) info.nodeUID = nodeRef.uid;
    }

    const jti = str(claims.jti);
    if (jti) info.credentialId = `JTI=${jti}`;
    return info;
  }

  private validateLegacy(token: string, claims: Record<string, unknown>): ServiceAccountInfo {
    const sub = str(claims.sub);
    if (!sub) throw new Error('sub claim is missing');
    const namespace = str(claims['kubernetes.io/serviceaccount/namespace']);
    if (!namespace) throw new Error('namespace claim is missing');
    const secretName = str(claims['kubernetes.io/serviceaccount/secret.name']);
    if (!secretName) throw new Error('secretName claim is missing');
    const saName = str(claims['kubernetes.io/serviceaccount/service-account.name']);
    if (!saName) throw new Error('serviceAccountName claim is missing');
    const saUID = str(claims['kubernetes.io/serviceaccount/service-account.uid']);
    if (!saUID) throw new Error('serviceAccountUID claim is missing');
    const subject = splitServiceAccountUsername(sub);
    if (!subject || subject.namespace !== namespace || subject.name !== saName) throw new Error('sub claim is invalid');

    const secret = this.reader.get('', 'secrets', namespace, secretName);
    if (!secret || secret.metadata?.deletionTimestamp) throw new Error('Token has been invalidated');
    const stored = typeof secret.data?.token === 'string' ? Buffer.from(secret.data.token, 'base64').toString('utf8') : '';
    if (!constantTimeEqual(stored, token)) throw new Error("Token does not match server's copy");
    if (str(secret.metadata?.annotations?.[SA_UID_ANNOTATION]) !== saUID) throw new Error('Token has been invalidated');

    const sa = this.reader.get('', 'serviceaccounts', namespace, saName);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, saName);
    if (sa.metadata?.deletionTimestamp) throw new Error(`ServiceAccount ${namespace}/${saName} has been deleted`);
    if (str(sa.metadata?.uid) !== saUID) throw new Error(`ServiceAccount UID (${str(sa.metadata?.uid)}) does not match claim (${saUID})`);

    if (secret.metadata?.labels?.[LEGACY_INVALID_SINCE_LABEL]) {
      throw new Error(
        `the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '${LEGACY_INVALID_SINCE_LABEL}' label from the secret to temporarily allow use of this token`,
      );
    }
    return { namespace, name: saName, uid: saUID };
  }
}

// ---- TokenRequest --------------------------------------------------------------------------------------------------

/** What the `serviceaccounts/token` subresource needs. */
export interface TokenRequestOptions {
  issuer: TokenIssuer;
  /** Reads the bound pods, secrets and nodes. */
  reader: ObjectReader;
  /** The apiserver's audiences: the default `spec.audiences`. */
  apiAudiences: readonly string[];
  /** `--service-account-max-token-expiration` in seconds; 0 or absent for no cap. */
  maxExpirationSeconds?: number;
  /** `--service-account-extend-token-expiration` (default true): kubelet's 3607 s pod-bound tokens last a year. */
  extendExpiration?: boolean;
  /** Receives warnings for the client (e.g. a shortened expiration). */
  warnings?: string[];
  now?: () => Date;
}

const TOKEN_REQUEST_GK = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
const MIN_TOKEN_SECONDS = 10 * 60;
const MAX_TOKEN_SECONDS = 2 ** 32;

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The `create` of `serviceaccounts/<name>/token`, as upstream's TokenREST: `serviceAccount` is the (existing)
 * ServiceAccount named in the URL, `request` the authentication.k8s.io/v1 TokenRequest body. Checks that a
 * metadata.name/namespace in the body match the service account (422), defaults `spec.audiences` to the API
 * audiences and `spec.expirationSeconds` to 3600, validates expirationSeconds (>= 600 and <= 2^32, else 422
 * `TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: ...`), resolves
 * `spec.boundObjectRef` (Pod running as this service account, Secret, or Node; 404 when absent, 409 when its uid
 * differs, 400 for other kinds), caps the expiration at `maxExpirationSeconds` (with a warning), then signs. A
 * pod-bound token also names the pod's node. Resolves to the TokenRequest with metadata filled in and
 * `status.token` / `status.expirationTimestamp`.
 */
export async function tokenRequest(opts: TokenRequestOptions, serviceAccount: Obj, request: Obj): Promise<Obj> {
  const namespace = str(serviceAccount.metadata?.namespace);
  const name = str(serviceAccount.metadata?.name);
  const req = structuredClone(request ?? {}) as Obj;
  req.apiVersion = 'authentication.k8s.io/v1';
  req.kind = 'TokenRequest';
  req.metadata = req.metadata && typeof req.metadata === 'object' ? req.metadata : {};
  req.spec = req.spec && typeof req.spec === 'object' ? req.spec : {};

  if (req.metadata.name && req.metadata.name !== name) {
    throw invalid(TOKEN_REQUEST_GK, name, [field.invalid('metadata.name', req.metadata.name, 'must match the service account name if specified')]);
  }
  if (req.metadata.namespace && req.metadata.namespace !== namespace) {
    throw invalid(TOKEN_REQUEST_GK, name, [field.invalid('metadata.namespace', req.metadata.namespace, 'must match the service account namespace if specified')]);
  }

  const spec = req.spec as Obj;
  if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [...opts.apiAudiences];
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = 3600;
  req.metadata.name ||= name;
  req.metadata.namespace ||= namespace;
  const nowMs = (opts.now ?? (() => new Date()))().getTime();
  req.metadata.creationTimestamp = rfc3339(nowMs);
  delete req.status;

  const exp = spec.expirationSeconds;
  const errs: FieldError[] = [];
  if (typeof exp !== 'number' || !Number.isInteger(exp)) errs.push(field.invalid('spec.expirationSeconds', exp, 'must be an integer'));
  else {
    if (exp < MIN_TOKEN_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
    if (exp > MAX_TOKEN_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  }
  if (errs.length > 0) throw invalid(TOKEN_REQUEST_GK, '', errs);

  let pod: BoundRef | undefined;
  let secret: BoundRef | undefined;
  let node: BoundRef | undefined;
  const ref = spec.boundObjectRef as Obj | undefined | null;
  if (ref) {
    const apiVersion = str(ref.apiVersion);
    const kind = str(ref.kind);
    const slash = apiVersion.indexOf('/');
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    const refName = str(ref.name);
    const get = (resource: string, ns: string): Obj => {
      if (!refName) throw badRequest('resource name may not be empty');
      const obj = opts.reader.get('', resource, ns, refName);
      if (!obj) throw notFound({ group: '', resource }, refName);
      return obj;
    };
    let uid: string;
    if (group === '' && kind === 'Pod') {
      const p = get('pods', namespace);
      if (str(p.spec?.serviceAccountName) !== name) {
        throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      }
      uid = str(p.metadata?.uid);
      pod = { name: refName, uid };
      const nodeName = str(p.spec?.nodeName);
      if (nodeName) {
        const n = opts.reader.get('', 'nodes', '', nodeName);
        node = n ? { name: nodeName, uid: str(n.metadata?.uid) } : { name: nodeName };
      }
    } else if (group === '' && kind === 'Node') {
      const n = get('nodes', '');
      uid = str(n.metadata?.uid);
      node = { name: refName, uid };
    } else if (group === '' && kind === 'Secret') {
      const s = get('secrets', namespace);
      uid = str(s.metadata?.uid);
      secret = { name: refName, uid };
    } else {
      throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw conflict(
        { group, resource: kind },
        refName,
        `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
  }

  const max = opts.maxExpirationSeconds ?? 0;
  if (max > 0 && spec.expirationSeconds > max) {
    opts.warnings?.push(`requested expiration of ${spec.expirationSeconds} seconds shortened to ${max} seconds`);
    spec.expirationSeconds = max;
  }

  let lifetime: number = spec.expirationSeconds;
  let warnAfter = 0;
  const kubeAudiences = (spec.audiences as unknown[]).every((a) => typeof a === 'string' && opts.apiAudiences.includes(a));
  if ((opts.extendExpiration ?? true) && pod && lifetime === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && kubeAudiences) {
    warnAfter = lifetime;
    lifetime = EXPIRATION_EXTENSION_SECONDS;
  }

  const { token } = await opts.issuer.issueBoundToken({
    serviceAccount,
    audiences: spec.audiences as string[],
    expirationSeconds: lifetime,
    pod,
    secret,
    node,
    warnAfterSeconds: warnAfter,
  });
  req.status = { token, expirationTimestamp: rfc3339(nowMs + spec.expirationSeconds * 1000) };
  return req;
}

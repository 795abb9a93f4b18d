// Builds the apiserver's request chain from its SecurityOptions: authenticators, authorizers and admission plugins, in upstream order.
import type { AdmissionPlugin, ObjectAccess } from './access.js';
import type { Authenticator, Authorizer, UserInfo } from './authn.js';
import {
  BootstrapTokenAuthenticator,
  ServiceAccountTokenAuthenticator,
  TokenIssuer,
  anonymousAuthenticator,
  bearerTokenAuthenticator,
  ensureServiceAccountKey,
  loadTokenFile,
  withAuthenticatedGroup,
  type TokenAuthenticator,
} from './authn/index.js';
import { nodeAuthorizer, nodeRestriction } from './nodeauthz/index.js';
import { limitRangerPlugin } from './admission/limitranger.js';
import { serviceAccountPlugin } from './admission/serviceaccount.js';
import { podSecurityPlugin } from './admission/podsecurity/index.js';
import { priorityPlugin } from './admission/priority.js';
import { defaultTolerationSecondsPlugin } from './admission/defaulttolerationseconds.js';
import { taintNodesByConditionPlugin } from './admission/taintnodesbycondition.js';
import { defaultStorageClassPlugin } from './admission/defaultstorageclass.js';
import { certificateApprovalPlugin, certificateSigningPlugin, certificateSubjectRestrictionPlugin, type AuthorizeFn } from './admission/certificates.js';
import { alwaysAllow } from './authn.js';

/**
 * Admission plugins kubets implements, in upstream's fixed order (AllOrderedPlugins restricted to them). The
 * order of `--enable-admission-plugins` does not matter, as upstream.
 */
export const ADMISSION_ORDER: readonly string[] = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'ResourceQuota',
];

/** Enabled unless disabled (upstream's defaults among the plugins above, plus NodeRestriction as kubeadm and k3s enable it). */
export const DEFAULT_ADMISSION: readonly string[] = ADMISSION_ORDER;

/**
 * The plugin names to run, in order: the defaults plus `enable`, minus `disable`. Throws an Error naming an
 * unknown plugin (kubets does not implement every upstream plugin; an unknown name is a startup error, never
 * silently ignored).
 */
export function admissionPluginNames(enable: readonly string[] = [], disable: readonly string[] = []): string[] {
  for (const n of [...enable, ...disable]) {
    if (!ADMISSION_ORDER.includes(n)) throw new Error(`admission plugin "${n}" is not known (kubets implements: ${ADMISSION_ORDER.join(', ')})`);
  }
  const on = new Set([...DEFAULT_ADMISSION, ...enable]);
  for (const n of disable) on.delete(n);
  return ADMISSION_ORDER.filter((n) => on.has(n));
}

/** What the chain is built from. */
export interface SecurityInputs {
  dataDir: string;
  objects: ObjectAccess;
  anonymousAuth: boolean;
  tokenAuthFile?: string;
  authorizationModes: readonly string[];
  admissionPlugins: readonly string[];
  serviceAccountIssuer: string;
  apiAudiences: readonly string[];
  /** Plugins the server provides itself (NamespaceLifecycle, ResourceQuota), by name. */
  serverPlugins: Readonly<Record<string, AdmissionPlugin>>;
  /** Authorizers the server provides itself (RBAC), by mode name. */
  serverAuthorizers: Readonly<Record<string, Authorizer>>;
  /**
   * The server's whole authorizer chain, for plugins that authorize (CertificateApproval, CertificateSigning);
   * absent: system:masters, then the authorizers built here.
   */
  authorize?: AuthorizeFn;
}

/** The built chain. */
export interface SecurityChain {
  /** After x509 (which the server always puts first). */
  authenticators: Authenticator[];
  authorizers: Authorizer[];
  admission: AdmissionPlugin[];
  tokenIssuer: TokenIssuer;
  /** Token authenticators for TokenReview, given the audiences the review asks for. */
  reviewToken(token: string, audiences: readonly string[]): Promise<{ user: UserInfo; audiences: readonly string[] } | undefined>;
}

/**
 * Builds authenticators (bearer tokens: static file, bootstrap tokens, service-account JWTs; then anonymous when
 * enabled), authorizers (per `authorizationModes`: Node, RBAC, AlwaysAllow) and the admission chain. Creates the
 * service-account signing key under `dataDir/tls` on first use. Throws on a bad token file or unknown mode.
 */
export async function buildSecurity(inp: SecurityInputs): Promise<SecurityChain> {
  const key = await ensureServiceAccountKey(inp.dataDir);
  const issuer = inp.serviceAccountIssuer;
  const audiences = inp.apiAudiences.length ? inp.apiAudiences : [issuer];
  const tokenIssuer = new TokenIssuer(key.privateKey, { issuer });
  const saAuth = (aud: readonly string[]) => new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: inp.objects, issuers: [issuer], apiAudiences: aud });
  // Token file and bootstrap tokens do not depend on audiences; service-account tokens do (TokenReview asks for its own).
  const audienceFree: TokenAuthenticator[] = [];
  if (inp.tokenAuthFile) audienceFree.push(loadTokenFile(inp.tokenAuthFile));
  audienceFree.push(new BootstrapTokenAuthenticator(inp.objects));
  const tokenAuths: TokenAuthenticator[] = [...audienceFree, saAuth(audiences)];
  const authenticators: Authenticator[] = [bearerTokenAuthenticator([cachingTokenAuthenticator(tokenAuths, TOKEN_SUCCESS_CACHE_TTL_MS)])];
  if (inp.anonymousAuth) authenticators.push(anonymousAuthenticator);

  const authorizers: Authorizer[] = [];
  for (const m of inp.authorizationModes) {
    if (m === 'Node') authorizers.push(nodeAuthorizer(inp.objects));
    else if (m === 'AlwaysAllow') authorizers.push(alwaysAllow);
    else if (inp.serverAuthorizers[m]) authorizers.push(inp.serverAuthorizers[m]!);
    else throw new Error(`authorization mode "${m}" is not available`);
  }

  const authorize: AuthorizeFn =
    inp.authorize ??
    (async (attrs) => {
      if (attrs.user.groups.includes('system:masters')) return { allowed: true };
      for (const a of authorizers) {
        const d = await a.authorize(attrs);
        if (d.allowed) return { allowed: true };
        if (d.denied) return { allowed: false };
      }
      return { allowed: false };
    });
  const factories: Record<string, () => AdmissionPlugin> = {
    LimitRanger: () => limitRangerPlugin(inp.objects),
    ServiceAccount: () => waitForDefaultServiceAccount(serviceAccountPlugin(inp.objects)),
    NodeRestriction: () => nodeRestriction(inp.objects),
    TaintNodesByCondition: () => taintNodesByConditionPlugin(),
    PodSecurity: () => podSecurityPlugin(inp.objects, { onAuditAnnotations: (req, ann) => Object.entries(ann).forEach(([k, v]) => req.annotate?.(k, v)) }),
    Priority: () => priorityPlugin(inp.objects),
    DefaultTolerationSeconds: () => defaultTolerationSecondsPlugin(),
    DefaultStorageClass: () => defaultStorageClassPlugin(inp.objects),
    CertificateApproval: () => certificateApprovalPlugin(authorize),
    CertificateSigning: () => certificateSigningPlugin(authorize),
    CertificateSubjectRestriction: () => certificateSubjectRestrictionPlugin(),
  };
  const admission: AdmissionPlugin[] = [];
  for (const n of inp.admissionPlugins) {
    const p = inp.serverPlugins[n] ?? factories[n]?.();
    if (!p) throw new Error(`admission plugin "${n}" is not available`);
    admission.push(p);
  }

  return {
    authenticators,
    authorizers,
    admission,
    tokenIssuer,
    async reviewToken(token, aud) {
      const want = aud.length ? aud : audiences;
      const candidates: TokenAuthenticator[] = [...audienceFree, saAuth(want)];
      for (const a of candidates) {
        const u = await a.authenticateToken(token).catch(() => undefined);
        if (u) return { user: withAuthenticatedGroup(u), audiences: [...want] };
      }
      return undefined;
    },
  };
}

/**
 * As upstream's ServiceAccount plugin: a pod in a namespace whose `default` ServiceAccount does not exist yet
 * (the namespace was created a moment ago and the serviceaccount controller has not caught up) waits for it, up
 * to 10 tries 200 ms apart, before being refused.
 */
export function waitForDefaultServiceAccount(p: AdmissionPlugin, tries = 10, intervalMs = 200): AdmissionPlugin {
  if (!p.admit) return p;
  const admit = p.admit.bind(p);
  return {
    ...p,
    name: p.name,
    ...(p.handles ? { handles: p.handles.bind(p) } : {}),
    ...(p.validate ? { validate: p.validate.bind(p) } : {}),
    async admit(req) {
      for (let i = 0; ; i++) {
        try {
          return await admit(req);
        } catch (e) {
          const missingDefault = e instanceof Error && /serviceaccount "default" not found/.test(e.message);
          if (!missingDefault || i + 1 >= tries) throw e;
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      }
    },
  };
}

/** How long a successful token authentication is reused (kube-apiserver's token success cache TTL). */
export const TOKEN_SUCCESS_CACHE_TTL_MS = 10_000;

/**
 * As kube-apiserver's cached token authenticator: the union of `inner` (first that accepts wins; errors count as
 * "not accepted"), with successes cached for `ttlMs` by a SHA-256 of the token, so a service-account JWT is
 * verified (an RSA signature check and liveness lookups) once per TTL rather than on every request. Failures are
 * not cached. A revoked token therefore keeps working for at most `ttlMs`, as upstream.
 */
export function cachingTokenAuthenticator(inner: readonly TokenAuthenticator[], ttlMs: number, now: () => number = Date.now): TokenAuthenticator {
  const cache = new Map<string, { user: UserInfo; until: number }>();
  return {
    async authenticateToken(token) {
      // Keyed by the token itself: a Map lookup hashes the string in V8, far cheaper than a sha256 per request
      // (which had been most of a service account's extra cost per GET). The tokens live in this process's
      // memory either way while requests carry them; the map is bounded and entries expire.
      const key = token;
      const t = now();
      const hit = cache.get(key);
      if (hit && hit.until > t) return hit.user;
      if (hit) cache.delete(key);
      for (const a of inner) {
        const u = await a.authenticateToken(token).catch(() => undefined);
        if (u) {
          if (cache.size >= 10_000) cache.clear();
          cache.set(key, { user: u, until: t + ttlMs });
          return u;
        }
      }
      return undefined;
    },
  };
}

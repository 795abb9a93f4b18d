// The authentication seam: who is making a request. Issue 4 adds tokens and service accounts behind the same interface.
import type { TLSSocket } from 'node:tls';
import type { Req } from './http.js';

/** An authenticated identity, as upstream's user.Info. */
export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

const userKeys = new WeakMap<UserInfo, string>();

/**
 * A string naming everything about `user` a decision can depend on (name, groups, extra), for per-user caches
 * (RBAC decisions, APF classifications). Memoised per object: authenticators hand out the same UserInfo for a
 * cached token or certificate, which is treated as immutable once authenticated.
 */
export function userCacheKey(user: UserInfo): string {
  let k = userKeys.get(user);
  if (k === undefined) {
    k = `${user.name}\0${user.groups.join('\x01')}\0${user.extra ? JSON.stringify(user.extra) : ''}`;
    userKeys.set(user, k);
  }
  return k;
}

/**
 * Authenticates a request. Returns the user, `undefined` when this authenticator does not recognise the request
 * (the next one is tried), or throws a StatusError (401) for credentials that are present but invalid.
 */
export interface Authenticator {
  authenticate(req: Req): UserInfo | undefined | Promise<UserInfo | undefined>;
}

/**
 * x509 client certificates verified by the TLS layer against the cluster CA (the server requests a certificate
 * and checks it against the client CA; `socket.authorized` says it did): CN is the user name, O entries the groups.
 */
const usersBySocket = new WeakMap<object, UserInfo | null>();

export const x509Authenticator: Authenticator = {
  authenticate(req) {
    const socket = req.socket as TLSSocket;
    if (!socket || typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
    // One TLS connection carries one certificate: parse it once per connection. Over HTTP/2 `req.socket` is
    // a new proxy per stream, so the session (one per connection) is the key there.
    const key: object = (req as { stream?: { session?: object } }).stream?.session ?? socket;
    const cached = usersBySocket.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const user = userFromCertificate(socket);
    usersBySocket.set(key, user ?? null);
    return user;
  },
};

function userFromCertificate(socket: TLSSocket): UserInfo | undefined {
  {
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.subject) return undefined;
    const cn = cert.subject.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return undefined;
    const o = cert.subject.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { name, groups: [...groups, 'system:authenticated'] };
  }
}

/** Tries each authenticator in order; the first user found wins. */
export async function authenticate(chain: readonly Authenticator[], req: Req): Promise<UserInfo | undefined> {
  for (const a of chain) {
    const u = await a.authenticate(req);
    if (u) return u;
  }
  return undefined;
}

/** What an authorizer decides on. */
export interface AuthorizationAttributes {
  readonly user: UserInfo;
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  /** The object's name; for list/watch with a `metadata.name=` field selector, that name (as upstream). */
  readonly name: string;
  /** The request's raw `fieldSelector` / `labelSelector` (list, watch, deletecollection), when given. */
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

/**
 * An authorizer's decision, as upstream's Decision: `allowed` true = Allow; `denied` true = an explicit Deny (no
 * later authorizer may allow); neither = NoOpinion (the next authorizer decides; `noOpinion` may say so
 * explicitly). `reason` is appended to the 403 message when every authorizer passed.
 */
export interface AuthorizationDecision {
  allowed: boolean;
  denied?: boolean;
  noOpinion?: boolean;
  reason?: string;
}

/** The authorization seam: the server asks each configured authorizer in order (Node, RBAC, ...). */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationDecision> | AuthorizationDecision;
}

/** Allows every authenticated request (until RBAC lands). */
export const alwaysAllow: Authorizer = { authorize: () => ({ allowed: true }) };

// Bearer-token authentication: reads `Authorization: Bearer <token>` and asks each token authenticator in turn.
import { unauthorized } from '../../apimachinery/index.js';
import type { Authenticator, UserInfo } from '../authn.js';
import type { Req } from '../http.js';

/**
 * Checks one bearer token. Resolves to the user when the token is recognised and valid, to `undefined` when the
 * token is not one this authenticator knows; throws (any Error) when it recognises the token but finds it invalid
 * (expired, revoked...). Users are returned as upstream's token authenticators return them, without the
 * `system:authenticated` group: {@link bearerTokenAuthenticator} adds it.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string): Promise<UserInfo | undefined>;
}

export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

/**
 * The bearer token in the request's Authorization header, as upstream's bearertoken authenticator finds it:
 * the scheme is matched case-insensitively, the token is the second whitespace-separated field. `undefined` when
 * the header is absent, another scheme (e.g. Basic), or has no token. `?access_token=` is not read (upstream
 * dropped it).
 */
export function bearerToken(req: Pick<Req, 'headers'>): string | undefined {
  const raw = req.headers['authorization'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  // By hand rather than a regular-expression split: the header of a service-account token is ~1 KB, on every request.
  const n = value.length;
  let i = 0;
  while (i < n && isSpace(value.charCodeAt(i))) i++;
  const schemeStart = i;
  while (i < n && !isSpace(value.charCodeAt(i))) i++;
  if (i - schemeStart !== 6 || value.slice(schemeStart, i).toLowerCase() !== 'bearer') return undefined;
  while (i < n && isSpace(value.charCodeAt(i))) i++;
  const tokenStart = i;
  while (i < n && !isSpace(value.charCodeAt(i))) i++;
  return i > tokenStart ? (tokenStart === 7 && i === n ? value.slice(7) : value.slice(tokenStart, i)) : undefined;
}

/** JavaScript's `\s` for the characters a header can hold. */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0;
}

/**
 * Adds `system:authenticated` to a user, as upstream's AuthenticatedGroupAdder: not for `system:anonymous`, and
 * not when the user already has `system:authenticated` or `system:unauthenticated`.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS_USER) return user;
  if (user.groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) return user;
  // The same input (a cached token's user) gives the same output object, so per-user caches downstream hit.
  const have = withGroupMemo.get(user);
  if (have) return have;
  const out = { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
  withGroupMemo.set(user, out);
  return out;
}

const withGroupMemo = new WeakMap<UserInfo, UserInfo>();

/**
 * An Authenticator for bearer tokens. Requests without a bearer token resolve to `undefined` (the next
 * authenticator of the chain is tried). A bearer token is offered to each token authenticator in order; the
 * first user returned wins (with `system:authenticated` added). A token that no authenticator accepts (each
 * returned undefined or threw) is refused with 401 `unauthorized()`: it never falls through to anonymous.
 */
export function bearerTokenAuthenticator(authenticators: readonly TokenAuthenticator[]): Authenticator {
  return {
    async authenticate(req) {
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      for (const a of authenticators) {
        let user: UserInfo | undefined;
        try {
          user = await a.authenticateToken(token);
        } catch {
          continue;
        }
        if (user) return withAuthenticatedGroup(user);
      }
      throw unauthorized();
    },
  };
}

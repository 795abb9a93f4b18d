// Bootstrap tokens (`abcdef.0123456789abcdef`) checked against `bootstrap-token-<id>` Secrets in kube-system.
import { timingSafeEqual } from 'node:crypto';
import type { Obj, ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import type { TokenAuthenticator } from './bearer.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Splits a bootstrap token into id and secret; undefined when it is not of the form `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** A key of a Secret's `data`, base64-decoded ('' when absent or not a string). */
function secretData(secret: Obj, key: string): string {
  const v = secret.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/**
 * The groups of a bootstrap token Secret, as upstream's GetGroups: `system:bootstrappers` plus each entry of the
 * comma-separated `auth-extra-groups`, each of which must match `system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`;
 * sorted and without duplicates. Throws an Error naming the first invalid group.
 */
export function bootstrapGroups(secret: Obj): string[] {
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  const extra = secretData(secret, 'auth-extra-groups');
  if (extra !== '') {
    for (const g of extra.split(',')) {
      if (!GROUP_RE.test(g)) throw new Error(`bootstrap group "${g}" is invalid (must match \\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z)`);
      groups.add(g);
    }
  }
  return [...groups].sort();
}

/**
 * True when the Secret's `expiration` (RFC 3339) is at or before `now`, or cannot be parsed; false when absent.
 */
export function bootstrapTokenExpired(secret: Obj, now: Date): boolean {
  const exp = secretData(secret, 'expiration');
  if (exp === '') return false;
  if (!RFC3339_RE.test(exp)) return true;
  const t = Date.parse(exp.toUpperCase());
  return Number.isNaN(t) || t <= now.getTime();
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent of where they differ.
  if (x.length !== y.length) {
    timingSafeEqual(y, y);
    return false;
  }
  return timingSafeEqual(x, y);
}

/**
 * Authenticates bootstrap tokens as upstream's bootstrap token authenticator. The token `<id>.<secret>` is looked
 * up as the Secret `kube-system/bootstrap-token-<id>` (through `reader`, group '' resource 'secrets'). It is
 * accepted when the Secret is not being deleted, has type `bootstrap.kubernetes.io/token`, its `token-secret`
 * equals the secret part (constant-time) and `token-id` the id, it has not expired, `usage-bootstrap-authentication`
 * is "true" and `auth-extra-groups` is valid. The user is `system:bootstrap:<id>` in {@link bootstrapGroups}.
 * Every failure resolves to undefined (upstream logs and reports "not recognised"), so the bearer authenticator
 * answers 401 when no other authenticator takes the token.
 */
export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  constructor(
    private readonly reader: ObjectReader,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const parsed = parseBootstrapToken(token);
    if (!parsed) return undefined;
    const secret = this.reader.get('', 'secrets', BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_PREFIX + parsed.id);
    if (!secret) return undefined;
    if (secret.metadata?.deletionTimestamp) return undefined;
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !secret.data) return undefined;
    if (!constantTimeEqual(secretData(secret, 'token-secret'), parsed.secret)) return undefined;
    if (secretData(secret, 'token-id') !== parsed.id) return undefined;
    if (bootstrapTokenExpired(secret, this.now())) return undefined;
    if (secretData(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
    let groups: string[];
    try {
      groups = bootstrapGroups(secret);
    } catch {
      return undefined;
    }
    return { name: BOOTSTRAP_USER_PREFIX + parsed.id, groups };
  }
}

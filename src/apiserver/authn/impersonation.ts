// Impersonation: `Impersonate-User`/`-Group`/`-Uid`/`-Extra-*` headers, each checked with the `impersonate` verb.
import { forbidden, internalError } from '../../apimachinery/index.js';
import type { AuthorizationAttributes, Authorizer, UserInfo } from '../authn.js';
import type { Req } from '../http.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER } from './bearer.js';
import { makeServiceAccountUsername, serviceAccountGroups, splitServiceAccountUsername } from './serviceaccount.js';

export const IMPERSONATE_USER_HEADER = 'impersonate-user';
export const IMPERSONATE_GROUP_HEADER = 'impersonate-group';
export const IMPERSONATE_UID_HEADER = 'impersonate-uid';
export const IMPERSONATE_EXTRA_HEADER_PREFIX = 'impersonate-extra-';

/** Request headers by lower-case name; a header sent several times keeps each value (see {@link distinctHeaders}). */
export type ImpersonationHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The request's headers with every occurrence kept apart, from `rawHeaders` (Node joins repeated custom headers
 * with ", " in `req.headers`, which would merge `Impersonate-Group: a` and `Impersonate-Group: b`). Names are
 * lower-cased.
 */
export function distinctHeaders(req: Pick<Req, 'rawHeaders'>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    (out[k] ??= []).push(raw[i + 1]!);
  }
  return out;
}

function values(headers: ImpersonationHeaders, name: string): readonly string[] {
  const v = headers[name];
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** True when the headers ask for any impersonation. */
export function isImpersonating(headers: ImpersonationHeaders): boolean {
  return Object.keys(headers).some(
    (k) => k === IMPERSONATE_USER_HEADER || k === IMPERSONATE_GROUP_HEADER || k === IMPERSONATE_UID_HEADER || k.startsWith(IMPERSONATE_EXTRA_HEADER_PREFIX),
  );
}

/** Go's url.PathUnescape, falling back to the raw key when it is malformed (as upstream's unescapeExtraKey). */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** One thing to impersonate (upstream builds ObjectReferences: kind, namespace, name, apiVersion, fieldPath). */
interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  namespace: string;
  name: string;
  apiVersion: string;
  fieldPath: string;
}

/** Go's `%v` of an ObjectReference: its seven fields in order, space-separated, in braces. */
function goRef(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace, r.name, '', r.apiVersion, '', r.fieldPath].join(' ')}}`;
}

function buildRequests(headers: ImpersonationHeaders): ImpersonationRequest[] {
  const reqs: ImpersonationRequest[] = [];
  const user = values(headers, IMPERSONATE_USER_HEADER)[0] ?? '';
  if (user) {
    const sa = splitServiceAccountUsername(user);
    reqs.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name, apiVersion: '', fieldPath: '' } : { kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' });
  }
  const groups = values(headers, IMPERSONATE_GROUP_HEADER);
  for (const g of groups) reqs.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  let hasExtra = false;
  for (const h of Object.keys(headers)) {
    if (!h.startsWith(IMPERSONATE_EXTRA_HEADER_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(h.slice(IMPERSONATE_EXTRA_HEADER_PREFIX.length).toLowerCase());
    for (const v of values(headers, h)) reqs.push({ kind: 'UserExtra', namespace: '', name: v, apiVersion: 'authentication.k8s.io/v1', fieldPath: key });
  }
  const uid = values(headers, IMPERSONATE_UID_HEADER)[0] ?? '';
  if (uid) reqs.push({ kind: 'UID', namespace: '', name: uid, apiVersion: 'authentication.k8s.io/v1', fieldPath: '' });
  if ((groups.length > 0 || hasExtra || uid) && !user) {
    throw internalError(new Error(`requested [${reqs.map(goRef).join(' ')}] without impersonating a user`));
  }
  return reqs;
}

/** Upstream's responsewriters sanitizer for forbidden messages. */
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The text of a refusal, as upstream's forbiddenMessage for resource requests. */
function forbiddenMessage(a: AuthorizationAttributes): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/**
 * Applies upstream's impersonation filter. Without impersonation headers, resolves to `user` unchanged. Otherwise
 * each requested attribute is authorized for `user` with verb `impersonate` (in header order: user, groups,
 * extras, uid): `Impersonate-User` as resource `users` (or `serviceaccounts` in its namespace for
 * `system:serviceaccount:<ns>:<name>`), each `Impersonate-Group` as `groups`, each `Impersonate-Extra-<key>` value
 * as `userextras/<key>` and `Impersonate-Uid` as `uids` (those two in API group `authentication.k8s.io`). The
 * first refusal throws 403 (`users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API
 * group "" at the cluster scope[: reason]`). Groups, extras or a uid without a user throw 500 as upstream.
 *
 * The resulting user has the requested name, uid, extra and groups; a service account without requested groups
 * gets its service-account groups; `system:authenticated` is added unless the user is `system:anonymous` (which
 * gets `system:unauthenticated`) or the groups already hold either.
 */
export async function impersonate(
  user: UserInfo,
  headers: ImpersonationHeaders,
  authorizer: Authorizer | Authorizer['authorize'],
): Promise<UserInfo> {
  const requests = buildRequests(headers);
  if (requests.length === 0) return user;
  const authorize = typeof authorizer === 'function' ? authorizer : authorizer.authorize.bind(authorizer);
  const groupsSpecified = values(headers, IMPERSONATE_GROUP_HEADER).length > 0;

  let username = '';
  let groups: string[] = [];
  let uid = '';
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const slash = r.apiVersion.indexOf('/');
    let resource: string;
    let subresource = '';
    switch (r.kind) {
      case 'ServiceAccount':
        resource = 'serviceaccounts';
        username = makeServiceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups = serviceAccountGroups(r.namespace);
        break;
      case 'User':
        resource = 'users';
        username = r.name;
        break;
      case 'Group':
        resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        resource = 'userextras';
        subresource = r.fieldPath;
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        resource = 'uids';
        uid = r.name;
        break;
    }
    const attrs: AuthorizationAttributes = {
      user,
      verb: 'impersonate',
      isResourceRequest: true,
      path: '',
      apiGroup: slash >= 0 ? r.apiVersion.slice(0, slash) : '',
      apiVersion: slash >= 0 ? r.apiVersion.slice(slash + 1) : r.apiVersion,
      namespace: r.namespace,
      resource,
      subresource,
      name: r.name,
    };
    let decision: { allowed: boolean; reason?: string };
    try {
      decision = await authorize(attrs);
    } catch (err) {
      decision = { allowed: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (!decision.allowed) {
      const msg = sanitize(forbiddenMessage(attrs));
      throw forbidden({ group: attrs.apiGroup, resource }, r.name, decision.reason ? `${msg}: ${decision.reason}` : msg);
    }
  }

  if (username !== ANONYMOUS_USER) {
    if (!groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  const out: { name: string; uid?: string; groups: string[]; extra?: Record<string, string[]> } = { name: username, groups };
  if (uid) out.uid = uid;
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}

// The review APIs: authorization.k8s.io (SubjectAccessReview and friends) and authentication.k8s.io (TokenReview, SelfSubjectReview).
import { badRequest, field, invalid, type FieldError } from '../apimachinery/index.js';
import type { Obj } from './access.js';
import type { AuthorizationAttributes, UserInfo } from './authn.js';

/** An authorizer's answer as the reviews report it. */
export interface ReviewDecision {
  readonly allowed: boolean;
  /** An explicit deny (no later authorizer could allow). */
  readonly denied?: boolean;
  readonly reason?: string;
  readonly evaluationError?: string;
}

/** Rules a user holds in a namespace, in SelfSubjectRulesReview's status shape. */
export interface RulesResult {
  readonly resourceRules: readonly Obj[];
  readonly nonResourceRules: readonly Obj[];
  readonly incomplete: boolean;
  readonly evaluationError?: string;
}

/** What the reviews need from the server. */
export interface ReviewDeps {
  /** The server's authorizer chain (privileged groups, Node, RBAC ...). */
  authorize(attrs: AuthorizationAttributes): Promise<ReviewDecision>;
  /** The rules `user` holds in `namespace` ('' = cluster-wide only). */
  rulesFor(user: UserInfo, namespace: string): RulesResult;
  /** Authenticates a bearer token for a TokenReview; undefined when no authenticator accepts it. */
  authenticateToken(token: string, audiences: readonly string[]): Promise<{ user: UserInfo; audiences: readonly string[] } | undefined>;
}

/** The kinds `review` answers, by resource. */
export const REVIEW_RESOURCES: Readonly<Record<string, string>> = {
  'authorization.k8s.io/subjectaccessreviews': 'SubjectAccessReview',
  'authorization.k8s.io/localsubjectaccessreviews': 'LocalSubjectAccessReview',
  'authorization.k8s.io/selfsubjectaccessreviews': 'SelfSubjectAccessReview',
  'authorization.k8s.io/selfsubjectrulesreviews': 'SelfSubjectRulesReview',
  'authentication.k8s.io/tokenreviews': 'TokenReview',
  'authentication.k8s.io/selfsubjectreviews': 'SelfSubjectReview',
};

/**
 * Answers one review `create`. `resource` is `group/resource`, `body` the decoded request object, `requester` the
 * authenticated caller, `namespace` the URL namespace (LocalSubjectAccessReview). Returns the object to send back
 * (201 Created, as upstream): the request echoed with `status` filled. Throws 400/422 StatusErrors for malformed
 * requests, with upstream's messages.
 */
export async function review(resource: string, apiVersion: string, body: Obj, requester: UserInfo, namespace: string, deps: ReviewDeps): Promise<Obj> {
  const kind = REVIEW_RESOURCES[resource];
  if (!kind) throw badRequest(`unknown review resource ${resource}`);
  const spec: Obj = body.spec ?? {};
  const out: Obj = { kind, apiVersion, metadata: { ...(body.metadata ?? {}), creationTimestamp: null }, spec, status: {} };
  const group = resource.split('/')[0]!;
  switch (kind) {
    case 'SelfSubjectReview':
      out.status = { userInfo: userInfoJson(requester) };
      delete out.spec;
      return out;
    case 'TokenReview': {
      const token = typeof spec.token === 'string' ? spec.token : '';
      if (!token) throw invalid({ group, kind }, '', [field.required('spec.token', '')]);
      const audiences: string[] = Array.isArray(spec.audiences) ? spec.audiences : [];
      const got = await deps.authenticateToken(token, audiences).catch(() => undefined);
      out.status = got ? { authenticated: true, user: userInfoJson(got.user), audiences: [...got.audiences] } : { user: {}, error: 'token not valid' };
      if (!got) out.status.authenticated = false;
      return out;
    }
    case 'SelfSubjectRulesReview': {
      const ns = typeof spec.namespace === 'string' ? spec.namespace : '';
      const r = deps.rulesFor(requester, ns);
      out.status = { resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: r.incomplete, ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}) };
      return out;
    }
    default: {
      let user: UserInfo;
      if (kind === 'SelfSubjectAccessReview') {
        user = requester;
      } else {
        const errs: FieldError[] = [];
        const groups: string[] = Array.isArray(spec.groups) ? spec.groups : [];
        if (!spec.user && groups.length === 0) errs.push(field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
        if (errs.length) throw invalid({ group, kind }, '', errs);
        user = { name: spec.user ?? '', groups, ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
      }
      const ra: Obj | undefined = spec.resourceAttributes;
      const nra: Obj | undefined = spec.nonResourceAttributes;
      if ((ra ? 1 : 0) + (nra ? 1 : 0) !== 1) {
        throw invalid({ group, kind }, '', [field.invalid('spec.resourceAttributes', ra ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]);
      }
      if (kind === 'LocalSubjectAccessReview') {
        if (!namespace) throw badRequest(`namespace is required on this type: ${namespace}`);
        if ((ra?.namespace ?? '') !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
        out.metadata.namespace = namespace;
      }
      const attrs: AuthorizationAttributes = ra
        ? {
            user,
            verb: ra.verb ?? '',
            isResourceRequest: true,
            path: '',
            apiGroup: ra.group ?? '',
            apiVersion: ra.version ?? '',
            namespace: ra.namespace ?? '',
            resource: ra.resource ?? '',
            subresource: ra.subresource ?? '',
            name: ra.name ?? '',
          }
        : { user, verb: nra!.verb ?? '', isResourceRequest: false, path: nra!.path ?? '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
      const d = await deps.authorize(attrs);
      out.status = { allowed: d.allowed, ...(d.denied ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}), ...(d.evaluationError ? { evaluationError: d.evaluationError } : {}) };
      return out;
    }
  }
}

function userInfoJson(u: UserInfo): Obj {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

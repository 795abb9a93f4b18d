// Tests for impersonation headers.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/index.js';
import type { AuthorizationAttributes, UserInfo } from '../authn.js';
import type { Req } from '../http.js';
import { distinctHeaders, impersonate, isImpersonating, type ImpersonationHeaders } from './impersonation.js';

const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

/** An authorizer that allows `impersonate` on the listed `resource[/subresource]:[namespace/]name` and records every check. */
function allowing(...allowed: string[]) {
  const seen: AuthorizationAttributes[] = [];
  const authorize = (a: AuthorizationAttributes) => {
    seen.push(a);
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const name = a.namespace ? `${a.namespace}/${a.name}` : a.name;
    return { allowed: a.verb === 'impersonate' && (allowed.includes(`${res}:${name}`) || allowed.includes(`${res}:*`)) };
  };
  return { authorize, seen };
}

describe('impersonate: allowed', () => {
  const cases: Array<{ name: string; headers: ImpersonationHeaders; allow: string[]; want: UserInfo }> = [
    { name: 'no headers: unchanged', headers: { accept: 'application/json' }, allow: [], want: bob },
    { name: 'user', headers: { 'impersonate-user': 'jane' }, allow: ['users:jane'], want: { name: 'jane', groups: ['system:authenticated'] } },
    {
      name: 'user and groups',
      headers: { 'impersonate-user': 'jane', 'impersonate-group': ['dev', 'ops'] },
      allow: ['users:jane', 'groups:*'],
      want: { name: 'jane', groups: ['dev', 'ops', 'system:authenticated'] },
    },
    {
      name: 'explicit system:unauthenticated suppresses system:authenticated',
      headers: { 'impersonate-user': 'jane', 'impersonate-group': 'system:unauthenticated' },
      allow: ['users:jane', 'groups:*'],
      want: { name: 'jane', groups: ['system:unauthenticated'] },
    },
    {
      name: 'service account gets its groups',
      headers: { 'impersonate-user': 'system:serviceaccount:kube-system:deployer' },
      allow: ['serviceaccounts:kube-system/deployer'],
      want: { name: 'system:serviceaccount:kube-system:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
    },
    {
      name: 'service account with explicit groups',
      headers: { 'impersonate-user': 'system:serviceaccount:kube-system:deployer', 'impersonate-group': 'g' },
      allow: ['serviceaccounts:kube-system/deployer', 'groups:g'],
      want: { name: 'system:serviceaccount:kube-system:deployer', groups: ['g', 'system:authenticated'] },
    },
    {
      name: 'uid and extras (key unescaped, lower-cased)',
      headers: { 'impersonate-user': 'jane', 'impersonate-uid': '1234', 'impersonate-extra-scopes': ['view', 'edit'], 'impersonate-extra-acme.com%2Fproject': 'p1' },
      allow: ['users:jane', 'uids:1234', 'userextras/scopes:*', 'userextras/acme.com/project:p1'],
      want: { name: 'jane', uid: '1234', groups: ['system:authenticated'], extra: { scopes: ['view', 'edit'], 'acme.com/project': ['p1'] } },
    },
    { name: 'anonymous', headers: { 'impersonate-user': 'system:anonymous' }, allow: ['users:system:anonymous'], want: { name: 'system:anonymous', groups: ['system:unauthenticated'] } },
  ];
  it.each(cases)('$name', async ({ headers, allow, want }) => {
    expect(await impersonate(bob, headers, allowing(...allow).authorize)).toEqual(want);
  });

  it('checks each attribute with upstream attributes', async () => {
    const { authorize, seen } = allowing('serviceaccounts:ns/sa', 'groups:g', 'userextras/k:v', 'uids:u');
    await impersonate(bob, { 'impersonate-user': 'system:serviceaccount:ns:sa', 'impersonate-group': 'g', 'impersonate-extra-k': 'v', 'impersonate-uid': 'u' }, { authorize });
    expect(seen.map((a) => [a.apiGroup, a.apiVersion, a.resource, a.subresource, a.namespace, a.name, a.user.name, a.isResourceRequest])).toEqual([
      ['', '', 'serviceaccounts', '', 'ns', 'sa', 'bob', true],
      ['', '', 'groups', '', '', 'g', 'bob', true],
      ['authentication.k8s.io', 'v1', 'userextras', 'k', '', 'v', 'bob', true],
      ['authentication.k8s.io', 'v1', 'uids', '', '', 'u', 'bob', true],
    ]);
  });
});

describe('impersonate: refused', () => {
  const cases: Array<{ name: string; headers: ImpersonationHeaders; allow: string[]; code: number; message: string; reason?: string }> = [
    {
      name: 'user',
      headers: { 'impersonate-user': 'jane' },
      allow: [],
      code: 403,
      message: 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
    },
    {
      name: 'user, with the authorizer reason',
      headers: { 'impersonate-user': 'jane' },
      allow: [],
      reason: 'no RBAC policy matched',
      code: 403,
      message: 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope: no RBAC policy matched',
    },
    {
      name: 'group',
      headers: { 'impersonate-user': 'jane', 'impersonate-group': 'system:masters' },
      allow: ['users:jane'],
      code: 403,
      message: 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
    },
    {
      name: 'service account',
      headers: { 'impersonate-user': 'system:serviceaccount:ns:sa' },
      allow: [],
      code: 403,
      message: 'serviceaccounts "sa" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns"',
    },
    {
      name: 'extra',
      headers: { 'impersonate-user': 'jane', 'impersonate-extra-scopes': 'admin' },
      allow: ['users:jane'],
      code: 403,
      message: 'userextras.authentication.k8s.io "admin" is forbidden: User "bob" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    },
    {
      name: 'uid',
      headers: { 'impersonate-user': 'jane', 'impersonate-uid': '42' },
      allow: ['users:jane'],
      code: 403,
      message: 'uids.authentication.k8s.io "42" is forbidden: User "bob" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    },
    {
      name: 'groups without a user',
      headers: { 'impersonate-group': 'system:masters' },
      allow: ['groups:*'],
      code: 500,
      message: 'requested [{Group  system:masters    }] without impersonating a user',
    },
    {
      name: 'uid without a user',
      headers: { 'impersonate-uid': '42' },
      allow: ['uids:*'],
      code: 500,
      message: 'requested [{UID  42  authentication.k8s.io/v1  }] without impersonating a user',
    },
  ];
  it.each(cases)('$name', async ({ headers, allow, code, message, reason }) => {
    const { authorize } = allowing(...allow);
    const auth = reason ? (a: AuthorizationAttributes) => ({ ...authorize(a), reason }) : authorize;
    const err = await impersonate(bob, headers, auth).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(code);
    expect((err as StatusError).message).toContain(message);
  });

  it('an authorizer error refuses', async () => {
    const err = await impersonate(bob, { 'impersonate-user': 'jane' }, () => {
      throw new Error('webhook down');
    }).catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(403);
    expect((err as StatusError).message).toMatch(/: webhook down$/);
  });
});

describe('distinctHeaders / isImpersonating', () => {
  it('keeps repeated headers apart', () => {
    const req = { rawHeaders: ['Impersonate-User', 'jane', 'Impersonate-Group', 'a, b', 'impersonate-group', 'c', 'Accept', '*/*'] } as unknown as Req;
    const h = distinctHeaders(req);
    expect(h['impersonate-group']).toEqual(['a, b', 'c']);
    expect(h['impersonate-user']).toEqual(['jane']);
    expect(isImpersonating(h)).toBe(true);
    expect(isImpersonating({ accept: '*/*' })).toBe(false);
    expect(isImpersonating({ 'impersonate-extra-x': 'y' })).toBe(true);
  });
});

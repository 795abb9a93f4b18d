// Escalation prevention: roles need held rules or `escalate`, bindings need the role's rules or `bind`.
import { describe, it, expect } from 'vitest';
import type { AdmissionRequest, Obj, ObjectReader } from '../access.js';
import type { UserInfo } from '../authn.js';
import { StatusError } from '../../apimachinery/index.js';
import { rbacAuthorizer } from './authorizer.js';
import { checkBindingEscalation, checkRoleEscalation, isOnlyMutatingGCFields, rbacEscalationPlugin, type EscalationContext } from './escalation.js';

const G = 'rbac.authorization.k8s.io';

/** Minimal in-memory ObjectReader over frozen objects. */
function memReader(objs: Array<[string, Obj]>): ObjectReader {
  const all = objs.map(([resource, o]) => ({ resource, o: Object.freeze(o) }));
  return {
    get: (group, resource, namespace, name) =>
      group === G ? all.find((x) => x.resource === resource && (x.o.metadata.namespace ?? '') === namespace && x.o.metadata.name === name)?.o : undefined,
    list: (group, resource, namespace) =>
      group === G ? all.filter((x) => x.resource === resource && (!namespace || x.o.metadata.namespace === namespace)).map((x) => x.o) : [],
  };
}

const cr = (name: string, rules: Obj[]): [string, Obj] => ['clusterroles', { metadata: { name }, rules }];
const crb = (name: string, roleName: string, user: string): [string, Obj] => [
  'clusterrolebindings',
  { metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects: [{ kind: 'User', apiGroup: G, name: user }] },
];
const rb = (ns: string, name: string, roleName: string, user: string): [string, Obj] => [
  'rolebindings',
  { metadata: { namespace: ns, name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects: [{ kind: 'User', apiGroup: G, name: user }] },
];

const reader = memReader([
  cr('pod-admin', [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }]),
  cr('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]),
  cr('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]),
  cr('escalator', [{ verbs: ['escalate'], apiGroups: [G], resources: ['roles', 'clusterroles'] }]),
  cr('binder', [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['secret-reader'] }]),
  rb('dev', 'jane-pods', 'pod-admin', 'jane'),
  crb('carl-escalate', 'escalator', 'carl'),
  crb('bea-bind', 'binder', 'bea'),
]);
const authz = rbacAuthorizer(reader);
const user = (name: string, ...groups: string[]): UserInfo => ({ name, groups: [...groups, 'system:authenticated'] });
const ctx = (u: UserInfo): EscalationContext => ({ user: u, authorizer: authz, resolver: authz.resolver });

const binding = (name: string, roleKind: string, roleName: string) => ({
  metadata: { name },
  roleRef: { apiGroup: G, kind: roleKind, name: roleName },
  subjects: [{ kind: 'User', apiGroup: G, name: 'someone' }],
});

async function outcome(p: Promise<void>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (e) {
    if (e instanceof StatusError) return `${e.code} ${e.message}`;
    throw e;
  }
}

const getPods = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }];
const getSecrets = [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }];

describe('checkRoleEscalation', () => {
  it.each<[string, UserInfo, 'roles' | 'clusterroles', string, Obj[], string]>([
    ['holds the rules in the namespace', user('jane'), 'roles', 'dev', getPods, 'allowed'],
    [
      'does not hold the rules',
      user('jane'),
      'roles',
      'dev',
      [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }, { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
      '403 roles.rbac.authorization.k8s.io "r" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    ],
    [
      'holds the rules only in another namespace',
      user('jane'),
      'roles',
      'prod',
      getPods,
      '403 roles.rbac.authorization.k8s.io "r" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    ],
    [
      'namespaced rules do not allow a ClusterRole',
      user('jane'),
      'clusterroles',
      '',
      getPods,
      '403 clusterroles.rbac.authorization.k8s.io "r" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    ],
    ['escalate verb', user('carl'), 'clusterroles', '', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'allowed'],
    ['system:masters', user('root', 'system:masters'), 'clusterroles', '', [{ verbs: ['*'], nonResourceURLs: ['*'] }], 'allowed'],
  ])('%s', async (_n, u, resource, namespace, rules, want) => {
    expect(await outcome(checkRoleEscalation(ctx(u), { resource, namespace, name: 'r', operation: 'CREATE', object: { metadata: { name: 'r', namespace }, rules } }))).toBe(want);
  });

  it('requires everything to set an aggregationRule', async () => {
    const object = { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } };
    expect(await outcome(checkRoleEscalation(ctx(user('jane')), { resource: 'clusterroles', namespace: '', name: 'agg', operation: 'CREATE', object }))).toBe(
      '403 clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
    expect(await outcome(checkRoleEscalation(ctx(user('carl')), { resource: 'clusterroles', namespace: '', name: 'agg', operation: 'CREATE', object }))).toBe('allowed');
  });

  it('lets updates that only touch finalizers and ownerReferences through', async () => {
    const old = { metadata: { name: 'r', resourceVersion: '5' }, rules: getSecrets };
    const object = { metadata: { name: 'r', resourceVersion: '5', finalizers: ['x/y'] }, rules: getSecrets };
    expect(isOnlyMutatingGCFields(object, old)).toBe(true);
    expect(await outcome(checkRoleEscalation(ctx(user('jane')), { resource: 'clusterroles', namespace: '', name: 'r', operation: 'UPDATE', object, oldObject: old }))).toBe('allowed');
    const changed = { ...object, metadata: { ...object.metadata, labels: { a: 'b' } } };
    expect(isOnlyMutatingGCFields(changed, old)).toBe(false);
    expect(await outcome(checkRoleEscalation(ctx(user('jane')), { resource: 'clusterroles', namespace: '', name: 'r', operation: 'UPDATE', object: changed, oldObject: old }))).toMatch(/^403 /);
  });
});

describe('checkBindingEscalation', () => {
  it.each<[string, UserInfo, 'rolebindings' | 'clusterrolebindings', string, Obj, string]>([
    ['holds the bound role in the namespace', user('jane'), 'rolebindings', 'dev', binding('b', 'ClusterRole', 'pod-reader'), 'allowed'],
    [
      'does not hold the bound role',
      user('jane'),
      'rolebindings',
      'dev',
      binding('b', 'ClusterRole', 'secret-reader'),
      '403 rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    ],
    ['holds only namespaced rules: no cluster binding', user('jane'), 'clusterrolebindings', '', binding('b', 'ClusterRole', 'pod-reader'), expect.stringMatching(/^403 clusterrolebindings.rbac.authorization.k8s.io "b" is forbidden: user "jane"/) as unknown as string],
    ['bind verb on the named role', user('bea'), 'clusterrolebindings', '', binding('b', 'ClusterRole', 'secret-reader'), 'allowed'],
    ['bind verb on the named role, in a rolebinding', user('bea'), 'rolebindings', 'ns', binding('b', 'ClusterRole', 'secret-reader'), 'allowed'],
    ['bind verb is limited to its resourceNames', user('bea'), 'clusterrolebindings', '', binding('b', 'ClusterRole', 'pod-admin'), expect.stringMatching(/^403 /) as unknown as string],
    ['missing role', user('jane'), 'rolebindings', 'dev', binding('b', 'ClusterRole', 'nope'), '404 clusterroles.rbac.authorization.k8s.io "nope" not found'],
    ['system:masters', user('root', 'system:masters'), 'clusterrolebindings', '', binding('b', 'ClusterRole', 'nope'), 'allowed'],
  ])('%s', async (_n, u, resource, namespace, object, want) => {
    expect(await outcome(checkBindingEscalation(ctx(u), { resource, namespace, name: 'b', operation: 'CREATE', object }))).toEqual(want);
  });
});

describe('rbacEscalationPlugin', () => {
  const plugin = rbacEscalationPlugin(reader, authz, authz.resolver);
  const req = (o: Partial<AdmissionRequest>): AdmissionRequest => ({
    operation: 'CREATE',
    group: G,
    version: 'v1',
    kind: 'Role',
    resource: 'roles',
    subresource: '',
    namespace: 'dev',
    name: 'r',
    object: { metadata: { name: 'r', namespace: 'dev' }, rules: getSecrets },
    oldObject: undefined,
    user: user('jane'),
    dryRun: false,
    warnings: [],
    ...o,
  });
  it('refuses an escalating role and allows a covered one', async () => {
    expect(plugin.handles?.('DELETE')).toBe(false);
    await expect(plugin.validate!(req({}))).rejects.toThrow(/attempting to grant RBAC permissions not currently held/);
    await expect(plugin.validate!(req({ object: { metadata: { name: 'r', namespace: 'dev' }, rules: getPods } }))).resolves.toBeUndefined();
  });
  it('checks bindings', async () => {
    const object = { ...binding('b', 'ClusterRole', 'secret-reader'), metadata: { name: 'b', namespace: 'dev' } };
    await expect(plugin.validate!(req({ kind: 'RoleBinding', resource: 'rolebindings', name: 'b', object }))).rejects.toThrow(/is forbidden/);
  });
  it('ignores other groups', async () => {
    await expect(plugin.validate!(req({ group: 'example.com' }))).resolves.toBeUndefined();
  });
});

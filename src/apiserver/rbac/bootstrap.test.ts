// Bootstrap policy data (names, metadata, spot-checked rules, authorizing with it) and the startup reconcile.
import { describe, it, expect } from 'vitest';
import type { Obj, ObjectReader } from '../access.js';
import type { AuthorizationAttributes } from '../authn.js';
import { bootstrapPolicy, reconcile, needsRecreate, AUTOUPDATE_ANNOTATION } from './bootstrap.js';
import { rbacAuthorizer } from './authorizer.js';
import { rulesAllow, type RuleRequest } from './policy.js';

const G = 'rbac.authorization.k8s.io';
const policy = bootstrapPolicy();
const clusterRole = (n: string) => policy.clusterRoles.find((r) => r.metadata.name === n);
const can = (role: string, verb: string, resource: string, opts: Partial<RuleRequest> = {}) => {
  const [res, sub = ''] = resource.split('/');
  return rulesAllow({ verb, isResourceRequest: true, path: '', apiGroup: '', resource: res!, subresource: sub, name: 'x', ...opts }, clusterRole(role)?.rules ?? []);
};

describe('bootstrapPolicy', () => {
  it.each([
    'cluster-admin', 'admin', 'edit', 'view',
    'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view',
    'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node', 'system:node-proxier',
    'system:kube-scheduler', 'system:volume-scheduler', 'system:kube-controller-manager', 'system:kube-dns',
    'system:node-bootstrapper', 'system:auth-delegator', 'system:heapster', 'system:monitoring',
    'system:service-account-issuer-discovery', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:certificates.k8s.io:kubelet-serving-approver',
    ...['attachdetach', 'clusterrole-aggregation', 'cronjob', 'daemon-set', 'deployment', 'disruption', 'endpoint', 'endpointslice',
      'endpointslicemirroring', 'ephemeral-volume', 'expand', 'job', 'namespace', 'node', 'replicaset', 'statefulset', 'ttl',
      'ttl-after-finished', 'validatingadmissionpolicy-status'].map((c) => `system:controller:${c}-controller`),
    ...['generic-garbage-collector', 'horizontal-pod-autoscaler', 'persistent-volume-binder', 'pod-garbage-collector',
      'replication-controller', 'resourcequota-controller', 'root-ca-cert-publisher', 'route-controller', 'service-account-controller',
      'service-controller', 'legacy-service-account-token-cleaner'].map((c) => `system:controller:${c}`),
  ])('has ClusterRole %s', (name) => {
    expect(clusterRole(name)).toBeDefined();
  });

  it('names are unique per resource and every object carries the bootstrap label and autoupdate annotation', () => {
    for (const [kind, list] of Object.entries(policy)) {
      const keys = list.map((o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(new Set(keys).size, kind).toBe(keys.length);
      for (const o of list as Obj[]) {
        expect(o.apiVersion).toBe(`${G}/v1`);
        expect(o.metadata.labels['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
        expect(o.metadata.annotations[AUTOUPDATE_ANNOTATION]).toBe('true');
      }
    }
    expect(policy.roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'kube-public/system:controller:bootstrap-signer',
      'kube-system/extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager',
      'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer',
      'kube-system/system:controller:cloud-provider',
      'kube-system/system:controller:token-cleaner',
    ]);
  });

  it('every binding references a bootstrap role', () => {
    for (const b of policy.clusterRoleBindings) expect(clusterRole(b.roleRef.name), b.metadata.name).toBeDefined();
    for (const b of policy.roleBindings) {
      expect(policy.roles.some((r) => r.metadata.namespace === b.metadata.namespace && r.metadata.name === b.roleRef.name), b.metadata.name).toBe(true);
    }
  });

  it.each<[string, string, string, Partial<RuleRequest>, boolean]>([
    ['cluster-admin', 'delete', 'anything', { apiGroup: 'x.io' }, true],
    ['system:node', 'update', 'nodes/status', {}, true],
    ['system:node', 'patch', 'pods/status', {}, true],
    ['system:node', 'delete', 'nodes', {}, false],
    ['system:kube-scheduler', 'create', 'pods/binding', {}, true],
    ['system:kube-scheduler', 'update', 'leases', { apiGroup: 'coordination.k8s.io', name: 'kube-scheduler' }, true],
    ['system:kube-scheduler', 'update', 'leases', { apiGroup: 'coordination.k8s.io', name: 'other' }, false],
    ['system:aggregate-to-view', 'get', 'secrets', {}, false],
    ['system:aggregate-to-edit', 'get', 'secrets', {}, true],
    ['system:controller:horizontal-pod-autoscaler', 'update', 'deployments/scale', { apiGroup: 'apps' }, true],
    ['system:controller:namespace-controller', 'deletecollection', 'widgets', { apiGroup: 'x.io' }, true],
    ['system:controller:clusterrole-aggregation-controller', 'escalate', 'clusterroles', { apiGroup: G }, true],
  ])('%s may %s %s %o: %s', (role, verb, resource, opts, want) => {
    expect(can(role, verb, resource, opts)).toBe(want);
  });

  it('binds as upstream', () => {
    const crb = (n: string) => policy.clusterRoleBindings.find((b) => b.metadata.name === n);
    expect(crb('cluster-admin')?.subjects).toEqual([{ kind: 'Group', apiGroup: G, name: 'system:masters' }]);
    expect(crb('system:public-info-viewer')?.subjects.map((s: Obj) => s.name)).toEqual(['system:authenticated', 'system:unauthenticated']);
    expect(crb('system:node')?.subjects).toBeUndefined();
    expect(crb('system:controller:deployment-controller')).toMatchObject({
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'system:controller:deployment-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployment-controller', namespace: 'kube-system' }],
    });
    expect(clusterRole('view')?.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    expect(clusterRole('view')?.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
  });

  it('authorizes the system components when loaded into the store', () => {
    const objs = new Map<string, Obj[]>();
    const add = (res: string, list: Obj[]) => objs.set(res, list.map((o) => Object.freeze(o)));
    add('clusterroles', policy.clusterRoles);
    add('clusterrolebindings', policy.clusterRoleBindings);
    add('roles', policy.roles);
    add('rolebindings', policy.roleBindings);
    const reader: ObjectReader = {
      get: (_g, r, ns, n) => objs.get(r)?.find((o) => (o.metadata.namespace ?? '') === ns && o.metadata.name === n),
      list: (_g, r, ns) => (objs.get(r) ?? []).filter((o) => !ns || o.metadata.namespace === ns),
    };
    const a = rbacAuthorizer(reader);
    const attrs = (user: string, groups: string[], verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes => ({
      user: { name: user, groups },
      verb,
      isResourceRequest: true,
      path: '',
      apiGroup: '',
      apiVersion: 'v1',
      namespace: '',
      resource,
      subresource: '',
      name: '',
      ...o,
    });
    const path = (user: string, groups: string[], p: string): AuthorizationAttributes => ({ ...attrs(user, groups, 'get', ''), isResourceRequest: false, path: p });
    expect(a.authorize(attrs('admin', ['system:masters'], 'delete', 'nodes', { name: 'n' }))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
    expect(a.authorize(attrs('system:kube-scheduler', ['system:authenticated'], 'create', 'pods', { subresource: 'binding', namespace: 'x', name: 'p' })).allowed).toBe(true);
    expect(a.authorize(path('system:anonymous', ['system:unauthenticated'], '/healthz')).allowed).toBe(true);
    expect(a.authorize(path('system:anonymous', ['system:unauthenticated'], '/api')).allowed).toBe(false);
    expect(a.authorize(path('jane', ['system:authenticated'], '/apis/apps/v1')).allowed).toBe(true);
    expect(a.authorize(attrs('jane', ['system:authenticated'], 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })).allowed).toBe(true);
    expect(a.authorize(attrs('jane', ['system:authenticated'], 'list', 'pods', { namespace: 'default' })).allowed).toBe(false);
    const ctrl = 'system:serviceaccount:kube-system:namespace-controller';
    expect(a.authorize(attrs(ctrl, ['system:serviceaccounts'], 'deletecollection', 'pods', { namespace: 'x' })).allowed).toBe(true);
    const kcm = 'system:kube-controller-manager';
    expect(a.authorize(attrs(kcm, [], 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-controller-manager' })).allowed).toBe(true);
    expect(a.authorize(attrs(kcm, [], 'get', 'configmaps', { namespace: 'kube-system', name: 'extension-apiserver-authentication' })).allowed).toBe(true);
  });
});

describe('reconcile', () => {
  const wantedRole = (): Obj => ({
    apiVersion: `${G}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'r', labels: { l: 'v' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
  });
  const stored = (o: Obj, extra: Obj = {}): Obj => ({ ...structuredClone(o), ...extra, metadata: { ...structuredClone(o.metadata), resourceVersion: '7', uid: 'u1', ...(extra.metadata ?? {}) } });

  it('creates a missing object', () => {
    expect(reconcile(undefined, wantedRole())).toEqual(wantedRole());
  });
  it('leaves an up-to-date object alone', () => {
    expect(reconcile(stored(wantedRole()), wantedRole())).toBeUndefined();
  });
  it('leaves an object with autoupdate "false" alone', () => {
    const s = stored(wantedRole(), { rules: [], metadata: { annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } } });
    expect(reconcile(s, wantedRole())).toBeUndefined();
  });
  it('adds missing rules and keeps user-added ones', () => {
    const user = { verbs: ['delete'], apiGroups: ['x.io'], resources: ['widgets'] };
    const s = stored(wantedRole(), { rules: [user, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    const out = reconcile(s, wantedRole())!;
    expect(out.rules).toEqual([user, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    expect(out.metadata.resourceVersion).toBe('7');
  });
  it('does not add rules a wildcard already covers', () => {
    expect(reconcile(stored(wantedRole(), { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }), wantedRole())).toBeUndefined();
  });
  it('adds missing labels and annotations, existing values win', () => {
    const s = stored(wantedRole(), { metadata: { labels: { l: 'mine', other: 'x' }, annotations: {} } });
    const out = reconcile(s, wantedRole())!;
    expect(out.metadata.labels).toEqual({ l: 'mine', other: 'x' });
    expect(out.metadata.annotations).toEqual({ [AUTOUPDATE_ANNOTATION]: 'true' });
  });
  it('reconciles aggregation selectors', () => {
    const sel = (k: string) => ({ matchLabels: { [k]: 'true' } });
    const wanted = { ...wantedRole(), rules: undefined, aggregationRule: { clusterRoleSelectors: [sel('a')] } };
    const withUserSel = stored(wanted, { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], aggregationRule: { clusterRoleSelectors: [sel('mine')] } });
    expect(reconcile(withUserSel, wanted)!.aggregationRule).toEqual({ clusterRoleSelectors: [sel('mine'), sel('a')] });
    expect(reconcile(stored(wanted), wanted)).toBeUndefined();
    const unwanted = stored(wantedRole(), { aggregationRule: { clusterRoleSelectors: [sel('a')] } });
    expect(reconcile(unwanted, wantedRole())!.aggregationRule).toBeUndefined();
  });

  const wantedBinding = (): Obj => ({
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'b', labels: { l: 'v' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'r' },
    subjects: [{ kind: 'Group', apiGroup: G, name: 'g' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'kube-system' }],
  });
  it('adds missing subjects and keeps user-added ones', () => {
    const mine = { kind: 'User', apiGroup: G, name: 'me' };
    const s = stored(wantedBinding(), { subjects: [mine, { kind: 'Group', apiGroup: G, name: 'g' }] });
    expect(reconcile(s, wantedBinding())!.subjects).toEqual([mine, { kind: 'Group', apiGroup: G, name: 'g' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'kube-system' }]);
    expect(reconcile(stored(wantedBinding()), wantedBinding())).toBeUndefined();
  });
  it('recreates a binding whose roleRef changed', () => {
    const s = stored(wantedBinding(), { roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'old' } });
    expect(needsRecreate(s, wantedBinding())).toBe(true);
    expect(reconcile(s, wantedBinding())).toEqual(wantedBinding());
    expect(needsRecreate(stored(wantedBinding()), wantedBinding())).toBe(false);
  });
  it('reconciling the bootstrap policy with itself changes nothing', () => {
    for (const list of Object.values(bootstrapPolicy())) for (const o of list) expect(reconcile(stored(o), o)).toBeUndefined();
  });
});

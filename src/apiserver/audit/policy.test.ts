// Audit policy: upstream's matching rules (TestChecker-style table), stage/managedFields merging, loading and validation errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UserInfo } from '../authn.js';
import { PolicyEvaluator, loadPolicyFile, parsePolicy, ruleMatches, type AuditAttributes, type Policy, type PolicyRule } from './policy.js';

const tim: UserInfo = { name: 'tim', groups: ['humans', 'system:authenticated'] };
const sa: UserInfo = { name: 'system:serviceaccount:kube-system:job', groups: ['system:serviceaccounts', 'system:authenticated'] };

function res(verb: string, apiGroup: string, resource: string, opts: Partial<AuditAttributes> = {}): AuditAttributes {
  return { user: tim, verb, isResourceRequest: true, path: '', apiGroup, namespace: 'default', resource, subresource: '', name: '', ...opts };
}
function nonRes(verb: string, path: string, user: UserInfo = tim): AuditAttributes {
  return { user, verb, isResourceRequest: false, path, apiGroup: '', namespace: '', resource: '', subresource: '', name: '' };
}

const attrs = {
  namespaced: res('get', '', 'pods', { name: 'foo' }),
  cluster: res('get', 'rbac.authorization.k8s.io', 'clusterroles', { namespace: '', name: 'edit' }),
  nonResource: nonRes('get', '/logs/kubelet.log'),
  subresource: res('get', '', 'pods', { name: 'foo', subresource: 'log' }),
  serviceAccount: { ...res('list', 'apps', 'deployments', { namespace: 'kube-system' }), user: sa },
};

const rules: Record<string, PolicyRule> = {
  default: { level: 'Metadata' },
  create: { level: 'Request', verbs: ['create'] },
  tims: { level: 'Metadata', users: ['tim'] },
  humans: { level: 'Metadata', userGroups: ['humans'] },
  serviceAccounts: { level: 'Request', userGroups: ['system:serviceaccounts'] },
  getPods: { level: 'RequestResponse', verbs: ['get'], resources: [{ resources: ['pods'] }] },
  getPodLogs: { level: 'Request', verbs: ['get'], resources: [{ resources: ['pods/log'] }] },
  getPodWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['*'] }] },
  getPodResourceWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['*/log'] }] },
  getPodSubResourceWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['pods/*'] }] },
  getClusterRoles: { level: 'Request', verbs: ['get'], resources: [{ group: 'rbac.authorization.k8s.io', resources: ['clusterroles'] }], namespaces: [''] },
  getLogs: { level: 'RequestResponse', verbs: ['get'], nonResourceURLs: ['/logs*'] },
  getMetrics: { level: 'Request', verbs: ['get'], nonResourceURLs: ['/metrics'] },
  clusterRoleEdit: { level: 'Request', resources: [{ group: 'rbac.authorization.k8s.io', resources: ['clusterroles'], resourceNames: ['edit'] }] },
  allGroupsInApps: { level: 'Metadata', resources: [{ group: 'apps' }] },
  defaultNamespace: { level: 'Request', namespaces: ['default'] },
  nonResourceStar: { level: 'Metadata', nonResourceURLs: ['*'] },
};

describe('ruleMatches (upstream checker_test)', () => {
  const table: Array<[keyof typeof attrs, keyof typeof rules, boolean]> = [
    ['namespaced', 'default', true],
    ['namespaced', 'create', false],
    ['namespaced', 'tims', true],
    ['namespaced', 'humans', true],
    ['namespaced', 'serviceAccounts', false],
    ['namespaced', 'getPods', true],
    ['namespaced', 'getPodLogs', false],
    ['namespaced', 'getPodWildcardMatching', true],
    ['namespaced', 'getPodResourceWildcardMatching', false],
    ['namespaced', 'getPodSubResourceWildcardMatching', true], // upstream: 'pods/*' also matches pods itself
    ['namespaced', 'getClusterRoles', false],
    ['namespaced', 'getLogs', false],
    ['namespaced', 'defaultNamespace', true],
    ['namespaced', 'nonResourceStar', false], // a rule with only nonResourceURLs never matches a resource request
    ['cluster', 'getClusterRoles', true],
    ['cluster', 'clusterRoleEdit', true],
    ['cluster', 'getPods', false],
    ['cluster', 'defaultNamespace', false],
    ['nonResource', 'default', true],
    ['nonResource', 'getLogs', true],
    ['nonResource', 'getMetrics', false],
    ['nonResource', 'getPods', false],
    ['nonResource', 'nonResourceStar', true],
    ['subresource', 'getPods', false],
    ['subresource', 'getPodLogs', true],
    ['subresource', 'getPodWildcardMatching', true],
    ['subresource', 'getPodResourceWildcardMatching', true],
    ['subresource', 'getPodSubResourceWildcardMatching', true],
    ['serviceAccount', 'serviceAccounts', true],
    ['serviceAccount', 'humans', false],
    ['serviceAccount', 'allGroupsInApps', true],
    ['serviceAccount', 'tims', false],
  ];
  for (const [a, r, want] of table) {
    it(`${a} x ${r} -> ${want}`, () => expect(ruleMatches(rules[r]!, attrs[a])).toBe(want));
  }

  it('resourceNames restrict the match', () => {
    expect(ruleMatches(rules.clusterRoleEdit!, res('get', 'rbac.authorization.k8s.io', 'clusterroles', { namespace: '', name: 'view' }))).toBe(false);
  });
});

describe('PolicyEvaluator', () => {
  const policy: Policy = {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    omitManagedFields: true,
    rules: [
      { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'] },
      { level: 'RequestResponse', resources: [{ resources: ['secrets'] }], omitStages: ['ResponseStarted'], omitManagedFields: false },
      { level: 'Metadata' },
    ],
  };
  const ev = new PolicyEvaluator(policy);

  it('first matching rule wins, stages are the union, managedFields default from the policy', () => {
    const proxy = ev.evaluate({ ...res('watch', '', 'endpoints'), user: { name: 'system:kube-proxy', groups: [] } });
    expect(proxy.level).toBe('None');
    const secrets = ev.evaluate(res('get', '', 'secrets', { name: 's' }));
    expect(secrets.level).toBe('RequestResponse');
    expect([...secrets.omitStages].sort()).toEqual(['RequestReceived', 'ResponseStarted']);
    expect(secrets.omitManagedFields).toBe(false);
    const pods = ev.evaluate(res('list', '', 'pods'));
    expect(pods).toEqual({ level: 'Metadata', omitStages: ['RequestReceived'], omitManagedFields: true });
  });

  it('no match is level None with the policy stages', () => {
    const only = new PolicyEvaluator({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['Panic'], rules: [{ level: 'Request', verbs: ['create'] }] });
    expect(only.evaluate(res('get', '', 'pods'))).toEqual({ level: 'None', omitStages: ['Panic'], omitManagedFields: false });
  });
});

describe('parsePolicy / loadPolicyFile', () => {
  const good = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  - level: Metadata
    omitStages: ["ResponseStarted"]
`;
  it('parses a typical policy', () => {
    const p = parsePolicy(good);
    expect(p.rules).toHaveLength(3);
    expect(p.rules[1]!.resources![0]!.resources).toEqual(['pods/log', 'pods/status']);
    const e = new PolicyEvaluator(p);
    expect(e.evaluate(nonRes('get', '/healthz/etcd')).level).toBe('None');
    expect(e.evaluate(res('get', '', 'pods', { subresource: 'log', name: 'x' })).level).toBe('RequestResponse');
  });

  const bad: Array<[string, string, string]> = [
    ['no rules', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []', 'loaded illegal policy with 0 rules'],
    ['missing level', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- verbs: [get]', 'rules[0].level: Required value'],
    ['bad level', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything', 'rules[0].level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", "RequestResponse"'],
    ['bad stage', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Done]', 'rules[0].omitStages[0]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic'],
    ['url without slash', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [healthz]', "rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character"],
    ['star in the middle', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ["/a*/b"]', "non-resource URL wildcards '*' must be the final character of the rule"],
    ['both kinds', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ["/a"]\n  namespaces: [default]', 'rules cannot apply to both regular resources and non-resource URLs'],
    ['resourceNames alone', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: apps, resourceNames: [x]}]', 'rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource'],
    ['group with version', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: rbac.authorization.k8s.io/v1}]', 'rules[0].resources.group: Invalid value: "rbac.authorization.k8s.io/v1"'],
    ['old version', 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None', 'failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1"'],
    ['no kind', 'apiVersion: audit.k8s.io/v1\nrules: []', "failed decoding: Object 'Kind' is missing in"],
    ['wrong type', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: bob', 'failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.users of type []string'],
  ];
  for (const [name, text, msg] of bad) it(`rejects: ${name}`, () => expect(() => parsePolicy(text)).toThrow(msg));

  it('loadPolicyFile names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-audit-policy-'));
    const p = join(dir, 'policy.yaml');
    writeFileSync(p, good);
    expect(loadPolicyFile(p).rules).toHaveLength(3);
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, 'apiVersion: audit.k8s.io/v1\nkind: Policy\n');
    expect(() => loadPolicyFile(empty)).toThrow(`loaded illegal policy with 0 rules: from file ${empty}`);
    expect(() => loadPolicyFile(join(dir, 'missing.yaml'))).toThrow('failed to read file path');
    expect(() => loadPolicyFile('')).toThrow('file path not specified');
  });
});

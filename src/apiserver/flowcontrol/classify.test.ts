// Tests of the bootstrap configuration and of FlowSchema matching / classification.
import { describe, expect, it } from 'vitest';
import type { FlowSchema } from 'kubernetes-types/flowcontrol/v1.js';
import type { UserInfo } from '../authn.js';
import {
  AUTO_UPDATE_ANNOTATION,
  bootstrapObjects,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVEL_CONFIGURATIONS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVEL_CONFIGURATIONS,
} from './bootstrap.js';
import { classify, matchesSubject, sortFlowSchemas, type RequestDigest } from './classify.js';

const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const kubelet: UserInfo = { name: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const kubeSystemSA: UserInfo = {
  name: 'system:serviceaccount:kube-system:replicaset-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};
const defaultSA: UserInfo = { name: 'system:serviceaccount:default:app', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const kcm: UserInfo = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const scheduler: UserInfo = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };
const groupless: UserInfo = { name: 'nobody', groups: [] };

function res(user: UserInfo, verb: string, group: string, resource: string, namespace = '', subresource = '', name = ''): RequestDigest {
  return { user, verb, isResourceRequest: true, apiGroup: group, apiVersion: 'v1', resource, subresource, namespace, name, path: `/fake/${resource}` };
}
function nonRes(user: UserInfo, verb: string, path: string): RequestDigest {
  return { user, verb, isResourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path };
}

const all = sortFlowSchemas(bootstrapObjects().flowSchemas);

describe('bootstrap objects', () => {
  it('has the 1.32 priority levels with upstream shares and queuing', () => {
    const pls = Object.fromEntries(bootstrapObjects().priorityLevelConfigurations.map((p) => [p.metadata!.name!, p.spec!]));
    expect(Object.keys(pls).sort()).toEqual(['catch-all', 'exempt', 'global-default', 'leader-election', 'node-high', 'system', 'workload-high', 'workload-low']);
    const table: [string, number, number, number, number, number][] = [
      // name, shares, lendable, queues, handSize, queueLengthLimit
      ['system', 30, 33, 64, 6, 50],
      ['node-high', 40, 25, 64, 6, 50],
      ['leader-election', 10, 0, 16, 4, 50],
      ['workload-high', 40, 50, 128, 6, 50],
      ['workload-low', 100, 90, 128, 6, 50],
      ['global-default', 20, 50, 128, 6, 50],
    ];
    for (const [name, shares, lendable, queues, handSize, qll] of table) {
      const l = pls[name]!.limited!;
      expect(l.nominalConcurrencyShares, name).toBe(shares);
      expect(l.lendablePercent, name).toBe(lendable);
      expect(l.borrowingLimitPercent, name).toBeUndefined();
      expect(l.limitResponse, name).toEqual({ type: 'Queue', queuing: { queues, handSize, queueLengthLimit: qll } });
    }
    expect(pls['exempt']).toEqual({ type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
    expect(pls['catch-all']).toEqual({ type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } });
  });

  it('has the 1.32 flow schemas with precedence, level and distinguisher', () => {
    const rows = all.map((fs) => [fs.metadata!.name, fs.spec!.priorityLevelConfiguration.name, fs.spec!.matchingPrecedence, fs.spec!.distinguisherMethod?.type ?? '<none>']);
    expect(rows).toEqual([
      ['exempt', 'exempt', 1, '<none>'],
      ['probes', 'exempt', 2, '<none>'],
      ['system-leader-election', 'leader-election', 100, 'ByUser'],
      ['endpoint-controller', 'workload-high', 150, 'ByUser'],
      ['workload-leader-election', 'leader-election', 200, 'ByUser'],
      ['system-node-high', 'node-high', 400, 'ByUser'],
      ['system-nodes', 'system', 500, 'ByUser'],
      ['kube-controller-manager', 'workload-high', 800, 'ByNamespace'],
      ['kube-scheduler', 'workload-high', 800, 'ByNamespace'],
      ['kube-system-service-accounts', 'workload-high', 900, 'ByNamespace'],
      ['service-accounts', 'workload-low', 9000, 'ByUser'],
      ['global-default', 'global-default', 9900, 'ByUser'],
      ['catch-all', 'catch-all', 10000, 'ByUser'],
    ]);
  });

  it('annotates every object for auto-update and hands out independent copies', () => {
    const objs = [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS, ...MANDATORY_PRIORITY_LEVEL_CONFIGURATIONS, ...SUGGESTED_PRIORITY_LEVEL_CONFIGURATIONS];
    expect(objs).toHaveLength(21);
    for (const o of objs) {
      expect(o.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]).toBe('true');
      expect(o.apiVersion).toBe('flowcontrol.apiserver.k8s.io/v1');
    }
    const copy = bootstrapObjects();
    copy.flowSchemas[0]!.metadata!.name = 'changed';
    expect(bootstrapObjects().flowSchemas[0]!.metadata!.name).not.toBe('changed');
  });
});

describe('classify with the bootstrap configuration', () => {
  const cases: [string, RequestDigest, string, string, string][] = [
    // description, digest, flow schema, priority level, distinguisher
    ['admin (system:masters)', res(admin, 'list', '', 'pods', 'default'), 'exempt', 'exempt', ''],
    ['admin non-resource', nonRes(admin, 'get', '/openapi/v2'), 'exempt', 'exempt', ''],
    ['kubelet reads pods', res(kubelet, 'list', '', 'pods', 'default'), 'system-nodes', 'system', 'system:node:node-1'],
    ['kubelet updates node status', res(kubelet, 'patch', '', 'nodes', '', 'status', 'node-1'), 'system-node-high', 'node-high', 'system:node:node-1'],
    ['kubelet renews its lease', res(kubelet, 'update', 'coordination.k8s.io', 'leases', 'kube-node-lease', '', 'node-1'), 'system-node-high', 'node-high', 'system:node:node-1'],
    ['kubelet creates a node (cluster scope, nodes rule has clusterScope)', res(kubelet, 'create', '', 'nodes'), 'system-node-high', 'node-high', 'system:node:node-1'],
    ['kubelet non-resource', nonRes(kubelet, 'get', '/api'), 'system-nodes', 'system', 'system:node:node-1'],
    ['kube-system SA lists replicasets', res(kubeSystemSA, 'list', 'apps', 'replicasets', 'default'), 'kube-system-service-accounts', 'workload-high', 'default'],
    ['kube-system SA lists cluster-scoped', res(kubeSystemSA, 'list', '', 'nodes'), 'kube-system-service-accounts', 'workload-high', ''],
    ['kube-system SA leader election', res(kubeSystemSA, 'update', 'coordination.k8s.io', 'leases', 'kube-system', '', 'x'), 'system-leader-election', 'leader-election', kubeSystemSA.name],
    ['kube-system SA lease elsewhere', res(kubeSystemSA, 'get', 'coordination.k8s.io', 'leases', 'apps', '', 'x'), 'system-leader-election', 'leader-election', kubeSystemSA.name],
    ['kube-system SA configmap lock elsewhere', res(kubeSystemSA, 'get', '', 'configmaps', 'apps', '', 'x'), 'workload-leader-election', 'leader-election', kubeSystemSA.name],
    ['kube-system SA deletes a lease (verb not in rule)', res(kubeSystemSA, 'delete', 'coordination.k8s.io', 'leases', 'kube-system', '', 'x'), 'kube-system-service-accounts', 'workload-high', 'kube-system'],
    ['controller manager updates endpoints', res(kcm, 'update', '', 'endpoints', 'web', '', 'svc'), 'endpoint-controller', 'workload-high', 'system:kube-controller-manager'],
    ['controller manager lists pods', res(kcm, 'list', '', 'pods', 'web'), 'kube-controller-manager', 'workload-high', 'web'],
    ['scheduler binds', res(scheduler, 'create', '', 'pods', 'web', 'binding', 'p'), 'kube-scheduler', 'workload-high', 'web'],
    ['SA in default', res(defaultSA, 'get', '', 'configmaps', 'default', '', 'c'), 'service-accounts', 'workload-low', defaultSA.name],
    ['a user', res(alice, 'list', 'apps', 'deployments', 'default'), 'global-default', 'global-default', 'alice'],
    ['anonymous probe', nonRes(anonymous, 'get', '/healthz'), 'probes', 'exempt', ''],
    ['anonymous probe subpath', nonRes(anonymous, 'get', '/readyz/etcd'), 'probes', 'exempt', ''],
    ['anonymous probe POST', nonRes(anonymous, 'post', '/livez'), 'global-default', 'global-default', 'system:anonymous'],
    ['anonymous lookalike path', nonRes(anonymous, 'get', '/healthzfoo'), 'global-default', 'global-default', 'system:anonymous'],
    ['anonymous API request', res(anonymous, 'get', '', 'namespaces', '', '', 'default'), 'global-default', 'global-default', 'system:anonymous'],
    ['no groups at all falls back to catch-all', res(groupless, 'list', '', 'pods', 'x'), 'catch-all', 'catch-all', 'nobody'],
  ];
  it.each(cases)('%s', (_desc, digest, fs, pl, distinguisher) => {
    const c = classify(digest, all);
    expect([c.flowSchema.metadata?.name, c.priorityLevel, c.flowDistinguisher]).toEqual([fs, pl, distinguisher]);
  });

  it('sends anonymous requests to catch-all when only the mandatory objects exist', () => {
    const mandatory = sortFlowSchemas(MANDATORY_FLOW_SCHEMAS);
    const c = classify(res(anonymous, 'get', '', 'pods', 'default'), mandatory);
    expect([c.flowSchema.metadata?.name, c.priorityLevel, c.flowDistinguisher]).toEqual(['catch-all', 'catch-all', 'system:anonymous']);
  });
});

describe('matching details', () => {
  it.each([
    ['user by name', { kind: 'User', user: { name: 'alice' } }, alice, true],
    ['user other', { kind: 'User', user: { name: 'bob' } }, alice, false],
    ['user *', { kind: 'User', user: { name: '*' } }, alice, true],
    ['group', { kind: 'Group', group: { name: 'devs' } }, alice, true],
    ['group *', { kind: 'Group', group: { name: '*' } }, groupless, true],
    ['group missing', { kind: 'Group', group: { name: 'ops' } }, alice, false],
    ['sa exact', { kind: 'ServiceAccount', serviceAccount: { namespace: 'default', name: 'app' } }, defaultSA, true],
    ['sa other name', { kind: 'ServiceAccount', serviceAccount: { namespace: 'default', name: 'db' } }, defaultSA, false],
    ['sa * in namespace', { kind: 'ServiceAccount', serviceAccount: { namespace: 'default', name: '*' } }, defaultSA, true],
    ['sa * namespace prefix is not enough', { kind: 'ServiceAccount', serviceAccount: { namespace: 'def', name: '*' } }, defaultSA, false],
    ['sa subject vs plain user', { kind: 'ServiceAccount', serviceAccount: { namespace: 'default', name: '*' } }, alice, false],
    ['kind without its member', { kind: 'User' }, alice, false],
  ] as const)('%s', (_d, subject, user, want) => {
    expect(matchesSubject(user, subject)).toBe(want);
  });

  it('orders by precedence then name and matches namespace / cluster scope', () => {
    const mk = (name: string, precedence: number, namespaces: string[], clusterScope: boolean): FlowSchema => ({
      metadata: { name },
      spec: {
        priorityLevelConfiguration: { name: `pl-${name}` },
        matchingPrecedence: precedence,
        rules: [{ subjects: [{ kind: 'Group', group: { name: 'devs' } }], resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], namespaces, clusterScope }] }],
      },
    });
    const sorted = sortFlowSchemas([mk('b', 10, ['*'], false), mk('a', 10, ['ns1'], false), mk('z', 5, ['ns2'], true)]);
    expect(sorted.map((f) => f.metadata!.name)).toEqual(['z', 'a', 'b']);
    expect(classify(res(alice, 'get', '', 'pods', 'ns1'), sorted).flowSchema.metadata!.name).toBe('a');
    expect(classify(res(alice, 'get', '', 'pods', 'ns2'), sorted).flowSchema.metadata!.name).toBe('z');
    expect(classify(res(alice, 'get', '', 'pods', 'ns3'), sorted).flowSchema.metadata!.name).toBe('b');
    expect(classify(res(alice, 'get', '', 'pods', ''), sorted).flowSchema.metadata!.name).toBe('z');
    // subresource must be named explicitly
    expect(classify(res(alice, 'get', '', 'pods', 'ns1', 'log'), sorted).flowSchema.metadata!.name).toBe('catch-all');
  });
});

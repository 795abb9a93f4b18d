// Aggregated ClusterRoles: selector matching, order, deduplication, and the bootstrap admin/edit/view chain.
import { describe, it, expect } from 'vitest';
import type { Obj } from '../access.js';
import { aggregateRules, aggregationUpdate } from './aggregation.js';
import { bootstrapPolicy } from './bootstrap.js';
import { rulesAllow, type RuleRequest } from './policy.js';

const R1 = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const R2 = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
const R3 = { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] };
const cr = (name: string, labels: Record<string, string>, rules: Obj[], aggregationRule?: Obj): Obj => ({ metadata: { name, labels }, rules, ...(aggregationRule ? { aggregationRule } : {}) });

describe('aggregateRules', () => {
  const agg = cr('agg', { x: 'true' }, [], { clusterRoleSelectors: [{ matchLabels: { x: 'true' } }, { matchExpressions: [{ key: 'y', operator: 'Exists' }] }] });
  const roles = [agg, cr('zeta', { x: 'true' }, [R2, { ...R1, resourceNames: [] }]), cr('alpha', { x: 'true' }, [R1]), cr('other', {}, [R3]), cr('why', { y: '1' }, [R3, R1])];

  it('gathers matching roles per selector, by name, without duplicates or itself', () => {
    expect(aggregateRules(agg, roles)).toEqual([R1, R2, R3]);
  });
  it('undefined without aggregationRule', () => {
    expect(aggregateRules(cr('plain', {}, [R1]), roles)).toBeUndefined();
  });
  it('empty when nothing matches', () => {
    expect(aggregateRules(cr('a', {}, [], { clusterRoleSelectors: [{ matchLabels: { none: 'x' } }] }), roles)).toEqual([]);
  });
  it('aggregationUpdate: only when the rules differ', () => {
    expect(aggregationUpdate(agg, roles)).toEqual([R1, R2, R3]);
    expect(aggregationUpdate({ ...agg, rules: [R1, R2, R3] }, roles)).toBeUndefined();
    expect(aggregationUpdate(cr('plain', {}, [R1]), roles)).toBeUndefined();
  });
  it('throws on an invalid selector', () => {
    expect(() => aggregateRules(cr('a', {}, [], { clusterRoleSelectors: [{ matchLabels: { 'bad key!': 'x' } }] }), roles)).toThrow();
  });
});

describe('bootstrap admin/edit/view aggregation', () => {
  // Run the controller to a fixed point, as it does on every ClusterRole change.
  const roles = bootstrapPolicy().clusterRoles;
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of roles) {
      const rules = aggregationUpdate(r, roles);
      if (rules) {
        r.rules = rules;
        changed = true;
      }
    }
  }
  const byName = (n: string) => roles.find((r) => r.metadata.name === n)!;
  const can = (role: string, verb: string, resource: string, apiGroup = '', subresource = '') => {
    const req: RuleRequest = { verb, isResourceRequest: true, path: '', apiGroup, resource, subresource, name: 'x' };
    return rulesAllow(req, byName(role).rules ?? []);
  };
  it.each<[string, string, string, string, string, boolean]>([
    ['view', 'get', 'pods', '', '', true],
    ['view', 'get', 'secrets', '', '', false],
    ['view', 'get', 'pods', '', 'log', true],
    ['view', 'create', 'pods', '', 'exec', false],
    ['view', 'list', 'deployments', 'apps', '', true],
    ['edit', 'get', 'secrets', '', '', true],
    ['edit', 'create', 'deployments', 'apps', '', true],
    ['edit', 'get', 'pods', '', '', true],
    ['edit', 'create', 'roles', 'rbac.authorization.k8s.io', '', false],
    ['admin', 'create', 'roles', 'rbac.authorization.k8s.io', '', true],
    ['admin', 'get', 'secrets', '', '', true],
    ['admin', 'get', 'nodes', '', '', false],
  ])('%s %s %s.%s/%s: %s', (role, verb, resource, group, sub, want) => {
    expect(can(role, verb, resource, group, sub)).toBe(want);
  });
});

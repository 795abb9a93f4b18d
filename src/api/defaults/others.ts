// Defaults of the remaining groups: autoscaling/v2 HPA, networking, RBAC, scheduling, storage, discovery, flowcontrol.
import { child, def, items, obj, type Obj } from './util.js';

const scaleUpDefaults = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
const scaleDownDefaults = () => ({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function fillRules(rules: unknown, defaults: Obj): Obj {
  const r = obj(rules);
  if (!r) return defaults;
  if (!Array.isArray(r['policies']) || r['policies'].length === 0) r['policies'] = defaults['policies'];
  def(r, 'selectPolicy', defaults['selectPolicy'], true);
  def(r, 'stabilizationWindowSeconds', defaults['stabilizationWindowSeconds']);
  return r;
}

/** autoscaling/v2 HPA: minReplicas 1, CPU 80% utilization when no metrics, behavior's nil parts filled when set. */
export function defaultHPA(hpa: Obj): void {
  const spec = child(hpa, 'spec');
  if (!spec) return;
  def(spec, 'minReplicas', 1);
  if (!Array.isArray(spec['metrics']) || spec['metrics'].length === 0) {
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const b = obj(spec['behavior']);
  if (b) {
    b['scaleUp'] = fillRules(b['scaleUp'], scaleUpDefaults());
    b['scaleDown'] = fillRules(b['scaleDown'], scaleDownDefaults());
  }
}

/** NetworkPolicy: port protocol TCP; policyTypes [Ingress] (+ Egress when egress rules exist) when empty. */
export function defaultNetworkPolicy(np: Obj): void {
  const spec = child(np, 'spec');
  if (!spec) return;
  for (const r of [...items(spec['ingress']), ...items(spec['egress'])]) for (const p of items(r['ports'])) def(p, 'protocol', 'TCP', true);
  if (!Array.isArray(spec['policyTypes']) || spec['policyTypes'].length === 0) {
    spec['policyTypes'] = Array.isArray(spec['egress']) && spec['egress'].length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** RBAC bindings: subjects' apiGroup is `rbac.authorization.k8s.io` for User and Group, '' for ServiceAccount. */
export function defaultRoleBinding(rb: Obj): void {
  for (const s of items(rb['subjects'])) {
    if (s['apiGroup']) continue;
    if (s['kind'] === 'ServiceAccount') s['apiGroup'] = '';
    else if (s['kind'] === 'User' || s['kind'] === 'Group') s['apiGroup'] = 'rbac.authorization.k8s.io';
  }
}

/** PriorityClass: preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(pc: Obj): void {
  def(pc, 'preemptionPolicy', 'PreemptLowerPriority', true);
}

/** StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(sc: Obj): void {
  def(sc, 'reclaimPolicy', 'Delete', true);
  def(sc, 'volumeBindingMode', 'Immediate', true);
}

/** EndpointSlice: ports get name '' and protocol TCP. */
export function defaultEndpointSlice(es: Obj): void {
  for (const p of items(es['ports'])) {
    def(p, 'name', '');
    def(p, 'protocol', 'TCP', true);
  }
}

/** FlowSchema: matchingPrecedence 1000. */
export function defaultFlowSchema(fs: Obj): void {
  const spec = child(fs, 'spec');
  if (spec && !spec['matchingPrecedence']) spec['matchingPrecedence'] = 1000;
}

/** PriorityLevelConfiguration: limited shares 30 / lendable 0 / queuing 64·8·50; exempt shares 0 / lendable 0. */
export function defaultPriorityLevelConfiguration(plc: Obj): void {
  const spec = obj(plc['spec']);
  if (!spec) return;
  const ex = obj(spec['exempt']);
  if (ex) {
    def(ex, 'nominalConcurrencyShares', 0);
    def(ex, 'lendablePercent', 0);
  }
  const lim = obj(spec['limited']);
  if (lim) {
    def(lim, 'nominalConcurrencyShares', 30);
    def(lim, 'lendablePercent', 0);
    const q = obj(obj(lim['limitResponse'])?.['queuing']);
    if (q) {
      if (!q['queues']) q['queues'] = 64;
      if (!q['handSize']) q['handSize'] = 8;
      if (!q['queueLengthLimit']) q['queueLengthLimit'] = 50;
    }
  }
}

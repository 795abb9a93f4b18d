// core/v1 defaults besides pods: Service (with the allocator's IP family fields), Namespace, Secret, PV, PVC,
// Endpoints, Node, LimitRange, ReplicationController, PodTemplate (upstream pkg/apis/core/v1/defaults.go & strategies).
import { defaultPodTemplateSpec } from './pod.js';
import { child, def, items, obj, type Obj } from './util.js';

/** upstream SetDefaults_Service, plus clusterIPs synced from clusterIP and single-stack IPv4 family fields. */
export function defaultService(svc: Obj): void {
  const spec = child(svc, 'spec');
  if (!spec) return;
  def(spec, 'sessionAffinity', 'None', true);
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  if (spec['sessionAffinity'] === 'ClientIP') {
    const t = obj(obj(spec['sessionAffinityConfig'])?.['clientIP'])?.['timeoutSeconds'];
    if (t === undefined || t === null) spec['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: 10800 } };
  }
  def(spec, 'type', 'ClusterIP', true);
  const type = spec['type'];
  for (const p of items(spec['ports'])) {
    def(p, 'protocol', 'TCP', true);
    if (p['targetPort'] === undefined || p['targetPort'] === null || p['targetPort'] === 0 || p['targetPort'] === '') p['targetPort'] = p['port'];
  }
  const externalIPs = Array.isArray(spec['externalIPs']) ? spec['externalIPs'] : [];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible) def(spec, 'externalTrafficPolicy', 'Cluster', true);
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') def(spec, 'internalTrafficPolicy', 'Cluster', true);
  if (type === 'LoadBalancer') def(spec, 'allocateLoadBalancerNodePorts', true);
  if (type === 'ExternalName') return;
  const cip = spec['clusterIP'];
  if (typeof cip === 'string' && cip !== '' && (!Array.isArray(spec['clusterIPs']) || spec['clusterIPs'].length === 0)) spec['clusterIPs'] = [cip];
  const selectorless = Object.keys(obj(spec['selector']) ?? {}).length === 0;
  if (cip === 'None' && selectorless) def(spec, 'ipFamilyPolicy', 'RequireDualStack', true);
  else def(spec, 'ipFamilyPolicy', 'SingleStack', true);
  if (!Array.isArray(spec['ipFamilies']) || spec['ipFamilies'].length === 0) {
    const first = Array.isArray(spec['clusterIPs']) && typeof spec['clusterIPs'][0] === 'string' && spec['clusterIPs'][0].includes(':') ? 'IPv6' : 'IPv4';
    spec['ipFamilies'] = [first];
  }
}

/**
 * Namespace: the `kubernetes.io/metadata.name` label, `status.phase: Active` when unset, and (the strategy's create
 * rule) `spec.finalizers: [kubernetes]` when spec.finalizers is absent.
 */
export function defaultNamespace(ns: Obj): void {
  const meta = child(ns, 'metadata');
  if (meta && typeof meta['name'] === 'string' && meta['name']) {
    const labels = child(meta, 'labels');
    if (labels) labels['kubernetes.io/metadata.name'] = meta['name'];
  }
  const spec = child(ns, 'spec');
  if (spec && (spec['finalizers'] === undefined || spec['finalizers'] === null)) spec['finalizers'] = ['kubernetes'];
  const status = child(ns, 'status');
  if (status) def(status, 'phase', 'Active', true);
}

/** Secret: `type: Opaque`, and `stringData` merged into `data` (base64) as upstream's v1 conversion does. */
export function defaultSecret(secret: Obj): void {
  def(secret, 'type', 'Opaque', true);
  const sd = obj(secret['stringData']);
  if (sd) {
    const data = child(secret, 'data');
    if (data) for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete secret['stringData'];
}

/** PersistentVolumeClaim: `spec.volumeMode: Filesystem`, `status.phase: Pending`. */
export function defaultPVC(pvc: Obj): void {
  const spec = child(pvc, 'spec');
  if (spec) def(spec, 'volumeMode', 'Filesystem', true);
  const status = child(pvc, 'status');
  if (status) def(status, 'phase', 'Pending', true);
}

/** PersistentVolume: reclaim policy Retain, volumeMode Filesystem, `status.phase: Pending`. */
export function defaultPV(pv: Obj): void {
  const spec = child(pv, 'spec');
  if (spec) {
    def(spec, 'persistentVolumeReclaimPolicy', 'Retain', true);
    def(spec, 'volumeMode', 'Filesystem', true);
    const hp = obj(spec['hostPath']);
    if (hp) def(hp, 'type', '');
  }
  const status = child(pv, 'status');
  if (status) def(status, 'phase', 'Pending', true);
}

/** Endpoints: each subset port's protocol defaults to TCP. */
export function defaultEndpoints(ep: Obj): void {
  for (const ss of items(ep['subsets'])) for (const p of items(ss['ports'])) def(p, 'protocol', 'TCP', true);
}

/** Node: `status.allocatable` defaults to `status.capacity`. */
export function defaultNode(node: Obj): void {
  const status = obj(node['status']);
  if (status && obj(status['capacity']) && !obj(status['allocatable'])) status['allocatable'] = { ...status['capacity'] };
}

/** LimitRange Container items: default ← max, defaultRequest ← default, then ← min. */
export function defaultLimitRange(lr: Obj): void {
  for (const item of items(obj(lr['spec'])?.['limits'])) {
    if (item['type'] !== 'Container') continue;
    const d = child(item, 'default') ?? {};
    for (const [k, v] of Object.entries(obj(item['max']) ?? {})) if (!(k in d)) d[k] = v;
    const dr = child(item, 'defaultRequest') ?? {};
    for (const [k, v] of Object.entries(d)) if (!(k in dr)) dr[k] = v;
    for (const [k, v] of Object.entries(obj(item['min']) ?? {})) if (!(k in dr)) dr[k] = v;
  }
}

/** ReplicationController: selector and labels from the template's labels when empty, replicas 1, template defaults. */
export function defaultReplicationController(rc: Obj): void {
  const spec = child(rc, 'spec');
  if (!spec) return;
  const labels = obj(obj(obj(spec['template'])?.['metadata'])?.['labels']);
  if (labels) {
    if (Object.keys(obj(spec['selector']) ?? {}).length === 0) spec['selector'] = { ...labels };
    const meta = child(rc, 'metadata');
    if (meta && Object.keys(obj(meta['labels']) ?? {}).length === 0) meta['labels'] = { ...labels };
  }
  def(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec['template']);
}

/** PodTemplate: its template's pod spec defaults. */
export function defaultPodTemplate(pt: Obj): void {
  defaultPodTemplateSpec(pt['template']);
}

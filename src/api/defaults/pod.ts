// Pod, PodSpec, PodTemplateSpec and Container defaults (upstream pkg/apis/core/v1/defaults.go) plus the pod strategy's
// create-time status (phase Pending, computed QoS class) and the Priority admission plugin's priority fields.
import { parseQuantity, type Quantity } from '../../apimachinery/index.js';
import { child, def, items, obj, type Obj } from './util.js';

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
/** docker/distribution's reference grammar: [domain/]path[:tag][@digest]. */
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::([\\w][\\w.-]{0,127}))?(@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/**
 * upstream SetDefaults_Container's pull policy: Always for `:latest` or an untagged, undigested image; IfNotPresent
 * otherwise, including an empty or unparsable image (upstream ignores the parse error and sees no tag).
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const m = REFERENCE.exec(image);
  if (!m) return 'IfNotPresent';
  const tag = m[1] ?? (m[2] ? '' : 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHandler(h: Obj | undefined): void {
  const http = obj(h?.['httpGet']);
  if (http) {
    def(http, 'path', '/', true);
    def(http, 'scheme', 'HTTP', true);
  }
}

function defaultProbe(p: unknown): void {
  const pr = obj(p);
  if (!pr) return;
  for (const [k, v] of [['timeoutSeconds', 1], ['periodSeconds', 10], ['successThreshold', 1], ['failureThreshold', 3]] as const) {
    if (!pr[k]) pr[k] = v;
  }
  defaultHandler(pr);
}

/** upstream SetDefaults_Container (and the nested port, probe, handler, env defaults). */
export function defaultContainer(c: Obj): void {
  if (!c['imagePullPolicy']) c['imagePullPolicy'] = defaultPullPolicy(typeof c['image'] === 'string' ? c['image'] : '');
  def(c, 'terminationMessagePath', '/dev/termination-log', true);
  def(c, 'terminationMessagePolicy', 'File', true);
  def(c, 'resources', {});
  for (const p of items(c['ports'])) def(p, 'protocol', 'TCP', true);
  for (const e of items(c['env'])) {
    const fr = obj(obj(e['valueFrom'])?.['fieldRef']);
    if (fr) def(fr, 'apiVersion', 'v1', true);
  }
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['startupProbe']);
  const lc = obj(c['lifecycle']);
  if (lc) {
    defaultHandler(obj(lc['postStart']));
    defaultHandler(obj(lc['preStop']));
  }
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim',
  'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/** upstream SetDefaults_Volume and the volume source defaults (file modes 0644 = 420, hostPath type, token expiry). */
export function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v['emptyDir'] = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = obj(v[k]);
    if (s) def(s, 'defaultMode', 420);
  }
  const hp = obj(v['hostPath']);
  if (hp) def(hp, 'type', '');
  for (const src of items(obj(v['projected'])?.['sources'])) {
    const sat = obj(src['serviceAccountToken']);
    if (sat) def(sat, 'expirationSeconds', 3600);
  }
  for (const f of items(obj(v['downwardAPI'])?.['items'])) {
    const fr = obj(f['fieldRef']);
    if (fr) def(fr, 'apiVersion', 'v1', true);
  }
  const eph = obj(obj(v['ephemeral'])?.['volumeClaimTemplate']);
  const es = obj(eph?.['spec']);
  if (es) def(es, 'volumeMode', 'Filesystem');
}

/** hostNetwork pods: each container port's hostPort defaults to its containerPort. */
function defaultHostNetworkPorts(cs: Obj[]): void {
  for (const c of cs) for (const p of items(c['ports'])) if (!p['hostPort'] && typeof p['containerPort'] === 'number') p['hostPort'] = p['containerPort'];
}

/** upstream SetDefaults_PodSpec plus container and volume defaults (shared by pods and pod templates). */
export function defaultPodSpec(spec: Obj): void {
  def(spec, 'dnsPolicy', 'ClusterFirst', true);
  def(spec, 'restartPolicy', 'Always', true);
  def(spec, 'securityContext', {});
  def(spec, 'terminationGracePeriodSeconds', 30);
  def(spec, 'schedulerName', 'default-scheduler', true);
  if (spec['hostNetwork'] === true) {
    defaultHostNetworkPorts(items(spec['containers']));
    defaultHostNetworkPorts(items(spec['initContainers']));
  }
  for (const c of items(spec['containers'])) defaultContainer(c);
  for (const c of items(spec['initContainers'])) defaultContainer(c);
  for (const c of items(spec['ephemeralContainers'])) defaultContainer(c);
  for (const v of items(spec['volumes'])) defaultVolume(v);
}

/** Defaults of a PodTemplateSpec (`template` of workloads): its pod spec. */
export function defaultPodTemplateSpec(tmpl: unknown): void {
  const t = obj(tmpl);
  if (!t) return;
  const spec = child(t, 'spec');
  if (spec) defaultPodSpec(spec);
}

const q = (v: unknown): Quantity | undefined => {
  try {
    return typeof v === 'string' || typeof v === 'number' ? parseQuantity(String(v)) : undefined;
  } catch {
    return undefined;
  }
};

/** upstream qos.ComputePodQOS: Guaranteed, Burstable or BestEffort from cpu/memory requests and limits. */
export function computeQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...items(spec['initContainers']), ...items(spec['containers'])]) {
    const res = obj(c['resources']) ?? {};
    for (const [k, v] of Object.entries(obj(res['requests']) ?? {})) {
      const x = q(v);
      if ((k === 'cpu' || k === 'memory') && x && x.sign() > 0) requests.set(k, (requests.get(k) ?? parseQuantity('0')).add(x));
    }
    const found = new Set<string>();
    for (const [k, v] of Object.entries(obj(res['limits']) ?? {})) {
      const x = q(v);
      if ((k === 'cpu' || k === 'memory') && x && x.sign() > 0) {
        found.add(k);
        limits.set(k, (limits.get(k) ?? parseQuantity('0')).add(x));
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, r] of requests) {
      const l = limits.get(k);
      if (!l || l.cmp(r) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/**
 * Pod defaults: the pod spec's, then the pod-only ones (requests from limits, enableServiceLinks, priority 0 and
 * PreemptLowerPriority when no priorityClassName — the Priority admission plugin's result without a global default),
 * then the create-time status `{phase: Pending, qosClass}` when the pod has no phase yet.
 */
export function defaultPod(pod: Obj): void {
  const spec = child(pod, 'spec');
  if (!spec) return;
  for (const c of [...items(spec['containers']), ...items(spec['initContainers'])]) {
    const res = obj(c['resources']);
    const lim = obj(res?.['limits']);
    if (!res || !lim) continue;
    const req = child(res, 'requests');
    if (!req) continue;
    for (const [k, v] of Object.entries(lim)) if (!(k in req)) req[k] = v;
  }
  defaultPodSpec(spec);
  def(spec, 'enableServiceLinks', true);
  if (!spec['priorityClassName']) {
    def(spec, 'priority', 0);
    def(spec, 'preemptionPolicy', 'PreemptLowerPriority', true);
  }
  const status = child(pod, 'status');
  if (status && !status['phase']) {
    status['phase'] = 'Pending';
    def(status, 'qosClass', computeQOSClass(spec), true);
  }
}

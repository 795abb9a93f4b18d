// Pod, PodSpec and PodTemplateSpec validation (upstream pkg/apis/core/validation ValidatePodSpec & co), on v1 objects.
import {
  field,
  type FieldError,
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateLabels,
} from '../../apimachinery/index.js';
import {
  asArr,
  asObj,
  clone,
  deepEqual,
  dnsLabel,
  dnsSubdomain,
  intOrString,
  nonNegative,
  type Obj,
  qualifiedName,
  quantity,
  sortedKeys,
  str,
  strMap,
  validateLabelSelector,
} from './util.js';

/** Options of pod spec validation. */
export interface PodSpecOptions {
  /** The spec belongs to a Pod (not a template): enables pod-only checks (hostPort with hostNetwork, image whitespace). */
  isPod?: boolean;
}

const MAX_INT32 = 2147483647;
const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';
const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

// ---- paths ------------------------------------------------------------------------------------------

/** upstream validatePathNoBacksteps. */
function noBacksteps(p: string, path: string): FieldError[] {
  return p.split('/').includes('..') ? [field.invalid(path, p, "must not contain '..'")] : [];
}

/** upstream validateLocalDescendingPath. */
function localDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(field.invalid(path, p, 'must be a relative path'));
  errs.push(...noBacksteps(p, path));
  return errs;
}

/** upstream ValidateLocalNonReservedPath. */
function localNonReservedPath(p: string, path: string): FieldError[] {
  const errs = localDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(field.invalid(path, p, "must not start with '..'"));
  return errs;
}

function fileMode(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && (v > 0o777 || v < 0) ? [field.invalid(path, v, fileModeErrorMsg)] : [];
}

function keyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(items).forEach((it, i) => {
    const kp = asObj(it) ?? {};
    const p = `${path}[${i}]`;
    if (!str(kp['key'])) errs.push(field.required(`${p}.key`));
    if (!str(kp['path'])) errs.push(field.required(`${p}.path`));
    errs.push(...localNonReservedPath(str(kp['path']), `${p}.path`));
    errs.push(...fileMode(kp['mode'], `${p}.mode`));
  });
  return errs;
}

// ---- volumes ----------------------------------------------------------------------------------------

/** Volume source keys in upstream's validateVolumeSource order, with the path segment its errors use. */
const VOLUME_TYPES: readonly [string, string][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateVolumeSourceOf(kind: string, src: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'emptyDir': {
      const sl = src['sizeLimit'];
      if (sl !== undefined && sl !== null) {
        const { q } = quantity(sl);
        if (q && q.sign() < 0) errs.push(field.forbidden(`${path}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath': {
      const p = str(src['path']);
      if (!p) return [field.required(`${path}.path`)];
      errs.push(...noBacksteps(p, `${path}.path`));
      if (typeof src['type'] === 'string' && !HOST_PATH_TYPES.includes(src['type'])) {
        errs.push(field.notSupported(`${path}.type`, src['type'], HOST_PATH_TYPES));
      }
      break;
    }
    case 'secret':
      if (!str(src['secretName'])) errs.push(field.required(`${path}.secretName`));
      errs.push(...fileMode(src['defaultMode'], `${path}.defaultMode`));
      errs.push(...keyToPaths(src['items'], `${path}.items`));
      break;
    case 'configMap':
      if (!str(src['name'])) errs.push(field.required(`${path}.name`));
      errs.push(...fileMode(src['defaultMode'], `${path}.defaultMode`));
      errs.push(...keyToPaths(src['items'], `${path}.items`));
      break;
    case 'persistentVolumeClaim':
      if (!str(src['claimName'])) errs.push(field.required(`${path}.claimName`));
      break;
    case 'nfs':
      if (!str(src['server'])) errs.push(field.required(`${path}.server`));
      if (!str(src['path'])) errs.push(field.required(`${path}.path`));
      if (!str(src['path']).startsWith('/')) errs.push(field.invalid(`${path}.path`, str(src['path']), 'must be an absolute path'));
      break;
    case 'downwardAPI':
      errs.push(...fileMode(src['defaultMode'], `${path}.defaultMode`));
      break;
    case 'projected':
      errs.push(...fileMode(src['defaultMode'], `${path}.defaultMode`));
      asArr(src['sources']).forEach((s, i) => {
        const so = asObj(s) ?? {};
        const sp = `${path}.sources[${i}]`;
        const n = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => so[k] != null).length;
        const sat = asObj(so['serviceAccountToken']);
        if (sat) {
          const exp = typeof sat['expirationSeconds'] === 'number' ? sat['expirationSeconds'] : 0;
          if (exp < 600) errs.push(field.invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
          if (exp > 2 ** 32) errs.push(field.invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
          if (!str(sat['path'])) errs.push(field.required(`${path}.path`));
        }
        for (const k of ['secret', 'configMap'] as const) {
          const o = asObj(so[k]);
          if (o) {
            if (!str(o['name'])) errs.push(field.required(`${sp}.${k}.name`));
            errs.push(...keyToPaths(o['items'], `${sp}.${k}.items`));
          }
        }
        if (n > 1) errs.push(field.forbidden(sp, 'may not specify more than 1 volume type per source'));
      });
      break;
    case 'csi':
      if (!str(src['driver'])) errs.push(field.required(`${path}.driver`));
      break;
    case 'gitRepo':
      if (!str(src['repository'])) errs.push(field.required(`${path}.repository`));
      errs.push(...localDescendingPath(str(src['directory']), `${path}.directory`));
      break;
    default:
      break;
  }
  return errs;
}

/** upstream ValidateVolumes: returns the names of the valid volumes (with their sources) and the errors. */
export function validateVolumes(volumes: unknown, path: string): { vols: Map<string, Obj>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const vols = new Map<string, Obj>();
  asArr(volumes).forEach((v, i) => {
    const vol = asObj(v) ?? {};
    const p = `${path}[${i}]`;
    const name = str(vol['name']);
    const el: FieldError[] = [];
    let count = 0;
    for (const [key, seg] of VOLUME_TYPES) {
      const src = vol[key];
      if (src === undefined || src === null) continue;
      if (count > 0) {
        el.push(field.forbidden(`${p}.${seg}`, 'may not specify more than 1 volume type'));
      } else {
        count++;
        el.push(...validateVolumeSourceOf(key, asObj(src) ?? {}, `${p}.${seg}`));
      }
    }
    if (count === 0) el.push(field.required(p, 'must specify a volume type'));
    if (name === '') el.push(field.required(`${p}.name`));
    else el.push(...dnsLabel(name, `${p}.name`));
    if (vols.has(name)) el.push(field.duplicate(`${p}.name`, name));
    if (el.length === 0) vols.set(name, vol);
    else errs.push(...el);
  });
  return { vols, errs };
}

// ---- containers -------------------------------------------------------------------------------------

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  asArr(ports).forEach((pv, i) => {
    const port = asObj(pv) ?? {};
    const p = `${path}[${i}]`;
    const name = str(port['name']);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(field.invalid(`${p}.name`, name, m));
      else if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      else names.add(name);
    }
    const cp = port['containerPort'];
    if (!cp) errs.push(field.required(`${p}.containerPort`));
    else for (const m of isValidPortNum(cp)) errs.push(field.invalid(`${p}.containerPort`, cp, m));
    const hp = port['hostPort'];
    if (hp) for (const m of isValidPortNum(hp)) errs.push(field.invalid(`${p}.hostPort`, hp, m));
    const proto = str(port['protocol']);
    if (!proto) errs.push(field.required(`${p}.protocol`));
    else if (!SUPPORTED_PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${p}.protocol`, proto, SUPPORTED_PROTOCOLS));
  });
  return errs;
}

/** upstream IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is beta and on in 1.32). */
function isRelaxedEnvVarName(v: string): string[] {
  for (const ch of v) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x7e || c < 0x20 || ch === '=') return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

function keySelector(sel: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sel['name']);
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
  const key = str(sel['key']);
  if (!key) errs.push(field.required(`${path}.key`));
  else for (const m of isConfigMapKey(key)) errs.push(field.invalid(`${path}.key`, key, m));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(env).forEach((ev, i) => {
    const e = asObj(ev) ?? {};
    const p = `${path}[${i}]`;
    const name = str(e['name']);
    if (!name) errs.push(field.required(`${p}.name`));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(field.invalid(`${p}.name`, name, m));
    const vf = asObj(e['valueFrom']);
    if (!vf) return;
    const vp = `${p}.valueFrom`;
    let n = 0;
    const fr = asObj(vf['fieldRef']);
    if (fr) {
      n++;
      if (!str(fr['apiVersion'])) errs.push(field.required(`${vp}.fieldRef.apiVersion`));
      else if (!str(fr['fieldPath'])) errs.push(field.required(`${vp}.fieldRef.fieldPath`));
      else {
        const fp = str(fr['fieldPath']);
        const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
        if (m) errs.push(...qualifiedName(m[1] === 'metadata.annotations' ? (m[2] ?? '').toLowerCase() : (m[2] ?? ''), `${vp}.fieldRef`));
        else if (!ENV_FIELD_PATHS.includes(fp)) errs.push(field.notSupported(`${vp}.fieldRef.fieldPath`, fp, ENV_FIELD_PATHS.slice().sort()));
      }
    }
    const rf = asObj(vf['resourceFieldRef']);
    if (rf) {
      n++;
      if (!str(rf['resource'])) errs.push(field.required(`${vp}.resourceFieldRef.resource`));
    }
    const cm = asObj(vf['configMapKeyRef']);
    if (cm) {
      n++;
      errs.push(...keySelector(cm, `${vp}.configMapKeyRef`));
    }
    const sk = asObj(vf['secretKeyRef']);
    if (sk) {
      n++;
      errs.push(...keySelector(sk, `${vp}.secretKeyRef`));
    }
    if (n === 0) errs.push(field.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(e['value'])) errs.push(field.invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(field.invalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(envFrom).forEach((ev, i) => {
    const e = asObj(ev) ?? {};
    const p = `${path}[${i}]`;
    const prefix = str(e['prefix']);
    if (prefix) for (const m of isRelaxedEnvVarName(prefix)) errs.push(field.invalid(`${p}.prefix`, prefix, m));
    let n = 0;
    for (const k of ['configMapRef', 'secretRef'] as const) {
      const ref = asObj(e[k]);
      if (!ref) continue;
      n++;
      const name = str(ref['name']);
      if (!name) errs.push(field.required(`${p}.${k}.name`));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(field.invalid(`${p}.${k}.name`, name, m));
    }
    if (n === 0) errs.push(field.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(field.invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, devices: unknown, vols: Map<string, Obj>, ctr: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const devMap = new Map<string, string>();
  for (const d of asArr(devices)) devMap.set(str(asObj(d)?.['name']), str(asObj(d)?.['devicePath']));
  const points = new Set<string>();
  asArr(mounts).forEach((mv, i) => {
    const mnt = asObj(mv) ?? {};
    const p = `${path}[${i}]`;
    const name = str(mnt['name']);
    const mountPath = str(mnt['mountPath']);
    if (!name) errs.push(field.required(`${p}.name`));
    if (!vols.has(name)) errs.push(field.notFound(`${p}.name`, name));
    if (!mountPath) errs.push(field.required(`${p}.mountPath`));
    if (points.has(mountPath)) errs.push(field.invalid(`${p}.mountPath`, mountPath, 'must be unique'));
    points.add(mountPath);
    if (devMap.has(name)) errs.push(field.invalid(`${p}.name`, name, 'must not already exist in volumeDevices'));
    if ([...devMap.values()].includes(mountPath)) errs.push(field.invalid(`${p}.mountPath`, mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = str(mnt['subPath']);
    const subPathExpr = str(mnt['subPathExpr']);
    if (subPath) errs.push(...localDescendingPath(subPath, `${path}.subPath`));
    if (subPathExpr) {
      if (subPath) errs.push(field.invalid(`${p}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...localDescendingPath(subPathExpr, `${path}.subPathExpr`));
    }
    const prop = mnt['mountPropagation'];
    if (typeof prop === 'string') {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(prop)) errs.push(field.notSupported(`${path}.mountPropagation`, prop, supported));
      const privileged = asObj(ctr['securityContext'])?.['privileged'] === true;
      if (prop === 'Bidirectional' && !privileged) {
        errs.push(field.forbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errs;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims',
  'configmaps', 'services.nodeports', 'services.loadbalancers', 'storage', 'requests.storage',
]);
const isHugePages = (n: string) => n.startsWith('hugepages-');
const isNativeResource = (n: string) => !n.includes('/') || n.startsWith('kubernetes.io/');
const isExtendedResource = (n: string) => !isNativeResource(n) && !n.startsWith('requests.') && isQualifiedName(`requests.${n}`).length === 0;
const isOvercommitAllowed = (n: string) => isNativeResource(n) && !isHugePages(n);

/** upstream validateContainerResourceName. */
function containerResourceName(n: string, path: string): FieldError[] {
  const errs = isQualifiedName(n).map((m) => field.invalid(path, n, m));
  if (errs.length) return errs;
  if (!n.includes('/')) {
    if (!STANDARD_RESOURCES.has(n) && !isHugePages(n)) errs.push(field.invalid(path, n, 'must be a standard resource type or fully qualified'));
    if (!STANDARD_CONTAINER_RESOURCES.has(n) && !isHugePages(n)) errs.push(field.invalid(path, n, 'must be a standard resource for containers'));
  } else if (!isNativeResource(n) && !isExtendedResource(n)) {
    errs.push(field.invalid(path, n, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** upstream ValidateResourceQuantityValue; returns the parsed quantity too. */
export function resourceQuantity(name: string, v: unknown, path: string): { errs: FieldError[]; q?: ReturnType<typeof quantity>['q'] } {
  const { q, err } = quantity(v);
  if (!q) return { errs: [field.invalid(path, v ?? null, err ?? 'invalid quantity')] };
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(field.invalid(path, q.toString(), 'must be greater than or equal to 0'));
  if (isExtendedResource(name) && q.milliValue() % 1000n !== 0n) errs.push(field.invalid(path, q.toString(), 'must be an integer'));
  return { errs, q };
}

/** upstream ValidateContainerResourceRequirements (claims not validated). */
export function validateResources(res: unknown, path: string): FieldError[] {
  const r = asObj(res) ?? {};
  const errs: FieldError[] = [];
  const limits = strMap(r['limits']);
  const requests = strMap(r['requests']);
  const limQ = new Map<string, NonNullable<ReturnType<typeof quantity>['q']>>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const name of sortedKeys(limits)) {
    const p = `${path}.limits[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { errs: qe, q } = resourceQuantity(name, limits[name], p);
    errs.push(...qe);
    if (q) limQ.set(name, q);
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const name of sortedKeys(requests)) {
    const p = `${path}.requests[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { errs: qe, q } = resourceQuantity(name, requests[name], p);
    errs.push(...qe);
    const lim = limQ.get(name);
    if (q && lim) {
      if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(field.invalid(`${path}.requests`, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      } else if (q.cmp(lim) > 0) {
        errs.push(field.invalid(`${path}.requests`, q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
      }
    } else if (!(name in limits) && !isOvercommitAllowed(name)) {
      errs.push(field.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(field.forbidden(path, 'HugePages require cpu or memory'));
  return errs;
}

function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  const x = intOrString(v);
  if (x.type === 'int') return isValidPortNum(x.int).map((m) => field.invalid(path, x.int, m));
  if (x.type === 'string') return isValidPortName(x.str).map((m) => field.invalid(path, x.str, m));
  return isValidPortNum(0).map((m) => field.invalid(path, 0, m));
}

function validateHandler(h: Obj, path: string, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const k of kinds) {
    const o = asObj(h[k]);
    if (!o) continue;
    if (n > 0) {
      errs.push(field.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const p = `${path}.${k}`;
    switch (k) {
      case 'exec':
        if (asArr(o['command']).length === 0) errs.push(field.required(`${p}.command`));
        break;
      case 'httpGet': {
        if (!str(o['path'])) errs.push(field.required(`${p}.path`));
        errs.push(...validatePortNumOrName(o['port'], `${p}.port`));
        const scheme = str(o['scheme']);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(field.notSupported(`${p}.scheme`, scheme, ['HTTP', 'HTTPS']));
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(o['port'], `${p}.port`));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(typeof o['port'] === 'number' ? o['port'] : 0, `${p}.port`));
        break;
      default:
        break;
    }
  }
  if (n === 0) errs.push(field.required(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateProbe(probe: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  const pr = asObj(probe);
  if (!pr) return [];
  const errs = validateHandler(pr, path, PROBE_HANDLERS);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) errs.push(...nonNegative(pr[f], `${path}.${f}`));
  const tgp = pr['terminationGracePeriodSeconds'];
  if (typeof tgp === 'number' && tgp <= 0) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, 'must be greater than 0'));
  if (kind === 'readiness') {
    if (tgp !== undefined && tgp !== null) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, 'must not be set for readinessProbes'));
  } else if (typeof pr['successThreshold'] === 'number' && pr['successThreshold'] !== 1) {
    errs.push(field.invalid(`${path}.successThreshold`, pr['successThreshold'], 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['postStart', 'preStop']) {
    const h = asObj(lc[k]);
    if (h) errs.push(...validateHandler(h, `${path}.${k}`, LIFECYCLE_HANDLERS));
  }
  return errs;
}

/** upstream validateContainerCommon. */
function validateContainerCommon(ctr: Obj, vols: Map<string, Obj>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ctr['name']);
  if (!name) errs.push(field.required(`${path}.name`));
  else errs.push(...dnsLabel(name, `${path}.name`));
  if (!str(ctr['image'])) errs.push(field.required(`${path}.image`));
  const tmp = str(ctr['terminationMessagePolicy']);
  if (!tmp) errs.push(field.required(`${path}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(field.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(ctr['ports'], `${path}.ports`));
  errs.push(...validateEnv(ctr['env'], `${path}.env`));
  errs.push(...validateEnvFrom(ctr['envFrom'], `${path}.envFrom`));
  errs.push(...validateVolumeMounts(ctr['volumeMounts'], ctr['volumeDevices'], vols, ctr, `${path}.volumeMounts`));
  const pp = str(ctr['imagePullPolicy']);
  if (!pp) errs.push(field.required(`${path}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pp)) errs.push(field.notSupported(`${path}.imagePullPolicy`, pp, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResources(ctr['resources'], `${path}.resources`));
  const sc = asObj(ctr['securityContext']);
  if (sc) {
    for (const f of ['runAsUser', 'runAsGroup']) {
      const v = sc[f];
      if (typeof v === 'number' && (v < 0 || v > MAX_INT32)) errs.push(field.invalid(`${path}.securityContext.${f}`, v, inclusiveRangeError(0, MAX_INT32)));
    }
    if (sc['allowPrivilegeEscalation'] === false && sc['privileged'] === true) {
      errs.push(field.invalid(`${path}.securityContext`, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
  }
  return errs;
}

function hostPortConflicts(containers: any[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    asArr(asObj(c)?.['ports']).forEach((pv, pi) => {
      const port = asObj(pv) ?? {};
      const hp = port['hostPort'];
      if (!hp) return;
      const key = `${str(port['protocol'])}/${str(port['hostIP'])}/${hp}`;
      if (seen.has(key)) errs.push(field.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: unknown, vols: Map<string, Obj>, path: string): FieldError[] {
  const list = asArr(containers);
  if (list.length === 0) return [field.required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const ctr = asObj(c) ?? {};
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(ctr, vols, p));
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    else names.add(name);
    const lc = asObj(ctr['lifecycle']);
    if (lc) errs.push(...validateLifecycle(lc, `${p}.lifecycle`));
    errs.push(...validateProbe(ctr['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
    errs.push(...validateProbe(ctr['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
    errs.push(...validateProbe(ctr['startupProbe'], `${p}.startupProbe`, 'startup'));
    if (ctr['restartPolicy'] !== undefined && ctr['restartPolicy'] !== null) {
      errs.push(field.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    }
  });
  errs.push(...hostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(inits: unknown, regular: unknown, vols: Map<string, Obj>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>(asArr(regular).map((c) => str(asObj(c)?.['name'])));
  asArr(inits).forEach((c, i) => {
    const ctr = asObj(c) ?? {};
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(ctr, vols, p));
    const rp = ctr['restartPolicy'];
    let always = false;
    if (rp !== undefined && rp !== null) {
      if (rp !== 'Always') errs.push(field.notSupported(`${p}.restartPolicy`, rp, ['Always']));
      always = rp === 'Always';
    }
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    errs.push(...hostPortConflicts([ctr], path));
    if (always) {
      const lc = asObj(ctr['lifecycle']);
      if (lc) errs.push(...validateLifecycle(lc, `${p}.lifecycle`));
      errs.push(...validateProbe(ctr['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
      errs.push(...validateProbe(ctr['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
      errs.push(...validateProbe(ctr['startupProbe'], `${p}.startupProbe`, 'startup'));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (ctr[f] !== undefined && ctr[f] !== null) errs.push(field.forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

// ---- pod spec ---------------------------------------------------------------------------------------

/** upstream ValidateTolerations. */
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(tolerations).forEach((tv, i) => {
    const t = asObj(tv) ?? {};
    const p = `${path}[${i}]`;
    const key = str(t['key']);
    const op = str(t['operator']);
    const value = str(t['value']);
    const effect = str(t['effect']);
    if (key) errs.push(...qualifiedName(key, `${p}.key`));
    if (!key && op !== 'Exists') {
      errs.push(field.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      errs.push(field.invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const m = isValidLabelValue(value);
      if (m.length) errs.push(field.invalid(`${p}.operator`, value, m.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(field.invalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(field.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(field.notSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

function validateDNSConfig(cfg: unknown, dnsPolicy: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const c = asObj(cfg);
  if (dnsPolicy === 'None') {
    if (!c) return [field.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (asArr(c['nameservers']).length === 0) return [field.required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!c) return errs;
  const ns = asArr(c['nameservers']);
  if (ns.length > 3) errs.push(field.invalid(`${path}.nameservers`, ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => {
    for (const m of isValidIP(str(n))) errs.push(field.invalid(`${path}.nameservers[${i}]`, n, m));
  });
  const searches = asArr(c['searches']);
  if (searches.length > 32) errs.push(field.invalid(`${path}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(field.invalid(`${path}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const v = str(s);
    if (v === '.') return;
    const t = v.endsWith('.') ? v.slice(0, -1) : v;
    for (const m of isDNS1123Subdomain(t)) errs.push(field.invalid(`${path}.searches[${i}]`, t, m));
  });
  asArr(c['options']).forEach((o, i) => {
    if (!str(asObj(o)?.['name'])) errs.push(field.required(`${path}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

/**
 * upstream ValidatePodSpec for a v1 PodSpec at `path` (e.g. `spec`, `spec.template.spec`): volumes, containers, init
 * containers, restart and DNS policy, node selector, pull secrets, DNS config, topology spread, names, deadlines,
 * tolerations, host aliases. Security context, affinity and resource claims are only lightly checked.
 */
export function validatePodSpec(spec: Obj, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) {
    errs.push(field.required(`${path}.terminationGracePeriodSeconds`));
  }
  const { vols, errs: vErrs } = validateVolumes(spec['volumes'], `${path}.volumes`);
  errs.push(...vErrs);
  errs.push(...validateContainers(spec['containers'], vols, `${path}.containers`));
  errs.push(...validateInitContainers(spec['initContainers'], spec['containers'], vols, `${path}.initContainers`));
  if (spec['hostNetwork'] === true) {
    asArr(spec['containers']).forEach((c, ci) => {
      asArr(asObj(c)?.['ports']).forEach((pv, pi) => {
        const port = asObj(pv) ?? {};
        const hp = typeof port['hostPort'] === 'number' ? port['hostPort'] : 0;
        const cp = typeof port['containerPort'] === 'number' ? port['containerPort'] : 0;
        if ((opts.isPod || hp !== 0) && hp !== cp) {
          errs.push(field.invalid(`${path}.containers[${ci}].ports[${pi}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const rp = str(spec['restartPolicy']);
  if (!rp) errs.push(field.required(`${path}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(field.notSupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']));
  const dp = str(spec['dnsPolicy']);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dp) errs.push(field.required(`${path}.dnsPolicy`));
  else if (!dnsPolicies.includes(dp)) errs.push(field.notSupported(`${path}.dnsPolicy`, dp, dnsPolicies));
  errs.push(...validateLabels(strMap(spec['nodeSelector']), `${path}.nodeSelector`));
  const psc = asObj(spec['securityContext']);
  if (psc) {
    for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) {
      const v = psc[f];
      if (typeof v === 'number' && (v < 0 || v > MAX_INT32)) errs.push(field.invalid(`${path}.securityContext.${f}`, v, inclusiveRangeError(0, MAX_INT32)));
    }
    if (psc['shareProcessNamespace'] === true && spec['hostPID'] === true) {
      errs.push(field.invalid(`${path}.securityContext.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
    }
  }
  asArr(spec['imagePullSecrets']).forEach((s, i) => {
    const o = asObj(s) ?? {};
    if (Object.keys(o).some((k) => k !== 'name')) errs.push(field.invalid(`${path}.imagePullSecrets[${i}]`, o, 'only name may be set'));
  });
  errs.push(...validateDNSConfig(spec['dnsConfig'], dp, `${path}.dnsConfig`));
  asArr(spec['readinessGates']).forEach((g, i) => errs.push(...qualifiedName(str(asObj(g)?.['conditionType']), `${path}.readinessGates[${i}].conditionType`)));
  const gates = new Set<string>();
  asArr(spec['schedulingGates']).forEach((g, i) => {
    const n = str(asObj(g)?.['name']);
    errs.push(...qualifiedName(n, `${path}.schedulingGates[${i}]`));
    if (gates.has(n)) errs.push(field.duplicate(`${path}.schedulingGates[${i}]`, n));
    gates.add(n);
  });
  asArr(spec['topologySpreadConstraints']).forEach((cv, i) => {
    const c = asObj(cv) ?? {};
    const p = `${path}.topologySpreadConstraints[${i}]`;
    const skew = typeof c['maxSkew'] === 'number' ? c['maxSkew'] : 0;
    if (skew <= 0) errs.push(field.invalid(`${p}.maxSkew`, skew, 'must be greater than zero'));
    if (!str(c['topologyKey'])) errs.push(field.required(`${p}.topologyKey`, 'can not be empty'));
    const wu = str(c['whenUnsatisfiable']);
    if (wu !== 'DoNotSchedule' && wu !== 'ScheduleAnyway') errs.push(field.notSupported(`${p}.whenUnsatisfiable`, wu, ['DoNotSchedule', 'ScheduleAnyway']));
    errs.push(...validateLabelSelector(c['labelSelector'], `${p}.labelSelector`));
  });
  const sa = str(spec['serviceAccountName']);
  if (sa) for (const m of nameIsDNSSubdomain(sa, false)) errs.push(field.invalid(`${path}.serviceAccountName`, sa, m));
  const node = str(spec['nodeName']);
  if (node) for (const m of nameIsDNSSubdomain(node, false)) errs.push(field.invalid(`${path}.nodeName`, node, m));
  const ads = spec['activeDeadlineSeconds'];
  if (typeof ads === 'number' && (ads < 1 || ads > MAX_INT32)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, MAX_INT32)));
  }
  if (str(spec['hostname'])) errs.push(...dnsLabel(str(spec['hostname']), `${path}.hostname`));
  if (str(spec['subdomain'])) errs.push(...dnsLabel(str(spec['subdomain']), `${path}.subdomain`));
  errs.push(...validateTolerations(spec['tolerations'], `${path}.tolerations`));
  asArr(spec['hostAliases']).forEach((h, i) => {
    const ha = asObj(h) ?? {};
    for (const m of isValidIP(str(ha['ip']))) errs.push(field.invalid(`${path}.hostAliases[${i}].ip`, str(ha['ip']), m));
    asArr(ha['hostnames']).forEach((hn, j) => errs.push(...dnsSubdomain(str(hn), `${path}.hostAliases[${i}].hostnames[${j}]`)));
  });
  const pcn = str(spec['priorityClassName']);
  if (pcn) for (const m of nameIsDNSSubdomain(pcn, false)) errs.push(field.invalid(`${path}.priorityClassName`, pcn, m));
  if (typeof spec['runtimeClassName'] === 'string') {
    for (const m of nameIsDNSSubdomain(spec['runtimeClassName'], false)) errs.push(field.invalid(`${path}.runtimeClassName`, spec['runtimeClassName'], m));
  }
  const pp = spec['preemptionPolicy'];
  if (typeof pp === 'string') {
    if (!pp) errs.push(field.required(`${path}.preemptionPolicy`));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(field.notSupported(`${path}.preemptionPolicy`, pp, ['PreemptLowerPriority', 'Never']));
  }
  const os = asObj(spec['os']);
  if (os) {
    const n = str(os['name']);
    if (!n) errs.push(field.required(`${path}.os.name`, 'cannot be empty'));
    else if (n !== 'linux' && n !== 'windows') errs.push(field.notSupported(`${path}.os`, n, ['linux', 'windows']));
  }
  if (opts.isPod) {
    for (const k of ['containers', 'initContainers']) {
      asArr(spec[k]).forEach((c, i) => {
        const img = str(asObj(c)?.['image']);
        if (img.length !== img.trim().length) errs.push(field.invalid(`${path}.${k}[${i}].image`, img, 'must not have leading or trailing whitespace'));
      });
    }
  }
  return errs;
}

/** upstream ValidatePodTemplateSpec at `path` (e.g. `spec.template`): labels, annotations, the pod spec, no ephemeral containers. */
export function validatePodTemplateSpec(tmpl: unknown, path: string): FieldError[] {
  const t = asObj(tmpl) ?? {};
  const meta = asObj(t['metadata']) ?? {};
  const spec = asObj(t['spec']) ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(strMap(meta['labels']), `${path}.labels`));
  errs.push(...validateAnnotations(strMap(meta['annotations']), `${path}.annotations`));
  errs.push(...validatePodSpec(spec, `${path}.spec`));
  if (asArr(spec['ephemeralContainers']).length > 0) {
    errs.push(field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** upstream ValidatePodCreate minus metadata: the spec (as a pod), no ephemeral containers, no nodeName with scheduling gates. */
export function validatePod(pod: Obj): FieldError[] {
  const spec = asObj(pod['spec']) ?? {};
  const errs = validatePodSpec(spec, 'spec', { isPod: true });
  if (asArr(spec['ephemeralContainers']).length > 0) errs.push(field.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec['nodeName']) && asArr(spec['schedulingGates']).length > 0) {
    errs.push(field.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** upstream updatablePodSpecFields, joined as ValidatePodUpdate prints them. */
export const POD_UPDATABLE_FIELDS =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A short, cmp.Diff-like listing of the leaves that differ between `a` (old) and `b` (new). */
export function specDiff(a: unknown, b: unknown, prefix = ''): string[] {
  if (deepEqual(a, b)) return [];
  const ao = asObj(a);
  const bo = asObj(b);
  if (ao && bo) {
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    return keys.flatMap((k) => specDiff(ao[k], bo[k], prefix ? `${prefix}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => specDiff(x, b[i], `${prefix}[${i}]`));
  }
  const out: string[] = [];
  if (a !== undefined && a !== null) out.push(`- ${prefix}: ${JSON.stringify(a)}`);
  if (b !== undefined && b !== null) out.push(`+ ${prefix}: ${JSON.stringify(b)}`);
  return out;
}

/** upstream validateOnlyAddedTolerations: existing tolerations may only change tolerationSeconds. */
function onlyAddedTolerations(newT: unknown, oldT: unknown, path: string): FieldError[] {
  const news = asArr(newT).map((t) => asObj(t) ?? {});
  for (const o of asArr(oldT)) {
    const old = asObj(o) ?? {};
    const found = news.some((n) => deepEqual({ ...old, tolerationSeconds: n['tolerationSeconds'] }, n));
    if (!found) return [field.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newT, path);
}

/**
 * upstream ValidatePodUpdate minus metadata: the new pod's create-time checks, then container count and image
 * rules, activeDeadlineSeconds transitions, toleration additions, scheduling gate deletions, and finally
 * `spec: Forbidden: pod updates may not change fields other than ...` with a diff of the rest of the spec.
 */
export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs = validatePodSpec(asObj(pod['spec']) ?? {}, 'spec', { isPod: true });
  const ns = asObj(pod['spec']) ?? {};
  const os = asObj(old['spec']) ?? {};
  for (const k of ['containers', 'initContainers']) {
    const nc = asArr(ns[k]);
    if (nc.length !== asArr(os[k]).length) {
      errs.push(field.forbidden(`spec.${k}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    nc.forEach((c, i) => {
      const img = str(asObj(c)?.['image']);
      if (!img) errs.push(field.required(`spec.${k}[${i}].image`));
      if (img.trim().length !== img.length) errs.push(field.invalid(`spec.${k}[${i}].image`, img, 'must not have leading or trailing whitespace'));
    });
  }
  const nads = ns['activeDeadlineSeconds'];
  const oads = os['activeDeadlineSeconds'];
  if (typeof nads === 'number') {
    if (nads < 0 || nads > MAX_INT32) {
      errs.push(field.invalid('spec.activeDeadlineSeconds', nads, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (typeof oads === 'number' && oads < nads) {
      errs.push(field.invalid('spec.activeDeadlineSeconds', nads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oads === 'number') {
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...onlyAddedTolerations(ns['tolerations'], os['tolerations'], 'spec.tolerations'));
  const oldGates = new Set(asArr(os['schedulingGates']).map((g) => str(asObj(g)?.['name'])));
  asArr(ns['schedulingGates']).forEach((g, i) => {
    const n = str(asObj(g)?.['name']);
    if (!oldGates.has(n)) errs.push(field.forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${n}'`));
  });
  if (deepEqual(ns, os)) return errs;
  const munged = clone(ns);
  for (const k of ['containers', 'initContainers']) {
    asArr(munged[k]).forEach((c, i) => {
      const o = asObj(asArr(os[k])[i]);
      const mc = asObj(c);
      if (mc) {
        if (o && o['image'] !== undefined) mc['image'] = o['image'];
        else delete mc['image'];
      }
    });
  }
  for (const k of ['activeDeadlineSeconds', 'schedulingGates', 'tolerations']) {
    if (os[k] === undefined) delete munged[k];
    else munged[k] = os[k];
  }
  const otgp = os['terminationGracePeriodSeconds'];
  if (typeof otgp === 'number' && otgp < 0 && munged['terminationGracePeriodSeconds'] === 1) munged['terminationGracePeriodSeconds'] = otgp;
  if (!deepEqual(munged, os)) {
    const diff = specDiff(os, munged).join('\n');
    errs.push(field.forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS}\n${diff}`));
  }
  return errs;
}


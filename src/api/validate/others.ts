// Basic validation of the remaining kinds: RBAC, scheduling, storage, networking, policy, discovery, coordination,
// Node, PersistentVolume(Claim), Endpoints, LimitRange, ResourceQuota, Event, PodTemplate, ControllerRevision, flowcontrol.
import { isIPv6 } from 'node:net';
import {
  field,
  type FieldError,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from '../../apimachinery/index.js';
import { validatePodTemplateSpec, specDiff, resourceQuantity } from './pod.js';
import {
  asArr,
  asObj,
  deepEqual,
  dnsLabel,
  dnsSubdomain,
  immutable,
  intOrString,
  nonNegative,
  notMoreThan100Percent,
  type Obj,
  qualifiedName,
  quantity,
  sortedKeys,
  str,
  strMap,
  validateLabelSelector,
  validatePositiveIntOrPercent,
} from './util.js';
import { isValidPathSegmentName } from './autoscaling.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

// ---- RBAC -------------------------------------------------------------------------------------------

function policyRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (asArr(rule['verbs']).length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = asArr(rule['nonResourceURLs']);
  if (urls.length > 0) {
    if (namespaced) errs.push(field.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (asArr(rule['apiGroups']).length + asArr(rule['resources']).length + asArr(rule['resourceNames']).length > 0) {
      errs.push(field.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (asArr(rule['apiGroups']).length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (asArr(rule['resources']).length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

/** upstream ValidateRole / ValidateClusterRole minus metadata. */
export function validateRole(obj: Obj, namespaced: boolean): FieldError[] {
  const errs = asArr(obj['rules']).flatMap((r, i) => policyRule(asObj(r) ?? {}, namespaced, `rules[${i}]`));
  const agg = asObj(obj['aggregationRule']);
  if (agg) {
    const sels = asArr(agg['clusterRoleSelectors']);
    if (sels.length === 0) errs.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function subject(s: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s['name']);
  const apiGroup = str(s['apiGroup']);
  if (!name) errs.push(field.required(`${path}.name`));
  switch (str(s['kind'])) {
    case 'ServiceAccount':
      if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
      if (apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !str(s['namespace'])) errs.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, str(s['kind']), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** upstream ValidateRoleBinding / ValidateClusterRoleBinding minus metadata. */
export function validateRoleBinding(obj: Obj, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asObj(obj['roleRef']) ?? {};
  if (str(ref['apiGroup']) !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', str(ref['apiGroup']), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref['kind']))) errs.push(field.notSupported('roleRef.kind', str(ref['kind']), kinds));
  const name = str(ref['name']);
  if (!name) errs.push(field.required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name)) errs.push(field.invalid('roleRef.name', name, m));
  asArr(obj['subjects']).forEach((s, i) => errs.push(...subject(asObj(s) ?? {}, namespaced, `subjects[${i}]`)));
  return errs;
}

/** RoleBinding/ClusterRoleBinding update: `roleRef: Invalid value: ...: cannot change roleRef`. */
export function validateRoleBindingUpdate(obj: Obj, old: Obj, namespaced: boolean): FieldError[] {
  const errs = validateRoleBinding(obj, namespaced);
  if (!deepEqual(obj['roleRef'], old['roleRef'])) errs.push(field.invalid('roleRef', obj['roleRef'] ?? null, 'cannot change roleRef'));
  return errs;
}

// ---- scheduling / storage -----------------------------------------------------------------------------

const SYSTEM_PRIORITY_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/** upstream ValidatePriorityClass minus metadata. */
export function validatePriorityClass(pc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(asObj(pc['metadata'])?.['name']);
  const value = typeof pc['value'] === 'number' ? pc['value'] : 0;
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    if (known === undefined) {
      errs.push(field.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${name} is not a known system priority class`));
    } else if (known !== value) {
      errs.push(field.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: value of ${name} PriorityClass must be ${known}`));
    }
  } else if (value > 1000000000) {
    errs.push(field.forbidden('value', 'maximum allowed value of a user defined priority is 1000000000'));
  }
  const pp = pc['preemptionPolicy'];
  if (typeof pp === 'string') {
    if (!pp) errs.push(field.required('preemptionPolicy'));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(field.notSupported('preemptionPolicy', pp, ['PreemptLowerPriority', 'Never']));
  }
  return errs;
}

/** upstream ValidatePriorityClassUpdate minus metadata: value and preemptionPolicy are fixed. */
export function validatePriorityClassUpdate(pc: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if ((pc['value'] ?? 0) !== (old['value'] ?? 0)) errs.push(field.forbidden('value', 'may not be changed in an update.'));
  errs.push(...immutable(pc['preemptionPolicy'], old['preemptionPolicy'], 'preemptionPolicy'));
  return errs;
}

/** upstream ValidateStorageClass minus metadata. */
export function validateStorageClass(sc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const prov = str(sc['provisioner']);
  if (!prov) errs.push(field.required('provisioner', prov));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(field.invalid('provisioner', prov, m));
  const params = strMap(sc['parameters']);
  if (Object.keys(params).length > 512) errs.push({ type: 'FieldValueTooMany', field: 'parameters', detail: 'must have at most 512 items' });
  let size = 0;
  for (const k of sortedKeys(params)) {
    if (!k) errs.push(field.invalid('parameters', params, 'key must not be empty'));
    size += k.length + str(params[k]).length;
  }
  if (size > 256 * 1024) errs.push(field.tooLong('parameters', 256 * 1024));
  const rp = sc['reclaimPolicy'];
  if (typeof rp === 'string' && rp !== 'Delete' && rp !== 'Retain') errs.push(field.notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
  const vbm = sc['volumeBindingMode'];
  if (typeof vbm !== 'string') errs.push(field.required('volumeBindingMode'));
  else if (vbm !== 'Immediate' && vbm !== 'WaitForFirstConsumer') errs.push(field.notSupported('volumeBindingMode', vbm, ['Immediate', 'WaitForFirstConsumer']));
  return errs;
}

/** upstream ValidateStorageClassUpdate minus metadata: parameters, provisioner, reclaimPolicy, volumeBindingMode are fixed. */
export function validateStorageClassUpdate(sc: Obj, old: Obj): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!deepEqual(sc['parameters'], old['parameters'])) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(sc['provisioner']) !== str(old['provisioner'])) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(sc['reclaimPolicy']) !== str(old['reclaimPolicy'])) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(sc['volumeBindingMode'], old['volumeBindingMode'], 'volumeBindingMode'));
  return errs;
}

// ---- networking ---------------------------------------------------------------------------------------

function ingressBackend(b: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const svc = asObj(b['service']);
  const res = asObj(b['resource']);
  if (svc && res) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (res) {
    if (!str(res['kind'])) errs.push(field.required(`${path}.resource.kind`));
    if (!str(res['name'])) errs.push(field.required(`${path}.resource.name`));
    return errs;
  }
  if (!svc) return [field.invalid(path, '', 'resource or service backend is required')];
  const name = str(svc['name']);
  if (!name) errs.push(field.required(`${path}.service.name`));
  else for (const m of nameIsDNS1035(name)) errs.push(field.invalid(`${path}.service.name`, name, m));
  const port = asObj(svc['port']) ?? {};
  const pn = str(port['name']);
  const pnum = typeof port['number'] === 'number' ? port['number'] : 0;
  if (pn && pnum) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (pn) for (const m of isValidPortName(pn)) errs.push(field.invalid(`${path}.service.port.name`, pn, m));
  else if (pnum) for (const m of isValidPortNum(pnum)) errs.push(field.invalid(`${path}.service.port.number`, pnum, m));
  else errs.push(field.required(path, 'port name or number is required'));
  return errs;
}

function nameIsDNS1035(n: string): string[] {
  return /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(n) && n.length <= 63
    ? []
    : [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ];
}

/** upstream ValidateIngressSpec (networking/v1) minus metadata. */
export function validateIngress(ing: Obj): FieldError[] {
  const spec = asObj(ing['spec']) ?? {};
  const errs: FieldError[] = [];
  const rules = asArr(spec['rules']);
  const db = asObj(spec['defaultBackend']);
  if (rules.length === 0 && !db) errs.push(field.invalid('spec', spec['rules'] ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (db) errs.push(...ingressBackend(db, 'spec.defaultBackend'));
  rules.forEach((rv, i) => {
    const r = asObj(rv) ?? {};
    const p = `spec.rules[${i}]`;
    const host = str(r['host']);
    if (host) {
      if (isValidIP(host).length === 0) errs.push(field.invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      const h = host.startsWith('*.') ? host.slice(2) : host;
      for (const m of isDNS1123Subdomain(h)) errs.push(field.invalid(`${p}.host`, host, m));
    }
    const http = asObj(r['http']);
    if (!http) return;
    const paths = asArr(http['paths']);
    if (paths.length === 0) errs.push(field.required(`${p}.http.paths`));
    paths.forEach((pv, j) => {
      const hp = asObj(pv) ?? {};
      const pp = `${p}.http.paths[${j}]`;
      const pt = hp['pathType'];
      const pathStr = str(hp['path']);
      if (typeof pt !== 'string') errs.push(field.required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!['Exact', 'ImplementationSpecific', 'Prefix'].includes(pt)) errs.push(field.notSupported(`${pp}.pathType`, pt, ['Exact', 'ImplementationSpecific', 'Prefix']));
      else if (pt !== 'ImplementationSpecific' || pathStr) {
        if (!pathStr.startsWith('/')) errs.push(field.invalid(`${pp}.path`, pathStr, 'must be an absolute path'));
      }
      errs.push(...ingressBackend(asObj(hp['backend']) ?? {}, `${pp}.backend`));
    });
  });
  const cls = spec['ingressClassName'];
  if (typeof cls === 'string') errs.push(...dnsSubdomain(cls, 'spec.ingressClassName'));
  return errs;
}

/** upstream ValidateIngressClass minus metadata: a domain-prefixed controller, at most 250 characters. */
export function validateIngressClass(ic: Obj): FieldError[] {
  const c = str(asObj(ic['spec'])?.['controller']);
  const errs: FieldError[] = [];
  if (c.length > 250) errs.push(field.tooLong('spec.controller', 250));
  if (!c) errs.push(field.required('spec.controller'));
  else {
    const i = c.indexOf('/');
    if (i < 0) errs.push(field.invalid('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const m of isDNS1123Subdomain(c.slice(0, i))) errs.push(field.invalid('spec.controller', c, m));
  }
  return errs;
}

function netpolPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(ports).forEach((pv, i) => {
    const port = asObj(pv) ?? {};
    const p = `${path}[${i}]`;
    const proto = port['protocol'];
    if (typeof proto === 'string' && !PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    const pt = intOrString(port['port']);
    if (pt.type === 'int') for (const m of isValidPortNum(pt.int)) errs.push(field.invalid(`${p}.port`, pt.int, m));
    else if (pt.type === 'string') for (const m of isValidPortName(pt.str)) errs.push(field.invalid(`${p}.port`, pt.str, m));
    const end = port['endPort'];
    if (typeof end === 'number') {
      if (pt.type === 'string') errs.push(field.forbidden(`${p}.endPort`, 'may not be specified when `port` is non-numeric'));
      else if (pt.type === 'none') errs.push(field.forbidden(`${p}.endPort`, 'may not be specified when `port` is not specified'));
      else {
        for (const m of isValidPortNum(end)) errs.push(field.invalid(`${p}.endPort`, end, m));
        if (end < pt.int) errs.push(field.invalid(`${p}.endPort`, end, 'must be greater than or equal to `port`'));
      }
    }
  });
  return errs;
}

function netpolPeers(peers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(peers).forEach((pv, i) => {
    const peer = asObj(pv) ?? {};
    const p = `${path}[${i}]`;
    let n = 0;
    if (peer['podSelector'] != null) {
      n++;
      errs.push(...validateLabelSelector(peer['podSelector'], `${p}.podSelector`));
    }
    if (peer['namespaceSelector'] != null) {
      n++;
      errs.push(...validateLabelSelector(peer['namespaceSelector'], `${p}.namespaceSelector`));
    }
    const ipb = asObj(peer['ipBlock']);
    if (ipb) {
      n++;
      const cidr = str(ipb['cidr']);
      if (!cidr) errs.push(field.required(`${p}.ipBlock.cidr`));
      else for (const m of isValidCIDR(cidr)) errs.push(field.invalid(`${p}.ipBlock.cidr`, cidr, m));
      asArr(ipb['except']).forEach((e, j) => {
        for (const m of isValidCIDR(str(e))) errs.push(field.invalid(`${p}.ipBlock.except[${j}]`, e, m));
      });
    }
    if (n === 0) errs.push(field.required(p, 'must specify a peer'));
    else if (ipb && n > 1) errs.push(field.forbidden(p, 'may not specify both ipBlock and another peer'));
  });
  return errs;
}

/** upstream ValidateNetworkPolicySpec minus metadata. */
export function validateNetworkPolicy(np: Obj): FieldError[] {
  const spec = asObj(np['spec']) ?? {};
  const errs = validateLabelSelector(spec['podSelector'], 'spec.podSelector');
  asArr(spec['ingress']).forEach((r, i) => {
    errs.push(...netpolPorts(asObj(r)?.['ports'], `spec.ingress[${i}].ports`));
    errs.push(...netpolPeers(asObj(r)?.['from'], `spec.ingress[${i}].from`));
  });
  asArr(spec['egress']).forEach((r, i) => {
    errs.push(...netpolPorts(asObj(r)?.['ports'], `spec.egress[${i}].ports`));
    errs.push(...netpolPeers(asObj(r)?.['to'], `spec.egress[${i}].to`));
  });
  const types = asArr(spec['policyTypes']);
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  if (types.length > 2) errs.push(field.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

// ---- policy / coordination / discovery --------------------------------------------------------------

/** upstream ValidatePodDisruptionBudgetSpec minus metadata. */
export function validatePDB(pdb: Obj): FieldError[] {
  const spec = asObj(pdb['spec']) ?? {};
  const errs: FieldError[] = [];
  const min = spec['minAvailable'];
  const max = spec['maxUnavailable'];
  if (min != null && max != null) errs.push(field.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const [k, v] of [['minAvailable', min], ['maxUnavailable', max]] as const) {
    if (v == null) continue;
    errs.push(...validatePositiveIntOrPercent(v, `spec.${k}`));
    errs.push(...notMoreThan100Percent(v, `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  const up = spec['unhealthyPodEvictionPolicy'];
  if (typeof up === 'string' && up !== 'AlwaysAllow' && up !== 'IfHealthyBudget') {
    errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', up, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

/** upstream ValidateLeaseSpec minus metadata. */
export function validateLease(lease: Obj): FieldError[] {
  const spec = asObj(lease['spec']) ?? {};
  const errs: FieldError[] = [];
  const d = spec['leaseDurationSeconds'];
  if (typeof d === 'number' && d <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  errs.push(...nonNegative(spec['leaseTransitions'], 'spec.leaseTransitions'));
  const ps = spec['preferredHolder'];
  if (typeof ps === 'string' && spec['strategy'] == null) errs.push(field.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

/** upstream ValidateEndpointSlice minus metadata. */
export function validateEndpointSlice(es: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const at = str(es['addressType']);
  if (!ADDRESS_TYPES.includes(at)) errs.push(field.notSupported('addressType', at, ADDRESS_TYPES));
  const eps = asArr(es['endpoints']);
  if (eps.length > 1000) errs.push({ type: 'FieldValueTooMany', field: 'endpoints', detail: 'must have at most 1000 items' });
  eps.forEach((ev, i) => {
    const ep = asObj(ev) ?? {};
    const p = `endpoints[${i}]`;
    const addrs = asArr(ep['addresses']);
    if (addrs.length === 0) errs.push(field.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push({ type: 'FieldValueTooMany', field: `${p}.addresses`, detail: 'must have at most 100 items' });
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      const s = str(a);
      if (at === 'IPv4') {
        if (isValidIP(s).length || isIPv6(s)) errs.push(field.invalid(ap, s, 'must be a valid IPv4 address'));
      } else if (at === 'IPv6') {
        if (!isIPv6(s)) errs.push(field.invalid(ap, s, 'must be a valid IPv6 address'));
      } else if (at === 'FQDN') errs.push(...dnsSubdomain(s, ap));
    });
    const hn = ep['hostname'];
    if (typeof hn === 'string') errs.push(...dnsLabel(hn, `${p}.hostname`));
  });
  const names = new Set<string>();
  asArr(es['ports']).forEach((pv, i) => {
    const port = asObj(pv) ?? {};
    const p = `ports[${i}]`;
    const name = str(port['name']);
    if (name) errs.push(...dnsLabel(name, `${p}.name`));
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    names.add(name);
    const proto = port['protocol'];
    if (typeof proto !== 'string') errs.push(field.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    if (typeof port['port'] === 'number') for (const m of isValidPortNum(port['port'])) errs.push(field.invalid(`${p}.port`, port['port'], m));
    if (typeof port['appProtocol'] === 'string') errs.push(...qualifiedName(port['appProtocol'], `${p}.appProtocol`));
  });
  return errs;
}

/** upstream validateEndpointSubsets (core Endpoints) minus metadata. */
export function validateEndpoints(ep: Obj): FieldError[] {
  const errs: FieldError[] = [];
  asArr(ep['subsets']).forEach((sv, i) => {
    const ss = asObj(sv) ?? {};
    const p = `subsets[${i}]`;
    const addrs = asArr(ss['addresses']);
    const nra = asArr(ss['notReadyAddresses']);
    if (addrs.length === 0 && nra.length === 0) errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [k, list] of [['addresses', addrs], ['notReadyAddresses', nra]] as const) {
      list.forEach((av, j) => {
        const a = asObj(av) ?? {};
        const ap = `${p}.${k}[${j}]`;
        const ip = str(a['ip']);
        for (const m of isValidIP(ip)) errs.push(field.invalid(`${ap}.ip`, ip, m));
        if (str(a['hostname'])) errs.push(...dnsLabel(str(a['hostname']), `${ap}.hostname`));
        if (typeof a['nodeName'] === 'string') for (const m of nameIsDNSSubdomain(a['nodeName'], false)) errs.push(field.invalid(`${ap}.nodeName`, a['nodeName'], m));
      });
    }
    const ports = asArr(ss['ports']);
    ports.forEach((pv, j) => {
      const port = asObj(pv) ?? {};
      const pp = `${p}.ports[${j}]`;
      const name = str(port['name']);
      if (ports.length > 1 && !name) errs.push(field.required(`${pp}.name`));
      else if (name) errs.push(...dnsLabel(name, `${pp}.name`));
      const n = typeof port['port'] === 'number' ? port['port'] : 0;
      for (const m of isValidPortNum(n)) errs.push(field.invalid(`${pp}.port`, n, m));
      const proto = str(port['protocol']);
      if (!proto) errs.push(field.required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    });
  });
  return errs;
}

// ---- core: Node, PV, PVC, LimitRange, ResourceQuota, Event, PodTemplate --------------------------------

function validateTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  asArr(taints).forEach((tv, i) => {
    const t = asObj(tv) ?? {};
    const p = `${path}[${i}]`;
    errs.push(...qualifiedName(str(t['key']), `${p}.key`));
    const m = isValidLabelValue(str(t['value']));
    if (m.length) errs.push(field.invalid(`${p}.value`, str(t['value']), m.join(';')));
    const eff = str(t['effect']);
    if (!eff) errs.push(field.required(`${p}.effect`));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(eff)) errs.push(field.notSupported(`${p}.effect`, eff, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    const key = `${eff}\u0000${str(t['key'])}`;
    if (seen.has(key)) errs.push({ ...field.duplicate(p, t), detail: 'taints must be unique by key and effect pair' });
    seen.add(key);
  });
  return errs;
}

/** upstream ValidateNode minus metadata: taints, podCIDRs (valid, one per family, no duplicates). */
export function validateNode(node: Obj): FieldError[] {
  const spec = asObj(node['spec']) ?? {};
  const errs = validateTaints(spec['taints'], 'metadata.taints');
  const cidrs = asArr(spec['podCIDRs']).map(str);
  cidrs.forEach((c, i) => {
    for (const m of isValidCIDR(c)) errs.push(field.invalid(`spec.podCIDRs[${i}]`, c, m));
  });
  if (cidrs.length > 1) {
    const fam = (c: string) => isIPv6(c.split('/')[0] ?? '');
    if (cidrs.length > 2 || fam(cidrs[0] ?? '') === fam(cidrs[1] ?? '')) {
      errs.push(field.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(field.duplicate(`spec.podCIDRs[${i}]`, c));
      seen.add(c);
    });
  }
  return errs;
}

/** upstream ValidateNodeUpdate minus metadata: podCIDRs and providerID may only be set once. */
export function validateNodeUpdate(node: Obj, old: Obj): FieldError[] {
  const ns = asObj(node['spec']) ?? {};
  const os = asObj(old['spec']) ?? {};
  const errs = validateTaints(ns['taints'], 'metadata.taints');
  const oc = asArr(os['podCIDRs']);
  const nc = asArr(ns['podCIDRs']);
  if (oc.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oc.length !== nc.length) errs.push(field.forbidden('spec.podCIDRs', msg));
    else oc.forEach((c, i) => c !== nc[i] && errs.push(field.forbidden('spec.podCIDRs', msg)));
  }
  if (str(os['providerID']) && str(os['providerID']) !== str(ns['providerID'])) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi', 'iscsi',
];

function accessModes(modes: unknown, path: string, requiredMsg: string): FieldError[] {
  const list = asArr(modes).map(str);
  const errs: FieldError[] = [];
  if (list.length === 0) errs.push(field.required(path, requiredMsg));
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.some((m) => m !== 'ReadWriteOncePod' && ACCESS_MODES.includes(m))) {
    errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

/** upstream ValidatePersistentVolumeSpec (basics) minus metadata. */
export function validatePersistentVolume(pv: Obj): FieldError[] {
  const spec = asObj(pv['spec']) ?? {};
  const errs = accessModes(spec['accessModes'], 'spec.accessModes', '');
  const cap = strMap(spec['capacity']);
  const keys = sortedKeys(cap);
  if (keys.length === 0) errs.push(field.required('spec.capacity'));
  else if (!('storage' in cap) || keys.length > 1) errs.push(field.notSupported('spec.capacity', keys, ['storage']));
  for (const k of keys) errs.push(...resourceQuantity(k, cap[k], `spec.capacity[${k}]`).errs);
  const rp = spec['persistentVolumeReclaimPolicy'];
  if (typeof rp === 'string' && !['Delete', 'Recycle', 'Retain'].includes(rp)) errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  const sc = spec['storageClassName'];
  if (typeof sc === 'string' && sc) for (const m of nameIsDNSSubdomain(sc, false)) errs.push(field.invalid('spec.storageClassName', sc, m));
  const present = PV_SOURCES.filter((k) => spec[k] != null);
  if (present.length === 0) errs.push(field.required('spec', 'must specify a volume type'));
  for (const k of present.slice(1)) errs.push(field.forbidden(`spec.${k}`, 'may not specify more than 1 volume type'));
  const hp = asObj(spec['hostPath']);
  if (hp && !str(hp['path'])) errs.push(field.required('spec.hostPath.path'));
  const local = asObj(spec['local']);
  if (local && !str(local['path'])) errs.push(field.required('spec.local.path'));
  const vm = spec['volumeMode'];
  if (typeof vm === 'string' && vm !== 'Block' && vm !== 'Filesystem') errs.push(field.notSupported('spec.volumeMode', vm, ['Block', 'Filesystem']));
  return errs;
}

/** upstream ValidatePersistentVolumeClaimSpec (basics) minus metadata, at `path`. */
export function validatePVCSpec(spec: Obj, path: string): FieldError[] {
  const errs = accessModes(spec['accessModes'], `${path}.accessModes`, 'at least 1 access mode is required');
  if (spec['selector'] != null) errs.push(...validateLabelSelector(spec['selector'], `${path}.selector`));
  const req = strMap(asObj(spec['resources'])?.['requests']);
  const sp = `${path}.resources[storage]`;
  if (!('storage' in req)) errs.push(field.required(sp));
  else {
    const { q, err } = quantity(req['storage']);
    if (!q) errs.push(field.invalid(sp, req['storage'], err ?? ''));
    else if (q.sign() <= 0) errs.push(field.invalid(sp, q.toString(), 'must be greater than zero'));
  }
  const sc = spec['storageClassName'];
  if (typeof sc === 'string' && sc) for (const m of nameIsDNSSubdomain(sc, false)) errs.push(field.invalid(`${path}.storageClassName`, sc, m));
  const vm = spec['volumeMode'];
  if (typeof vm === 'string' && vm !== 'Block' && vm !== 'Filesystem') errs.push(field.notSupported(`${path}.volumeMode`, vm, ['Block', 'Filesystem']));
  return errs;
}

/** upstream ValidatePersistentVolumeClaimUpdate minus metadata: spec is fixed except volumeName once and bound requests. */
export function validatePVCUpdate(pvc: Obj, old: Obj): FieldError[] {
  const errs = validatePVCSpec(asObj(pvc['spec']) ?? {}, 'spec');
  const ns = structuredClone(asObj(pvc['spec']) ?? {});
  const os = structuredClone(asObj(old['spec']) ?? {});
  if (!str(os['volumeName'])) os['volumeName'] = ns['volumeName'];
  const bound = str(asObj(pvc['status'])?.['phase']) === 'Bound';
  if (bound) {
    const nr = asObj(asObj(ns['resources'])?.['requests']);
    if (nr) nr['storage'] = asObj(asObj(os['resources'])?.['requests'])?.['storage'];
    if (ns['volumeAttributesClassName'] != null) ns['volumeAttributesClassName'] = os['volumeAttributesClassName'];
  }
  if (!deepEqual(ns, os)) {
    errs.push(field.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(os, ns).join('\n')}`));
  }
  const newSize = quantity(asObj(asObj(asObj(pvc['spec'])?.['resources'])?.['requests'])?.['storage']).q;
  const oldSize = quantity(asObj(asObj(asObj(old['spec'])?.['resources'])?.['requests'])?.['storage']).q;
  if (newSize && oldSize && newSize.cmp(oldSize) < 0) errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  errs.push(...immutable(asObj(pvc['spec'])?.['volumeMode'], asObj(old['spec'])?.['volumeMode'], 'volumeMode'));
  return errs;
}

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/** upstream ValidateLimitRange (type names, duplicates, quantities, Pod defaults) minus metadata. */
export function validateLimitRange(lr: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  asArr(asObj(lr['spec'])?.['limits']).forEach((lv, i) => {
    const l = asObj(lv) ?? {};
    const p = `spec.limits[${i}]`;
    const t = str(l['type']);
    const qn = isQualifiedName(t);
    if (qn.length) for (const m of qn) errs.push(field.invalid(`${p}.type`, t, m));
    else if (!t.includes('/') && !LIMIT_TYPES.includes(t)) errs.push(field.invalid(`${p}.type`, t, 'must be a standard limit type or fully qualified'));
    if (seen.has(t)) errs.push(field.duplicate(`${p}.type`, t));
    seen.add(t);
    if (t === 'Pod') {
      if (Object.keys(strMap(l['default'])).length) errs.push(field.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(strMap(l['defaultRequest'])).length) errs.push(field.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      const m = strMap(l[k]);
      for (const r of sortedKeys(m)) errs.push(...resourceQuantity(r, m[r], `${p}.${k}[${r}]`).errs);
    }
  });
  return errs;
}

/** upstream ValidateResourceQuotaSpec (quantities, scopes) minus metadata. */
export function validateResourceQuota(rq: Obj): FieldError[] {
  const spec = asObj(rq['spec']) ?? {};
  const errs: FieldError[] = [];
  const hard = strMap(spec['hard']);
  for (const k of sortedKeys(hard)) {
    for (const m of isQualifiedName(k)) errs.push(field.invalid(`spec.hard[${k}]`, k, m));
    errs.push(...resourceQuantity(k, hard[k], `spec.hard[${k}]`).errs);
  }
  const scopes = asArr(spec['scopes']).map(str);
  const known = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
  for (const s of scopes) if (!known.includes(s)) errs.push(field.invalid('spec.scopes', scopes, 'unsupported scope'));
  if ((scopes.includes('BestEffort') && scopes.includes('NotBestEffort')) || (scopes.includes('Terminating') && scopes.includes('NotTerminating'))) {
    errs.push(field.invalid('spec.scopes', scopes, 'conflicting scopes'));
  }
  return errs;
}

/** ResourceQuota update: scopes are immutable. */
export function validateResourceQuotaUpdate(rq: Obj, old: Obj): FieldError[] {
  const errs = validateResourceQuota(rq);
  const a = new Set(asArr(asObj(rq['spec'])?.['scopes']).map(str));
  const b = new Set(asArr(asObj(old['spec'])?.['scopes']).map(str));
  if (a.size !== b.size || [...a].some((s) => !b.has(s))) errs.push(field.invalid('spec.scopes', asArr(asObj(rq['spec'])?.['scopes']), 'field is immutable'));
  return errs;
}

/** core/v1 Event (basics): the involved object's namespace must match the event's. */
export function validateEvent(ev: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(asObj(ev['metadata'])?.['namespace']);
  const io = asObj(ev['involvedObject']) ?? {};
  const ions = str(io['namespace']);
  if (ions && ns !== ions) errs.push(field.invalid('involvedObject.namespace', ions, 'does not match event.namespace'));
  const type = ev['type'];
  if (ev['reportingComponent'] && typeof type === 'string' && type !== 'Normal' && type !== 'Warning') {
    errs.push(field.invalid('type', type, 'has invalid value: ' + type));
  }
  return errs;
}

/** upstream ValidatePodTemplate minus metadata. */
export function validatePodTemplate(pt: Obj): FieldError[] {
  return validatePodTemplateSpec(pt['template'], 'template');
}

/** upstream ValidateControllerRevision minus metadata. */
export function validateControllerRevision(cr: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (cr['data'] === undefined || cr['data'] === null) errs.push(field.required('data', 'data is mandatory'));
  errs.push(...nonNegative(cr['revision'], 'revision'));
  return errs;
}

/** flowcontrol FlowSchema basics: a priority level reference and a matching precedence in 1..10000. */
export function validateFlowSchema(fs: Obj): FieldError[] {
  const spec = asObj(fs['spec']) ?? {};
  const errs: FieldError[] = [];
  const mp = spec['matchingPrecedence'];
  if (typeof mp === 'number' && (mp <= 0 || mp > 10000)) errs.push(field.invalid('spec.matchingPrecedence', mp, 'must be between 1 and 10000 inclusively'));
  const pl = str(asObj(spec['priorityLevelConfiguration'])?.['name']);
  if (!pl) errs.push(field.required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  else for (const m of nameIsDNSSubdomain(pl, false)) errs.push(field.invalid('spec.priorityLevelConfiguration.name', pl, m));
  return errs;
}

/** flowcontrol PriorityLevelConfiguration basics: type Exempt or Limited with the matching section. */
export function validatePriorityLevelConfiguration(plc: Obj): FieldError[] {
  const spec = asObj(plc['spec']) ?? {};
  const type = str(spec['type']);
  const errs: FieldError[] = [];
  if (type === 'Limited') {
    if (!asObj(spec['limited'])) errs.push(field.required('spec.limited', 'must not be empty when type is Limited'));
    if (spec['exempt'] != null) errs.push(field.forbidden('spec.exempt', 'must be nil if the type is Limited'));
  } else if (type === 'Exempt') {
    if (spec['limited'] != null) errs.push(field.forbidden('spec.limited', 'must be nil if the type is not Limited'));
  } else errs.push(field.notSupported('spec.type', type, ['Exempt', 'Limited']));
  return errs;
}


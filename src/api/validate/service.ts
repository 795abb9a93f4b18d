// Service validation (upstream ValidateService / ValidateServiceUpdate), on v1 objects.
import { isIPv6 } from 'node:net';
import { field, type FieldError, isValidCIDR, isValidIP, isValidPortNum } from '../../apimachinery/index.js';
import { validateLabels } from '../../apimachinery/index.js';
import { asArr, asObj, dnsLabel, dnsSubdomain, intOrString, type Obj, qualifiedName, str, strMap } from './util.js';
import { isValidPortName } from '../../apimachinery/index.js';

const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** The clusterIPs a v1 service carries (`clusterIPs`, else `[clusterIP]` when set). */
export function clusterIPsOf(spec: Obj): string[] {
  const ips = asArr(spec['clusterIPs']).map(str);
  if (ips.length > 0) return ips;
  const ip = str(spec['clusterIP']);
  return ip ? [ip] : [];
}

const isHeadless = (spec: Obj) => {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
};

/** upstream apiservice.ExternallyAccessible. */
const externallyAccessible = (spec: Obj) =>
  spec['type'] === 'LoadBalancer' || spec['type'] === 'NodePort' || (spec['type'] === 'ClusterIP' && asArr(spec['externalIPs']).length > 0);

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sp['name']);
  if (requireName && !name) errs.push(field.required(`${path}.name`));
  else if (name) {
    errs.push(...dnsLabel(name, `${path}.name`));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = typeof sp['port'] === 'number' ? sp['port'] : 0;
  for (const m of isValidPortNum(port)) errs.push(field.invalid(`${path}.port`, port, m));
  const proto = str(sp['protocol']);
  if (!proto) errs.push(field.required(`${path}.protocol`));
  else if (!SUPPORTED_PROTOCOLS.includes(proto)) errs.push(field.notSupported(`${path}.protocol`, proto, SUPPORTED_PROTOCOLS));
  const tp = intOrString(sp['targetPort']);
  if (tp.type === 'string') for (const m of isValidPortName(tp.str)) errs.push(field.invalid(`${path}.targetPort`, tp.str, m));
  else {
    const v = tp.type === 'int' ? tp.int : 0;
    for (const m of isValidPortNum(v)) errs.push(field.invalid(`${path}.targetPort`, v, m));
  }
  if (typeof sp['appProtocol'] === 'string') errs.push(...qualifiedName(sp['appProtocol'], `${path}.appProtocol`));
  return errs;
}

/** upstream ValidateNonSpecialIP. */
function nonSpecialIP(ip: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const v6 = isIPv6(ip);
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || lower === '::') errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if ((!v6 && ip.split('.')[0] === '127') || lower === '::1') errs.push(field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if ((!v6 && ip.startsWith('169.254.')) || /^fe[89ab]/.test(lower)) {
    errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if ((!v6 && ip.startsWith('224.0.0.')) || lower.startsWith('ff02:')) {
    errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** upstream ValidateServiceClusterIPsRelatedFields. */
function clusterIPsRelated(spec: Obj): FieldError[] {
  if (spec['type'] === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIP = str(spec['clusterIP']);
  const ips = asArr(spec['clusterIPs']).map(str);
  const families = asArr(spec['ipFamilies']).map(str);
  if (clusterIP) {
    if (ips.length === 0) errs.push(field.required('spec.clusterIPs'));
    else if (ips[0] !== clusterIP) errs.push(field.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(field.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(field.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  const policy = spec['ipFamilyPolicy'];
  if (typeof policy === 'string' && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(policy)) {
    errs.push(field.notSupported('spec.ipFamilyPolicy', policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  let invalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        invalidIPs = true;
        errs.push(field.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const m = isValidIP(ip);
    if (m.length) invalidIPs = true;
    for (const msg of m) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, msg));
  });
  if (ips.length > 2) errs.push(field.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (invalidIPs) return errs;
  if (ips.length > 1 && isIPv6(ips[0] ?? '') === isIPv6(ips[1] ?? '')) {
    errs.push(field.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const fam = families[i];
      if (fam === 'IPv4' && isIPv6(ip)) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fam === 'IPv6' && !isIPv6(ip)) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** upstream ValidateService minus metadata, on a defaulted v1 Service. */
export function validateService(svc: Obj): FieldError[] {
  const spec = asObj(svc['spec']) ?? {};
  const errs: FieldError[] = [];
  const type = str(spec['type']);
  const ports = asArr(spec['ports']).map((p) => asObj(p) ?? {});
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
      break;
    case 'ExternalName': {
      if (clusterIPsOf(spec).length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (asArr(spec['ipFamilies']).length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec['ipFamilyPolicy'] !== undefined && spec['ipFamilyPolicy'] !== null) {
        errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      }
      const en = str(spec['externalName']);
      const cname = en.endsWith('.') ? en.slice(0, -1) : en;
      if (cname) errs.push(...dnsSubdomain(cname, 'spec.externalName'));
      else errs.push(field.required('spec.externalName'));
      break;
    }
    default:
      break;
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (asObj(spec['selector'])) errs.push(...validateLabels(strMap(spec['selector']), 'spec.selector'));
  const sa = str(spec['sessionAffinity']);
  if (!sa) errs.push(field.required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(field.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  const sac = asObj(spec['sessionAffinityConfig']);
  if (sa === 'ClientIP') {
    const cip = asObj(sac?.['clientIP']);
    if (!sac) errs.push(field.required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!cip) errs.push(field.required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else if (typeof cip['timeoutSeconds'] !== 'number') {
      errs.push(field.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
    } else if (cip['timeoutSeconds'] <= 0 || cip['timeoutSeconds'] > MAX_CLIENT_IP_AFFINITY_SECONDS) {
      errs.push(
        field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', cip['timeoutSeconds'], `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`),
      );
    }
  } else if (sa === 'None' && sac) {
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...clusterIPsRelated(spec));
  asArr(spec['externalIPs']).forEach((ip, i) => {
    const m = isValidIP(str(ip));
    if (m.length) for (const msg of m) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, msg));
    else errs.push(...nonSpecialIP(str(ip), `spec.externalIPs[${i}]`));
  });
  if (!type) errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p['nodePort']) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p['nodePort']) return;
    const key = `${str(p['protocol'])}/${p['nodePort']}`;
    if (nodePorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p['nodePort']));
    nodePorts.add(key);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${str(p['protocol'])}/${p['port']}`;
    if (seenPorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}]`, { protocol: str(p['protocol']), port: p['port'] }));
    seenPorts.add(key);
  });
  const ranges = asArr(spec['loadBalancerSourceRanges']);
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(field.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      const v = str(r).trim();
      for (const m of isValidCIDR(v)) errs.push(field.invalid(`spec.LoadBalancerSourceRanges[${i}]`, v, m));
    });
  }
  const alb = spec['allocateLoadBalancerNodePorts'];
  if (alb !== undefined && alb !== null && type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (alb === undefined || alb === null)) errs.push(field.required('allocateLoadBalancerNodePorts'));
  const lbc = spec['loadBalancerClass'];
  if (typeof lbc === 'string') {
    if (type === 'LoadBalancer') errs.push(...qualifiedName(lbc, 'spec.loadBalancerClass'));
    else errs.push(field.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = str(spec['externalTrafficPolicy']);
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(field.required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hc = typeof spec['healthCheckNodePort'] === 'number' ? spec['healthCheckNodePort'] : 0;
  const needsHC = type === 'LoadBalancer' && etp === 'Local';
  if (!needsHC) {
    if (hc !== 0) {
      errs.push(field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc === 0) errs.push(field.required('spec.healthCheckNodePort'));
  else for (const m of isValidPortNum(hc)) errs.push(field.invalid('spec.healthCheckNodePort', hc, m));
  const itp = spec['internalTrafficPolicy'];
  if (itp === undefined || itp === null || itp === '') {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (itp !== 'Cluster' && itp !== 'Local') errs.push(field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  const td = spec['trafficDistribution'];
  if (typeof td === 'string' && td !== 'PreferClose') errs.push(field.notSupported('spec.trafficDistribution', td, ['PreferClose']));
  return errs;
}

/**
 * upstream ValidateServiceUpdate minus metadata: clusterIPs and ipFamilies may not change once set (only a
 * secondary may be added or released), loadBalancerClass and healthCheckNodePort are fixed, then ValidateService.
 */
export function validateServiceUpdate(svc: Obj, old: Obj): FieldError[] {
  const ns = asObj(svc['spec']) ?? {};
  const os = asObj(old['spec']) ?? {};
  const errs: FieldError[] = [];
  const newIPs = clusterIPsOf(ns);
  const oldIPs = clusterIPsOf(os);
  const extName = ns['type'] === 'ExternalName' || os['type'] === 'ExternalName';
  if (!extName && !(isHeadless(ns) && isHeadless(os))) {
    if (oldIPs.length === newIPs.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== newIPs[i]) errs.push(field.invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'));
      });
    } else if (oldIPs.length > newIPs.length) {
      if (newIPs.length === 0) errs.push(field.invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'));
      if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(field.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
      if (newIPs.length === 1 && ns['ipFamilyPolicy'] !== 'SingleStack') {
        errs.push(field.invalid('spec.ipFamilyPolicy', ns['ipFamilyPolicy'] ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      errs.push(field.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
    }
  }
  if (!extName && isHeadless(ns) === isHeadless(os) && !isHeadless(ns)) {
    const nf = asArr(ns['ipFamilies']).map(str);
    const of = asArr(os['ipFamilies']).map(str);
    if (nf.length === of.length) {
      of.forEach((f, i) => {
        if (f !== nf[i]) errs.push(field.invalid('spec.ipFamilies[0]', nf, 'may not change once set'));
      });
    } else if (of.length > nf.length) {
      if (newIPs.length === 0) errs.push(field.invalid('spec.ipFamilies[0]', nf, 'primary ipFamily can not be unset'));
      if (nf.length > 0 && nf[0] !== of[0]) errs.push(field.invalid('spec.ipFamilies[0]', newIPs, 'may not change once set'));
      if (nf.length === 1 && ns['ipFamilyPolicy'] !== 'SingleStack') {
        errs.push(field.invalid('spec.ipFamilyPolicy', ns['ipFamilyPolicy'] ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (of.length > 0 && nf.length > 0 && nf[0] !== of[0]) {
      errs.push(field.invalid('spec.ipFamilies[0]', newIPs, 'may not change once set'));
    }
  }
  if (ns['type'] === 'LoadBalancer' && os['type'] === 'LoadBalancer' && (ns['loadBalancerClass'] ?? null) !== (os['loadBalancerClass'] ?? null)) {
    errs.push(field.invalid('spec.loadBalancerClass', ns['loadBalancerClass'] ?? null, 'may not change once set'));
  }
  const needsHC = (s: Obj) => s['type'] === 'LoadBalancer' && s['externalTrafficPolicy'] === 'Local';
  if (needsHC(os) && needsHC(ns) && (ns['healthCheckNodePort'] ?? 0) !== (os['healthCheckNodePort'] ?? 0)) {
    errs.push(field.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc));
  return errs;
}

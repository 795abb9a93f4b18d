// The Pod Security Standards checks (baseline and restricted) as upstream's pod-security-admission policy package defines them at Kubernetes 1.32.

/** A Pod Security Standards level. */
export type Level = 'privileged' | 'baseline' | 'restricted';

/** A policy version: `latest`, or the minor `N` of `v1.N`. */
export type PolicyVersion = 'latest' | number;

/** A level at a version, as the namespace labels select it. */
export interface LevelVersion {
  readonly level: Level;
  readonly version: PolicyVersion;
}

/** The outcome of one check. `forbiddenReason`/`forbiddenDetail` are upstream's strings when not allowed. */
export interface CheckResult {
  readonly allowed: boolean;
  readonly forbiddenReason?: string;
  readonly forbiddenDetail?: string;
}

/** The outcome of all checks of a level: the reasons and details of the failing checks, in evaluation order. */
export interface AggregateCheckResult {
  readonly allowed: boolean;
  readonly forbiddenReasons: readonly string[];
  readonly forbiddenDetails: readonly string[];
}

/** Pod (template) metadata, JSON-shaped; only `annotations` is read. */
export type PodMeta = { annotations?: Record<string, string> | null } & Record<string, any>;
/** A v1 PodSpec, JSON-shaped. */
export type PodSpecObj = Record<string, any>;

type CheckFn = (meta: PodMeta, spec: PodSpecObj) => CheckResult;

interface VersionedCheck {
  readonly minimumVersion: number;
  readonly check: CheckFn;
  /** Baseline check IDs a restricted check replaces while it applies. */
  readonly overrides?: readonly string[];
}

interface Check {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  /** Strictly increasing minimum versions. */
  readonly versions: readonly VersionedCheck[];
}

/** `v1.N` -> N; `latest` -> 'latest'. Renders a version the way labels and messages spell it. */
export function versionString(v: PolicyVersion): string {
  return v === 'latest' ? 'latest' : `v1.${v}`;
}

/** `restricted:latest`, `baseline:v1.25`: how upstream prints a LevelVersion. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

// ---- helpers ------------------------------------------------------------------------------------------

const ALLOWED: CheckResult = { allowed: true };
const deny = (forbiddenReason: string, forbiddenDetail: string): CheckResult => ({ allowed: false, forbiddenReason, forbiddenDetail });

/** Upstream's joinQuote: `"a", "b"` (no escaping). */
const joinQuote = (items: readonly string[]) => (items.length === 0 ? '' : `"${items.join('", "')}"`);
const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);
/** Go's %q for the strings these messages carry. */
const goQuote = (s: string) => JSON.stringify(s);
/** Go's sets.String.List(): unique and sorted. */
const sortedSet = (s: Iterable<string>) => [...new Set(s)].sort();
const containersPhrase = (names: readonly string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

const obj = (v: unknown): Record<string, any> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Init containers, containers, then ephemeral containers, as upstream's visitContainers. */
function containers(spec: PodSpecObj): Record<string, any>[] {
  return [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)].filter((c) => obj(c) !== undefined);
}
const cname = (c: Record<string, any>) => str(c.name);
const csc = (c: Record<string, any>) => obj(c.securityContext);
const psc = (spec: PodSpecObj) => obj(spec.securityContext);
const isWindowsPod = (spec: PodSpecObj) => obj(spec.os)?.name === 'windows';

// ---- baseline checks ----------------------------------------------------------------------------------

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(meta: PodMeta, spec: PodSpecObj): CheckResult {
  const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = obj(psc(spec)?.appArmorProfile);
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push('pod');
    badValues.add(str(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = obj(csc(c)?.appArmorProfile);
    if (p && !allowedType(p.type)) {
      bad.push(cname(c));
      badValues.add(str(p.type));
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(obj(meta.annotations) ?? {})) {
    const value = str(v);
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(value === '' || value === 'runtime/default' || value.startsWith('localhost/'))) {
      annotations.push(`${k}=${goQuote(value)}`);
    }
  }
  const values = sortedSet(badValues);
  if (annotations.length) {
    values.push(...annotations.sort());
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (!setters.length) return ALLOWED;
  return deny(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  );
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const add = arr(obj(csc(c)?.capabilities)?.add);
    const extra = add.map(str).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (extra.length) {
      bad.push(cname(c));
      caps.push(...extra);
    }
  }
  if (!bad.length) return ALLOWED;
  return deny('non-default capabilities', `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`);
}

function hostNamespaces(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const set: string[] = [];
  if (spec.hostNetwork === true) set.push('hostNetwork=true');
  if (spec.hostPID === true) set.push('hostPID=true');
  if (spec.hostIPC === true) set.push('hostIPC=true');
  return set.length ? deny('host namespaces', set.join(', ')) : ALLOWED;
}

function hostPathVolumes(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const names = arr(spec.volumes).filter((v) => obj(v?.hostPath)).map((v) => str(v.name));
  return names.length ? deny('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`) : ALLOWED;
}

function hostPorts(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    const used = arr(c.ports).map((p) => obj(p)?.hostPort).filter((p) => typeof p === 'number' && p !== 0);
    if (used.length) {
      bad.push(cname(c));
      ports.push(...used.map(String));
    }
  }
  if (!bad.length) return ALLOWED;
  const list = sortedSet(ports);
  return deny(
    'hostPort',
    `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  );
}

function privileged(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad = containers(spec).filter((c) => csc(c)?.privileged === true).map(cname);
  return bad.length ? deny('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`) : ALLOWED;
}

function procMount(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const pm = csc(c)?.procMount;
    if (pm === undefined || pm === null || pm === 'Default') continue;
    bad.push(cname(c));
    types.push(str(pm));
  }
  if (!bad.length) return ALLOWED;
  return deny('procMount', `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
}

function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckFn {
  return (_meta, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: Record<string, any>) => {
      let ok = true;
      if (!allowedTypes.has(str(o.type))) {
        ok = false;
        badTypes.add(str(o.type));
      }
      if (str(o.user)) {
        ok = false;
        setUser = true;
      }
      if (str(o.role)) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const podOpts = obj(psc(spec)?.seLinuxOptions);
    if (podOpts && !valid(podOpts)) setters.push('pod');
    const bad: string[] = [];
    for (const c of containers(spec)) {
      const o = obj(csc(c)?.seLinuxOptions);
      if (o && !valid(o)) bad.push(cname(c));
    }
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return deny('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}
const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

const validSeccomp = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

/** Policy versions before 1.19 read the seccomp alpha annotations. */
function seccompProfileBaseline_1_0(meta: PodMeta, spec: PodSpecObj): CheckResult {
  const annotations = obj(meta.annotations) ?? {};
  const validValue = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden: string[] = [];
  const podKey = 'seccomp.security.alpha.kubernetes.io/pod';
  if (podKey in annotations && !validValue(str(annotations[podKey]))) forbidden.push(`${podKey}=${goQuote(str(annotations[podKey]))}`);
  for (const c of containers(spec)) {
    const key = `container.seccomp.security.alpha.kubernetes.io/${cname(c)}`;
    if (key in annotations && !validValue(str(annotations[key]))) forbidden.push(`${key}=${goQuote(str(annotations[key]))}`);
  }
  if (!forbidden.length) return ALLOWED;
  const list = sortedSet(forbidden);
  return deny('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`);
}

function seccompProfileBaseline_1_19(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = obj(psc(spec)?.seccompProfile);
  if (podProfile && !validSeccomp(podProfile.type)) {
    setters.push('pod');
    values.add(str(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = obj(csc(c)?.seccompProfile);
    if (p && !validSeccomp(p.type)) {
      bad.push(cname(c));
      values.add(str(p.type));
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return ALLOWED;
  return deny('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`);
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowedList: readonly string[]): CheckFn {
  const allowed = new Set(allowedList);
  return (_meta, spec) => {
    const bad = arr(psc(spec)?.sysctls).map((s) => str(obj(s)?.name)).filter((n) => !allowed.has(n));
    return bad.length ? deny('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

function windowsHostProcess(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const hostProcess = (sc: Record<string, any> | undefined) => obj(sc?.windowsOptions)?.hostProcess === true;
  const bad = containers(spec).filter((c) => hostProcess(csc(c))).map(cname);
  const setters: string[] = [];
  if (hostProcess(psc(spec))) setters.push('pod');
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return ALLOWED;
  return deny('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
}

// ---- restricted checks --------------------------------------------------------------------------------

function allowPrivilegeEscalation_1_8(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad = containers(spec).filter((c) => csc(c)?.allowPrivilegeEscalation !== false).map(cname);
  return bad.length ? deny('allowPrivilegeEscalation != false', `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`) : ALLOWED;
}

function capabilitiesRestricted_1_22(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of containers(spec)) {
    const caps = obj(csc(c)?.capabilities);
    if (!caps) {
      missingDropAll.push(cname(c));
      continue;
    }
    if (!arr(caps.drop).includes('ALL')) missingDropAll.push(cname(c));
    const extra = arr(caps.add).map(str).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (extra.length) {
      addingForbidden.push(cname(c));
      forbiddenCaps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) {
    details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  }
  return details.length ? deny('unrestricted capabilities', details.join('; ')) : ALLOWED;
}

/** Restricted volume sources, by field, with the name upstream reports. Order is upstream's switch order. */
const RESTRICTED_VOLUME_TYPES: readonly (readonly [string, string])[] = [
  ['hostPath', 'hostPath'], ['gcePersistentDisk', 'gcePersistentDisk'], ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['gitRepo', 'gitRepo'], ['nfs', 'nfs'], ['iscsi', 'iscsi'], ['glusterfs', 'glusterfs'], ['rbd', 'rbd'],
  ['flexVolume', 'flexVolume'], ['cinder', 'cinder'], ['cephfs', 'cephfs'], ['flocker', 'flocker'], ['fc', 'fc'],
  ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'], ['quobyte', 'quobyte'], ['azureDisk', 'azureDisk'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['scaleIO', 'scaleIO'], ['storageos', 'storageos'],
];
/** The inline volume sources restricted allows at 1.32 (`image` joined in 1.33). */
const RESTRICTED_ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

function restrictedVolumes(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of arr(spec.volumes)) {
    const vol = obj(v);
    if (!vol) continue;
    if (RESTRICTED_ALLOWED_VOLUMES.some((f) => obj(vol[f]))) continue;
    bad.push(str(vol.name));
    types.add(RESTRICTED_VOLUME_TYPES.find(([f]) => obj(vol[f]))?.[1] ?? 'unknown');
  }
  if (!bad.length) return ALLOWED;
  const list = sortedSet(types);
  return deny(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
  );
}

function runAsNonRoot(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const setters: string[] = [];
  let podRunAsNonRoot = false;
  const pod = psc(spec)?.runAsNonRoot;
  if (typeof pod === 'boolean') {
    if (!pod) setters.push('pod');
    else podRunAsNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = csc(c)?.runAsNonRoot;
    if (typeof v === 'boolean') {
      if (!v) explicit.push(cname(c));
    } else if (!podRunAsNonRoot) {
      implicit.push(cname(c));
    }
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) return deny('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length) return deny('runAsNonRoot != true', `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

function runAsUser_1_23(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const setters: string[] = [];
  if (psc(spec)?.runAsUser === 0) setters.push('pod');
  const bad = containers(spec).filter((c) => csc(c)?.runAsUser === 0).map(cname);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? deny('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`) : ALLOWED;
}

function seccompProfileRestricted_1_19(_meta: PodMeta, spec: PodSpecObj): CheckResult {
  const setters: string[] = [];
  const values = new Set<string>();
  let podSet = false;
  const podProfile = obj(psc(spec)?.seccompProfile);
  if (podProfile) {
    if (!validSeccomp(podProfile.type)) {
      setters.push('pod');
      values.add(str(podProfile.type));
    } else {
      podSet = true;
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = obj(csc(c)?.seccompProfile);
    if (p) {
      if (!validSeccomp(p.type)) {
        explicit.push(cname(c));
        values.add(str(p.type));
      }
    } else if (!podSet) {
      implicit.push(cname(c));
    }
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) {
    return deny('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`);
  }
  if (implicit.length) {
    return deny('seccompProfile', `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
}

/** From policy 1.25 on, Windows pods (spec.os.name=windows) skip the Linux-only restricted checks. */
const exceptWindows = (fn: CheckFn): CheckFn => (meta, spec) => (isWindowsPod(spec) ? ALLOWED : fn(meta, spec));

// ---- the registry -------------------------------------------------------------------------------------

const CHECKS: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumVersion: 0, check: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minimumVersion: 0, check: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumVersion: 0, check: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimumVersion: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumVersion: 0, check: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumVersion: 0, check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ minimumVersion: 0, check: procMount }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { minimumVersion: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, check: seccompProfileBaseline_1_0 },
      { minimumVersion: 19, check: seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, check: sysctls(SYSCTLS_1_0) },
      { minimumVersion: 27, check: sysctls(SYSCTLS_1_27) },
      { minimumVersion: 29, check: sysctls(SYSCTLS_1_29) },
      { minimumVersion: 32, check: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumVersion: 0, check: windowsHostProcess }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimumVersion: 8, check: allowPrivilegeEscalation_1_8 },
      { minimumVersion: 25, check: exceptWindows(allowPrivilegeEscalation_1_8) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { minimumVersion: 22, check: capabilitiesRestricted_1_22, overrides: ['capabilities_baseline'] },
      { minimumVersion: 25, check: exceptWindows(capabilitiesRestricted_1_22), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ minimumVersion: 0, check: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumVersion: 0, check: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ minimumVersion: 23, check: runAsUser_1_23 }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { minimumVersion: 19, check: seccompProfileRestricted_1_19, overrides: ['seccompProfile_baseline'] },
      { minimumVersion: 25, check: exceptWindows(seccompProfileRestricted_1_19), overrides: ['seccompProfile_baseline'] },
    ],
  },
];

/**
 * The newest policy version any check defines (1.32): `latest` and every newer `v1.N` evaluate as this version,
 * as upstream's registry clamps to its maxVersion.
 */
export const MAX_POLICY_VERSION = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.minimumVersion)));

/** Upstream's order: baseline check IDs sorted, then restricted check IDs sorted. */
const ORDERED_IDS = [
  ...CHECKS.filter((c) => c.level === 'baseline').map((c) => c.id).sort(),
  ...CHECKS.filter((c) => c.level === 'restricted').map((c) => c.id).sort(),
];
const CHECKS_BY_ID = new Map(CHECKS.map((c) => [c.id, c]));

const cache = new Map<string, CheckFn[]>();

function checksFor(level: 'baseline' | 'restricted', minor: number): CheckFn[] {
  const key = `${level}:${minor}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const active = new Map<string, VersionedCheck>();
  for (const id of ORDERED_IDS) {
    const c = CHECKS_BY_ID.get(id)!;
    if (level === 'baseline' && c.level !== 'baseline') continue;
    let chosen: VersionedCheck | undefined;
    for (const v of c.versions) if (v.minimumVersion <= minor) chosen = v;
    if (chosen) active.set(id, chosen);
  }
  const overridden = new Set([...active.values()].flatMap((v) => v.overrides ?? []));
  const fns = ORDERED_IDS.filter((id) => active.has(id) && !(level === 'restricted' && overridden.has(id) && CHECKS_BY_ID.get(id)!.level === 'baseline')).map(
    (id) => active.get(id)!.check,
  );
  cache.set(key, fns);
  return fns;
}

/**
 * Runs every check of `lv` on a pod's (or pod template's) metadata and spec, in upstream's order. `privileged`
 * runs none; versions newer than MAX_POLICY_VERSION (and `latest`) evaluate as MAX_POLICY_VERSION.
 */
export function evaluatePod(lv: LevelVersion, meta: PodMeta | undefined, spec: PodSpecObj | undefined): CheckResult[] {
  if (lv.level === 'privileged') return [];
  const minor = lv.version === 'latest' || lv.version > MAX_POLICY_VERSION ? MAX_POLICY_VERSION : lv.version;
  const m = meta ?? {};
  const s = spec ?? {};
  return checksFor(lv.level, minor).map((fn) => fn(m, s));
}

/** Collects the failing results, as upstream's AggregateCheckResults. */
export function aggregateCheckResults(results: readonly CheckResult[]): AggregateCheckResult {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    reasons.push(r.forbiddenReason || 'unknown forbidden reason');
    details.push(r.forbiddenDetail ?? '');
  }
  return { allowed: reasons.length === 0, forbiddenReasons: reasons, forbiddenDetails: details };
}

/** `host namespaces, privileged`: the reasons joined, as upstream's ForbiddenReason(). */
export function forbiddenReason(r: AggregateCheckResult): string {
  return r.forbiddenReasons.join(', ');
}

/** `privileged (container "c" must not set ...), hostPort (...)`: reasons with their details, as upstream's ForbiddenDetail(). */
export function forbiddenDetail(r: AggregateCheckResult): string {
  return r.forbiddenReasons.map((reason, i) => (r.forbiddenDetails[i] ? `${reason} (${r.forbiddenDetails[i]})` : reason)).join(', ');
}

/** Evaluates and aggregates in one step. */
export function checkPod(lv: LevelVersion, meta: PodMeta | undefined, spec: PodSpecObj | undefined): AggregateCheckResult {
  return aggregateCheckResults(evaluatePod(lv, meta, spec));
}

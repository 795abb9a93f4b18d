// The PodSecurity admission plugin: applies the namespace's pod-security.kubernetes.io labels (enforce, audit, warn) to pods, pod templates and namespace label changes.
import { type FieldError, type StatusError, field, fieldErrorMessage, forbidden, internalError, invalid } from '../../../apimachinery/index.js';
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../../access.js';
import {
  type AggregateCheckResult,
  type Level,
  type LevelVersion,
  type PodMeta,
  type PodSpecObj,
  type PolicyVersion,
  checkPod,
  forbiddenDetail,
  forbiddenReason,
  levelVersionString,
} from './checks.js';

/** The label (and audit annotation) prefix. */
export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** Audit annotation keys, prefixed as the apiserver records them. */
export const AUDIT_VIOLATIONS_ANNOTATION = `${LABEL_PREFIX}audit-violations`;
export const ENFORCE_POLICY_ANNOTATION = `${LABEL_PREFIX}enforce-policy`;
export const EXEMPT_ANNOTATION = `${LABEL_PREFIX}exempt`;
export const ERROR_ANNOTATION = `${LABEL_PREFIX}error`;

/** The policy of a namespace: one level and version per mode. */
export interface Policy {
  readonly enforce: LevelVersion;
  readonly audit: LevelVersion;
  readonly warn: LevelVersion;
}

/** Upstream's PodSecurityConfiguration `defaults` (applied when a namespace has no label for a mode). */
export interface PodSecurityDefaults {
  enforce?: string;
  'enforce-version'?: string;
  audit?: string;
  'audit-version'?: string;
  warn?: string;
  'warn-version'?: string;
}

/** Upstream's PodSecurityConfiguration `exemptions`: requests these match are not checked. */
export interface PodSecurityExemptions {
  usernames?: readonly string[];
  namespaces?: readonly string[];
  runtimeClasses?: readonly string[];
}

export interface PodSecurityOptions {
  /** Defaults per mode; every unset one is `privileged` / `latest`. */
  defaults?: PodSecurityDefaults;
  exemptions?: PodSecurityExemptions;
  /** How to read a namespace (default: `reader.get('', 'namespaces', '', name)`). */
  getNamespace?: (name: string) => Obj | undefined | Promise<Obj | undefined>;
  /**
   * Receives the audit annotations of a request that produced any (`pod-security.kubernetes.io/audit-violations`,
   * `.../enforce-policy`, `.../exempt`, `.../error`), for the audit log.
   */
  onAuditAnnotations?: (req: AdmissionRequest, annotations: Record<string, string>) => void;
  /** Existing pods checked when a namespace's enforce level tightens (upstream: 3000). */
  maxPodsToCheck?: number;
  /** Time budget for that check in milliseconds (upstream: 1 s). */
  podCheckTimeoutMs?: number;
}

/** What the plugin decided for one request. `error` is set exactly when the request is refused. */
export interface PodSecurityDecision {
  readonly allowed: boolean;
  readonly error?: StatusError;
  readonly warnings: readonly string[];
  readonly auditAnnotations: Readonly<Record<string, string>>;
}

// ---- labels -> policy -------------------------------------------------------------------------------

const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** Parses a level label value. Invalid values yield `restricted` and upstream's error text. */
export function parseLevel(value: string): { level: Level; error?: string } {
  if ((LEVELS as readonly string[]).includes(value)) return { level: value as Level };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

/** Parses a version label value (`latest` or `v1.N`). Invalid values yield `latest` and upstream's error text. */
export function parseVersion(value: string): { version: PolicyVersion; error?: string } {
  if (value === 'latest') return { version: 'latest' };
  const m = VERSION_RE.exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) return { version: 'latest', error: 'must be "latest" or "v1.x"' };
  return { version: n };
}

const PRIVILEGED_LATEST: LevelVersion = { level: 'privileged', version: 'latest' };
const DEFAULT_POLICY: Policy = { enforce: PRIVILEGED_LATEST, audit: PRIVILEGED_LATEST, warn: PRIVILEGED_LATEST };

/**
 * Resolves namespace labels to a policy, falling back to `defaults` per unset label, as upstream's
 * PolicyToEvaluate: a usable policy is always returned; invalid labels add field errors and resolve to
 * `restricted` (enforce) / `privileged` (audit, warn) and `latest`.
 */
export function policyToEvaluate(labels: Readonly<Record<string, string>> | undefined, defaults: Policy = DEFAULT_POLICY): { policy: Policy; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const p = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  if (!labels) return { policy: p, errors };
  const path = (label: string) => `metadata.labels[${label}]`;
  const modes: ['enforce' | 'audit' | 'warn', string, string][] = [
    ['enforce', ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL],
    ['audit', AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL],
    ['warn', WARN_LEVEL_LABEL, WARN_VERSION_LABEL],
  ];
  for (const [mode, levelLabel, versionLabel] of modes) {
    const level = labels[levelLabel];
    if (level !== undefined) {
      const r = parseLevel(level);
      p[mode].level = r.level;
      if (r.error) {
        errors.push(field.invalid(path(levelLabel), level, r.error));
        if (mode !== 'enforce') p[mode].level = 'privileged'; // audit and warn fail open
      }
    }
    const version = labels[versionLabel];
    if (version !== undefined) {
      const r = parseVersion(version);
      p[mode].version = r.version;
      if (r.error) errors.push(field.invalid(path(versionLabel), version, r.error));
    }
  }
  return { policy: p, errors };
}

/** Builds the default policy from a configuration's `defaults`; throws on invalid values. */
export function defaultPolicy(d: PodSecurityDefaults = {}): Policy {
  const mode = (level: string | undefined, version: string | undefined, name: string): LevelVersion => {
    const l = parseLevel(level ?? 'privileged');
    const v = parseVersion(version ?? 'latest');
    if (l.error) throw new Error(`defaults.${name}: Invalid value: ${JSON.stringify(level)}: ${l.error}`);
    if (v.error) throw new Error(`defaults.${name}-version: Invalid value: ${JSON.stringify(version)}: ${v.error}`);
    return { level: l.level, version: v.version };
  };
  return {
    enforce: mode(d.enforce, d['enforce-version'], 'enforce'),
    audit: mode(d.audit, d['audit-version'], 'audit'),
    warn: mode(d.warn, d['warn-version'], 'warn'),
  };
}

const sameLV = (a: LevelVersion, b: LevelVersion) => a.level === b.level && a.version === b.version;
const equivalentLV = (a: LevelVersion, b: LevelVersion) => a.level === b.level && (a.level === 'privileged' || a.version === b.version);
const fullyPrivileged = (p: Policy) => p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
const LEVEL_RANK: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };

/** Upstream's aggregate of field errors: one message, or `[a, b]`. */
function aggregate(errors: readonly FieldError[]): string {
  const msgs = errors.map(fieldErrorMessage);
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

// ---- what the plugin looks at -----------------------------------------------------------------------

/** Pod subresources that cannot change the pod spec. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Resources with a pod template, and where the template is. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Whether PodSecurity looks at this resource at all: pods, namespaces and the workload kinds with a pod template. */
export function handlesResource(group: string, resource: string): boolean {
  return (group === '' && (resource === 'pods' || resource === 'namespaces')) || `${group}/${resource}` in TEMPLATE_PATHS;
}

/** The pod template (metadata and spec) of a workload object, or undefined when it has none. */
export function extractPodTemplate(group: string, resource: string, o: Obj | undefined): { meta: PodMeta; spec: PodSpecObj } | undefined {
  const path = TEMPLATE_PATHS[`${group}/${resource}`];
  if (!path || !o) return undefined;
  let cur: any = o;
  for (const k of path) cur = cur?.[k];
  if (cur === null || typeof cur !== 'object') return undefined;
  return { meta: cur.metadata ?? {}, spec: cur.spec ?? {} };
}

const images = (cs: unknown) => (Array.isArray(cs) ? cs : []);

/** Whether a pod update changes something PodSecurity checks (upstream: container counts, images, seccomp annotations, ephemeral containers). */
export function isSignificantPodUpdate(pod: Obj, old: Obj): boolean {
  const ann = pod.metadata?.annotations ?? {};
  const oldAnn = old.metadata?.annotations ?? {};
  const container = (c: any, o: any) => {
    if (c?.image !== o?.image) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${c?.name ?? ''}`;
    return ann[key] !== oldAnn[key];
  };
  for (const f of ['containers', 'initContainers']) {
    const a = images(pod.spec?.[f]);
    const b = images(old.spec?.[f]);
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (container(a[i], b[i])) return true;
  }
  const oldEphemeral = images(old.spec?.ephemeralContainers);
  for (const c of images(pod.spec?.ephemeralContainers)) {
    const o = oldEphemeral.find((x: any) => x?.name === c?.name);
    if (!o || container(c, o)) return true;
  }
  return false;
}

// ---- the evaluator ----------------------------------------------------------------------------------

const ALLOWED: PodSecurityDecision = { allowed: true, warnings: [], auditAnnotations: {} };
const exemptDecision = (reason: 'namespace' | 'user' | 'runtimeClass'): PodSecurityDecision => ({ allowed: true, warnings: [], auditAnnotations: { [EXEMPT_ANNOTATION]: reason } });

/** The PodSecurity evaluator: decides CREATE and UPDATE requests of pods, workloads and namespaces. */
export class PodSecurity {
  readonly defaults: Policy;
  private readonly exemptions: Required<PodSecurityExemptions>;
  private readonly getNamespace: (name: string) => Obj | undefined | Promise<Obj | undefined>;
  private readonly maxPodsToCheck: number;
  private readonly podCheckTimeoutMs: number;

  /** Throws when `opts.defaults` holds an invalid level or version. */
  constructor(private readonly reader: ObjectReader, opts: PodSecurityOptions = {}) {
    this.defaults = defaultPolicy(opts.defaults);
    this.exemptions = {
      usernames: opts.exemptions?.usernames ?? [],
      namespaces: opts.exemptions?.namespaces ?? [],
      runtimeClasses: opts.exemptions?.runtimeClasses ?? [],
    };
    this.getNamespace = opts.getNamespace ?? ((name) => reader.get('', 'namespaces', '', name));
    this.maxPodsToCheck = opts.maxPodsToCheck ?? 3000;
    this.podCheckTimeoutMs = opts.podCheckTimeoutMs ?? 1000;
  }

  /** The policy a namespace's labels select (with this evaluator's defaults) and the label errors. */
  policyFor(labels: Readonly<Record<string, string>> | undefined): { policy: Policy; errors: FieldError[] } {
    return policyToEvaluate(labels, this.defaults);
  }

  /** Decides one admission request. Requests PodSecurity does not look at are allowed untouched. */
  async decide(req: AdmissionRequest): Promise<PodSecurityDecision> {
    if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return ALLOWED;
    if (req.group === '' && req.resource === 'namespaces') return this.validateNamespace(req);
    if (req.group === '' && req.resource === 'pods') return this.validatePod(req);
    if (handlesResource(req.group, req.resource)) return this.validatePodController(req);
    return ALLOWED;
  }

  private exemptNamespace(ns: string) {
    return ns !== '' && this.exemptions.namespaces.includes(ns);
  }
  private exemptUser(name: string) {
    return name !== '' && this.exemptions.usernames.includes(name);
  }
  private exemptRuntimeClass(rc: unknown) {
    return typeof rc === 'string' && rc !== '' && this.exemptions.runtimeClasses.includes(rc);
  }

  private async validateNamespace(req: AdmissionRequest): Promise<PodSecurityDecision> {
    if (req.subresource !== '' || !req.object) return ALLOWED;
    const ns = req.object;
    const name: string = req.name || ns.metadata?.name || '';
    const { policy: newPolicy, errors: newErrors } = this.policyFor(ns.metadata?.labels);
    const exemptWarning = (): PodSecurityDecision => {
      const w = this.exemptNamespaceWarning(name, newPolicy, ns.metadata?.labels ?? {});
      return w ? { allowed: true, warnings: [w], auditAnnotations: {} } : ALLOWED;
    };
    if (req.operation === 'CREATE') {
      if (newErrors.length) return { allowed: false, error: invalid({ group: '', kind: 'Namespace' }, name, newErrors), warnings: [], auditAnnotations: {} };
      return this.exemptNamespace(name) ? exemptWarning() : ALLOWED;
    }
    const { policy: oldPolicy, errors: oldErrors } = this.policyFor(req.oldObject?.metadata?.labels);
    if (newErrors.length && (oldErrors.length === 0 || aggregate(newErrors) !== aggregate(oldErrors))) {
      return { allowed: false, error: invalid({ group: '', kind: 'Namespace' }, name, newErrors), warnings: [], auditAnnotations: {} };
    }
    // No dry run of existing pods when enforce is unchanged, privileged, or relaxed at the same version.
    if (sameLV(newPolicy.enforce, oldPolicy.enforce)) return ALLOWED;
    if (newPolicy.enforce.level === 'privileged') return ALLOWED;
    if (newPolicy.enforce.version === oldPolicy.enforce.version && LEVEL_RANK[newPolicy.enforce.level] <= LEVEL_RANK[oldPolicy.enforce.level]) return ALLOWED;
    if (this.exemptNamespace(name)) return exemptWarning();
    return { allowed: true, warnings: this.evaluatePodsInNamespace(name, newPolicy.enforce), auditAnnotations: {} };
  }

  /** Upstream's warning for pod security labels on an exempt namespace. */
  private exemptNamespaceWarning(ns: string, p: Policy, labels: Record<string, string>): string {
    if (fullyPrivileged(p) || (equivalentLV(p.enforce, this.defaults.enforce) && equivalentLV(p.audit, this.defaults.audit) && equivalentLV(p.warn, this.defaults.warn))) {
      return '';
    }
    const parts: string[] = [];
    const mode = (m: 'enforce' | 'audit' | 'warn', levelLabel: string, versionLabel: string) => {
      if (p[m].level !== 'privileged' && (levelLabel in labels || versionLabel in labels)) parts.push(`${m}=${levelVersionString(p[m])}`);
    };
    mode('enforce', ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL);
    mode('audit', AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL);
    mode('warn', WARN_LEVEL_LABEL, WARN_VERSION_LABEL);
    return `namespace ${JSON.stringify(ns)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
  }

  /**
   * Checks the namespace's pods against a new enforce level; returns upstream's warnings: a summary line, then
   * one line per distinct set of reasons prefixed by the first pod name (`p (and 2 other pods): privileged`).
   */
  evaluatePodsInNamespace(ns: string, enforce: LevelVersion): string[] {
    const deadline = Date.now() + this.podCheckTimeoutMs;
    const pods = this.prioritizePods(this.reader.list('', 'pods', ns));
    const total = pods.length;
    const toCheck = pods.slice(0, this.maxPodsToCheck);
    let checked = toCheck.length;
    const order: string[] = [];
    const counts = new Map<string, { podName: string; count: number }>();
    for (let i = 0; i < toCheck.length; i++) {
      const pod = toCheck[i]!;
      const r = checkPod(enforce, pod.metadata, pod.spec);
      if (!r.allowed) {
        const warning = forbiddenReason(r);
        const name: string = pod.metadata?.name ?? '';
        const c = counts.get(warning);
        if (!c) {
          counts.set(warning, { podName: name, count: 1 });
          order.push(warning);
        } else {
          if (name < c.podName) c.podName = name;
          c.count++;
        }
      }
      if (Date.now() > deadline) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (order.length) warnings.push(`existing pods in namespace ${JSON.stringify(ns)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
    const podWarnings = order.map((w) => {
      const c = counts.get(w)!;
      if (c.count === 1) return `${c.podName}: ${w}`;
      if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
    });
    podWarnings.sort();
    return [...warnings, ...podWarnings];
  }

  /** Drops pods of exempt runtime classes; one pod per controller first, the other replicas after. */
  private prioritizePods(pods: readonly Obj[]): Obj[] {
    const first: Obj[] = [];
    const rest: Obj[] = [];
    const seen = new Set<string>();
    for (const pod of pods) {
      if (this.exemptRuntimeClass(pod.spec?.runtimeClassName)) continue;
      const owner = (pod.metadata?.ownerReferences ?? []).find((r: any) => r?.controller === true);
      if (!owner) first.push(pod);
      else if (seen.has(owner.uid)) rest.push(pod);
      else {
        seen.add(owner.uid);
        first.push(pod);
      }
    }
    return [...first, ...rest];
  }

  private async validatePod(req: AdmissionRequest): Promise<PodSecurityDecision> {
    if (IGNORED_POD_SUBRESOURCES.has(req.subresource)) return ALLOWED;
    if (this.exemptNamespace(req.namespace)) return exemptDecision('namespace');
    if (this.exemptUser(req.user.name)) return exemptDecision('user');
    const ns = await this.getNamespace(req.namespace);
    if (!ns) {
      const msg = `failed to lookup namespace ${JSON.stringify(req.namespace)}`;
      return { allowed: false, error: internalError(new Error(msg)), warnings: [], auditAnnotations: { [ERROR_ANNOTATION]: msg } };
    }
    const { policy, errors } = this.policyFor(ns.metadata?.labels);
    if (errors.length === 0 && fullyPrivileged(policy)) {
      return { allowed: true, warnings: [], auditAnnotations: { [ENFORCE_POLICY_ANNOTATION]: levelVersionString(PRIVILEGED_LATEST) } };
    }
    const pod = req.object;
    if (!pod) return ALLOWED;
    if (req.operation === 'UPDATE' && req.oldObject && !isSignificantPodUpdate(pod, req.oldObject)) return ALLOWED;
    return this.evaluate(req, policy, errors, pod.metadata ?? {}, pod.spec ?? {}, true);
  }

  private async validatePodController(req: AdmissionRequest): Promise<PodSecurityDecision> {
    if (req.subresource !== '') return ALLOWED;
    if (this.exemptNamespace(req.namespace)) return exemptDecision('namespace');
    if (this.exemptUser(req.user.name)) return exemptDecision('user');
    const ns = await this.getNamespace(req.namespace);
    if (!ns) return { allowed: true, warnings: [], auditAnnotations: { [ERROR_ANNOTATION]: `failed to lookup namespace ${JSON.stringify(req.namespace)}` } };
    const { policy, errors } = this.policyFor(ns.metadata?.labels);
    if (errors.length === 0 && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return ALLOWED;
    const template = extractPodTemplate(req.group, req.resource, req.object);
    if (!template) return ALLOWED;
    return this.evaluate(req, policy, errors, template.meta, template.spec, false);
  }

  /** Upstream's EvaluatePod: enforce (pods only), then audit, then warn (only when not refused). */
  private evaluate(req: AdmissionRequest, policy: Policy, errors: FieldError[], meta: PodMeta, spec: PodSpecObj, enforce: boolean): PodSecurityDecision {
    if (this.exemptRuntimeClass(spec.runtimeClassName)) return exemptDecision('runtimeClass');
    const annotations: Record<string, string> = {};
    if (errors.length) annotations[ERROR_ANNOTATION] = `Failed to parse policy: ${aggregate(errors)}`;
    const results = new Map<string, AggregateCheckResult>();
    const run = (lv: LevelVersion) => {
      const key = levelVersionString(lv);
      let r = results.get(key);
      if (!r) {
        r = checkPod(lv, meta, spec);
        results.set(key, r);
      }
      return r;
    };
    let error: StatusError | undefined;
    if (enforce) {
      annotations[ENFORCE_POLICY_ANNOTATION] = levelVersionString(policy.enforce);
      const r = run(policy.enforce);
      if (!r.allowed) {
        const name: string = req.name || req.object?.metadata?.name || '';
        error = forbidden({ group: req.group, resource: req.resource }, name, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`);
      }
    }
    const audit = run(policy.audit);
    if (!audit.allowed) {
      annotations[AUDIT_VIOLATIONS_ANNOTATION] = `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`;
    }
    const warnings: string[] = [];
    if (!error) {
      const warn = run(policy.warn);
      if (!warn.allowed) warnings.push(`would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warn)}`);
    }
    return error ? { allowed: false, error, warnings, auditAnnotations: annotations } : { allowed: true, warnings, auditAnnotations: annotations };
  }
}

/**
 * The `PodSecurity` validating admission plugin (CREATE and UPDATE). Reads namespaces and pods through `reader`.
 * Refuses pods violating their namespace's enforce level (403, upstream's text), adds warn-level warnings to
 * `req.warnings` (workload templates get warn and audit only), refuses namespaces with invalid
 * pod-security labels (422) and warns about existing pods when a namespace's enforce level tightens. Audit
 * annotations go to `opts.onAuditAnnotations`. Throws (at construction) on invalid `opts.defaults`.
 */
export function podSecurityPlugin(reader: ObjectReader, opts: PodSecurityOptions = {}): AdmissionPlugin {
  const ps = new PodSecurity(reader, opts);
  return {
    name: 'PodSecurity',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(req) {
      const d = await ps.decide(req);
      req.warnings.push(...d.warnings);
      if (opts.onAuditAnnotations && Object.keys(d.auditAnnotations).length) opts.onAuditAnnotations(req, { ...d.auditAnnotations });
      if (d.error) throw d.error;
    },
  };
}

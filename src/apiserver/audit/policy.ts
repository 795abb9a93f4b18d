// Audit policy (audit.k8s.io/v1 Policy, --audit-policy-file): loading, validation, and the first-matching-rule evaluator.
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';
import { field, fieldErrorMessage, isDNS1123Subdomain, type FieldError } from '../../apimachinery/index.js';
import type { AuthorizationAttributes } from '../authn.js';

/** How much of a request is recorded, in increasing order. */
export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
/** The stages at which events are generated. */
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** Upstream Level.Less: `a` records less than `b`. */
export function levelLess(a: Level, b: Level): boolean {
  return LEVELS.indexOf(a) < LEVELS.indexOf(b);
}

/** Resources of one API group; `resources` may be `pods`, `pods/log`, `*`, `*\/status`, `pods/*`. */
export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

/** audit.k8s.io/v1 PolicyRule: every field that is set must match. */
export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** audit.k8s.io/v1 Policy. */
export interface Policy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  metadata?: Record<string, unknown>;
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy decides for one request (upstream RequestAuditConfig). */
export interface RequestAuditConfig {
  readonly level: Level;
  /** The rule's stages together with the policy's. */
  readonly omitStages: readonly Stage[];
  /** Drop metadata.managedFields from logged request and response objects. */
  readonly omitManagedFields: boolean;
}

/** The attributes a policy matches on: the authorizer's (user, verb, resource or non-resource path). */
export type AuditAttributes = Pick<
  AuthorizationAttributes,
  'user' | 'verb' | 'isResourceRequest' | 'path' | 'apiGroup' | 'namespace' | 'resource' | 'subresource' | 'name'
>;

/** The level when no rule matches. */
export const DEFAULT_AUDIT_LEVEL: Level = 'None';

const VALID_OMIT_STAGES = STAGES.join(',');

/** Upstream ValidatePolicy: field errors of a decoded policy. */
export function validatePolicy(policy: Policy): FieldError[] {
  const errs: FieldError[] = validateOmitStages(policy.omitStages, 'omitStages');
  (policy.rules ?? []).forEach((rule, i) => errs.push(...validateRule(rule, `rules[${i}]`)));
  return errs;
}

function validateRule(rule: PolicyRule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.level) errs.push(field.required(`${path}.level`));
  else if (!LEVELS.includes(rule.level)) errs.push(field.notSupported(`${path}.level`, rule.level, LEVELS));
  (rule.nonResourceURLs ?? []).forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) errs.push(field.invalid(`${path}.nonResourceURLs[${i}]`, url, "non-resource URL rules must begin with a '/' character"));
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errs.push(field.invalid(`${path}.nonResourceURLs[${i}]`, url, "non-resource URL wildcards '*' must be the final character of the rule"));
    }
  });
  for (const gr of rule.resources ?? []) {
    if (gr.group) {
      const msgs = isDNS1123Subdomain(gr.group);
      if (msgs.length > 0) errs.push(field.invalid(`${path}.resources.group`, gr.group, msgs.join(',')));
    }
    if ((gr.resourceNames?.length ?? 0) > 0 && (gr.resources?.length ?? 0) === 0) {
      errs.push(field.invalid(`${path}.resources.resourceNames`, gr.resourceNames, 'using resourceNames requires at least one resource'));
    }
  }
  errs.push(...validateOmitStages(rule.omitStages, `${path}.omitStages`));
  if ((rule.nonResourceURLs?.length ?? 0) > 0 && ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)) {
    errs.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
  }
  return errs;
}

function validateOmitStages(stages: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (stages ?? []).forEach((s, i) => {
    if (!STAGES.includes(s as Stage)) errs.push(field.invalid(`${path}[${i}]`, s, `allowed stages are ${VALID_OMIT_STAGES}`));
  });
  return errs;
}

function aggregate(messages: readonly string[]): string {
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

// Decoding: the JSON types upstream's decoder would insist on, with Go's unmarshal error wording.
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}
function expectType(v: unknown, want: 'string' | 'boolean' | 'array' | 'object', goField: string, goType: string): void {
  if (v === undefined || v === null) return;
  const t = jsonType(v);
  if (t !== want) throw new Error(`json: cannot unmarshal ${t} into Go struct field ${goField} of type ${goType}`);
}
function expectStrings(v: unknown, goField: string): void {
  expectType(v, 'array', goField, '[]string');
  for (const s of (v as unknown[] | undefined) ?? []) expectType(s, 'string', goField, 'string');
}

function decodePolicy(text: string): Policy {
  const doc = parseYAML(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonType(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  const o = doc as Record<string, any>;
  if (!o.kind) throw new Error(`Object 'Kind' is missing in '${text}'`);
  if (o.apiVersion !== 'audit.k8s.io/v1' || o.kind !== 'Policy') {
    throw new Error(`no kind ${JSON.stringify(String(o.kind))} is registered for version ${JSON.stringify(String(o.apiVersion ?? ''))}`);
  }
  expectType(o.rules, 'array', 'Policy.rules', '[]v1.PolicyRule');
  expectStrings(o.omitStages, 'Policy.omitStages');
  expectType(o.omitManagedFields, 'boolean', 'Policy.omitManagedFields', 'bool');
  for (const r of (o.rules as unknown[] | undefined) ?? []) {
    expectType(r, 'object', 'Policy.rules', 'v1.PolicyRule');
    const rule = r as Record<string, unknown>;
    expectType(rule.level, 'string', 'PolicyRule.rules.level', 'v1.Level');
    for (const k of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs', 'omitStages']) expectStrings(rule[k], `PolicyRule.rules.${k}`);
    expectType(rule.omitManagedFields, 'boolean', 'PolicyRule.rules.omitManagedFields', 'bool');
    expectType(rule.resources, 'array', 'PolicyRule.rules.resources', '[]v1.GroupResources');
    for (const g of (rule.resources as unknown[] | undefined) ?? []) {
      expectType(g, 'object', 'PolicyRule.rules.resources', 'v1.GroupResources');
      const gr = g as Record<string, unknown>;
      expectType(gr.group, 'string', 'GroupResources.rules.resources.group', 'string');
      expectStrings(gr.resources, 'GroupResources.rules.resources.resources');
      expectStrings(gr.resourceNames, 'GroupResources.rules.resources.resourceNames');
    }
  }
  return { ...o, rules: (o.rules as PolicyRule[] | undefined) ?? [] } as Policy;
}

/**
 * Upstream LoadPolicyFromBytes: decodes (YAML or JSON), validates, and refuses a policy without rules. Throws an
 * `Error` with upstream's message ("failed decoding: ...", the aggregated field errors, "loaded illegal policy with 0
 * rules").
 */
export function parsePolicy(text: string): Policy {
  let policy: Policy;
  try {
    policy = decodePolicy(text);
  } catch (err) {
    throw new Error(`failed decoding: ${err instanceof Error ? err.message : String(err)}`);
  }
  const errs = validatePolicy(policy);
  if (errs.length > 0) throw new Error(aggregate(errs.map(fieldErrorMessage)));
  if (policy.rules.length === 0) throw new Error('loaded illegal policy with 0 rules');
  return policy;
}

/** Upstream LoadPolicyFromFile (`--audit-policy-file`); errors name the file as upstream's do. */
export function loadPolicyFile(path: string): Policy {
  if (!path) throw new Error('file path not specified');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`failed to read file path ${JSON.stringify(path)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parsePolicy(text);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}: from file ${path}`);
  }
}

/**
 * Evaluates a policy for requests (upstream policyRuleEvaluator): the first rule that matches decides the level;
 * its omitStages are united with the policy's; its omitManagedFields, when set, overrides the policy's. No match is
 * level None with the policy's stages.
 */
export class PolicyEvaluator {
  private readonly rules: ReadonlyArray<{ rule: PolicyRule; omitStages: readonly Stage[] }>;
  private readonly policyStages: readonly Stage[];

  constructor(readonly policy: Policy) {
    this.policyStages = [...new Set(policy.omitStages ?? [])];
    this.rules = policy.rules.map((rule) => ({ rule, omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])])] }));
  }

  /** The audit configuration of a request with these attributes. */
  evaluate(attrs: AuditAttributes): RequestAuditConfig {
    for (const { rule, omitStages } of this.rules) {
      if (ruleMatches(rule, attrs)) {
        return { level: rule.level, omitStages, omitManagedFields: rule.omitManagedFields ?? this.policy.omitManagedFields ?? false };
      }
    }
    return { level: DEFAULT_AUDIT_LEVEL, omitStages: this.policyStages, omitManagedFields: this.policy.omitManagedFields ?? false };
  }
}

/** Whether one rule matches (upstream ruleMatches). */
export function ruleMatches(r: PolicyRule, attrs: AuditAttributes): boolean {
  const user = attrs.user;
  if (r.users?.length && (!user || !r.users.includes(user.name))) return false;
  if (r.userGroups?.length && (!user || !user.groups.some((g) => r.userGroups!.includes(g)))) return false;
  if (r.verbs?.length && !r.verbs.includes(attrs.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return ruleMatchesResource(r, attrs);
  if (r.nonResourceURLs?.length) return !attrs.isResourceRequest && r.nonResourceURLs.some((spec) => pathMatches(attrs.path, spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function ruleMatchesResource(r: PolicyRule, attrs: AuditAttributes): boolean {
  if (!attrs.isResourceRequest) return false;
  if (r.namespaces?.length && !r.namespaces.includes(attrs.namespace)) return false; // cluster-scoped: ''
  if (!r.resources?.length) return true;
  const { apiGroup, resource, subresource, name } = attrs;
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== apiGroup) continue;
    if (!gr.resources?.length) return true;
    for (const res of gr.resources) {
      if (gr.resourceNames?.length && !gr.resourceNames.includes(name)) continue;
      if (res === combined || res === '*') return true;
      if (subresource && res.startsWith('*/') && subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

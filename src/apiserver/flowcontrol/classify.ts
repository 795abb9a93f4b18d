// Matches a request against FlowSchemas (API Priority and Fairness classification): flow schema, priority level, flow distinguisher.
import type { FlowDistinguisherMethod, FlowSchema, NonResourcePolicyRule, PolicyRulesWithSubjects, ResourcePolicyRule, Subject } from 'kubernetes-types/flowcontrol/v1.js';
import type { UserInfo } from '../authn.js';
import { CATCH_ALL, MANDATORY_FS_CATCH_ALL } from './bootstrap.js';

/** What flow control knows of a request (upstream's RequestDigest: RequestInfo plus user). */
export interface RequestDigest {
  readonly user: UserInfo;
  /** The request verb (`get`, `list`, `watch`, `create`, ...; for non-resource requests the lower-case HTTP method). */
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly apiGroup: string;
  /** Only used in debug dumps. */
  readonly apiVersion?: string;
  readonly resource: string;
  readonly subresource: string;
  /** '' for cluster-scoped requests. */
  readonly namespace: string;
  readonly name: string;
  /** The URL path (no query). */
  readonly path: string;
  /**
   * A long-running request (watch, exec/attach/portforward, proxy, log follow...). Non-watch long-running requests
   * bypass flow control; watches are admitted normally and release their seat once initialised.
   */
  readonly longRunning?: boolean;
  /** The request's own timeout in ms (e.g. from `?timeout=`): the queue wait limit is a quarter of it, at most 1 minute. */
  readonly timeoutMs?: number;
}

/** Upstream's defaulting of matchingPrecedence. */
export const DEFAULT_MATCHING_PRECEDENCE = 1000;

const precedenceOf = (fs: FlowSchema) => fs.spec?.matchingPrecedence ?? DEFAULT_MATCHING_PRECEDENCE;
const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** Sorts FlowSchemas into matching order (a copy): increasing matchingPrecedence, then name. */
export function sortFlowSchemas(schemas: readonly FlowSchema[]): FlowSchema[] {
  return [...schemas].sort((a, b) => precedenceOf(a) - precedenceOf(b) || (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
}

/** Whether `fs` matches the request: some rule matches both a subject and a resource or non-resource rule. */
export function matchesFlowSchema(d: RequestDigest, fs: FlowSchema): boolean {
  return (fs.spec?.rules ?? []).some((rule) => matchesPolicyRule(d, rule));
}

function matchesPolicyRule(d: RequestDigest, rule: PolicyRulesWithSubjects): boolean {
  if (!rule.subjects.some((s) => matchesSubject(d.user, s))) return false;
  if (d.isResourceRequest) return (rule.resourceRules ?? []).some((r) => matchesResourceRule(d, r));
  return (rule.nonResourceRules ?? []).some((r) => matchesNonResourceRule(d, r));
}

const SA_PREFIX = 'system:serviceaccount:';

/** Whether a subject (User, Group or ServiceAccount, with `*` for any name) covers the user. */
export function matchesSubject(user: UserInfo, subject: Subject): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.user !== undefined && (subject.user.name === '*' || subject.user.name === user.name);
    case 'Group': {
      if (subject.group === undefined) return false;
      const seek = subject.group.name;
      return seek === '*' || user.groups.includes(seek);
    }
    case 'ServiceAccount': {
      const sa = subject.serviceAccount;
      if (sa === undefined) return false;
      if (sa.name === '*') return user.name.startsWith(`${SA_PREFIX}${sa.namespace}:`);
      return user.name === `${SA_PREFIX}${sa.namespace}:${sa.name}`;
    }
    default:
      return false;
  }
}

/** `x` is in `list`, or `list` is exactly the wildcard (validation keeps the wildcard alone). */
function containsOrWildcard(x: string, list: readonly string[] | undefined, wildcard: string): boolean {
  if (!list) return false;
  if (list.length === 1 && list[0] === wildcard) return true;
  return list.includes(x);
}

function matchesResourceRule(d: RequestDigest, rule: ResourcePolicyRule): boolean {
  if (!containsOrWildcard(d.verb, rule.verbs, '*')) return false;
  const res = d.subresource ? `${d.resource}/${d.subresource}` : d.resource;
  if (!containsOrWildcard(res, rule.resources, '*')) return false;
  if (!containsOrWildcard(d.apiGroup, rule.apiGroups, '*')) return false;
  if (d.namespace === '') return rule.clusterScope === true;
  return containsOrWildcard(d.namespace, rule.namespaces, '*');
}

function matchesNonResourceRule(d: RequestDigest, rule: NonResourcePolicyRule): boolean {
  if (!containsOrWildcard(d.verb, rule.verbs, '*')) return false;
  for (const url of rule.nonResourceURLs) {
    if (url === '*' || url === d.path) return true;
    // `/healthz` and `/healthz/*` both cover everything under `/healthz/`, as upstream.
    let prefix = url.endsWith('*') ? url.slice(0, -1) : url;
    if (!prefix.endsWith('/')) prefix += '/';
    if (d.path.startsWith(prefix)) return true;
  }
  return false;
}

/** The flow distinguisher: ByUser the user name, ByNamespace the request namespace, none ''. */
export function computeFlowDistinguisher(d: RequestDigest, method: FlowDistinguisherMethod | undefined): string {
  if (!method) return '';
  return method.type === 'ByNamespace' ? d.namespace : method.type === 'ByUser' ? d.user.name : '';
}

/** The outcome of classification. */
export interface Classification {
  readonly flowSchema: FlowSchema;
  /** The referenced priority level's name. */
  readonly priorityLevel: string;
  /** By the schema's distinguisher method (computed regardless of whether the level queues). */
  readonly flowDistinguisher: string;
}

/**
 * Picks the first matching FlowSchema of `sorted` (already in matching order, see `sortFlowSchemas`). Falls back to
 * the catch-all schema (the one in the list, else the mandatory one) when nothing matches, as upstream does.
 */
export function classify(d: RequestDigest, sorted: readonly FlowSchema[]): Classification {
  let chosen = sorted.find((fs) => matchesFlowSchema(d, fs));
  if (!chosen) chosen = sorted.find((fs) => nameOf(fs) === CATCH_ALL) ?? MANDATORY_FS_CATCH_ALL;
  return {
    flowSchema: chosen,
    priorityLevel: chosen.spec?.priorityLevelConfiguration.name ?? CATCH_ALL,
    flowDistinguisher: computeFlowDistinguisher(d, chosen.spec?.distinguisherMethod),
  };
}

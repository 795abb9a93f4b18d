// Finds the RBAC rules that apply to a user in a namespace (upstream DefaultRuleResolver) from the watch caches, with a per-subject binding index.
import type { ObjectReader, Obj } from '../access.js';
import type { UserInfo } from '../authn.js';
import { RBAC_GROUP, type PolicyRule } from './policy.js';

/** Prefix of service-account user names (`system:serviceaccount:<ns>:<name>`). */
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** A binding's roleRef. */
export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

/** A binding's subject. */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** Where a rule came from: the binding and the subject in it that matched the user. */
export interface RuleSource {
  readonly binding: Obj;
  readonly subject: Subject;
  /** True for a RoleBinding, false for a ClusterRoleBinding. */
  readonly namespaced: boolean;
}

/**
 * Visits rules: `source` and `rule` are set for a rule, `err` (an upstream-worded message) for a role that could
 * not be resolved. Return false to stop.
 */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

/** Upstream describeSubject: `User "jane"`, `ServiceAccount "sa/ns"`. */
function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/**
 * The source as upstream prints it in `RBAC: allowed by ...`:
 * `ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"`,
 * `RoleBinding "rb/ns" of Role "r" to User "jane"`.
 */
export function describeSource(src: RuleSource): string {
  const b = src.binding;
  const ref = (b.roleRef ?? {}) as RoleRef;
  const ns = String(b.metadata?.namespace ?? '');
  const name = src.namespaced ? `${b.metadata?.name}/${ns}` : String(b.metadata?.name);
  const kind = src.namespaced ? 'RoleBinding' : 'ClusterRoleBinding';
  return `${kind} ${JSON.stringify(name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(src.subject, src.namespaced ? ns : '')}`;
}

/** Upstream appliesToUser: whether `subject` (of a binding in `namespace`, '' for cluster bindings) is `user`. */
export function subjectApplies(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      if (!ns) return false;
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** Index of the first subject of `binding` that applies to `user`, or -1. */
function firstApplyingSubject(user: UserInfo, binding: Obj, namespace: string): number {
  const subjects: Subject[] = binding.subjects ?? [];
  for (let i = 0; i < subjects.length; i++) if (subjectApplies(user, subjects[i]!, namespace)) return i;
  return -1;
}

/** Binding positions by subject key: `u\0<user name>` (users and service accounts), `g\0<group>`. */
interface BindingIndex {
  readonly items: readonly Obj[];
  readonly byKey: Map<string, number[]>;
}

function buildIndex(items: readonly Obj[], namespace: string): BindingIndex {
  const byKey = new Map<string, number[]>();
  const add = (key: string, i: number) => {
    const list = byKey.get(key);
    if (!list) byKey.set(key, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  };
  items.forEach((b, i) => {
    for (const s of (b.subjects ?? []) as Subject[]) {
      if (s.kind === 'User') add('u\0' + s.name, i);
      else if (s.kind === 'Group') add('g\0' + s.name, i);
      else if (s.kind === 'ServiceAccount') {
        const ns = s.namespace || namespace;
        if (ns) add(`u\0${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}`, i);
      }
    }
  });
  return { items, byKey };
}

/** Same list: the same array, or the same (shared, frozen) objects in the same order. */
function sameItems(a: readonly Obj[], b: readonly Obj[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Resolves RBAC rules from an ObjectReader. Bindings are indexed by subject lazily; an index is rebuilt when the
 * reader's list for it no longer holds the same objects (objects from the watch cache are shared and frozen, so
 * an unchanged list holds the identical objects), which costs one pointer comparison per binding per request.
 */
export class RuleResolver {
  private clusterIndex: BindingIndex | undefined;
  private readonly nsIndexes = new Map<string, BindingIndex>();

  constructor(private readonly reader: ObjectReader) {}

  private index(namespace: string): BindingIndex {
    if (namespace === '') {
      const items = this.reader.list(RBAC_GROUP, 'clusterrolebindings');
      if (!this.clusterIndex || !sameItems(this.clusterIndex.items, items)) this.clusterIndex = buildIndex(items, '');
      return this.clusterIndex;
    }
    const items = this.reader.list(RBAC_GROUP, 'rolebindings', namespace);
    let idx = this.nsIndexes.get(namespace);
    if (!idx || !sameItems(idx.items, items)) {
      if (items.length === 0) {
        this.nsIndexes.delete(namespace);
        return buildIndex(items, namespace);
      }
      idx = buildIndex(items, namespace);
      this.nsIndexes.set(namespace, idx);
    }
    return idx;
  }

  /** Positions (ascending) of the bindings in `idx` that may apply to `user`. */
  private candidates(idx: BindingIndex, user: UserInfo): number[] {
    const out: number[] = [];
    const u = idx.byKey.get('u\0' + user.name);
    if (u) out.push(...u);
    for (const g of user.groups) {
      const l = idx.byKey.get('g\0' + g);
      if (l) out.push(...l);
    }
    if (out.length > 1) {
      out.sort((a, b) => a - b);
      let w = 1;
      for (let r = 1; r < out.length; r++) if (out[r] !== out[w - 1]) out[w++] = out[r]!;
      out.length = w;
    }
    return out;
  }

  /**
   * The rules of the role a binding references (`bindingNamespace` '' for a ClusterRoleBinding). Returns an
   * error message as upstream's listers word it (`clusterrole.rbac.authorization.k8s.io "x" not found`).
   */
  roleRefRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[] } | { error: string } {
    switch (ref.kind) {
      case 'Role': {
        const role = bindingNamespace ? this.reader.get(RBAC_GROUP, 'roles', bindingNamespace, ref.name) : undefined;
        if (!role) return { error: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
        return { rules: role.rules ?? [] };
      }
      case 'ClusterRole': {
        const role = this.reader.get(RBAC_GROUP, 'clusterroles', '', ref.name);
        if (!role) return { error: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
        return { rules: role.rules ?? [] };
      }
      default:
        return { error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
    }
  }

  /**
   * Upstream VisitRulesFor: the rules of every ClusterRoleBinding that applies to `user`, then (when `namespace`
   * is set) of every RoleBinding in `namespace` that does, in list order.
   */
  visitRulesFor(user: UserInfo, namespace: string, visitor: RuleVisitor): void {
    const scopes = namespace ? ['', namespace] : [''];
    for (const scope of scopes) {
      const idx = this.index(scope);
      for (const pos of this.candidates(idx, user)) {
        const binding = idx.items[pos]!;
        const si = firstApplyingSubject(user, binding, scope);
        if (si < 0) continue;
        const res = this.roleRefRules((binding.roleRef ?? {}) as RoleRef, scope);
        if ('error' in res) {
          if (!visitor(undefined, undefined, res.error)) return;
          continue;
        }
        const source: RuleSource = { binding, subject: binding.subjects[si], namespaced: scope !== '' };
        for (const rule of res.rules) if (!visitor(source, rule, undefined)) return;
      }
    }
  }

  /** Every rule that applies to `user` in `namespace` and the resolution errors met (upstream RulesFor). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}

/** Go's utilerrors.NewAggregate(errs).Error(): one message as is, several deduplicated in `[a, b]`. */
export function aggregateErrors(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  if (errors.length === 1) return errors[0]!;
  const seen = [...new Set(errors)];
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

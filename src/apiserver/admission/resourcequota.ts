// The ResourceQuota admission plugin (upstream plugin/pkg/admission/resourcequota): refuses writes that would exceed a namespace's quotas and charges them.
import { forbidden, StatusError } from '../../apimachinery/index.js';
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectAccess } from '../access.js';
import { evaluatorFor, quotaMatches, type QuotaEvaluator } from './quota/evaluators.js';
import {
  addLists,
  lessThanOrEqual,
  maskList,
  negativeNames,
  parseResourceList,
  prettyPrint,
  prettyPrintNames,
  removeZeros,
  type ResourceList,
  resourceListToJSON,
  subtractNonNegative,
} from './quota/resources.js';
import { completeStatus } from './quota/usage.js';

/** Options of {@link resourceQuotaPlugin}. */
export interface ResourceQuotaOptions {
  /** The clock (decides whether a terminating pod's grace period has passed). */
  now?: () => Date;
  /**
   * Called with the namespace and the charged resource each time a request is charged (before its object is
   * stored), with `done` to call once the request has finished (its object stored, or not): the server holds
   * back usage recomputation while charges are in flight, since a recount from the stored objects would not see
   * them yet and would hand their usage back. When the request cannot report its end, `done` is never called by
   * the plugin and the server must time the charge out.
   */
  onCharge?: (namespace: string, group: string, resource: string) => { done(): void } | void;
}

/** What one request uses of the quotas, before any quota state is looked at. */
interface Measured {
  readonly ev: QuotaEvaluator;
  readonly usage: ResourceList;
  /** The old object's usage for an UPDATE of a stored object; undefined for a create (or create-on-update). */
  readonly prevUsage: ResourceList | undefined;
}

/** The object name for error messages, as upstream admission.NewForbidden: name, generateName, or `Unknown`. */
function nameForError(req: AdmissionRequest): string {
  if (req.name) return req.name;
  const m = req.object?.metadata;
  return m?.name || m?.generateName || 'Unknown';
}

function refuse(req: AdmissionRequest, why: string): StatusError {
  return forbidden({ group: req.group, resource: req.resource }, nameForError(req), why);
}

/**
 * The usage `req` adds to `quota`, or undefined when the quota does not track the object or the request adds
 * nothing to it. Throws the `failed quota` refusal when a pod omits resources the quota requires.
 */
function deltaFor(quota: Obj, req: AdmissionRequest, m: Measured): ResourceList | undefined {
  const hard = parseResourceList(quota.spec?.hard);
  const obj = req.object as Obj;
  if (!quotaMatches(m.ev, quota, hard.keys(), obj)) return undefined;
  const restricted = m.ev.matchingResources(hard.keys());
  const missing = m.ev.constraints(restricted, obj);
  if (missing !== undefined) throw refuse(req, `failed quota: ${quota.metadata?.name ?? ''}: ${missing}`);
  let delta = m.usage;
  if (m.prevUsage && req.oldObject && quotaMatches(m.ev, quota, hard.keys(), req.oldObject)) delta = subtractNonNegative(m.usage, m.prevUsage);
  const requested = removeZeros(maskList(delta, hard.keys()));
  return requested.size === 0 ? undefined : requested;
}

/**
 * Charges `requested` to `quota` (whose status is completed by listing where not yet computed): the new status,
 * or the `exceeded quota` refusal when a tracked resource would pass its hard limit.
 */
function charge(quota: Obj, req: AdmissionRequest, requested: ResourceList, access: ObjectAccess, now: Date): { hard: ResourceList; used: ResourceList } {
  const { hard, used } = completeStatus(quota, access, now);
  const newUsed = addLists(used, requested);
  const { ok, exceeded } = lessThanOrEqual(maskList(newUsed, requested.keys()), hard);
  if (!ok) {
    throw refuse(
      req,
      `exceeded quota: ${quota.metadata?.name ?? ''}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
    );
  }
  return { hard, used: newUsed };
}

/**
 * The `ResourceQuota` validating admission plugin. For creates and updates of namespaced objects (not
 * subresources, not events and other ignored resources) it finds the namespace's quotas that track the object
 * and, per quota: refuses pods that omit cpu/memory a quota requires (`failed quota: q: must specify ...`),
 * refuses when `used + requested` passes `hard` (`exceeded quota: q, requested: pods=1, used: pods=2, limited:
 * pods=2`), and otherwise charges the quota's `status.used` through a compare-and-swap status write BEFORE the
 * object is stored, re-checking on the fresh quota on every retry. Requests of one namespace are processed one
 * at a time, so concurrent creates never overshoot. `hard` is the quota's `spec.hard`; a quota whose usage of
 * a resource is not recorded yet gets it measured by listing. Dry-run requests are checked, never charged.
 * Refusals are 403 Forbidden. A charge is not refunded when a later step refuses the object (the resourcequota
 * controller's recount, {@link recomputeNamespaceQuotas}, corrects it), as upstream.
 */
export function resourceQuotaPlugin(access: ObjectAccess, opts: ResourceQuotaOptions = {}): AdmissionPlugin {
  const now = opts.now ?? (() => new Date());
  const tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier job of the namespace has finished. */
  function serial<T>(ns: string, fn: () => Promise<T>): Promise<T> {
    const prev = tails.get(ns) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(ns, tail);
    void tail.then(() => {
      if (tails.get(ns) === tail) tails.delete(ns);
    });
    return run;
  }

  function measure(req: AdmissionRequest, ev: QuotaEvaluator): Measured {
    const obj = req.object as Obj;
    const usage = ev.usage(obj, now());
    const negative = negativeNames(usage);
    if (negative.length > 0) throw refuse(req, `quota usage is negative for resource(s): ${prettyPrintNames(negative)}`);
    let prevUsage: ResourceList | undefined;
    if (req.operation === 'UPDATE') {
      if (!req.oldObject) throw refuse(req, 'unable to get previous usage since prior version of object was not found');
      if (req.oldObject.metadata?.resourceVersion) prevUsage = ev.usage(req.oldObject, now());
    }
    return { ev, usage, prevUsage };
  }

  async function evaluate(req: AdmissionRequest, ev: QuotaEvaluator): Promise<void> {
    const ns = req.namespace;
    const quotas = access.list('', 'resourcequotas', ns);
    if (quotas.length === 0) return;
    const m = measure(req, ev);
    const plan: Array<{ quota: Obj; name: string; requested: ResourceList }> = [];
    for (const quota of quotas) {
      const requested = deltaFor(quota, req, m);
      if (requested) plan.push({ quota, name: quota.metadata?.name ?? '', requested });
    }
    if (plan.length === 0) return;

    if (req.dryRun) {
      for (const p of plan) charge(p.quota, req, p.requested, access, now());
      return;
    }

    const charged: Array<{ name: string; requested: ResourceList }> = [];
    for (const p of plan) {
      let refusal: unknown;
      let requested: ResourceList | undefined;
      try {
        await access.update(
          '',
          'resourcequotas',
          ns,
          p.name,
          (cur) => {
            refusal = undefined;
            requested = undefined;
            try {
              requested = deltaFor(cur, req, m);
              if (!requested) return undefined;
              const st = charge(cur, req, requested, access, now());
              cur.status = { ...(cur.status ?? {}), hard: resourceListToJSON(st.hard), used: resourceListToJSON(st.used) };
              return cur;
            } catch (e) {
              refusal = e;
              requested = undefined;
              return undefined;
            }
          },
          'status',
        );
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue; // the quota is gone: nothing to charge
        await refund(ns, charged);
        throw e;
      }
      if (refusal !== undefined) {
        await refund(ns, charged);
        throw refusal;
      }
      if (requested) {
        charged.push({ name: p.name, requested });
        const pending = opts.onCharge?.(ns, req.group, req.resource);
        if (pending) req.whenDone?.(() => pending.done());
      }
    }
  }

  /** Takes back charges made to earlier quotas of a request that a later quota refused. */
  async function refund(ns: string, charged: ReadonlyArray<{ name: string; requested: ResourceList }>): Promise<void> {
    for (const c of charged) {
      try {
        await access.update(
          '',
          'resourcequotas',
          ns,
          c.name,
          (cur) => {
            const used = parseResourceList(cur.status?.used);
            const back = subtractNonNegative(maskList(used, c.requested.keys()), c.requested);
            cur.status = { ...(cur.status ?? {}), used: resourceListToJSON(new Map([...used, ...back])) };
            return cur;
          },
          'status',
        );
      } catch {
        // best effort: the controller's recount repairs what this could not
      }
    }
  }

  return {
    name: 'ResourceQuota',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(req) {
      if (req.subresource !== '' || req.namespace === '' || !req.object) return;
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
      if (req.group === '' && req.resource === 'namespaces') return;
      const ev = evaluatorFor(req.group, req.resource);
      if (!ev || !ev.handles(req.operation, req.subresource)) return;
      if (access.list('', 'resourcequotas', req.namespace).length === 0) return;
      await serial(req.namespace, () => evaluate(req, ev));
    },
  };
}

export { computeUsage, recomputeNamespaceQuotas, completeStatus, type ObjectsByResource, type QuotaStatus } from './quota/usage.js';
export { evaluatorFor, isIgnoredResource, type QuotaEvaluator } from './quota/evaluators.js';

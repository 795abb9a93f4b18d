// The LimitRanger admission plugin (upstream plugin/pkg/admission/limitranger): LimitRange defaults and min/max/ratio checks.
import { parseQuantity, type Quantity } from '../../apimachinery/index.js';
import type { AdmissionPlugin, AdmissionRequest, Obj, ObjectReader } from '../access.js';
import { admissionForbidden } from './serviceaccount.js';
import { arr, isObj, str } from './util.js';

/** The annotation listing what the plugin defaulted on a pod. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** A resource list parsed: resource name → quantity, in the object's key order. */
type ResourceList = Map<string, Quantity>;

/**
 * The `LimitRanger` plugin, for CREATE and UPDATE of pods and persistentvolumeclaims (no subresources; pod
 * updates are skipped as upstream, containers being immutable; objects whose stored state is being deleted too).
 * For every LimitRange in the namespace:
 * - admit (pods): `type: Container` items' `default` fill missing container limits and `defaultRequest` missing
 *   requests, in init containers and containers, and the annotation `kubernetes.io/limit-ranger` records them
 *   (`LimitRanger plugin set: cpu request for container c; cpu limit for container c`). The stored LimitRange
 *   is defaulted already (defaultRequest ← default ← max, defaultRequest ← min), so requests default to the
 *   limits when only limits are given;
 * - validate: `Container` min/max/maxLimitRequestRatio against each (init) container, `Pod` ones against the
 *   pod's total (sidecars included as upstream), `PersistentVolumeClaim` min/max against the claim's requests
 *   (on update only requests that changed). Violations refuse with 403 listing upstream's messages
 *   (`maximum cpu usage per Container is 2, but limit is 3`), several as `[a, b]`.
 */
export function limitRangerPlugin(reader: ObjectReader): AdmissionPlugin {
  const applies = (req: AdmissionRequest): boolean => {
    if (req.subresource !== '' || req.group !== '' || !isObj(req.object)) return false;
    if (req.kind === 'Pod') {
      if (req.operation === 'UPDATE') return false;
    } else if (req.kind !== 'PersistentVolumeClaim') {
      return false;
    }
    if (req.oldObject?.['metadata']?.['deletionTimestamp']) return false;
    return true;
  };
  const limitRanges = (req: AdmissionRequest): Obj[] => reader.list('', 'limitranges', req.namespace);

  return {
    name: 'LimitRanger',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    admit(req) {
      if (!applies(req) || req.kind !== 'Pod') return;
      for (const lr of limitRanges(req)) mutatePod(lr, req.object as Obj);
    },
    validate(req) {
      if (!applies(req)) return;
      for (const lr of limitRanges(req)) {
        const errs = req.kind === 'Pod' ? validatePod(lr, req.object as Obj) : validateClaim(lr, req.object as Obj, req.oldObject);
        if (errs.length > 0) throw admissionForbidden(req, aggregate(errs));
      }
    },
  };
}

/** Applies one LimitRange's container defaults to a pod (upstream PodMutateLimitFunc). */
export function mutatePod(limitRange: Obj, pod: Obj): void {
  const defLimits: Record<string, unknown> = {};
  const defRequests: Record<string, unknown> = {};
  for (const item of limitItems(limitRange)) {
    if (item['type'] !== 'Container') continue;
    Object.assign(defRequests, isObj(item['defaultRequest']) ? item['defaultRequest'] : {});
    Object.assign(defLimits, isObj(item['default']) ? item['default'] : {});
  }
  const spec = pod['spec'];
  if (!isObj(spec)) return;
  const notes: string[] = [];
  for (const [key, what] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
    for (const c of arr(spec[key])) {
      if (!isObj(c)) continue;
      const setLimits = fill(c, 'limits', defLimits);
      const setRequests = fill(c, 'requests', defRequests);
      if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${str(c['name'])}`);
      if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${str(c['name'])}`);
    }
  }
  if (notes.length > 0) {
    const meta = (pod['metadata'] ??= {}) as Obj;
    const ann = (meta['annotations'] ??= {}) as Obj;
    ann[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
}

/** Sets the absent entries of `defaults` in the container's `resources[which]`; returns the names set. */
function fill(container: Obj, which: 'limits' | 'requests', defaults: Record<string, unknown>): string[] {
  const set: string[] = [];
  const names = Object.keys(defaults);
  if (names.length === 0) return set;
  const resources = (isObj(container['resources']) ? container['resources'] : (container['resources'] = {})) as Obj;
  const current = isObj(resources[which]) ? (resources[which] as Obj) : {};
  for (const name of names) {
    if (name in current) continue;
    current[name] = defaults[name];
    set.push(name);
  }
  if (set.length > 0) resources[which] = current;
  return set;
}

/** Upstream PodValidateLimitFunc on a create: the messages of every violated constraint. */
export function validatePod(limitRange: Obj, pod: Obj): string[] {
  const errs: string[] = [];
  const spec = isObj(pod['spec']) ? pod['spec'] : {};
  for (const item of limitItems(limitRange)) {
    const type = str(item['type']);
    if (type === 'Container') {
      for (const key of ['containers', 'initContainers']) {
        for (const c of arr(spec[key])) {
          const res = isObj(c?.['resources']) ? c['resources'] : {};
          errs.push(...checkItem(item, type, resourceList(res['requests']), resourceList(res['limits'])));
        }
      }
    } else if (type === 'Pod') {
      errs.push(...checkItem(item, type, podTotal(spec, 'requests'), podTotal(spec, 'limits')));
    }
  }
  return errs;
}

/** Upstream PersistentVolumeClaimValidateLimitFunc: min/max of `PersistentVolumeClaim` items on the claim's requests. */
export function validateClaim(limitRange: Obj, pvc: Obj, oldPvc?: Obj): string[] {
  const errs: string[] = [];
  const requests = resourceList(pvc['spec']?.['resources']?.['requests']);
  const oldRequests = resourceList(oldPvc?.['spec']?.['resources']?.['requests']);
  const unchanged = (name: string) => {
    const a = requests.get(name);
    const b = oldRequests.get(name);
    return a !== undefined && b !== undefined && a.equal(b);
  };
  for (const item of limitItems(limitRange)) {
    const type = str(item['type']);
    if (type !== 'PersistentVolumeClaim') continue;
    for (const [name, min] of resourceList(item['min'])) {
      if (unchanged(name)) continue;
      const e = minConstraint(type, name, min, requests, new Map());
      if (e) errs.push(e);
    }
    for (const [name, max] of resourceList(item['max'])) {
      if (unchanged(name)) continue;
      const req = requests.get(name);
      if (req === undefined) errs.push(`maximum ${name} usage per ${type} is ${max}.  No request is specified`);
      else if (req.cmp(max) > 0) errs.push(`maximum ${name} usage per ${type} is ${max}, but request is ${req}`);
    }
  }
  return errs;
}

function checkItem(item: Obj, type: string, requests: ResourceList, limits: ResourceList): string[] {
  const errs: string[] = [];
  for (const [name, q] of resourceList(item['min'])) {
    const e = minConstraint(type, name, q, requests, limits);
    if (e) errs.push(e);
  }
  for (const [name, q] of resourceList(item['max'])) {
    const e = maxConstraint(type, name, q, requests, limits);
    if (e) errs.push(e);
  }
  for (const [name, q] of resourceList(item['maxLimitRequestRatio'])) {
    const e = ratioConstraint(type, name, q, requests, limits);
    if (e) errs.push(e);
  }
  return errs;
}

function minConstraint(type: string, name: string, min: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (req === undefined) return `minimum ${name} usage per ${type} is ${min}.  No request is specified`;
  if (min.cmp(req) > 0) return `minimum ${name} usage per ${type} is ${min}, but request is ${req}`;
  if (lim !== undefined && min.cmp(lim) > 0) return `minimum ${name} usage per ${type} is ${min}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, name: string, max: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (lim === undefined) return `maximum ${name} usage per ${type} is ${max}.  No limit is specified`;
  if (lim.cmp(max) > 0) return `maximum ${name} usage per ${type} is ${max}, but limit is ${lim}`;
  if (req !== undefined && req.cmp(max) > 0) return `maximum ${name} usage per ${type} is ${max}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, ratio: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (req === undefined || req.isZero()) return `${name} max limit to request ratio per ${type} is ${ratio}, but no request is specified or request is 0`;
  if (lim === undefined || lim.isZero()) return `${name} max limit to request ratio per ${type} is ${ratio}, but no limit is specified or limit is 0`;
  // limit > request × ratio, exactly: both sides scaled by 10^18.
  const l = abs(lim.nanos);
  const r = abs(req.nanos);
  if (l * 1_000_000_000n > r * ratio.nanos) return `${name} max limit to request ratio per ${type} is ${ratio}, but provided ratio is ${ratioString(l, r)}`;
  return undefined;
}

/** `num / den` with six decimals, rounded half to even (as the ratio message prints it). */
export function ratioString(num: bigint, den: bigint): string {
  const scaled = num * 1_000_000n;
  let q = scaled / den;
  const twice = (scaled % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}

/**
 * The pod's total of `which` (requests or limits) as upstream podRequests/podLimits: containers plus sidecars
 * (init containers with restartPolicy Always) summed, raised to the largest one-off init container (plus the
 * sidecars started before it).
 */
function podTotal(spec: Obj, which: 'requests' | 'limits'): ResourceList {
  const total: ResourceList = new Map();
  const of = (c: unknown): ResourceList => resourceList((c as Obj | undefined)?.['resources']?.[which]);
  for (const c of arr(spec['containers'])) addTo(total, of(c));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of arr(spec['initContainers'])) {
    const own = of(c);
    let effective: ResourceList;
    if (c?.['restartPolicy'] === 'Always') {
      addTo(total, own);
      addTo(sidecars, own);
      effective = sidecars;
    } else {
      effective = new Map();
      addTo(effective, own);
      addTo(effective, sidecars);
    }
    maxInto(initMax, effective);
  }
  maxInto(total, initMax);
  return total;
}

function addTo(list: ResourceList, add: ResourceList): void {
  for (const [name, q] of add) {
    const cur = list.get(name);
    list.set(name, cur === undefined ? q : cur.add(q));
  }
}

function maxInto(list: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const cur = list.get(name);
    if (cur === undefined || q.cmp(cur) > 0) list.set(name, q);
  }
}

/** Upstream utilerrors.NewAggregate(...).Error(): one message bare, several deduplicated as `[a, b]`. */
function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isObj(v)) return out;
  for (const [name, raw] of Object.entries(v)) {
    if (typeof raw !== 'string' && typeof raw !== 'number') continue;
    try {
      out.set(name, parseQuantity(String(raw)));
    } catch {
      // An unparseable quantity never passed validation; ignore it here.
    }
  }
  return out;
}

function limitItems(limitRange: Obj): Obj[] {
  return arr(limitRange['spec']?.['limits']).filter(isObj);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}




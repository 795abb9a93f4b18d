// Version conversion of plain JSON objects: HPA autoscaling/v1 <-> autoscaling/v2 and Event core/v1 <-> events.k8s.io/v1.

type Obj = Record<string, any>;

/** Annotation keeping the v2 metrics autoscaling/v1 cannot express (v1 MetricSpec JSON). */
export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
/** Annotation keeping the v2 status.currentMetrics (v1 MetricStatus JSON). */
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
/** Annotation keeping the v2 status.conditions. */
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
/** Annotation keeping the v2 spec.behavior (Go's internal struct marshalled without json tags: `ScaleUp`, ...). */
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
/** The CPU utilization autoscaling/v1 implies when no metric is given. */
export const DEFAULT_CPU_UTILIZATION = 80;

const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

interface Pair {
  from: string;
  to: string;
  kind: string;
  convert(obj: Obj, to: string): Obj;
}

const HPA = 'HorizontalPodAutoscaler';
const PAIRS: Pair[] = [
  { from: 'autoscaling/v2', to: 'autoscaling/v1', kind: HPA, convert: hpaV2ToV1 },
  { from: 'autoscaling/v1', to: 'autoscaling/v2', kind: HPA, convert: hpaV1ToV2 },
  { from: 'v1', to: 'events.k8s.io/v1', kind: 'Event', convert: coreEventToEventsV1 },
  { from: 'events.k8s.io/v1', to: 'v1', kind: 'Event', convert: eventsV1EventToCore },
];

function findPair(from: string, to: string): Pair | undefined {
  return PAIRS.find((p) => p.from === from && p.to === to);
}

/** Whether `convertObject` can convert `kind` (or `<kind>List`) from apiVersion `from` to apiVersion `to`. */
export function canConvert(from: string, to: string, kind: string): boolean {
  if (from === to) return true;
  const p = findPair(from, to);
  return p !== undefined && (kind === p.kind || kind === `${p.kind}List`);
}

/**
 * Converts a plain JSON object from apiVersion `from` to apiVersion `to` (e.g. 'autoscaling/v1' -> 'autoscaling/v2'),
 * as upstream's conversion through the internal version: returns a new object with `apiVersion` set to `to` (kind
 * unchanged; lists convert item by item); a deep copy when from === to. The input is never modified.
 * Throws Error for pairs it does not know.
 */
export function convertObject(obj: Record<string, any>, from: string, to: string): Record<string, any> {
  if (from === to) return { ...clone(obj), apiVersion: to };
  const p = findPair(from, to);
  if (p === undefined) throw new Error(`no conversion from ${from} to ${to}`);
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  if (kind !== undefined && kind !== p.kind && kind !== `${p.kind}List`) {
    throw new Error(`no conversion of ${kind} from ${from} to ${to}`);
  }
  if (kind === `${p.kind}List` || (kind === undefined && Array.isArray(obj.items))) {
    const out = clone(obj);
    out.apiVersion = to;
    out.items = (Array.isArray(obj.items) ? obj.items : []).map((item: Obj) => {
      const converted = p.convert(item, to);
      if (item.apiVersion === undefined) delete converted.apiVersion;
      return converted;
    });
    return out;
  }
  return p.convert(obj, to);
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null;
/** A Go non-pointer resource.Quantity: the zero quantity marshals as "0". */
const quantity = (v: unknown): unknown => (present(v) ? clone(v) : '0');

/** Sets `out[key]` to a copy of `v` when `v` is present (Go omitempty of a pointer). */
function setIf(out: Obj, key: string, v: unknown): void {
  if (present(v)) out[key] = clone(v);
}

/** The object minus `spec`/`status`, with apiVersion `to` and the HPA round-trip annotations removed. */
function hpaShell(obj: Obj, to: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) if (k !== 'spec' && k !== 'status') out[k] = clone(v);
  out.apiVersion = to;
  if (isObj(out.metadata) && isObj(out.metadata.annotations)) {
    for (const a of ROUND_TRIP_ANNOTATIONS) delete out.metadata.annotations[a];
    if (Object.keys(out.metadata.annotations).length === 0) delete out.metadata.annotations;
  }
  return out;
}

function setAnnotation(out: Obj, key: string, value: string): void {
  if (!isObj(out.metadata)) out.metadata = {};
  if (!isObj(out.metadata.annotations)) out.metadata.annotations = {};
  out.metadata.annotations[key] = value;
}

/** A JSON annotation of `obj`, parsed; undefined when absent or malformed (upstream ignores bad annotations). */
function jsonAnnotation(obj: Obj, key: string): unknown {
  const raw = obj.metadata?.annotations?.[key];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function crossVersionRef(r: unknown): Obj {
  const ref = isObj(r) ? r : {};
  const out: Obj = { kind: typeof ref.kind === 'string' ? ref.kind : '', name: typeof ref.name === 'string' ? ref.name : '' };
  if (typeof ref.apiVersion === 'string' && ref.apiVersion !== '') out.apiVersion = ref.apiVersion;
  return out;
}

function metricIdentifier(name: unknown, selector: unknown): Obj {
  const out: Obj = { name: typeof name === 'string' ? name : '' };
  setIf(out, 'selector', selector);
  return out;
}

const isCPUResource = (m: any): boolean => m?.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu';
const isCPUUtilization = (m: any): boolean => isCPUResource(m) && present(m.resource.target?.averageUtilization);

// ---------------------------------------------------------------------------------------------------------------
// HPA metric specs and statuses: autoscaling/v2 <-> the autoscaling/v1 (v2beta1-like) annotation shapes

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' };
  if (isObj(m.object)) {
    const t = m.object.target ?? {};
    const o: Obj = { target: crossVersionRef(m.object.describedObject), metricName: m.object.metric?.name ?? '', targetValue: quantity(t.value) };
    setIf(o, 'selector', m.object.metric?.selector);
    setIf(o, 'averageValue', t.averageValue);
    out.object = o;
  }
  if (isObj(m.pods)) {
    const o: Obj = { metricName: m.pods.metric?.name ?? '', targetAverageValue: quantity(m.pods.target?.averageValue) };
    setIf(o, 'selector', m.pods.metric?.selector);
    out.pods = o;
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const src = m[key];
    const o: Obj = { name: src.name ?? '' };
    setIf(o, 'targetAverageUtilization', src.target?.averageUtilization);
    setIf(o, 'targetAverageValue', src.target?.averageValue);
    if (key === 'containerResource') o.container = src.container ?? '';
    out[key] = o;
  }
  if (isObj(m.external)) {
    const t = m.external.target ?? {};
    const o: Obj = { metricName: m.external.metric?.name ?? '' };
    setIf(o, 'metricSelector', m.external.metric?.selector);
    setIf(o, 'targetValue', t.value);
    setIf(o, 'targetAverageValue', t.averageValue);
    out.external = o;
  }
  return out;
}

function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' };
  if (isObj(m.object)) {
    const o = m.object;
    const target: Obj = { type: present(o.averageValue) ? 'AverageValue' : 'Value', value: quantity(o.targetValue) };
    setIf(target, 'averageValue', o.averageValue);
    out.object = { describedObject: crossVersionRef(o.target), target, metric: metricIdentifier(o.metricName, o.selector) };
  }
  if (isObj(m.pods)) {
    const o = m.pods;
    out.pods = { metric: metricIdentifier(o.metricName, o.selector), target: { type: 'AverageValue', averageValue: quantity(o.targetAverageValue) } };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const src = m[key];
    const target: Obj = { type: present(src.targetAverageUtilization) ? 'Utilization' : 'AverageValue' };
    setIf(target, 'averageValue', src.targetAverageValue);
    setIf(target, 'averageUtilization', src.targetAverageUtilization);
    const o: Obj = { name: src.name ?? '', target };
    if (key === 'containerResource') o.container = src.container ?? '';
    out[key] = o;
  }
  if (isObj(m.external)) {
    const o = m.external;
    const target: Obj = { type: present(o.targetValue) ? 'Value' : 'AverageValue' };
    setIf(target, 'value', o.targetValue);
    setIf(target, 'averageValue', o.targetAverageValue);
    out.external = { metric: metricIdentifier(o.metricName, o.metricSelector), target };
  }
  return out;
}

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' };
  if (isObj(m.object)) {
    const c = m.object.current ?? {};
    const o: Obj = { target: crossVersionRef(m.object.describedObject), metricName: m.object.metric?.name ?? '', currentValue: quantity(c.value) };
    setIf(o, 'selector', m.object.metric?.selector);
    setIf(o, 'averageValue', c.averageValue);
    out.object = o;
  }
  if (isObj(m.pods)) {
    const o: Obj = { metricName: m.pods.metric?.name ?? '', currentAverageValue: quantity(m.pods.current?.averageValue) };
    setIf(o, 'selector', m.pods.metric?.selector);
    out.pods = o;
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const src = m[key];
    const o: Obj = { name: src.name ?? '' };
    setIf(o, 'currentAverageUtilization', src.current?.averageUtilization);
    o.currentAverageValue = quantity(src.current?.averageValue);
    if (key === 'containerResource') o.container = src.container ?? '';
    out[key] = o;
  }
  if (isObj(m.external)) {
    const c = m.external.current ?? {};
    const o: Obj = { metricName: m.external.metric?.name ?? '' };
    setIf(o, 'metricSelector', m.external.metric?.selector);
    o.currentValue = quantity(c.value);
    setIf(o, 'currentAverageValue', c.averageValue);
    out.external = o;
  }
  return out;
}

function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' };
  if (isObj(m.object)) {
    const o = m.object;
    const current: Obj = { value: quantity(o.currentValue) };
    setIf(current, 'averageValue', o.averageValue);
    out.object = { metric: metricIdentifier(o.metricName, o.selector), current, describedObject: crossVersionRef(o.target) };
  }
  if (isObj(m.pods)) {
    const o = m.pods;
    out.pods = { metric: metricIdentifier(o.metricName, o.selector), current: { averageValue: quantity(o.currentAverageValue) } };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    if (!isObj(m[key])) continue;
    const src = m[key];
    const current: Obj = { averageValue: quantity(src.currentAverageValue) };
    setIf(current, 'averageUtilization', src.currentAverageUtilization);
    const o: Obj = { name: src.name ?? '', current };
    if (key === 'containerResource') o.container = src.container ?? '';
    out[key] = o;
  }
  if (isObj(m.external)) {
    const o = m.external;
    const current: Obj = { value: quantity(o.currentValue) };
    setIf(current, 'averageValue', o.currentAverageValue);
    out.external = { metric: metricIdentifier(o.metricName, o.metricSelector), current };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// HPA behavior: v2 JSON <-> Go's untagged internal struct JSON (upstream kubernetes#89964)

function rulesToGo(r: unknown): unknown {
  if (!isObj(r)) return null;
  return {
    StabilizationWindowSeconds: present(r.stabilizationWindowSeconds) ? r.stabilizationWindowSeconds : null,
    SelectPolicy: present(r.selectPolicy) ? r.selectPolicy : null,
    Policies: Array.isArray(r.policies)
      ? r.policies.map((p: any) => ({ Type: p?.type ?? '', Value: p?.value ?? 0, PeriodSeconds: p?.periodSeconds ?? 0 }))
      : null,
  };
}

/** Go encoding/json key lookup: exact match first, else case-insensitive. */
function getCI(o: Obj, key: string): unknown {
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  const k = Object.keys(o).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : o[k];
}

function rulesFromGo(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  const out: Obj = {};
  const sws = getCI(r, 'StabilizationWindowSeconds');
  if (present(sws)) out.stabilizationWindowSeconds = sws;
  const sp = getCI(r, 'SelectPolicy');
  if (present(sp)) out.selectPolicy = sp;
  const policies = getCI(r, 'Policies');
  if (Array.isArray(policies) && policies.length > 0) {
    out.policies = policies.map((p) => {
      const q = isObj(p) ? p : {};
      return { type: getCI(q, 'Type') ?? '', value: getCI(q, 'Value') ?? 0, periodSeconds: getCI(q, 'PeriodSeconds') ?? 0 };
    });
  }
  return out;
}

/** The behavior from its annotation; undefined when malformed or the zero behavior (both directions unset). */
function behaviorFromGo(v: unknown): Obj | undefined {
  if (!isObj(v)) return undefined;
  const up = rulesFromGo(getCI(v, 'ScaleUp'));
  const down = rulesFromGo(getCI(v, 'ScaleDown'));
  if (up === undefined && down === undefined) return undefined;
  const out: Obj = {};
  if (up !== undefined) out.scaleUp = up;
  if (down !== undefined) out.scaleDown = down;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// HPA

/** Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler over JSON. */
function hpaV2ToV1(obj: Obj, to: string): Obj {
  const out = hpaShell(obj, to);
  const inSpec: Obj = isObj(obj.spec) ? obj.spec : {};
  const metrics: Obj[] = Array.isArray(inSpec.metrics) ? inSpec.metrics.filter(isObj) : [];

  if (isObj(obj.spec)) {
    const spec: Obj = { scaleTargetRef: crossVersionRef(inSpec.scaleTargetRef) };
    setIf(spec, 'minReplicas', inSpec.minReplicas);
    spec.maxReplicas = inSpec.maxReplicas ?? 0;
    const cpu = metrics.find(isCPUResource);
    if (cpu && present(cpu.resource.target?.averageUtilization)) spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
    out.spec = spec;
  }

  const inStatus: Obj = isObj(obj.status) ? obj.status : {};
  const currentMetrics: Obj[] = Array.isArray(inStatus.currentMetrics) ? inStatus.currentMetrics.filter(isObj) : [];
  const conditions: unknown[] = Array.isArray(inStatus.conditions) ? inStatus.conditions : [];
  if (isObj(obj.status)) {
    const status: Obj = {};
    setIf(status, 'observedGeneration', inStatus.observedGeneration);
    setIf(status, 'lastScaleTime', inStatus.lastScaleTime);
    status.currentReplicas = inStatus.currentReplicas ?? 0;
    status.desiredReplicas = inStatus.desiredReplicas ?? 0;
    for (const m of currentMetrics) {
      if (isCPUResource(m) && present(m.resource.current?.averageUtilization)) {
        status.currentCPUUtilizationPercentage = m.resource.current.averageUtilization;
      }
    }
    out.status = status;
  }

  const others = metrics.filter((m) => !isCPUUtilization(m)).map(metricSpecToV1);
  if (others.length > 0) setAnnotation(out, METRIC_SPECS_ANNOTATION, JSON.stringify(others));
  if (currentMetrics.length > 0) setAnnotation(out, METRIC_STATUSES_ANNOTATION, JSON.stringify(currentMetrics.map(metricStatusToV1)));
  if (present(inSpec.behavior)) {
    const b = inSpec.behavior;
    setAnnotation(out, BEHAVIOR_ANNOTATION, JSON.stringify({ ScaleUp: rulesToGo(b.scaleUp), ScaleDown: rulesToGo(b.scaleDown) }));
  }
  if (conditions.length > 0) setAnnotation(out, CONDITIONS_ANNOTATION, JSON.stringify(conditions));
  return out;
}

/** Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler over JSON. */
function hpaV1ToV2(obj: Obj, to: string): Obj {
  const out = hpaShell(obj, to);
  const inSpec: Obj = isObj(obj.spec) ? obj.spec : {};
  const inStatus: Obj = isObj(obj.status) ? obj.status : {};

  const spec: Obj = { scaleTargetRef: crossVersionRef(inSpec.scaleTargetRef) };
  setIf(spec, 'minReplicas', inSpec.minReplicas);
  spec.maxReplicas = inSpec.maxReplicas ?? 0;
  let metrics: Obj[] = [];
  if (present(inSpec.targetCPUUtilizationPercentage)) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: inSpec.targetCPUUtilizationPercentage } } });
  }
  const others = jsonAnnotation(obj, METRIC_SPECS_ANNOTATION);
  if (Array.isArray(others)) {
    // The metrics v1 could not express come first; the CPU metric of the field (if any) goes last.
    metrics = [...others.filter(isObj).map(metricSpecToV2), ...metrics];
  }
  if (metrics.length === 0) {
    metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  spec.metrics = metrics;
  const behavior = behaviorFromGo(jsonAnnotation(obj, BEHAVIOR_ANNOTATION));
  if (behavior !== undefined) spec.behavior = behavior;
  out.spec = spec;

  const current = jsonAnnotation(obj, METRIC_STATUSES_ANNOTATION);
  const conditions = jsonAnnotation(obj, CONDITIONS_ANNOTATION);
  if (isObj(obj.status) || Array.isArray(current) || Array.isArray(conditions)) {
    const status: Obj = {};
    setIf(status, 'observedGeneration', inStatus.observedGeneration);
    setIf(status, 'lastScaleTime', inStatus.lastScaleTime);
    if (present(inStatus.currentReplicas) && inStatus.currentReplicas !== 0) status.currentReplicas = inStatus.currentReplicas;
    status.desiredReplicas = inStatus.desiredReplicas ?? 0;
    if (Array.isArray(current)) {
      status.currentMetrics = current.filter(isObj).map(metricStatusToV2);
    } else if (present(inStatus.currentCPUUtilizationPercentage)) {
      status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: inStatus.currentCPUUtilizationPercentage } } }];
    }
    if (Array.isArray(conditions)) status.conditions = clone(conditions);
    out.status = status;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Event: core/v1 <-> events.k8s.io/v1 (pkg/apis/events/v1/conversion.go)

/** core/v1 key -> events.k8s.io/v1 key, for every Event field the two share. */
const EVENT_FIELDS: ReadonlyArray<[string, string]> = [
  ['metadata', 'metadata'],
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['related', 'related'],
  ['action', 'action'],
  ['reason', 'reason'],
  ['type', 'type'],
];

function mapEvent(obj: Obj, to: string, fromIndex: 0 | 1): Obj {
  const out: Obj = { apiVersion: to };
  if (obj.kind !== undefined) out.kind = obj.kind;
  const toIndex = fromIndex === 0 ? 1 : 0;
  for (const pair of EVENT_FIELDS) {
    const src = pair[fromIndex];
    if (obj[src] !== undefined) out[pair[toIndex]] = clone(obj[src]);
  }
  return out;
}

function coreEventToEventsV1(obj: Obj, to: string): Obj {
  return mapEvent(obj, to, 0);
}

function eventsV1EventToCore(obj: Obj, to: string): Obj {
  return mapEvent(obj, to, 1);
}

// autoscaling/v2 HorizontalPodAutoscaler validation (upstream pkg/apis/autoscaling/validation).
import { field, type FieldError } from '../../apimachinery/index.js';
import { asArr, asObj, type Obj, quantity, str } from './util.js';

const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'];
const SOURCE_FIELD: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/** upstream IsValidPathSegmentName. */
export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const ch of ['/', '%']) if (name.includes(ch)) errs.push(`may not contain '${ch}'`);
  return errs;
}

function crossVersionRef(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['kind', 'name']) {
    const v = str(ref[k]);
    if (!v) errs.push(field.required(`${path}.${k}`));
    else for (const m of isValidPathSegmentName(v)) errs.push(field.invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

function metricTarget(t: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(t['type']);
  if (!type) errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(field.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  for (const k of ['value', 'averageValue']) {
    if (t[k] === undefined || t[k] === null) continue;
    const { q } = quantity(t[k]);
    if (!q || q.sign() !== 1) errs.push(field.invalid(`${path}.${k}`, t[k], 'must be positive'));
  }
  const au = t['averageUtilization'];
  if (typeof au === 'number' && au < 1) errs.push(field.invalid(`${path}.averageUtilization`, au, 'must be greater than 0'));
  return errs;
}

function metricSource(kind: string, src: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const target = asObj(src['target']) ?? {};
  if (kind === 'resource' || kind === 'containerResource') {
    if (!str(src['name'])) errs.push(field.required(`${path}.name`, 'must specify a resource name'));
    if (kind === 'containerResource' && !str(src['container'])) errs.push(field.required(`${path}.container`, 'must specify a container'));
    errs.push(...metricTarget(target, `${path}.target`));
    const hasAV = target['averageValue'] !== undefined && target['averageValue'] !== null;
    const hasAU = target['averageUtilization'] !== undefined && target['averageUtilization'] !== null;
    if (!hasAV && !hasAU) errs.push(field.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
    if (hasAV && hasAU) errs.push(field.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
    return errs;
  }
  const metric = asObj(src['metric']) ?? {};
  if (!str(metric['name'])) errs.push(field.required(`${path}.metric.name`, 'must specify a metric name'));
  if (kind === 'object') errs.push(...crossVersionRef(asObj(src['describedObject']) ?? {}, `${path}.describedObject`));
  errs.push(...metricTarget(target, `${path}.target`));
  return errs;
}

function validateMetrics(metrics: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArr(metrics).forEach((mv, i) => {
    const m = asObj(mv) ?? {};
    const p = `${path}[${i}]`;
    const type = str(m['type']);
    if (!type) errs.push(field.required(`${p}.type`, 'must specify a metric source type'));
    if (!METRIC_TYPES.includes(type)) errs.push(field.notSupported(`${p}.type`, type, METRIC_TYPES));
    const present = Object.values(SOURCE_FIELD).filter((k) => m[k] !== undefined && m[k] !== null);
    if (present.length === 1) errs.push(...metricSource(present[0] as string, asObj(m[present[0] as string]) ?? {}, `${p}.${present[0]}`));
    const expected = SOURCE_FIELD[type];
    if (expected && !present.includes(expected)) errs.push(field.required(`${p}.${expected}`, 'must populate information for the given metric source'));
    if (present.length !== 1) for (const k of present.filter((k) => k !== expected)) errs.push(field.forbidden(`${p}.${k}`, 'must populate the given metric source only'));
  });
  return errs;
}

function scalingRules(rules: unknown, path: string): FieldError[] {
  const r = asObj(rules);
  if (!r) return [];
  const errs: FieldError[] = [];
  const sw = r['stabilizationWindowSeconds'];
  if (typeof sw === 'number') {
    if (sw < 0) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, sw, 'must be greater than or equal to zero'));
    if (sw > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, sw, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  const sp = r['selectPolicy'];
  if (typeof sp === 'string' && !['Max', 'Min', 'Disabled'].includes(sp)) errs.push(field.notSupported(`${path}.selectPolicy`, sp, ['Disabled', 'Max', 'Min']));
  const policies = asArr(r['policies']);
  if (policies.length === 0) errs.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((pv, i) => {
    const pol = asObj(pv) ?? {};
    const p = `${path}.policies[${i}]`;
    const t = str(pol['type']);
    if (t !== 'Pods' && t !== 'Percent') errs.push(field.notSupported(`${p}.type`, t, ['Percent', 'Pods']));
    const v = typeof pol['value'] === 'number' ? pol['value'] : 0;
    if (v <= 0) errs.push(field.invalid(`${p}.value`, v, 'must be greater than zero'));
    const ps = typeof pol['periodSeconds'] === 'number' ? pol['periodSeconds'] : 0;
    if (ps <= 0) errs.push(field.invalid(`${p}.periodSeconds`, ps, 'must be greater than zero'));
    if (ps > MAX_PERIOD_SECONDS) errs.push(field.invalid(`${p}.periodSeconds`, ps, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** upstream ValidateHorizontalPodAutoscaler minus metadata (minReplicas lower bound 1; HPAScaleToZero is off). */
export function validateHPA(hpa: Obj): FieldError[] {
  const spec = asObj(hpa['spec']) ?? {};
  const errs: FieldError[] = [];
  const min = spec['minReplicas'];
  const max = typeof spec['maxReplicas'] === 'number' ? spec['maxReplicas'] : 0;
  if (typeof min === 'number' && min < 1) errs.push(field.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const refErrs = crossVersionRef(asObj(spec['scaleTargetRef']) ?? {}, 'spec.scaleTargetRef');
  if (refErrs.length) return [...errs, ...refErrs];
  const mErrs = validateMetrics(spec['metrics'], 'spec.metrics');
  if (mErrs.length) return [...errs, ...mErrs];
  const b = asObj(spec['behavior']);
  if (b) {
    errs.push(...scalingRules(b['scaleUp'], 'spec.behavior.scaleUp'));
    errs.push(...scalingRules(b['scaleDown'], 'spec.behavior.scaleDown'));
  }
  return errs;
}

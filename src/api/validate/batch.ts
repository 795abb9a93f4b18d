// batch/v1 Job and CronJob validation (upstream pkg/apis/batch/validation), including the cron schedule parser.
import { field, type FieldError } from '../../apimachinery/index.js';
import { validatePodTemplateSpec } from './pod.js';
import { asObj, deepEqual, immutable, nonNegative, type Obj, str, strMap, toSelector, validateLabelSelector } from './util.js';

// ---- cron (github.com/robfig/cron/v3 ParseStandard, with its error messages) -------------------------

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

class CronError extends Error {}

/** Go's strconv.Atoi with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function mustParseInt(s: string): number {
  const n = atoi(s);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function parseIntOrName(s: string, names?: Record<string, number>): number {
  const named = names?.[s.toLowerCase()];
  return named !== undefined ? named : mustParseInt(s);
}

function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    if (lowAndHigh.length === 1) end = r.max;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

/** Go's time.ParseDuration acceptance (units ns, us, µs, ms, s, m, h). */
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;

/**
 * Parses `spec` as robfig/cron v3 ParseStandard does (5 fields or a descriptor) and returns its error text, or
 * undefined when valid. `TZ=`/`CRON_TZ=` prefixes are accepted here (validation rejects them separately).
 */
export function cronParseError(spec: string): string | undefined {
  try {
    if (spec.length === 0) throw new CronError('empty spec string');
    let s = spec;
    if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
      const i = s.indexOf(' ');
      s = i < 0 ? '' : s.slice(i).trim();
    }
    if (s.startsWith('@')) {
      if (DESCRIPTORS.has(s)) return undefined;
      if (s.startsWith('@every ')) {
        const d = s.slice('@every '.length);
        if (!GO_DURATION.test(d)) throw new CronError(`failed to parse duration ${s}: time: invalid duration ${JSON.stringify(d)}`);
        return undefined;
      }
      throw new CronError(`unrecognized descriptor: ${s}`);
    }
    const fields = s.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    fields.forEach((f, i) => {
      for (const part of f.split(',').filter((p) => p !== '')) checkRange(part, FIELDS[i] as Bounds);
    });
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

// ---- Job --------------------------------------------------------------------------------------------

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

/** upstream validateJobSpec (shared by Job and CronJob's jobTemplate) at `path`. */
function validateJobSpecCommon(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...nonNegative(spec[f], `${path}.${f}`));
  }
  const cm = spec['completionMode'];
  if (typeof cm === 'string') {
    if (!COMPLETION_MODES.includes(cm)) errs.push(field.notSupported(`${path}.completionMode`, cm, COMPLETION_MODES));
    if (cm === 'Indexed') {
      if (typeof spec['completions'] !== 'number') errs.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (typeof spec['parallelism'] === 'number' && spec['parallelism'] > 100000) {
        errs.push(field.invalid(`${path}.parallelism`, spec['parallelism'], 'must be less than or equal to 100000 when completion mode is Indexed'));
      }
    }
  }
  const prp = spec['podReplacementPolicy'];
  if (typeof prp === 'string' && prp !== 'TerminatingOrFailed' && prp !== 'Failed') {
    errs.push(field.notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
  }
  errs.push(...validatePodTemplateSpec(spec['template'], `${path}.template`));
  const rp = str(asObj(asObj(spec['template'])?.['spec'])?.['restartPolicy']);
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(field.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
  return errs;
}

/** upstream ValidateHasLabel. */
function hasLabel(labels: Record<string, string>, path: string, key: string, expected: string): FieldError[] {
  if (!(key in labels)) return [field.required(`${path}.labels[${key}]`, `must be '${expected}'`)];
  return labels[key] !== expected ? [field.invalid(`${path}.labels[${key}]`, labels, `must be '${expected}'`)] : [];
}

/** upstream ValidateJob minus metadata: generated selector and labels (unless manualSelector), then the spec. */
export function validateJob(job: Obj): FieldError[] {
  const meta = asObj(job['metadata']) ?? {};
  const spec = asObj(job['spec']) ?? {};
  const errs: FieldError[] = [];
  const labels = strMap(asObj(asObj(spec['template'])?.['metadata'])?.['labels']);
  if (spec['manualSelector'] !== true && asObj(spec['selector'])) {
    const uid = str(meta['uid']);
    const name = str(meta['name']);
    if (!uid) errs.push(field.required('metadata.uid'));
    const tp = 'spec.template.metadata';
    errs.push(...hasLabel(labels, tp, 'controller-uid', uid));
    errs.push(...hasLabel(labels, tp, 'job-name', name));
    errs.push(...hasLabel(labels, tp, 'batch.kubernetes.io/controller-uid', uid));
    errs.push(...hasLabel(labels, tp, 'batch.kubernetes.io/job-name', name));
    const sel = toSelector(spec['selector']);
    const expected = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
    if (sel && !sel.matches(expected)) errs.push(field.invalid('spec.selector', spec['selector'], '`selector` not auto-generated'));
  }
  errs.push(...validateJobSpecCommon(spec, 'spec'));
  if (!asObj(spec['selector'])) errs.push(field.required('spec.selector'));
  else errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  const sel = toSelector(spec['selector']);
  if (sel && !sel.matches(labels)) errs.push(field.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  return errs;
}

/** upstream ValidateJobUpdate minus metadata: the spec, then completions, selector and template are immutable. */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const errs = validateJob(job);
  const ns = asObj(job['spec']) ?? {};
  const os = asObj(old['spec']) ?? {};
  const elasticIndexed = ns['completionMode'] === 'Indexed' && os['completionMode'] === 'Indexed' && ns['completions'] === ns['parallelism'] && os['completions'] === os['parallelism'];
  if (!elasticIndexed) errs.push(...immutable(ns['completions'], os['completions'], 'spec.completions'));
  errs.push(...immutable(ns['selector'], os['selector'], 'spec.selector'));
  // A suspended job that never started may change its template's scheduling directives; anything else is fixed.
  const neverStarted = os['suspend'] === true && !asObj(old['status'])?.['startTime'];
  if (!neverStarted || !deepEqual(stripScheduling(ns['template']), stripScheduling(os['template']))) {
    errs.push(...immutable(ns['template'], os['template'], 'spec.template'));
  }
  errs.push(...immutable(ns['completionMode'], os['completionMode'], 'spec.completionMode'));
  errs.push(...immutable(ns['podFailurePolicy'], os['podFailurePolicy'], 'spec.podFailurePolicy'));
  return errs;
}

function stripScheduling(tmpl: unknown): unknown {
  const t = asObj(tmpl);
  if (!t) return tmpl;
  const spec = { ...(asObj(t['spec']) ?? {}) };
  for (const k of ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']) delete spec[k];
  const meta = { ...(asObj(t['metadata']) ?? {}) };
  delete meta['labels'];
  delete meta['annotations'];
  return { ...t, metadata: meta, spec };
}

// ---- CronJob ----------------------------------------------------------------------------------------

/** upstream ValidateCronJobCreate minus metadata (but with its 52-character name rule) / ValidateCronJobSpec. */
export function validateCronJob(cj: Obj, old?: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(asObj(cj['metadata'])?.['name']);
  if (!old && name.length > 52) errs.push(field.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const spec = asObj(cj['spec']) ?? {};
  const schedule = str(spec['schedule']);
  if (!schedule) errs.push(field.required('spec.schedule'));
  else {
    const e = cronParseError(schedule);
    if (e) errs.push(field.invalid('spec.schedule', schedule, e));
    const allowTZ = str(asObj(old?.['spec'])?.['schedule']).includes('TZ');
    if (allowTZ && schedule.includes('TZ') && typeof spec['timeZone'] === 'string') {
      errs.push(field.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  errs.push(...nonNegative(spec['startingDeadlineSeconds'], 'spec.startingDeadlineSeconds'));
  const cp = str(spec['concurrencyPolicy']);
  if (!cp) errs.push(field.required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(field.notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  const jt = asObj(spec['jobTemplate']) ?? {};
  const jspec = asObj(jt['spec']) ?? {};
  errs.push(...validateJobSpecCommon(jspec, 'spec.jobTemplate.spec'));
  if (jspec['selector'] !== undefined && jspec['selector'] !== null) {
    errs.push(field.invalid('spec.jobTemplate.spec.selector', jspec['selector'], '`selector` will be auto-generated'));
  }
  if (jspec['manualSelector'] === true) errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec['successfulJobsHistoryLimit'], 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec['failedJobsHistoryLimit'], 'spec.failedJobsHistoryLimit'));
  const tz = spec['timeZone'];
  if (typeof tz === 'string') {
    if (tz === '') errs.push(field.invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string'));
    else if (tz.split('/').some((p) => p === '.' || p === '..' || p.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(p))) {
      errs.push(field.invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
    } else {
      if (tz.toLowerCase() === 'local') errs.push(field.invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
      else if (!isKnownTimeZone(tz)) errs.push(field.invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
    }
  }
  return errs;
}

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

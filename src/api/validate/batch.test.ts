import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/index.js';
import { applyDefaults } from '../defaults/index.js';
import { cronParseError } from './batch.js';
import { validateCreate, validateUpdate } from './index.js';

describe('cronParseError', () => {
  it.each<[string, string | undefined]>([
    ['*/5 * * * *', undefined],
    ['0 0 1 jan mon', undefined],
    ['@hourly', undefined],
    ['@every 1h30m', undefined],
    ['', 'empty spec string'],
    ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
  ])('%j', (spec, err) => expect(cronParseError(spec)).toBe(err));
});

const job = (spec: Record<string, any>, meta: Record<string, any> = { name: 'pi', uid: 'u1' }): Record<string, any> => {
  const j: Record<string, any> = { metadata: { namespace: 'default', ...meta }, spec: JSON.parse(JSON.stringify(spec)) };
  applyDefaults('batch', 'Job', j);
  return j;
};
const podTmpl = (restartPolicy?: string) => ({ spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'perl' }] } });

describe('job', () => {
  it('accepts a defaulted job', () => {
    expect(validateCreate('batch', 'Job', job({ template: podTmpl('Never') }))).toEqual([]);
  });
  it.each<[string, Record<string, any>, string[]]>([
    [
      'restartPolicy',
      { template: podTmpl() },
      ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'],
    ],
    ['negative parallelism', { parallelism: -1, template: podTmpl('Never') }, ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']],
    ['negative backoffLimit', { backoffLimit: -2, template: podTmpl('OnFailure') }, ['spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0']],
    [
      'indexed needs completions',
      { completionMode: 'Indexed', parallelism: 2, template: podTmpl('Never') },
      ['spec.completions: Required value: when completion mode is Indexed'],
    ],
  ])('%s', (_n, spec, expected) => expect(validateCreate('batch', 'Job', job(spec)).map(fieldErrorMessage)).toEqual(expected));

  it('template and selector are immutable', () => {
    const old = job({ template: podTmpl('Never') });
    const n = JSON.parse(JSON.stringify(old));
    n.spec.template.spec.containers[0].image = 'perl:2';
    const errs = validateUpdate('batch', 'Job', n, old).map(fieldErrorMessage);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('a manual selector must match the template', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: podTmpl('Never') });
    expect(validateCreate('batch', 'Job', j).map(fieldErrorMessage)).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{}: `selector` does not match template `labels`',
    ]);
  });
});

describe('cronjob', () => {
  const cj = (spec: Record<string, any>, name = 'c'): Record<string, any> => {
    const o: Record<string, any> = { metadata: { name, namespace: 'default' }, spec: { jobTemplate: { spec: { template: podTmpl('OnFailure') } }, ...spec } };
    applyDefaults('batch', 'CronJob', o);
    return o;
  };
  it.each<[string, Record<string, any>, string[]]>([
    ['valid', { schedule: '*/1 * * * *' }, []],
    ['schedule required', {}, ['spec.schedule: Required value']],
    ['bad schedule', { schedule: 'every minute' }, ['spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]']],
    [
      'TZ in schedule',
      { schedule: 'TZ=UTC * * * * *' },
      ['spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ],
    [
      'concurrencyPolicy',
      { schedule: '* * * * *', concurrencyPolicy: 'Sometimes' },
      ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
    ],
    ['unknown time zone', { schedule: '* * * * *', timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
  ])('%s', (_n, spec, expected) => expect(validateCreate('batch', 'CronJob', cj(spec)).map(fieldErrorMessage)).toEqual(expected));

  it('names are limited to 52 characters', () => {
    const name = 'a'.repeat(53);
    expect(validateCreate('batch', 'CronJob', cj({ schedule: '@daily' }, name)).map(fieldErrorMessage)).toEqual([
      `metadata.name: Invalid value: "${name}": must be no more than 52 characters`,
    ]);
  });
});

// CronJob schedule math, job names and templates, time-zone timestamps and history pruning.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from './cron.js';
import { formatSchedule, jobFromTemplate, jobName, jobsBeyondHistoryLimits, mostRecentScheduleTime, nextScheduleDelay, rfc1123z, rfc3339InZone } from './utils.js';

const T = (s: string) => Date.parse(s);
const cj = (spec: Partial<CronJob['spec']>, status: CronJob['status'] = {}, created = '2024-01-01T00:00:00Z'): CronJob => ({
  metadata: { name: 'cj', namespace: 'ns', uid: 'u1', creationTimestamp: created },
  spec: { schedule: '*/10 * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { containers: [] } } } }, ...spec } as CronJob['spec'],
  status,
});

describe('mostRecentScheduleTime', () => {
  const s = parseSchedule('*/10 * * * *');
  it.each([
    ['nothing due yet', cj({}), '2024-01-01T00:05:00Z', undefined, 'none'],
    ['one due', cj({}), '2024-01-01T00:10:30Z', '2024-01-01T00:10:00.000Z', 'few'],
    ['several missed: the latest', cj({}), '2024-01-01T00:45:00Z', '2024-01-01T00:40:00.000Z', 'few'],
    ['from lastScheduleTime', cj({}, { lastScheduleTime: '2024-01-01T00:40:00Z' }), '2024-01-01T00:45:00Z', undefined, 'none'],
    ['too many missed', cj({}), '2024-01-02T00:00:00Z', '2024-01-02T00:00:00.000Z', 'many'],
    ['deadline limits the look-back', cj({ startingDeadlineSeconds: 60 }), '2024-01-02T00:05:00Z', undefined, 'none'],
  ] as const)('%s', (_n, c, now, want, missed) => {
    const r = mostRecentScheduleTime(c, T(now), s, true);
    expect(r.mostRecent === undefined ? undefined : new Date(r.mostRecent).toISOString()).toBe(want);
    expect(r.missed).toBe(missed);
  });
  it('nextScheduleDelay is until the next activation plus 100 ms', () => {
    expect(nextScheduleDelay(cj({}), T('2024-01-01T00:05:00Z'), s)).toBe(5 * 60_000 + 100);
  });
});

describe('jobs', () => {
  it('jobName is minutes since the epoch', () => {
    expect(jobName(cj({}), T('2024-01-01T00:10:00Z'))).toBe(`cj-${T('2024-01-01T00:10:00Z') / 60_000}`);
  });
  it.each([
    [undefined, '2024-07-01T10:00:00Z'],
    ['Europe/Berlin', '2024-07-01T12:00:00+02:00'],
    ['America/New_York', '2024-07-01T06:00:00-04:00'],
    ['Asia/Kolkata', '2024-07-01T15:30:00+05:30'],
  ] as const)('rfc3339InZone(%s)', (zone, want) => expect(rfc3339InZone(T('2024-07-01T10:00:00Z'), zone)).toBe(want));
  it('rfc1123z', () => expect(rfc1123z(T('2024-07-01T10:00:00Z'))).toBe('Mon, 01 Jul 2024 10:00:00 +0000'));
  it('formatSchedule prefixes spec.timeZone', () => {
    expect(formatSchedule(cj({ timeZone: 'Europe/Berlin' }))).toBe('TZ=Europe/Berlin */10 * * * *');
    expect(formatSchedule(cj({}))).toBe('*/10 * * * *');
  });
  it('jobFromTemplate', () => {
    const j = jobFromTemplate(cj({ timeZone: 'Europe/Berlin' }), T('2024-01-01T00:10:00Z'), { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'u1', controller: true });
    expect(j.metadata).toMatchObject({
      name: `cj-${T('2024-01-01T00:10:00Z') / 60_000}`,
      namespace: 'ns',
      labels: { a: 'b' },
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2024-01-01T01:10:00+01:00' },
    });
    expect(j.metadata!.ownerReferences![0]!.uid).toBe('u1');
  });
  it('jobsBeyondHistoryLimits deletes the oldest finished of each kind', () => {
    const mk = (name: string, type: string | undefined, start?: string): Job => ({
      metadata: { name },
      status: { ...(start ? { startTime: start } : {}), ...(type ? { conditions: [{ type, status: 'True' }] } : {}) },
    });
    const jobs = [mk('s1', 'Complete', '2024-01-01T00:01:00Z'), mk('s2', 'Complete', '2024-01-01T00:02:00Z'), mk('s0', 'Complete'), mk('f1', 'Failed', '2024-01-01T00:00:00Z'), mk('f2', 'Failed', '2024-01-01T00:03:00Z'), mk('run', undefined, '2024-01-01T00:00:00Z')];
    expect(jobsBeyondHistoryLimits(cj({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }), jobs).map((j) => j.metadata!.name)).toEqual(['s1', 's2', 'f1']);
    expect(jobsBeyondHistoryLimits(cj({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 }), jobs).map((j) => j.metadata!.name)).toEqual(['s1', 's2', 's0']);
    expect(jobsBeyondHistoryLimits(cj({}), jobs)).toEqual([]);
  });
});

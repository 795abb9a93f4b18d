// Cron parsing and next activation times: fields, names, steps, descriptors, time zones and DST transitions.
import { describe, expect, it } from 'vitest';
import { parseField, parseGoDuration, parseSchedule, wallClock } from './cron.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('parseSchedule next times', () => {
  const cases: Array<[string, string, string, string, string?]> = [
    // [name, spec, after (UTC), expected next (UTC), zone]
    ['every minute', '* * * * *', '2024-01-01T10:00:30Z', '2024-01-01T10:01:00.000Z'],
    ['exact minute boundary is strictly after', '* * * * *', '2024-01-01T10:00:00Z', '2024-01-01T10:01:00.000Z'],
    ['hourly at 15', '15 * * * *', '2024-01-01T10:20:00Z', '2024-01-01T11:15:00.000Z'],
    ['step minutes', '*/15 * * * *', '2024-01-01T10:16:00Z', '2024-01-01T10:30:00.000Z'],
    ['range with step', '10-40/10 * * * *', '2024-01-01T10:41:00Z', '2024-01-01T11:10:00.000Z'],
    ['single value step runs to max', '50/5 * * * *', '2024-01-01T10:51:00Z', '2024-01-01T10:55:00.000Z'],
    ['list', '5,35 3 * * *', '2024-01-01T03:06:00Z', '2024-01-01T03:35:00.000Z'],
    ['month names', '0 0 1 FEB,jun *', '2024-03-01T00:00:00Z', '2024-06-01T00:00:00.000Z'],
    ['weekday names', '0 9 * * MON-FRI', '2024-01-05T10:00:00Z', '2024-01-08T09:00:00.000Z'], // Fri -> Mon
    ['dom OR dow when both restricted', '0 0 13 * FRI', '2024-09-01T00:00:00Z', '2024-09-06T00:00:00.000Z'],
    ['dom AND dow when one is *', '0 0 13 * *', '2024-09-01T00:00:00Z', '2024-09-13T00:00:00.000Z'],
    ['leap day', '0 0 29 2 *', '2024-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['@hourly', '@hourly', '2024-01-01T10:00:00Z', '2024-01-01T11:00:00.000Z'],
    ['@daily', '@daily', '2024-01-01T10:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['@weekly is Sunday', '@weekly', '2024-01-01T10:00:00Z', '2024-01-07T00:00:00.000Z'],
    ['@monthly', '@monthly', '2024-01-15T10:00:00Z', '2024-02-01T00:00:00.000Z'],
    ['@yearly', '@yearly', '2024-01-15T10:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@every', '@every 1h30m', '2024-01-01T10:00:00Z', '2024-01-01T11:30:00.000Z'],
    ['TZ prefix', 'TZ=Europe/Berlin 0 9 * * *', '2024-01-01T00:00:00Z', '2024-01-01T08:00:00.000Z'],
    ['CRON_TZ prefix summer', 'CRON_TZ=Europe/Berlin 0 9 * * *', '2024-07-01T00:00:00Z', '2024-07-01T07:00:00.000Z'],
    ['zone from spec.timeZone', '0 9 * * *', '2024-01-01T00:00:00Z', '2024-01-01T14:00:00.000Z', 'America/New_York'],
    ['half-hour zone', '0 0 * * *', '2024-01-01T00:00:00Z', '2024-01-01T18:30:00.000Z', 'Asia/Kolkata'],
    // America/New_York DST starts 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 does not exist that day and is skipped.
    ['spring forward skips the missing time', '30 2 * * *', '2024-03-09T08:00:00Z', '2024-03-11T06:30:00.000Z', 'America/New_York'],
    ['spring forward: 03:30 is EDT', '30 3 * * *', '2024-03-10T05:00:00Z', '2024-03-10T07:30:00.000Z', 'America/New_York'],
    // DST ends 2024-11-03 02:00 EDT -> 01:00 EST: 01:30 happens twice (robfig runs both).
    ['fall back first 01:30 (EDT)', '30 1 * * *', '2024-11-03T04:00:00Z', '2024-11-03T05:30:00.000Z', 'America/New_York'],
    ['fall back second 01:30 (EST)', '30 1 * * *', '2024-11-03T05:30:00Z', '2024-11-03T06:30:00.000Z', 'America/New_York'],
    ['daily across fall back', '0 12 * * *', '2024-11-02T16:00:00Z', '2024-11-03T17:00:00.000Z', 'America/New_York'],
  ];
  it.each(cases)('%s', (_n, spec, after, want, zone) => {
    expect(iso(parseSchedule(spec, zone).next(Date.parse(after)))).toBe(want);
  });

  it('hourly schedule walks through the fall-back hour without loops', () => {
    const s = parseSchedule('0 * * * *', 'America/New_York');
    let t = Date.parse('2024-11-03T03:30:00Z');
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      t = s.next(t)!;
      got.push(iso(t)!);
    }
    expect(got).toEqual(['2024-11-03T04:00:00.000Z', '2024-11-03T05:00:00.000Z', '2024-11-03T06:00:00.000Z', '2024-11-03T07:00:00.000Z']);
  });

  it('returns undefined for a date that never comes', () => {
    expect(parseSchedule('0 0 30 2 *').next(Date.parse('2024-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('parseSchedule errors', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty spec string/],
    ['* * * *', /expected exactly 5 fields, found 4/],
    ['* * * * * *', /expected exactly 5 fields, found 6/],
    ['60 * * * *', /end of range \(60\) above maximum \(59\)/],
    ['* 24 * * *', /above maximum \(23\)/],
    ['* * 0 * *', /below minimum \(1\)/],
    ['5-1 * * * *', /beginning of range \(5\) beyond end of range \(1\)/],
    ['*/0 * * * *', /step of range should be a positive number/],
    ['a * * * *', /failed to parse int from a/],
    ['@fortnightly', /unrecognized descriptor: @fortnightly/],
    ['TZ=Mars/Olympus * * * * *', /provided bad location Mars\/Olympus/],
  ];
  it.each(bad)('%j', (spec, re) => {
    expect(() => parseSchedule(spec)).toThrow(re);
  });
});

describe('helpers', () => {
  it('parseField marks * with the star bit and */2 without', () => {
    expect(parseField('*', { min: 0, max: 6 }) >> 63n).toBe(1n);
    expect(parseField('*/2', { min: 0, max: 6 }) >> 63n).toBe(0n);
    expect(parseField('*/2', { min: 0, max: 6 }) & 0x7fn).toBe(0b1010101n);
  });
  it('parseGoDuration', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(() => parseGoDuration('5x')).toThrow(/invalid duration/);
  });
  it('wallClock reads a zone', () => {
    expect(wallClock(Date.parse('2024-07-01T12:00:00Z'), 'Asia/Tokyo')).toMatchObject({ year: 2024, month: 7, day: 1, hour: 21, minute: 0, weekday: 1 });
  });
});

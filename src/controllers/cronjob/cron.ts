// Cron schedules as the CronJob controller reads them (robfig/cron v3 standard parser): 5 fields, names, steps, descriptors, time zones.

/** A parsed schedule: `next(t)` is the first activation strictly after instant `t` (ms), undefined when none within 5 years. */
export interface Schedule {
  next(afterMs: number): number | undefined;
  /** The IANA zone the schedule runs in ('UTC' unless `TZ=`/`CRON_TZ=` or a timeZone said otherwise). */
  readonly timeZone: string;
}

const STAR = 1n << 63n;

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: MONTHS };
const DOW: Bounds = { min: 0, max: 6, names: DAYS };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function bits(min: number, max: number, step: number): bigint {
  let b = 0n;
  for (let i = min; i <= max; i += step) b |= 1n << BigInt(i);
  return b;
}

function parseIntStrict(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function parseValue(s: string, r: Bounds): number {
  const n = r.names?.[s.toLowerCase()];
  if (n !== undefined) return n;
  return parseIntStrict(s);
}

/** One comma-separated field of a cron spec as a bit set (bit 63 marks `*`/`?` as robfig's starBit). */
export function parseField(field: string, r: Bounds): bigint {
  let out = 0n;
  for (const expr of field.split(',')) {
    const [rangePart = '', stepPart, extra] = expr.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${expr}`);
    const lowHigh = rangePart.split('-');
    let start: number;
    let end: number;
    let star = 0n;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      if (lowHigh.length > 1) throw new Error(`too many hyphens: ${expr}`);
      start = r.min;
      end = r.max;
      star = STAR;
    } else {
      if (lowHigh.length > 2) throw new Error(`too many hyphens: ${expr}`);
      start = parseValue(lowHigh[0]!, r);
      end = lowHigh.length === 2 ? parseValue(lowHigh[1]!, r) : start;
    }
    let step = 1;
    if (stepPart !== undefined) {
      step = parseIntStrict(stepPart);
      if (lowHigh.length === 1 && star === 0n) end = r.max;
      if (step > 1) star = 0n;
    }
    if (start < r.min) throw new Error(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
    if (end > r.max) throw new Error(`end of range (${end}) above maximum (${r.max}): ${expr}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
    out |= bits(start, end, step) | star;
  }
  return out;
}

/** Whether `zone` is an IANA time zone name Intl knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in a zone. */
export interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of instant `ms` in `zone`. */
export function wallClock(ms: number, zone: string): Wall {
  if (zone === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  let f = fmtCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    fmtCache.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const year = p['year']!;
  const month = p['month']!;
  const day = p['day']!;
  return { year, month, day, hour: p['hour']! % 24, minute: p['minute']!, second: p['second']!, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** The UTC offset (ms, east positive) of `zone` at instant `ms`. */
export function zoneOffset(ms: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in `zone`, normalising out-of-range fields (day 32 ...) and resolving gaps and
 * overlaps as Go's time.Date does (the offset in effect at the wall time read as UTC, corrected once).
 */
export function fromWall(zone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (zone === 'UTC') return asUtc;
  let off = zoneOffset(asUtc, zone);
  const off2 = zoneOffset(asUtc - off, zone);
  if (off2 !== off) off = off2;
  return asUtc - off;
}

class CronSchedule implements Schedule {
  constructor(
    readonly timeZone: string,
    private readonly minute: bigint,
    private readonly hour: bigint,
    private readonly dom: bigint,
    private readonly month: bigint,
    private readonly dow: bigint,
  ) {}

  private dayMatches(w: Wall): boolean {
    const domMatch = (this.dom & (1n << BigInt(w.day))) !== 0n;
    const dowMatch = (this.dow & (1n << BigInt(w.weekday))) !== 0n;
    if ((this.dom & STAR) !== 0n || (this.dow & STAR) !== 0n) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  /** robfig/cron's SpecSchedule.Next, on instants with wall-clock reads in the schedule's zone. */
  next(afterMs: number): number | undefined {
    const z = this.timeZone;
    // Start at the next whole second (robfig schedules have seconds = 0, so the next whole minute works too).
    let t = Math.floor(afterMs / 1000) * 1000 + 1000;
    let w = wallClock(t, z);
    if (w.second !== 0) {
      t += (60 - w.second) * 1000;
      w = wallClock(t, z);
    }
    const yearLimit = w.year + 5;
    wrap: for (;;) {
      if (w.year > yearLimit) return undefined;
      while ((this.month & (1n << BigInt(w.month))) === 0n) {
        t = fromWall(z, w.year, w.month + 1, 1);
        w = wallClock(t, z);
        if (w.year > yearLimit) return undefined;
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w)) {
        t = fromWall(z, w.year, w.month, w.day + 1);
        w = wallClock(t, z);
        // As robfig: midnight may not exist (DST at 00:00); step back into the day.
        if (w.hour === 23) {
          t += 3_600_000;
          w = wallClock(t, z);
        }
        if (w.day === 1) continue wrap;
      }
      while ((this.hour & (1n << BigInt(w.hour))) === 0n) {
        // Truncate to the hour on the instant line (an ambiguous wall hour stays the occurrence we are in).
        t = t - w.minute * 60_000 - w.second * 1000 + 3_600_000;
        w = wallClock(t, z);
        if (w.hour === 0) continue wrap;
      }
      while ((this.minute & (1n << BigInt(w.minute))) === 0n) {
        t = t - w.second * 1000 + 60_000;
        w = wallClock(t, z);
        if (w.minute === 0) continue wrap;
      }
      return t - w.second * 1000;
    }
  }
}

class EverySchedule implements Schedule {
  readonly timeZone = 'UTC';
  constructor(private readonly delayMs: number) {}
  /** robfig's ConstantDelaySchedule: t + delay, rounded down to the second. */
  next(afterMs: number): number {
    return Math.floor((afterMs + this.delayMs) / 1000) * 1000;
  }
}

/** Parses a Go duration (`1h30m`, `90s`, `1.5h`). */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  if (s === '0') return 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  return total;
}

/**
 * Parses a CronJob schedule as upstream's cron.ParseStandard: an optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix,
 * then a descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`,
 * `@every <duration>`) or five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges,
 * steps and JAN-DEC/SUN-SAT names. `defaultZone` is used when there is no prefix. Throws an Error with robfig's
 * message on a bad spec.
 */
export function parseSchedule(spec: string, defaultZone = 'UTC'): Schedule {
  if (spec.length === 0) throw new Error('empty spec string');
  let zone = defaultZone;
  let rest = spec;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const i = rest.indexOf(' ');
    const eq = rest.indexOf('=');
    const name = rest.slice(eq + 1, i < 0 ? undefined : i);
    if (!isValidTimeZone(canonicalZone(name))) throw new Error(`provided bad location ${name}: unknown time zone ${name}`);
    zone = name;
    rest = i < 0 ? '' : rest.slice(i).trim();
  }
  zone = canonicalZone(zone);
  if (!isValidTimeZone(zone)) throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`);
  if (rest.startsWith('@')) {
    if (rest.startsWith('@every ')) {
      const d = parseGoDuration(rest.slice('@every '.length).trim());
      // robfig: delays below a second become one second, and the delay is truncated to whole seconds.
      const ms = d < 1000 ? 1000 : Math.floor(d / 1000) * 1000;
      return new EverySchedule(ms);
    }
    const expanded = DESCRIPTORS[rest];
    if (!expanded) throw new Error(`unrecognized descriptor: ${rest}`);
    rest = expanded;
  }
  const fields = rest.trim().split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return new CronSchedule(zone, parseField(fields[0]!, MINUTE), parseField(fields[1]!, HOUR), parseField(fields[2]!, DOM), parseField(fields[3]!, MONTH), parseField(fields[4]!, DOW));
}

/** `UTC`, `Etc/UTC` and `Local` (the controller-manager runs in UTC here) take the fast UTC path. */
function canonicalZone(zone: string): string {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Local' ? 'UTC' : zone;
}

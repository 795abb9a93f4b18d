// Event recording (client-go's record.EventRecorder): core/v1 Events, aggregated and rate limited, written in the background.
import { isAlreadyExists, isNotFound, type ResourceRef, type RestClient } from './rest.js';

const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
const CACHE_SIZE = 4096;
const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60 * 1000; // one token per 5 minutes
const MAX_PENDING = 1000;

type Value = unknown;

function goVerb(verb: string, a: Value): string {
  switch (verb) {
    case 'v':
    case 's':
      if (a instanceof Error) return a.message;
      if (typeof a === 'string') return a;
      if (a === null || a === undefined) return verb === 's' ? `%!s(<nil>)` : '<nil>';
      if (typeof a === 'object') {
        try {
          return JSON.stringify(a);
        } catch {
          return String(a);
        }
      }
      return String(a);
    case 'd':
      if (typeof a === 'bigint') return a.toString();
      if (typeof a === 'number' && Number.isInteger(a)) return String(a);
      return `%!d(${goType(a)}=${String(a)})`;
    case 'q':
      return JSON.stringify(a instanceof Error ? a.message : typeof a === 'string' ? a : String(a));
    case 'x':
      if (typeof a === 'number' && Number.isInteger(a)) return a.toString(16);
      if (typeof a === 'string') return Buffer.from(a).toString('hex');
      return `%!x(${goType(a)}=${String(a)})`;
    case 'f':
      return typeof a === 'number' ? a.toFixed(6) : `%!f(${goType(a)}=${String(a)})`;
    case 't':
      return typeof a === 'boolean' ? String(a) : `%!t(${goType(a)}=${String(a)})`;
    default:
      return `%!${verb}(${goType(a)}=${String(a)})`;
  }
}

function goType(a: Value): string {
  if (typeof a === 'number') return Number.isInteger(a) ? 'int' : 'float64';
  if (typeof a === 'string') return 'string';
  if (typeof a === 'boolean') return 'bool';
  return typeof a;
}

/**
 * Go-style formatting (fmt.Sprintf) for %v %s %d %q %x %f %t and %%; a missing argument renders as
 * `%!d(MISSING)`, extra ones as `%!(EXTRA string=x)`, as Go does.
 */
export function sprintf(fmt: string, ...args: unknown[]): string {
  let out = '';
  let ai = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const verb = fmt[++i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (ai >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += goVerb(verb, args[ai++]);
  }
  if (ai < args.length) out += `%!(EXTRA ${args.slice(ai).map((a) => `${goType(a)}=${goVerb('v', a)}`).join(', ')})`;
  return out;
}

/** RFC 3339 with second precision (metav1.Time). */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** A bounded LRU map. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
}

type Write = () => Promise<void>;

/**
 * Records core/v1 Events about objects. Identical events (same source, object, type, reason and message) within
 * 10 minutes are aggregated into one Event whose count and lastTimestamp are patched; each (source, object) pair
 * gets 25 events in a burst, then one per 5 minutes (client-go's spam filter). Writes happen in the background,
 * one at a time; event() never throws or blocks.
 */
export class EventRecorder {
  private readonly seen = new Lru<Seen>(CACHE_SIZE);
  private readonly spam = new Lru<Bucket>(CACHE_SIZE);
  private readonly pending: Write[] = [];
  private running: Promise<void> | undefined;
  private seq = 0;
  private lastLog = 0;

  constructor(readonly client: RestClient, readonly source: { component: string; host?: string }) {}

  /** Records an event about `obj` (fire-and-forget). */
  event(obj: { apiVersion?: string; kind?: string; metadata?: any }, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (e) {
      this.log(e);
    }
  }

  /** Like event() with a Go format string (%s %d %v %q). */
  eventf(obj: { apiVersion?: string; kind?: string; metadata?: any }, type: 'Normal' | 'Warning', reason: string, fmt: string, ...args: unknown[]): void {
    this.event(obj, type, reason, sprintf(fmt, ...args));
  }

  /** Resolves once every queued write has been attempted. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private record(obj: { apiVersion?: string; kind?: string; metadata?: any }, type: string, reason: string, message: string): void {
    const md = obj.metadata ?? {};
    const involved: Record<string, string> = {};
    if (obj.kind) involved['kind'] = obj.kind;
    if (md.namespace) involved['namespace'] = md.namespace;
    if (md.name) involved['name'] = md.name;
    if (md.uid) involved['uid'] = md.uid;
    if (obj.apiVersion) involved['apiVersion'] = obj.apiVersion;
    if (md.resourceVersion) involved['resourceVersion'] = md.resourceVersion;
    const src = this.source;
    const objKey = [src.component, src.host ?? '', involved['kind'] ?? '', involved['namespace'] ?? '', involved['name'] ?? '', involved['uid'] ?? '', involved['apiVersion'] ?? ''].join('\x00');

    // Spam filter: a token bucket per (source, object).
    const now = Date.now();
    let b = this.spam.get(objKey);
    if (!b) b = { tokens: SPAM_BURST, last: now };
    b.tokens = Math.min(SPAM_BURST, b.tokens + (now - b.last) / SPAM_REFILL_MS);
    b.last = now;
    this.spam.set(objKey, b);
    if (b.tokens < 1) return;
    b.tokens -= 1;
    if (this.pending.length >= MAX_PENDING) return; // the broadcaster's queue is full: drop, as client-go does

    const key = [objKey, type, reason, message].join('\x00');
    const ts = rfc3339(now);
    const prev = this.seen.get(key);
    if (prev && now - prev.lastSeen < AGGREGATE_WINDOW_MS) {
      prev.count++;
      prev.lastSeen = now;
      const count = prev.count;
      this.enqueue(async () => {
        try {
          await this.client.resource(EVENTS).patch(prev.name, { count, lastTimestamp: ts, message }, 'strategic', { namespace: prev.namespace });
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // The Event was deleted (TTL): create it anew with the aggregated count.
          await this.create(prev, involved, type, reason, message, ts, count);
        }
      });
      return;
    }
    const namespace = md.namespace || 'default';
    const entry: Seen = { name: `${md.name ?? ''}.${this.uniqueSuffix(now)}`, namespace, count: 1, firstTimestamp: ts, lastSeen: now };
    this.seen.set(key, entry);
    this.enqueue(() => this.create(entry, involved, type, reason, message, ts, 1));
  }

  private async create(e: Seen, involved: Record<string, string>, type: string, reason: string, message: string, ts: string, count: number): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: e.name, namespace: e.namespace },
      involvedObject: involved,
      reason,
      message,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: ts,
      count,
      type,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
    try {
      await this.client.resource(EVENTS).create(body, { namespace: e.namespace });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** `%x` of the time in nanoseconds, made unique within this process. */
  private uniqueSuffix(nowMs: number): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return (BigInt(nowMs) * 1_000_000n + BigInt(this.seq)).toString(16);
  }

  private enqueue(w: Write): void {
    this.pending.push(w);
    if (!this.running) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (let w = this.pending.shift(); w; w = this.pending.shift()) {
        try {
          await w();
        } catch (e) {
          this.log(e);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private log(e: unknown): void {
    const now = Date.now();
    if (now - this.lastLog < 5000) return;
    this.lastLog = now;
    process.stderr.write(`events (${this.source.component}): could not write event: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

// Tests of FlowControl (limits, fair queuing, rejection, borrowing, reconfiguration) and MaxInflight, on a fake clock.
import { describe, expect, it } from 'vitest';
import type { FlowSchema, PriorityLevelConfiguration } from 'kubernetes-types/flowcontrol/v1.js';
import type { UserInfo } from '../authn.js';
import { StatusError } from '../../apimachinery/status.js';
import { allocateConcurrency, dealHand, FlowControl, FlowControlRejection, hashFlowID, MaxInflight, type Admission, type Clock } from './apf.js';
import { bootstrapObjects } from './bootstrap.js';
import type { RequestDigest } from './classify.js';

/** A manual clock: timers fire only in `advance`. */
class FakeClock implements Clock {
  t = 1_700_000_000_000;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers.delete(h as number);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));
const user = (name: string, ...groups: string[]): UserInfo => ({ name, groups: [...groups, 'system:authenticated'] });
const admin = user('admin', 'system:masters');
const digest = (u: UserInfo, extra: Partial<RequestDigest> = {}): RequestDigest => ({
  user: u,
  verb: 'list',
  isResourceRequest: true,
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
  name: '',
  path: '/api/v1/namespaces/default/pods',
  ...extra,
});

function queuingPL(name: string, shares: number, queues: number, handSize: number, queueLengthLimit: number, lendablePercent = 0): PriorityLevelConfiguration {
  return {
    metadata: { name, uid: `uid-${name}` },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: shares, lendablePercent, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } } } },
  };
}
function schema(name: string, pl: string, precedence: number, groups: string[]): FlowSchema {
  return {
    metadata: { name, uid: `uid-${name}` },
    spec: {
      priorityLevelConfiguration: { name: pl },
      matchingPrecedence: precedence,
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: groups.map((g) => ({ kind: 'Group', group: { name: g } })),
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        },
      ],
    },
  };
}

/** A FlowControl whose authenticated users all go to level `test` (100 shares; 2 seats at server limit 2). */
function testControl(clock: FakeClock, queues = 64, handSize = 6, queueLengthLimit = 50, serverConcurrencyLimit = 2) {
  return new FlowControl([schema('test', 'test', 100, ['system:authenticated'])], [queuingPL('test', 100, queues, handSize, queueLengthLimit)], {
    clock,
    serverConcurrencyLimit,
  });
}
const level = (fc: FlowControl, name: string) => fc.dump().find((l) => l.name === name)!;

/** Admits and records completion order; failures are recorded too so no promise is left unhandled. */
function track(fc: FlowControl, d: RequestDigest, label: string, log: { label: string; adm?: Admission; err?: unknown }[], signal?: AbortSignal) {
  const entry: { label: string; adm?: Admission; err?: unknown } = { label };
  const p = fc.admit(d, signal).then(
    (a) => {
      entry.adm = a;
      log.push(entry);
    },
    (e) => {
      entry.err = e;
      log.push(entry);
    },
  );
  return p;
}

describe('FlowControl limits', () => {
  it('divides 600 seats by nominal concurrency shares as upstream (ceil)', () => {
    const { flowSchemas, priorityLevelConfigurations } = bootstrapObjects();
    const fc = new FlowControl(flowSchemas, priorityLevelConfigurations, { clock: new FakeClock() });
    const nominal = Object.fromEntries(fc.dump().map((l) => [l.name, l.nominalCL]));
    expect(nominal).toEqual({ 'catch-all': 13, exempt: 0, 'global-default': 49, 'leader-election': 25, 'node-high': 98, system: 74, 'workload-high': 98, 'workload-low': 245 });
    const sys = level(fc, 'system');
    expect([sys.minCL, sys.maxCL]).toEqual([74 - 24, 74 + 600]);
  });

  it('imagines the mandatory levels and schemas when there are no objects', async () => {
    const fc = new FlowControl([], [], { clock: new FakeClock(), serverConcurrencyLimit: 1 });
    expect(fc.dump().map((l) => l.name)).toEqual(['catch-all', 'exempt']);
    const a = await fc.admit(digest(user('u')));
    expect([a.flowSchema.name, a.priorityLevel.name, a.exempt]).toEqual(['catch-all', 'catch-all', false]);
    // catch-all rejects (no queuing) when its single seat is taken
    const err = await fc.admit(digest(user('v'))).catch((e) => e);
    expect(err).toBeInstanceOf(FlowControlRejection);
    expect((err as FlowControlRejection).rejectReason).toBe('concurrency-limit');
    a.release();
    await expect(fc.admit(digest(user('v')))).resolves.toMatchObject({ priorityLevel: { name: 'catch-all' } });
    const exempt = await fc.admit(digest(admin));
    expect([exempt.flowSchema.name, exempt.priorityLevel.name, exempt.exempt]).toEqual(['exempt', 'exempt', true]);
  });

  it('reports uids and the distinguisher of queuing levels', async () => {
    const fc = testControl(new FakeClock());
    const a = await fc.admit(digest(user('alice')));
    expect(a).toMatchObject({ flowSchema: { name: 'test', uid: 'uid-test' }, priorityLevel: { name: 'test', uid: 'uid-test' }, flowDistinguisher: 'alice', exempt: false });
  });

  it('reuses a classification for the same user and request, and classifies anew after a reload', () => {
    const fc = new FlowControl([schema('first', 'test', 100, ['team-a'])], [queuingPL('test', 10, 4, 2, 10)], { clock: new FakeClock() });
    const alice = user('alice', 'team-a');
    const c1 = fc.classify(digest(alice));
    expect(c1.flowSchema.metadata?.name).toBe('first');
    expect(fc.classify(digest(alice))).toBe(c1);
    // Another namespace is another request; another user another flow.
    expect(fc.classify(digest(alice, { namespace: 'other' })).flowDistinguisher).toBe('alice');
    expect(fc.classify(digest(user('bob'))).flowSchema.metadata?.name).toBe('catch-all');
    // A schema of higher precedence arrives: the cached answer must not outlive the old configuration.
    fc.reload([schema('first', 'test', 100, ['team-a']), schema('urgent', 'test', 10, ['team-a'])], [queuingPL('test', 10, 4, 2, 10)]);
    expect(fc.classify(digest(alice)).flowSchema.metadata?.name).toBe('urgent');
  });

  it('ignores schemas that reference a missing level and levels with broken specs', async () => {
    const broken: PriorityLevelConfiguration = { metadata: { name: 'broken' }, spec: { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: { queues: 2, handSize: 3 } } } } };
    const fc = new FlowControl([schema('to-missing', 'nope', 10, ['system:authenticated']), schema('to-broken', 'broken', 20, ['system:authenticated'])], [broken], {
      clock: new FakeClock(),
    });
    expect(fc.classify(digest(user('x'))).flowSchema.metadata?.name).toBe('catch-all');
    expect(fc.dump().map((l) => l.name)).toEqual(['catch-all', 'exempt']);
  });
});

describe('FlowControl queuing', () => {
  it('admits up to the seats, queues the rest, and release dispatches the next', async () => {
    const fc = testControl(new FakeClock());
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    for (const l of ['a', 'b', 'c']) void track(fc, digest(user(l)), l, log);
    await flush();
    expect(log.map((e) => e.label)).toEqual(['a', 'b']);
    expect(level(fc, 'test')).toMatchObject({ executing: 2, waiting: 1, seatsInUse: 2, currentCL: 2 });
    log[0]!.adm!.release();
    log[0]!.adm!.release(); // idempotent: must not free a second seat
    await flush();
    expect(log.map((e) => e.label)).toEqual(['a', 'b', 'c']);
    expect(level(fc, 'test')).toMatchObject({ executing: 2, waiting: 0, seatsInUse: 2, dispatched: 3 });
    log[1]!.adm!.release();
    log[2]!.adm!.release();
    expect(level(fc, 'test')).toMatchObject({ executing: 0, seatsInUse: 0, isIdle: true });
  });

  it('serves a second flow fairly while one flow floods the level', async () => {
    const fc = testControl(new FakeClock());
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) pending.push(track(fc, digest(user('flood')), 'flood', log));
    await flush();
    expect(log).toHaveLength(2);
    expect(level(fc, 'test').waiting).toBe(198);
    for (let i = 0; i < 5; i++) pending.push(track(fc, digest(user('victim')), `victim${i}`, log));
    await flush();
    // Serve: release the oldest executing request until everything ran.
    let served = 0;
    while (served < log.length) {
      log[served]!.adm!.release();
      served++;
      await flush();
    }
    await Promise.all(pending);
    expect(log.every((e) => e.adm)).toBe(true);
    const order = log.map((e) => e.label);
    const victimPositions = order.map((l, i) => (l.startsWith('victim') ? i : -1)).filter((i) => i >= 0);
    expect(victimPositions).toHaveLength(5);
    // FIFO would serve them at positions 200..204; fair queuing within a couple of rounds of the flood's queues.
    expect(Math.max(...victimPositions)).toBeLessThan(2 + 20);
    expect(order.slice(0, 2)).toEqual(['flood', 'flood']);
  });

  it('rejects with 429 and Retry-After 1 when the chosen queue is full', async () => {
    const fc = testControl(new FakeClock(), 1, 1, 5);
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    for (let i = 0; i < 7; i++) void track(fc, digest(user(`u${i}`)), `u${i}`, log);
    await flush();
    expect(level(fc, 'test')).toMatchObject({ executing: 2, waiting: 5, rejected: 0 });
    const err = await fc.admit(digest(user('late'))).catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    const status = (err as StatusError).status;
    expect(status).toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } });
    expect(err).toMatchObject({ rejectReason: 'queue-full', flowSchema: { name: 'test' }, priorityLevel: { name: 'test' } });
    expect(level(fc, 'test').rejected).toBe(1);
  });

  it('times out a waiting request after the wait limit (15 s, or a quarter of its timeout)', async () => {
    const clock = new FakeClock();
    const fc = testControl(clock);
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    void track(fc, digest(user('a')), 'a', log);
    void track(fc, digest(user('b')), 'b', log);
    void track(fc, digest(user('c')), 'c', log);
    void track(fc, digest(user('d'), { timeoutMs: 4000 }), 'd', log);
    await flush();
    clock.advance(999);
    await flush();
    expect(log.map((e) => e.label)).toEqual(['a', 'b']);
    clock.advance(1);
    await flush();
    expect(log[2]).toMatchObject({ label: 'd', err: { rejectReason: 'time-out' } });
    clock.advance(13_999);
    await flush();
    expect(log).toHaveLength(3);
    clock.advance(1);
    await flush();
    expect(log[3]).toMatchObject({ label: 'c', err: { rejectReason: 'time-out' } });
    expect((log[3]!.err as StatusError).code).toBe(429);
    expect(level(fc, 'test')).toMatchObject({ timedout: 2, waiting: 0, executing: 2 });
  });

  it('removes a waiting request whose signal aborts', async () => {
    const fc = testControl(new FakeClock());
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    void track(fc, digest(user('a')), 'a', log);
    void track(fc, digest(user('b')), 'b', log);
    const ac = new AbortController();
    void track(fc, digest(user('c')), 'c', log, ac.signal);
    void track(fc, digest(user('d')), 'd', log);
    await flush();
    ac.abort();
    await flush();
    expect(log[2]).toMatchObject({ label: 'c', err: { rejectReason: 'cancelled' } });
    log[0]!.adm!.release();
    await flush();
    expect(log[3]?.label).toBe('d');
    expect(level(fc, 'test')).toMatchObject({ cancelled: 1, dispatched: 3 });
  });

  it('lets exempt users and long-running non-watch requests through a full level', async () => {
    const fc = testControl(new FakeClock(), 1, 1, 1);
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    for (let i = 0; i < 3; i++) void track(fc, digest(user(`u${i}`)), `u${i}`, log);
    await flush();
    const ex = await fc.admit(digest(admin));
    expect([ex.priorityLevel.name, ex.exempt]).toEqual(['exempt', true]);
    const exec = await fc.admit(digest(user('x'), { verb: 'create', subresource: 'exec', name: 'p', longRunning: true }));
    expect([exec.priorityLevel.name, exec.exempt]).toEqual(['test', true]);
    // a watch is admitted like any request: it queues (and here the queue is full)
    await expect(fc.admit(digest(user('w'), { verb: 'watch', longRunning: true }))).rejects.toMatchObject({ rejectReason: 'queue-full' });
    expect(level(fc, 'exempt')).toMatchObject({ executing: 1, dispatched: 1 });
  });
});

describe('FlowControl borrowing and reconfiguration', () => {
  it('lends idle seats to a busy level at the periodic rebalance', async () => {
    const clock = new FakeClock();
    const fc = new FlowControl(
      [schema('to-a', 'a', 10, ['team-a']), schema('to-b', 'b', 10, ['team-b'])],
      [queuingPL('a', 50, 8, 2, 50, 50), queuingPL('b', 50, 8, 2, 50, 50)],
      { clock, serverConcurrencyLimit: 10 },
    );
    const before = level(fc, 'a');
    expect([before.nominalCL, before.minCL, before.maxCL]).toEqual([5, 2, 15]);
    const log: { label: string; adm?: Admission; err?: unknown }[] = [];
    for (let i = 0; i < 20; i++) void track(fc, digest(user(`a${i}`, 'team-a')), `a${i}`, log);
    await flush();
    const executingBefore = level(fc, 'a').executing;
    expect(executingBefore).toBeLessThanOrEqual(5);
    clock.advance(10_000); // the rebalance timer fires
    await flush();
    const a = level(fc, 'a');
    const b = level(fc, 'b');
    expect(a.currentCL).toBe(8);
    expect(a.executing).toBe(8);
    expect(b.currentCL).toBe(b.minCL);
    expect(a.currentCL).toBeGreaterThan(a.nominalCL);
    fc.close();
  });

  it('keeps a removed level until its requests finish (quiescing)', async () => {
    const fc = testControl(new FakeClock());
    const a = await fc.admit(digest(user('a')));
    fc.reload([], []);
    expect(level(fc, 'test')).toMatchObject({ isQuiescing: true, executing: 1 });
    const next = await fc.admit(digest(user('b')));
    expect(next.priorityLevel.name).toBe('catch-all');
    a.release();
    expect(fc.dump().map((l) => l.name)).toEqual(['catch-all', 'exempt']);
    next.release();
  });
});

describe('shuffle sharding and allocation', () => {
  it('deals distinct cards in range', () => {
    for (let i = 0; i < 2000; i++) {
      const hash = hashFlowID('fs', `flow-${i}`);
      const hand = dealHand(hash, 8, 4);
      expect(new Set(hand).size).toBe(4);
      for (const c of hand) expect(c >= 0 && c < 8).toBe(true);
    }
    expect(hashFlowID('fs', 'a')).toBe(hashFlowID('fs', 'a'));
    expect(hashFlowID('fs', 'a')).not.toBe(hashFlowID('fsa', ''));
  });

  it.each([
    ['proportional to targets', 11, [{ lowerBound: 5, upperBound: 15, target: 20 }, { lowerBound: 2, upperBound: 15, target: 2 }, { lowerBound: 1, upperBound: 11, target: 1 }], [8, 2, 1]],
    ['scaled up from the lower bounds', 11, [{ lowerBound: 2, upperBound: 15, target: 2 }, { lowerBound: 2, upperBound: 15, target: 2 }, { lowerBound: 1, upperBound: 11, target: 1 }], [4.4, 4.4, 2.2]],
    ['pinned to lower bounds', 3, [{ lowerBound: 2, upperBound: 5, target: 4 }, { lowerBound: 1, upperBound: 5, target: 9 }], [2, 1]],
    ['pinned to upper bounds', 10, [{ lowerBound: 2, upperBound: 5, target: 4 }, { lowerBound: 1, upperBound: 5, target: 9 }], [5, 5]],
  ])('%s', (_d, sum, items, want) => {
    const got = allocateConcurrency(sum, items)!;
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
  });

  it('refuses impossible allocations', () => {
    expect(allocateConcurrency(1, [{ lowerBound: 2, upperBound: 3, target: 2 }])).toBeUndefined();
    expect(allocateConcurrency(9, [{ lowerBound: 2, upperBound: 3, target: 2 }])).toBeUndefined();
  });
});

describe('MaxInflight', () => {
  const reader = { verb: 'get', user: user('r') };
  const writer = { verb: 'create', user: user('w') };

  it('limits read-only and mutating requests separately with 429 Retry-After 1', () => {
    const mi = new MaxInflight({ maxRequestsInflight: 2, maxMutatingRequestsInflight: 1 });
    const r1 = mi.admit(reader);
    mi.admit({ ...reader, verb: 'list' });
    const w1 = mi.admit(writer);
    expect(mi.inflight).toEqual({ readOnly: 2, mutating: 1 });
    let err: unknown;
    try {
      mi.admit({ ...reader, verb: 'watch' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toMatchObject({ code: 429, message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } });
    expect(() => mi.admit({ ...writer, verb: 'delete' })).toThrow(StatusError);
    r1();
    r1();
    expect(mi.inflight.readOnly).toBe(1);
    expect(() => mi.admit(reader)).not.toThrow();
    w1();
    expect(() => mi.admit(writer)).not.toThrow();
  });

  it('never refuses system:masters or long-running requests, and 0 means unlimited', () => {
    const mi = new MaxInflight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 0 });
    mi.admit(reader);
    expect(() => mi.admit({ verb: 'get', user: admin })).not.toThrow();
    expect(() => mi.admit({ ...reader, verb: 'watch', longRunning: true })).not.toThrow();
    for (let i = 0; i < 10; i++) mi.admit(writer);
    expect(mi.inflight).toEqual({ readOnly: 1, mutating: 0 });
  });

  it('defaults to 400 read-only and 200 mutating', () => {
    const mi = new MaxInflight();
    expect([mi.readOnlyLimit, mi.mutatingLimit]).toEqual([400, 200]);
  });
});

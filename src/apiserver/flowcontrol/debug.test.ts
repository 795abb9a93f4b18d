// Tests of the APF debug dump formats (Go tabwriter alignment, time and seat-second formatting).
import { describe, expect, it } from 'vitest';
import type { PriorityLevelConfiguration } from 'kubernetes-types/flowcontrol/v1.js';
import { FlowControl, type Clock } from './apf.js';
import { dumpPriorityLevels, dumpQueues, dumpRequests, rfc3339Nano, seatSecondsString, tabwrite } from './debug.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 120);
const clock: Clock = { now: () => T0, setTimeout: () => 0, clearTimeout: () => {} };
const u = (name: string) => ({ name, groups: ['system:authenticated'] });
const digest = (name: string) => ({
  user: u(name),
  verb: 'get',
  isResourceRequest: true,
  apiGroup: 'apps',
  apiVersion: 'v1',
  resource: 'deployments',
  subresource: 'scale',
  namespace: 'ns',
  name: 'd',
  path: '/apis/apps/v1/namespaces/ns/deployments/d/scale',
});

describe('tabwrite', () => {
  it.each([
    ['pads each column to its widest cell + 1, at least 8', 'a,\tbb,\tc\nlonger-cell,\td,\te\n', 'a,           bb,     c\nlonger-cell, d,      e\n'],
    ['the last cell is never padded', 'x\ty\n', 'x       y\n'],
    ['column blocks end at a line without that cell', 'aaaaaaaaaa\tb\nc\nd\te\n', 'aaaaaaaaaa b\nc\nd       e\n'],
    ['counts characters, not bytes', 'é\tx\n', 'é       x\n'],
  ])('%s', (_d, input, want) => {
    expect(tabwrite(input)).toBe(want);
  });
});

describe('formatting', () => {
  it.each([
    [T0, '2024-01-02T03:04:05.12Z'],
    [Date.UTC(2024, 0, 2, 3, 4, 5, 0), '2024-01-02T03:04:05Z'],
    [Date.UTC(2024, 0, 2, 3, 4, 5, 7), '2024-01-02T03:04:05.007Z'],
    [undefined, '0001-01-01T00:00:00Z'],
  ])('rfc3339Nano(%s)', (ms, want) => expect(rfc3339Nano(ms)).toBe(want));

  it.each([
    [0, '0.00000000ss'],
    [3, '3.00000000ss'],
    [1.5, '1.50000000ss'],
    [-2, '0.00000000ss'],
  ])('seatSecondsString(%s)', (ss, want) => expect(seatSecondsString(ss)).toBe(want));
});

describe('dumps', () => {
  it('dump_priority_levels lists every level with its counters, aligned as upstream', async () => {
    const fc = new FlowControl([], [], { clock, serverConcurrencyLimit: 1 });
    await fc.admit(digest('u'));
    await expect(fc.admit(digest('v'))).rejects.toMatchObject({ code: 429 });
    expect(dumpPriorityLevels(fc.dump())).toBe(
      'PriorityLevelName, ActiveQueues, IsIdle, IsQuiescing, WaitingRequests, ExecutingRequests, DispatchedRequests, RejectedRequests, TimedoutRequests, CancelledRequests\n' +
        'catch-all,         0,            false,  false,       0,               1,                 1,                  1,                0,                0\n' +
        'exempt,            0,            true,   false,       0,               0,                 0,                  0,                0,                0\n',
    );
  });

  it('dump_queues and dump_requests show queued and executing requests', async () => {
    const pl: PriorityLevelConfiguration = {
      metadata: { name: 'q' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 100, limitResponse: { type: 'Queue', queuing: { queues: 2, handSize: 1, queueLengthLimit: 10 } } } },
    };
    const fs = {
      metadata: { name: 'all' },
      spec: {
        priorityLevelConfiguration: { name: 'q' },
        matchingPrecedence: 10,
        distinguisherMethod: { type: 'ByUser' },
        rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }] }],
      },
    };
    const fc = new FlowControl([fs], [pl], { clock, serverConcurrencyLimit: 1 });
    await fc.admit(digest('alice'));
    const waiting = fc.admit(digest('alice')).catch(() => undefined);
    const levels = fc.dump();
    const queues = dumpQueues(levels).split('\n');
    expect(queues[0]).toBe('PriorityLevelName, Index,  PendingRequests, ExecutingRequests, SeatsInUse, NextDispatchR, InitialSeatsSum, MaxSeatsSum, TotalWorkSum');
    const rows = queues.slice(1, -1).map((l) => l.split(/,\s+/));
    expect(rows).toHaveLength(2);
    const busy = rows.find((r) => r[2] === '1')!;
    // one waiting and one executing request in alice's queue; the dispatch charged 3 seat-seconds
    expect(busy).toEqual(['q', busy[1], '1', '1', '1', '3.00000000ss', '1', '1', '3.00000000ss']);
    expect(rows.find((r) => r !== busy)).toEqual(['q', expect.any(String), '0', '0', '0', '0.00000000ss', '0', '0', '0.00000000ss']);

    const reqs = dumpRequests(levels).split('\n');
    expect(reqs[0]).toBe(
      'PriorityLevelName, FlowSchemaName, QueueIndex, RequestIndexInQueue, FlowDistingsher, ArriveTime,              InitialSeats, FinalSeats, AdditionalLatency, StartTime',
    );
    const reqRows = reqs.slice(1, -1).map((l) => l.split(/,\s+/));
    expect(reqRows).toEqual([
      ['q', 'all', busy[1], '0', 'alice', '2024-01-02T03:04:05.12Z', '1', '0', '0s', '0001-01-01T00:00:00Z'],
      ['q', 'all', busy[1], '-1', 'alice', '2024-01-02T03:04:05.12Z', '1', '0', '0s', '2024-01-02T03:04:05.12Z'],
    ]);
    const detailed = dumpRequests(levels, true).split('\n');
    expect(detailed[0]!.endsWith('StartTime,               UserName, Verb,   APIPath,                                         Namespace, Name,   APIVersion, Resource,    SubResource')).toBe(true);
    expect(detailed[1]!.split(/,\s+/).slice(10)).toEqual(['alice', 'get', '/apis/apps/v1/namespaces/ns/deployments/d/scale', 'ns', 'd', 'apps/v1', 'deployments', 'scale']);
    fc.close();
    void waiting;
  });
});

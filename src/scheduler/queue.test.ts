// Tests of the scheduling queue: activeQ order, backoff, unschedulable moves on events, the 5-minute flush, scheduling gates.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pod } from '../../test/scheduler/fixtures.js';
import type { ClusterEvent } from './framework.js';
import { PrioritySort, SchedulingGates } from './plugins/basic.js';
import { Heap, SchedulingQueue } from './queue.js';

function newQueue(events?: Map<string, Set<ClusterEvent> | 'all'>) {
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const gates = new SchedulingGates();
  const q = new SchedulingQueue({
    less: (a, b) => new PrioritySort().less(a, b),
    preEnqueue: (p: Pod) => {
      const s = gates.preEnqueue(p);
      return s ? { plugin: gates.name, message: s.message() } : undefined;
    },
    ...(events ? { pluginEvents: events } : {}),
    now: clock.now,
  });
  return { q, clock };
}

/** Pops a pod and marks it failed by `plugins` (empty: an error). */
async function fail(q: SchedulingQueue, plugins: string[] = []) {
  const qpi = (await q.pop())!;
  qpi.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(qpi, q.currentSchedulingCycle());
  return qpi;
}

describe('Heap', () => {
  it('pops in order and supports update and delete', () => {
    const h = new Heap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
    for (const [k, v] of [['a', 5], ['b', 3], ['c', 9], ['d', 1]] as const) h.addOrUpdate({ k, v });
    h.addOrUpdate({ k: 'c', v: 0 });
    h.delete('b');
    const out: string[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.k);
    expect(out).toEqual(['c', 'd', 'a']);
  });
});

describe('SchedulingQueue', () => {
  it('orders activeQ by priority, then arrival', () => {
    const { q, clock } = newQueue();
    const pods: [string, number][] = [['low-1', 0], ['high', 100], ['low-2', 0], ['mid', 50]];
    for (const [name, prio] of pods) {
      q.add(pod(name, {}, { priority: prio }));
      clock.advance(1);
    }
    expect(q.activeOrder()).toEqual(['default/high', 'default/mid', 'default/low-1', 'default/low-2']);
  });

  it('backs off 1s doubling to 10s', async () => {
    const { q } = newQueue();
    const p = pod('p');
    q.add(p);
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const qpi = (await q.pop())!;
      durations.push(q.backoffDuration(qpi));
      q.delete(p);
      q.add(p);
      q.get(p)!.attempts = qpi.attempts;
    }
    expect(durations).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('errors go to backoffQ and come back after the backoff', async () => {
    const { q, clock } = newQueue();
    const p = pod('p');
    q.add(p);
    await fail(q, []);
    expect(q.locate(p)).toBe('backoff');
    clock.advance(999);
    q.flushBackoffQCompleted();
    expect(q.locate(p)).toBe('backoff');
    clock.advance(1);
    q.flushBackoffQCompleted();
    expect(q.locate(p)).toBe('active');
  });

  const cases: [string, string[], ClusterEvent, string][] = [
    ['node add moves a NodeResourcesFit rejection', ['NodeResourcesFit'], 'NodeAdd', 'active'],
    ['pod delete moves a NodeResourcesFit rejection', ['NodeResourcesFit'], 'AssignedPodDelete', 'active'],
    ['pod delete does not move a TaintToleration rejection', ['TaintToleration'], 'AssignedPodDelete', 'unschedulable'],
    ['node update moves a TaintToleration rejection', ['TaintToleration'], 'NodeUpdate', 'active'],
    ['any event moves a plugin without registered events', ['Custom'], 'ServiceAdd', 'active'],
  ];
  it.each(cases)('%s', async (_n, plugins, event, want) => {
    const events = new Map<string, Set<ClusterEvent> | 'all'>([
      ['NodeResourcesFit', new Set<ClusterEvent>(['NodeAdd', 'AssignedPodDelete'])],
      ['TaintToleration', new Set<ClusterEvent>(['NodeAdd', 'NodeUpdate'])],
    ]);
    const { q, clock } = newQueue(events);
    const p = pod('p');
    q.add(p);
    await fail(q, plugins);
    expect(q.locate(p)).toBe('unschedulable');
    clock.advance(60_000); // past the backoff: goes straight to activeQ
    q.moveAllToActiveOrBackoffQueue(event);
    expect(q.locate(p)).toBe(want);
  });

  it('a moved pod still backing off goes to backoffQ', async () => {
    const { q } = newQueue();
    const p = pod('p');
    q.add(p);
    await fail(q, ['NodeResourcesFit']);
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.locate(p)).toBe('backoff');
  });

  it('a move request during the cycle sends the failed pod to backoffQ', async () => {
    const { q } = newQueue();
    const p = pod('p');
    q.add(p);
    const qpi = (await q.pop())!;
    const cycle = q.currentSchedulingCycle();
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qpi, cycle);
    expect(q.locate(p)).toBe('backoff');
  });

  it('flushes pods unschedulable for more than 5 minutes', async () => {
    const { q, clock } = newQueue();
    const p = pod('p');
    q.add(p);
    await fail(q, ['NodeResourcesFit']);
    clock.advance(5 * 60_000);
    q.flushUnschedulablePodsLeftover();
    expect(q.locate(p)).toBe('unschedulable');
    clock.advance(1);
    q.flushUnschedulablePodsLeftover();
    expect(q.locate(p)).toBe('active');
  });

  it('keeps gated pods out until the gates are removed', async () => {
    const { q, clock } = newQueue();
    const gated = pod('g', {}, { schedulingGates: [{ name: 'example.com/wait' }] });
    q.add(gated);
    expect(q.locate(gated)).toBe('gated');
    q.moveAllToActiveOrBackoffQueue('WildCard');
    clock.advance(10 * 60_000);
    q.flushUnschedulablePodsLeftover();
    expect(q.locate(gated)).toBe('gated');
    const released: Pod = { ...gated, spec: { ...gated.spec!, schedulingGates: [] } };
    q.update(gated, released);
    expect(q.locate(released)).toBe('active');
    expect((await q.pop())?.pod.metadata?.name).toBe('g');
  });

  it('an unschedulable pod whose spec changes is retried; a status-only change is not', async () => {
    const { q, clock } = newQueue();
    const p = pod('p', { cpu: '8' });
    q.add(p);
    await fail(q, ['NodeResourcesFit']);
    clock.advance(60_000);
    q.update(p, { ...p, status: { phase: 'Pending' } });
    expect(q.locate(p)).toBe('unschedulable');
    q.update(p, { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } });
    expect(q.locate(p)).toBe('active');
  });

  it('pop waits for a pod and close releases waiters', async () => {
    const { q } = newQueue();
    const waiting = q.pop();
    q.add(pod('late'));
    expect((await waiting)?.pod.metadata?.name).toBe('late');
    const w2 = q.pop();
    q.close();
    expect(await w2).toBeUndefined();
  });

  it('delete removes the pod from every queue', async () => {
    const { q } = newQueue();
    const a = pod('a');
    const b = pod('b');
    q.add(a);
    q.add(b);
    await fail(q, ['X']);
    q.delete(a);
    q.delete(b);
    expect(q.pendingPods()).toEqual([]);
  });
});

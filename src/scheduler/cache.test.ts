// Tests of the scheduler cache: assume/confirm/forget/expire and incremental snapshots.
import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { node, pod } from '../../test/scheduler/fixtures.js';
import { SchedulerCache } from './cache.js';
import { Snapshot } from './nodeinfo.js';

const on = (p: Pod, n: string): Pod => ({ ...p, spec: { ...p.spec!, nodeName: n } });

describe('SchedulerCache', () => {
  it('accounts assumed pods and confirms them when the binding is observed', () => {
    let t = 0;
    const c = new SchedulerCache({ now: () => t });
    c.addNode(node('n1'));
    const p = on(pod('p', { cpu: '1' }), 'n1');
    c.assumePod(p);
    const snap = new Snapshot();
    c.updateSnapshot(snap);
    expect(snap.get('n1')?.requested.get('cpu')).toBe(1000);
    expect(c.isAssumedPod(p)).toBe(true);
    expect(() => c.assumePod(p)).toThrow(/can't be assumed/);
    c.finishBinding(p);
    c.addPod(p);
    expect(c.isAssumedPod(p)).toBe(false);
    t += 60_000;
    expect(c.cleanupExpiredAssumedPods()).toEqual([]);
    c.updateSnapshot(snap);
    expect(snap.get('n1')?.pods.length).toBe(1);
  });

  it('expires an assumed pod the watch never confirms, only after finishBinding + TTL', () => {
    let t = 0;
    const c = new SchedulerCache({ now: () => t, assumedPodTtlMs: 30_000 });
    c.addNode(node('n1'));
    const p = on(pod('p', { cpu: '1' }), 'n1');
    c.assumePod(p);
    t = 100_000;
    expect(c.cleanupExpiredAssumedPods()).toEqual([]); // binding not finished
    c.finishBinding(p);
    t += 29_999;
    expect(c.cleanupExpiredAssumedPods()).toEqual([]);
    t += 1;
    expect(c.cleanupExpiredAssumedPods().map((x) => x.metadata?.name)).toEqual(['p']);
    expect(c.podCount()).toBe(0);
  });

  it('forgets an assumed pod', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    const p = on(pod('p', { cpu: '1' }), 'n1');
    c.assumePod(p);
    c.forgetPod(p);
    const snap = new Snapshot();
    c.updateSnapshot(snap);
    expect(snap.get('n1')?.requested.get('cpu') ?? 0).toBe(0);
  });

  it('moves a confirmed pod bound to another node than assumed', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addNode(node('n2'));
    const p = pod('p', { cpu: '1' });
    c.assumePod(on(p, 'n1'));
    c.addPod(on(p, 'n2'));
    const snap = new Snapshot();
    c.updateSnapshot(snap);
    expect(snap.get('n1')?.pods.length).toBe(0);
    expect(snap.get('n2')?.pods.length).toBe(1);
  });

  it('snapshots copy only changed nodes and drop removed ones', () => {
    const c = new SchedulerCache();
    c.addNode(node('a'));
    c.addNode(node('b'));
    const snap = new Snapshot();
    c.updateSnapshot(snap);
    const a1 = snap.get('a');
    const b1 = snap.get('b');
    c.addPod(on(pod('p'), 'b'));
    c.updateSnapshot(snap);
    expect(snap.get('a')).toBe(a1);
    expect(snap.get('b')).not.toBe(b1);
    expect(b1?.pods.length).toBe(0); // the old clone is untouched
    c.removeNode(node('a'));
    c.updateSnapshot(snap);
    expect(snap.list().map((n) => n.name)).toEqual(['b']);
    // A removed node whose pods are still there stays as a ghost, outside the list.
    c.removeNode(node('b'));
    c.updateSnapshot(snap);
    expect(snap.list()).toEqual([]);
    c.removePod(on(pod('p'), 'b'));
  });
});

describe('SchedulerCache incremental snapshots', () => {
  it('the primary snapshot matches a full rebuild after every kind of change', () => {
    const c = new SchedulerCache();
    const primary = new Snapshot();
    const changes: Array<() => void> = [
      () => c.addNode(node('a')),
      () => c.addNode(node('b')),
      () => c.addPod(on(pod('p1'), 'a')),
      () => c.addPod(on(pod('p2'), 'b')),
      () => c.removePod(on(pod('p1'), 'a')),
      () => c.addNode(node('c')),
      () => c.removeNode(node('b')),
      () => c.removePod(on(pod('p2'), 'b')),
      () => c.addPod(on(pod('p3'), 'c')),
    ];
    for (const change of changes) {
      change();
      c.updateSnapshot(primary);
      const full = new Snapshot();
      c.updateSnapshot(full);
      expect(primary.list().map((n) => `${n.name}:${n.pods.length}`)).toEqual(full.list().map((n) => `${n.name}:${n.pods.length}`));
    }
    expect(primary.list().map((n) => n.name)).toEqual(['a', 'c']);
  });
});

// Unit tests of ReplicaSetController.sync against fake informers and a fake client: burst cap, expectations, ranking, status writes.
import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, type EventHandler } from '../../client/index.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerContext } from '../context.js';
import { REPLICA_SET } from './adapter.js';
import { ReplicaSetController } from './controller.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');

class FakeInformer<T extends { metadata?: any }> {
  readonly items = new Map<string, T>();
  readonly handlers: EventHandler<T>[] = [];
  addEventHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
  }
  put(o: T): void {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const old = this.items.get(key);
    this.items.set(key, o);
    for (const h of this.handlers) old ? h.update?.(old as never, o as never) : h.add?.(o as never, false);
  }
  remove(key: string): void {
    const old = this.items.get(key);
    this.items.delete(key);
    if (old) for (const h of this.handlers) h.delete?.(old as never);
  }
  readonly lister = {
    get: (k: string) => this.items.get(k),
    list: () => [...this.items.values()],
    byIndex: (_i: string, ns: string) => [...this.items.values()].filter((o) => o.metadata.namespace === ns),
    keys: () => [...this.items.keys()],
  };
}

function setup(opts: { burst?: number; failCreatesAfter?: number } = {}) {
  const rsInf = new FakeInformer<ReplicaSet>();
  const podInf = new FakeInformer<Pod>();
  const calls = { creates: [] as Pod[], deletes: [] as string[], statuses: [] as ReplicaSet[], events: [] as string[] };
  let n = 0;
  const client = {
    resource(r: string) {
      if (r === 'pods') {
        return {
          async create(p: Pod) {
            if (opts.failCreatesAfter !== undefined && calls.creates.length >= opts.failCreatesAfter) {
              throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods "web-" is forbidden: exceeded quota: q' });
            }
            calls.creates.push(p);
            return { ...p, metadata: { ...p.metadata, name: `${p.metadata!.generateName}${n++}`, uid: `new-${n}` } };
          },
          async delete(name: string) {
            calls.deletes.push(name);
            return {};
          },
          async patch() {
            throw new Error('unexpected patch');
          },
        };
      }
      return {
        async updateStatus(o: ReplicaSet) {
          calls.statuses.push(o);
          return o;
        },
        async get() {
          throw new Error('unexpected get');
        },
      };
    },
  };
  const ctx = {
    client,
    informers: { informerFor: (r: string) => (r === 'pods' ? podInf : rsInf) },
    recorder: { event: (_o: unknown, type: string, reason: string, msg: string) => calls.events.push(`${type} ${reason} ${msg}`) },
    options: DEFAULT_CONTROLLER_OPTIONS,
    log: () => {},
  } as unknown as ControllerContext;
  const ctl = new ReplicaSetController<ReplicaSet>(ctx, REPLICA_SET, { burstReplicas: opts.burst ?? 500, now: () => NOW });
  return { ctl, rsInf, podInf, calls };
}

const rs = (replicas: number, status: ReplicaSet['status'] = { replicas: 0 }): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: 1 },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  status,
});
const ownedPod = (name: string, extra: Partial<Pod['status']> = {}, node = 'n1'): Pod => ({
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    labels: { app: 'web' },
    creationTimestamp: '2024-01-01T10:00:00Z',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true }],
  },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T10:00:00Z' }], ...extra },
});

describe('ReplicaSetController.sync', () => {
  it('creates at most burstReplicas and waits for them before creating more', async () => {
    const { ctl, rsInf, podInf, calls } = setup({ burst: 5 });
    rsInf.put(rs(12));
    await ctl.sync('ns/web');
    expect(calls.creates).toHaveLength(5);
    expect(calls.creates[0]!.metadata).toMatchObject({ generateName: 'web-', namespace: 'ns', labels: { app: 'web' } });
    expect(calls.creates[0]!.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
    expect(calls.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: web-'))).toHaveLength(5);
    // The informer has not seen the creates: a second sync must not create again.
    await ctl.sync('ns/web');
    expect(calls.creates).toHaveLength(5);
    for (let i = 0; i < 5; i++) podInf.put(ownedPod(`p${i}`));
    await ctl.sync('ns/web');
    expect(calls.creates).toHaveLength(10);
  });

  it('a failed create stops the slow start, records FailedCreate and sets ReplicaFailure; no duplicate after', async () => {
    const { ctl, rsInf, calls } = setup({ failCreatesAfter: 3 });
    rsInf.put(rs(10));
    await expect(ctl.sync('ns/web')).rejects.toThrow(/exceeded quota/);
    // batches 1, 2 succeed (3 pods), the batch of 4 fails entirely; nothing after it is attempted
    expect(calls.creates).toHaveLength(3);
    expect(calls.events.filter((e) => e.startsWith('Warning FailedCreate Error creating: pods "web-" is forbidden'))).toHaveLength(4);
    const st = calls.statuses.at(-1)!.status!;
    expect(st.conditions).toEqual([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-" is forbidden: exceeded quota: q', lastTransitionTime: '2024-01-01T12:00:00Z' }]);
    expect(st.observedGeneration).toBe(1);
    // Expectations now wait for the 3 successful creates only.
    expect(ctl.expectations.satisfied('ns/web')).toBe(false);
    for (let i = 0; i < 3; i++) ctl.expectations.creationObserved('ns/web');
    expect(ctl.expectations.satisfied('ns/web')).toBe(true);
  });

  it('deletes the lowest-ranked pods, expecting exactly those deletions', async () => {
    const { ctl, rsInf, podInf, calls } = setup();
    podInf.put(ownedPod('ready-old'));
    podInf.put(ownedPod('not-ready', { conditions: [{ type: 'Ready', status: 'False' }] }));
    podInf.put(ownedPod('pending', { phase: 'Pending', conditions: [] }));
    podInf.put(ownedPod('ready-2'));
    rsInf.put(rs(2));
    await ctl.sync('ns/web');
    expect(calls.deletes.sort()).toEqual(['not-ready', 'pending']);
    expect(calls.events.filter((e) => e.startsWith('Normal SuccessfulDelete Deleted pod: '))).toHaveLength(2);
    expect(ctl.expectations.satisfied('ns/web')).toBe(false);
    podInf.remove('ns/pending');
    expect(ctl.expectations.satisfied('ns/web')).toBe(false);
    podInf.remove('ns/not-ready');
    expect(ctl.expectations.satisfied('ns/web')).toBe(true);
  });

  it('writes status only when it changed', async () => {
    const { ctl, rsInf, podInf, calls } = setup();
    podInf.put(ownedPod('a'));
    podInf.put(ownedPod('b', { conditions: [] }));
    podInf.put(ownedPod('done', { phase: 'Succeeded' }));
    rsInf.put(rs(2));
    await ctl.sync('ns/web');
    expect(calls.creates).toHaveLength(0);
    expect(calls.statuses).toHaveLength(1);
    expect(calls.statuses[0]!.status).toEqual({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
    rsInf.put({ ...rs(2), status: calls.statuses[0]!.status! });
    await ctl.sync('ns/web');
    expect(calls.statuses).toHaveLength(1);
  });

  it('an unknown key clears expectations and does nothing', async () => {
    const { ctl, calls } = setup();
    ctl.expectations.expectCreations('ns/gone', 3);
    await ctl.sync('ns/gone');
    expect(ctl.expectations.satisfied('ns/gone')).toBe(true);
    expect(calls.statuses).toHaveLength(0);
  });
});

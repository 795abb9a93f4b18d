// Informer tests against a fake ResourceClient: initial list (paged), watch events, 410 relist diffs, resync, late handlers.
import { describe, it, expect } from 'vitest';
import { Informer, waitForCacheSync } from './informer.js';
import { ApiError, type ListOptions, type ObjectList, type ResourceClient, type WatchEvent, type WatchOptions } from './rest.js';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  v?: number;
}
const o = (name: string, rv: string, v = 0): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, v });

/** A scripted watch: events pushed by the test; `end()` closes it. */
class Script {
  private q: Array<WatchEvent<Obj> | 'end'> = [];
  private wake: (() => void) | undefined;
  push(e: WatchEvent<Obj> | 'end') {
    this.q.push(e);
    this.wake?.();
  }
  async *iter(signal?: AbortSignal): AsyncGenerator<WatchEvent<Obj>> {
    for (;;) {
      while (this.q.length === 0) {
        if (signal?.aborted) return;
        await new Promise<void>((r) => {
          this.wake = r;
          signal?.addEventListener('abort', () => r(), { once: true });
        });
      }
      const e = this.q.shift()!;
      if (e === 'end') return;
      yield e;
    }
  }
}

function fakeClient(pages: Obj[][][], rvs: string[]) {
  const lists: ListOptions[] = [];
  const watches: WatchOptions[] = [];
  const scripts: Script[] = [];
  let listRound = 0;
  const client = {
    ref: { group: '', version: 'v1', resource: 'things', namespaced: true },
    async list(opts: ListOptions = {}): Promise<ObjectList<Obj>> {
      lists.push(opts);
      const round = pages[Math.min(listRound, pages.length - 1)]!;
      const i = opts.continue ? Number(opts.continue) : 0;
      const last = i + 1 >= round.length;
      if (last) listRound++;
      return { apiVersion: 'v1', kind: 'ThingList', metadata: { resourceVersion: rvs[Math.min(listRound - (last ? 1 : 0), rvs.length - 1)]!, ...(last ? {} : { continue: String(i + 1) }) }, items: round[i]! };
    },
    watch(opts: WatchOptions = {}) {
      watches.push(opts);
      const s = new Script();
      scripts.push(s);
      return s.iter(opts.signal);
    },
  } as unknown as ResourceClient<Obj>;
  return { client, lists, watches, scripts };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Informer', () => {
  it('lists all pages, watches from the list RV, applies events, relists on 410 with diffs', async () => {
    const { client, lists, watches, scripts } = fakeClient(
      [
        [[o('a', '5'), o('b', '6')], [o('c', '7')]],
        [[o('a', '5'), o('c', '20', 2), o('d', '21')]],
      ],
      ['10', '30'],
    );
    const inf = new Informer(client, { pageSize: 2, labelSelector: 'x=y' });
    const log: string[] = [];
    inf.addEventHandler({
      add: (x, initial) => log.push(`add ${x.metadata.name} ${initial}`),
      update: (a, b) => log.push(`update ${a.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
      delete: (x) => log.push(`delete ${x.metadata.name} ${x.metadata.resourceVersion}`),
    });
    const ac = new AbortController();
    inf.start(ac.signal);
    expect(await waitForCacheSync(ac.signal, inf)).toBe(true);
    expect(lists.map((l) => [l.limit, l.continue, l.labelSelector])).toEqual([[2, undefined, 'x=y'], [2, '1', 'x=y']]);
    expect(log).toEqual(['add a true', 'add b true', 'add c true']);
    expect(inf.lastSyncResourceVersion()).toBe('10');
    await until(() => watches.length === 1);
    expect(watches[0]).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true, labelSelector: 'x=y' });

    log.length = 0;
    scripts[0]!.push({ type: 'MODIFIED', object: o('a', '11', 1) });
    scripts[0]!.push({ type: 'DELETED', object: o('b', '12') });
    scripts[0]!.push({ type: 'ADDED', object: o('e', '13') });
    scripts[0]!.push({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '15' } } });
    await until(() => inf.lastSyncResourceVersion() === '15');
    expect(log).toEqual(['update a 5->11', 'delete b 12', 'add e false']);
    expect(inf.lister.keys().sort()).toEqual(['ns/a', 'ns/c', 'ns/e']);
    expect(inf.lister.get('ns/a')?.v).toBe(1);
    expect(Object.isFrozen(inf.lister.get('ns/a')!.metadata)).toBe(true);

    // The watch ends normally: re-watch from the last RV.
    scripts[0]!.push('end');
    await until(() => watches.length === 2);
    expect(watches[1]!.resourceVersion).toBe('15');

    // 410 as an ERROR event: relist, Replace emits the diff (a,c updated, d added, e deleted with cached state).
    log.length = 0;
    scripts[1]!.push({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } as never });
    await until(() => watches.length === 3);
    expect(lists.length).toBe(3);
    expect(log.sort()).toEqual(['add d false', 'delete e 13', 'update a 11->5', 'update c 7->20'].sort());
    expect(watches[2]!.resourceVersion).toBe('30');
    ac.abort();
  });

  it('relists when the watch request itself fails with 410', async () => {
    const { client, lists, watches } = fakeClient([[[o('a', '1')]]], ['10']);
    let first = true;
    const orig = client.watch.bind(client);
    (client as { watch: ResourceClient<Obj>['watch'] }).watch = (opts) => {
      if (first) {
        first = false;
        return (async function* () {
          throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'gone', reason: 'Gone', code: 410 });
        })() as AsyncIterable<WatchEvent<Obj>>;
      }
      return orig(opts);
    };
    const inf = new Informer(client);
    const ac = new AbortController();
    inf.start(ac.signal);
    await until(() => watches.length === 1);
    expect(lists.length).toBe(2);
    ac.abort();
  });

  it('resync re-delivers update(obj, obj); late handlers get synthetic adds', async () => {
    const { client } = fakeClient([[[o('a', '1'), o('b', '2')]]], ['10']);
    const inf = new Informer(client, { resyncMs: 30 });
    const ac = new AbortController();
    const resynced: string[] = [];
    inf.addEventHandler({ update: (a, b) => a === b && resynced.push(a.metadata.name) });
    inf.start(ac.signal);
    await until(() => resynced.includes('a') && resynced.includes('b'));
    const late: string[] = [];
    inf.addEventHandler({ add: (x, initial) => late.push(`${x.metadata.name}:${initial}`) });
    expect(late.sort()).toEqual(['a:true', 'b:true']);
    ac.abort();
  });

  it('a throwing handler does not stop others', async () => {
    const { client } = fakeClient([[[o('a', '1')]]], ['10']);
    const inf = new Informer(client);
    const seen: string[] = [];
    inf.addEventHandler({
      add: () => {
        throw new Error('handler bug');
      },
    });
    inf.addEventHandler({ add: (x) => seen.push(x.metadata.name) });
    const ac = new AbortController();
    inf.start(ac.signal);
    await until(() => inf.hasSynced());
    expect(seen).toEqual(['a']);
    ac.abort();
  });

  it('waitForCacheSync resolves false when aborted', async () => {
    const ac = new AbortController();
    const p = waitForCacheSync(ac.signal, { hasSynced: () => false });
    ac.abort();
    expect(await p).toBe(false);
  });
});

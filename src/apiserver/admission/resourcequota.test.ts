// ResourceQuota admission: refusals with upstream messages, charging status.used by compare-and-swap, usage by listing, and 50 concurrent creates.
import { describe, expect, it } from 'vitest';
import { notFound, StatusError } from '../../apimachinery/index.js';
import type { AdmissionRequest, Obj, ObjectAccess } from '../access.js';
import { computeUsage, recomputeNamespaceQuotas, resourceQuotaPlugin } from './resourcequota.js';

/**
 * In-memory ObjectAccess with real compare-and-swap: `update` runs `fn` on a copy, yields to other tasks, then
 * stores only if the object's version did not move (else it counts a conflict and runs `fn` again). With
 * `lag`, reads come from a snapshot refreshed a few milliseconds after each write, like a watch cache.
 */
class MemAccess implements ObjectAccess {
  private readonly objs = new Map<string, { obj: Obj; rv: number }>();
  private view = new Map<string, Obj>();
  private rv = 0;
  conflicts = 0;
  statusWrites = 0;
  constructor(private readonly lag = 0) {}

  private key(group: string, resource: string, ns: string, name: string) {
    return `${group}/${resource}/${ns}/${name}`;
  }
  private publish() {
    const snap = new Map([...this.objs].map(([k, v]) => [k, deepFreeze(structuredClone(v.obj))]));
    if (this.lag === 0) this.view = snap;
    else setTimeout(() => (this.view = snap), this.lag);
  }
  get(group: string, resource: string, namespace: string, name: string): Obj | undefined {
    return this.view.get(this.key(group, resource, namespace, name));
  }
  list(group: string, resource: string, namespace?: string): Obj[] {
    const prefix = `${group}/${resource}/${namespace ? `${namespace}/` : ''}`;
    return [...this.view].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  }
  /** Direct read of the stored state (tests only). */
  stored(group: string, resource: string, ns: string, name: string): Obj | undefined {
    return this.objs.get(this.key(group, resource, ns, name))?.obj;
  }
  async update(group: string, resource: string, namespace: string, name: string, fn: (cur: Obj) => Obj | undefined, subresource?: 'status'): Promise<Obj> {
    const k = this.key(group, resource, namespace, name);
    for (;;) {
      const cur = this.objs.get(k);
      if (!cur) throw notFound({ group, resource }, name);
      const next = fn(structuredClone(cur.obj));
      await new Promise((r) => setImmediate(r));
      const now = this.objs.get(k);
      if (!now) throw notFound({ group, resource }, name);
      if (now.rv !== cur.rv) {
        this.conflicts++;
        continue;
      }
      if (next === undefined) return now.obj;
      const stored: Obj = subresource === 'status' ? { ...structuredClone(now.obj), status: next.status } : { ...next, status: now.obj.status };
      const rv = ++this.rv;
      stored.metadata = { ...stored.metadata, resourceVersion: String(rv) };
      this.objs.set(k, { obj: stored, rv });
      if (subresource === 'status') this.statusWrites++;
      this.publish();
      return structuredClone(stored);
    }
  }
  async create(group: string, resource: string, obj: Obj): Promise<Obj> {
    const k = this.key(group, resource, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    if (this.objs.has(k)) throw new Error('exists');
    const rv = ++this.rv;
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    this.objs.set(k, { obj: stored, rv });
    this.publish();
    return structuredClone(stored);
  }
  async delete(group: string, resource: string, namespace: string, name: string): Promise<void> {
    this.objs.delete(this.key(group, resource, namespace, name));
    this.publish();
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const NS = 'team';
const quota = (name: string, hard: Record<string, string>, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: NS },
  spec: { hard, ...(extra.spec ?? {}) },
  ...(extra.status ? { status: extra.status } : {}),
});
const container = (name: string, resources: Obj = {}) => ({ name, image: 'nginx', resources });
const podObj = (name: string, containers: Obj[] = [container('c')], extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, ...(extra.metadata ?? {}) },
  spec: { containers, ...(extra.spec ?? {}) },
  status: extra.status ?? {},
});

function req(over: Partial<AdmissionRequest> & { object: Obj | undefined }): AdmissionRequest {
  const o = over.object;
  return {
    operation: 'CREATE',
    group: '',
    version: 'v1',
    kind: o?.kind ?? 'Pod',
    resource: 'pods',
    subresource: '',
    namespace: NS,
    name: o?.metadata?.name ?? '',
    oldObject: undefined,
    user: { name: 'admin', groups: ['system:masters'] },
    dryRun: false,
    warnings: [],
    ...over,
  };
}

async function setup(quotas: Obj[], objects: Array<[string, string, Obj]> = [], lag = 0) {
  const access = new MemAccess(lag);
  for (const q of quotas) await access.create('', 'resourcequotas', q);
  for (const [g, r, o] of objects) await access.create(g, r, o);
  await new Promise((r) => setTimeout(r, lag + 5));
  return { access, plugin: resourceQuotaPlugin(access) };
}

async function refusal(p: void | Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const used = (a: MemAccess, name: string) => a.stored('', 'resourcequotas', NS, name)?.status?.used;

describe('ResourceQuota admission: refusals', () => {
  it('refuses a pod past the pods limit with upstream text and 403', async () => {
    const { access, plugin } = await setup([quota('q1', { pods: '2' }, { status: { hard: { pods: '2' }, used: { pods: '2' } } })]);
    const e = await refusal(plugin.validate!(req({ object: podObj('p') })));
    expect(e.code).toBe(403);
    expect(e.reason).toBe('Forbidden');
    expect(e.message).toBe('pods "p" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');
    expect(used(access, 'q1')).toEqual({ pods: '2' });
  });

  it('names the generateName prefix when the object has no name yet', async () => {
    const { plugin } = await setup([quota('q1', { pods: '0' }, { status: { hard: { pods: '0' }, used: { pods: '0' } } })]);
    const p = podObj('');
    p.metadata = { generateName: 'web-', namespace: NS };
    const e = await refusal(plugin.validate!(req({ object: p, name: '' })));
    expect(e.message).toBe('pods "web-" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=0, limited: pods=0');
  });

  it('lists only the exceeded resources, sorted', async () => {
    const hard = { pods: '10', 'requests.memory': '1Gi', 'requests.cpu': '1' };
    const { plugin } = await setup([quota('mem', hard, { status: { hard, used: { pods: '1', 'requests.memory': '512Mi', 'requests.cpu': '900m' } } })]);
    const p = podObj('big', [container('c', { requests: { memory: '600Mi', cpu: '200m' } })]);
    const e = await refusal(plugin.validate!(req({ object: p })));
    expect(e.message).toBe(
      'pods "big" is forbidden: exceeded quota: mem, requested: requests.cpu=200m,requests.memory=600Mi, used: requests.cpu=900m,requests.memory=512Mi, limited: requests.cpu=1,requests.memory=1Gi',
    );
  });

  it('refuses pods that omit compute resources a quota tracks', async () => {
    const hard = { 'requests.cpu': '2', 'limits.cpu': '2', 'limits.memory': '1Gi' };
    const { access, plugin } = await setup([quota('compute', hard, { status: { hard, used: { 'requests.cpu': '0', 'limits.cpu': '0', 'limits.memory': '0' } } })]);
    const p = podObj('p', [container('b'), container('a', { requests: { cpu: '100m' } })]);
    const e = await refusal(plugin.validate!(req({ object: p })));
    expect(e.code).toBe(403);
    expect(e.message).toBe('pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: a,b; limits.memory for: a,b; requests.cpu for: b');
    expect(access.statusWrites).toBe(0);
  });

  it('refuses negative usage', async () => {
    const { plugin } = await setup([quota('q', { 'requests.cpu': '2' }, { status: { hard: { 'requests.cpu': '2' }, used: { 'requests.cpu': '0' } } })]);
    const e = await refusal(plugin.validate!(req({ object: podObj('p', [container('c', { requests: { cpu: '-1' } })]) })));
    expect(e.message).toBe('pods "p" is forbidden: quota usage is negative for resource(s): cpu,requests.cpu');
  });

  it('refuses an update without the old object', async () => {
    const { plugin } = await setup([quota('q', { services: '2' }, { status: { hard: { services: '2' }, used: { services: '0' } } })]);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: {} };
    const e = await refusal(plugin.validate!(req({ operation: 'UPDATE', resource: 'services', object: svc })));
    expect(e.message).toBe('services "s" is forbidden: unable to get previous usage since prior version of object was not found');
  });
});

describe('ResourceQuota admission: charging', () => {
  it('charges status.used before the write, in canonical form', async () => {
    const hard = { pods: '10', 'requests.cpu': '4', 'requests.memory': '4Gi', 'count/pods': '10' };
    const { access, plugin } = await setup([quota('q1', hard, { status: { hard, used: { pods: '1', 'requests.cpu': '500m', 'requests.memory': '64Mi', 'count/pods': '1' } } })]);
    await plugin.validate!(req({ object: podObj('p', [container('c', { requests: { cpu: '500m', memory: '64Mi' } })]) }));
    expect(used(access, 'q1')).toEqual({ 'count/pods': '2', pods: '2', 'requests.cpu': '1', 'requests.memory': '128Mi' });
    expect(access.stored('', 'resourcequotas', NS, 'q1')?.status?.hard).toEqual({ 'count/pods': '10', pods: '10', 'requests.cpu': '4', 'requests.memory': '4Gi' });
  });

  it('computes an unsynced quota by listing, then charges it', async () => {
    const existing: Array<[string, string, Obj]> = [
      ['', 'pods', podObj('a', [container('c', { requests: { memory: '1Gi' } })])],
      ['', 'pods', podObj('done', [container('c', { requests: { memory: '1Gi' } })], { status: { phase: 'Succeeded' } })],
    ];
    const { access, plugin } = await setup([quota('q1', { pods: '3', 'requests.memory': '3Gi' })], existing);
    await plugin.validate!(req({ object: podObj('b', [container('c', { requests: { memory: '1Gi' } })]) }));
    expect(used(access, 'q1')).toEqual({ pods: '2', 'requests.memory': '2Gi' });
    const e = await refusal(plugin.validate!(req({ object: podObj('x', [container('c', { requests: { memory: '2Gi' } })]) })));
    expect(e.message).toBe('pods "x" is forbidden: exceeded quota: q1, requested: requests.memory=2Gi, used: requests.memory=2Gi, limited: requests.memory=3Gi');
  });

  it('uses spec.hard when status.hard is stale and measures newly added resources', async () => {
    const { access, plugin } = await setup(
      [quota('q1', { pods: '5', 'count/configmaps': '5' }, { status: { hard: { pods: '1' }, used: { pods: '1' } } })],
      [['', 'configmaps', { metadata: { name: 'cm', namespace: NS } }]],
    );
    await plugin.validate!(req({ object: podObj('p') }));
    expect(used(access, 'q1')).toEqual({ 'count/configmaps': '1', pods: '2' });
  });

  it('does not charge dry-run requests but still refuses them', async () => {
    const { access, plugin } = await setup([quota('q1', { pods: '1' }, { status: { hard: { pods: '1' }, used: { pods: '0' } } })]);
    await plugin.validate!(req({ object: podObj('p'), dryRun: true }));
    expect(used(access, 'q1')).toEqual({ pods: '0' });
    expect(access.statusWrites).toBe(0);
    await plugin.validate!(req({ object: podObj('p') }));
    const e = await refusal(plugin.validate!(req({ object: podObj('p2'), dryRun: true })));
    expect(e.message).toContain('exceeded quota: q1');
  });

  it('charges only quotas whose scopes match', async () => {
    const st = (hard: Record<string, string>) => ({ status: { hard, used: { pods: '0' } } });
    const { access, plugin } = await setup([
      quota('besteffort', { pods: '5' }, { spec: { scopes: ['BestEffort'] }, ...st({ pods: '5' }) }),
      quota('notbesteffort', { pods: '5' }, { spec: { scopes: ['NotBestEffort'] }, ...st({ pods: '5' }) }),
      quota('high', { pods: '5' }, { spec: { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }, ...st({ pods: '5' }) }),
    ]);
    await plugin.validate!(req({ object: podObj('p') }));
    expect(used(access, 'besteffort')).toEqual({ pods: '1' });
    expect(used(access, 'notbesteffort')).toEqual({ pods: '0' });
    expect(used(access, 'high')).toEqual({ pods: '0' });
    await plugin.validate!(req({ object: podObj('h', [container('c', { requests: { cpu: '1' } })], { spec: { priorityClassName: 'high' } }) }));
    expect(used(access, 'notbesteffort')).toEqual({ pods: '1' });
    expect(used(access, 'high')).toEqual({ pods: '1' });
  });

  it('charges the delta of a service type change and refuses too many node ports', async () => {
    const hard = { services: '5', 'services.nodeports': '2', 'services.loadbalancers': '0' };
    const { access, plugin } = await setup([quota('svc', hard, { status: { hard, used: { services: '1', 'services.nodeports': '0', 'services.loadbalancers': '0' } } })]);
    const old = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS, resourceVersion: '7' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
    const np = structuredClone(old);
    np.spec.type = 'NodePort';
    await plugin.validate!(req({ operation: 'UPDATE', resource: 'services', object: np, oldObject: old }));
    expect(used(access, 'svc')).toEqual({ services: '1', 'services.nodeports': '1', 'services.loadbalancers': '0' });
    const lb = structuredClone(np);
    lb.spec.type = 'LoadBalancer';
    const e = await refusal(plugin.validate!(req({ operation: 'UPDATE', resource: 'services', object: lb, oldObject: np })));
    expect(e.message).toBe('services "s" is forbidden: exceeded quota: svc, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0');
    // an update that changes nothing quota-relevant writes nothing
    const writes = access.statusWrites;
    await plugin.validate!(req({ operation: 'UPDATE', resource: 'services', object: np, oldObject: np }));
    expect(access.statusWrites).toBe(writes);
  });

  it('charges a PVC resize and refuses one past the storage limit', async () => {
    const hard = { 'requests.storage': '4Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '3Gi' };
    const { access, plugin } = await setup([quota('st', hard, { status: { hard, used: { 'requests.storage': '1Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi' } } })]);
    const pvc = (size: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS, resourceVersion: '3' },
      spec: { storageClassName: 'gold', resources: { requests: { storage: size } } },
    });
    await plugin.validate!(req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', object: pvc('2Gi'), oldObject: pvc('1Gi') }));
    expect(used(access, 'st')).toEqual({ 'requests.storage': '2Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '2Gi' });
    const e = await refusal(plugin.validate!(req({ operation: 'UPDATE', resource: 'persistentvolumeclaims', object: pvc('4Gi'), oldObject: pvc('2Gi') })));
    expect(e.message).toBe(
      'persistentvolumeclaims "data" is forbidden: exceeded quota: st, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: gold.storageclass.storage.k8s.io/requests.storage=2Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=3Gi',
    );
  });

  it('counts generic kinds with count/<resource>.<group>', async () => {
    const { access, plugin } = await setup([quota('objs', { 'count/deployments.apps': '1', configmaps: '1' })]);
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: NS }, spec: {} };
    await plugin.validate!(req({ group: 'apps', resource: 'deployments', object: dep }));
    expect(used(access, 'objs')).toEqual({ configmaps: '0', 'count/deployments.apps': '1' });
    const e = await refusal(plugin.validate!(req({ group: 'apps', resource: 'deployments', object: { ...dep, metadata: { name: 'd2', namespace: NS } } })));
    expect(e.message).toBe('deployments.apps "d2" is forbidden: exceeded quota: objs, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    // updates of counted kinds are free
    await plugin.validate!(req({ operation: 'UPDATE', group: 'apps', resource: 'deployments', object: dep, oldObject: dep }));
  });

  it('takes back the charge of an earlier quota when a later one refuses', async () => {
    const { access, plugin } = await setup([
      quota('a-pods', { pods: '10' }, { status: { hard: { pods: '10' }, used: { pods: '3' } } }),
      quota('b-cpu', { 'requests.cpu': '1' }, { status: { hard: { 'requests.cpu': '1' }, used: { 'requests.cpu': '1' } } }),
    ]);
    const e = await refusal(plugin.validate!(req({ object: podObj('p', [container('c', { requests: { cpu: '1' } })]) })));
    expect(e.message).toContain('exceeded quota: b-cpu');
    expect(used(access, 'a-pods')).toEqual({ pods: '3' });
  });

  it('lets through what quota does not concern', async () => {
    const { access, plugin } = await setup([quota('q1', { pods: '0' }, { status: { hard: { pods: '0' }, used: { pods: '0' } } })]);
    await plugin.validate!(req({ object: podObj('p'), subresource: 'status', operation: 'UPDATE', oldObject: podObj('p') }));
    await plugin.validate!(req({ resource: 'events', kind: 'Event', object: { metadata: { name: 'e', namespace: NS } } }));
    await plugin.validate!(req({ resource: 'namespaces', kind: 'Namespace', namespace: '', object: { metadata: { name: 'x' } } }));
    await plugin.validate!(req({ object: podObj('p'), namespace: 'elsewhere' }));
    // a pod update does not change usage
    await plugin.validate!(req({ operation: 'UPDATE', object: podObj('p'), oldObject: podObj('p') }));
    expect(access.statusWrites).toBe(0);
    expect(plugin.handles!('DELETE')).toBe(false);
    expect(plugin.handles!('CREATE')).toBe(true);
  });
});

describe('ResourceQuota admission: concurrency', () => {
  async function burst(opts: { lag: number; synced: boolean; plugins: number; disturb: boolean }) {
    const hard = { pods: '10' };
    const q = quota('q1', hard, opts.synced ? { status: { hard, used: { pods: '0' } } } : {});
    const { access } = await setup([q], [], opts.lag);
    const plugins = Array.from({ length: opts.plugins }, () => resourceQuotaPlugin(access));
    let stop = false;
    // another writer keeps moving the quota's version (a label edit) to force compare-and-swap conflicts
    const disturber = (async () => {
      let i = 0;
      while (opts.disturb && !stop) {
        await access.update('', 'resourcequotas', NS, 'q1', (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { tick: String(i++) } } }));
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (plugins[i % plugins.length] as ReturnType<typeof resourceQuotaPlugin>).validate!(req({ object: podObj(`p${i}`) }))));
    stop = true;
    await disturber;
    const allowed = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    return { access, allowed, refused };
  }

  const cases: Array<[string, { lag: number; synced: boolean; plugins: number; disturb: boolean }]> = [
    ['synced quota, fresh reads', { lag: 0, synced: true, plugins: 1, disturb: false }],
    ['unsynced quota, lagging reads', { lag: 3, synced: false, plugins: 1, disturb: false }],
    ['conflicting writer and lagging reads', { lag: 2, synced: true, plugins: 1, disturb: true }],
    ['two plugin instances (two apiservers) sharing the store', { lag: 2, synced: false, plugins: 2, disturb: true }],
  ];
  it.each(cases)('50 concurrent creates against pods: 10 end exactly at the limit: %s', async (_n, opts) => {
    const { access, allowed, refused } = await burst(opts);
    expect(allowed).toBe(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(StatusError);
      expect((r.reason as StatusError).code).toBe(403);
      expect((r.reason as StatusError).message).toMatch(/^pods "p\d+" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=10, limited: pods=10$/);
    }
    expect(used(access, 'q1')).toEqual({ pods: '10' });
    if (opts.disturb) expect(access.conflicts).toBeGreaterThan(0);
  });
});

describe('quota usage by listing (for the resourcequota controller)', () => {
  it('computeUsage measures every hard resource it can track', () => {
    const q = quota('q', {
      pods: '10',
      'requests.cpu': '4',
      'limits.memory': '8Gi',
      services: '5',
      'services.nodeports': '3',
      'count/deployments.apps': '2',
      secrets: '10',
      persistentvolumeclaims: '4',
      'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
      'example.com/unknown': '1',
    });
    const objects = new Map<string, Obj[]>([
      [
        'pods',
        [
          podObj('a', [container('c', { requests: { cpu: '500m' }, limits: { memory: '1Gi' } })]),
          podObj('b', [container('c', { requests: { cpu: '250m' } })]),
          podObj('gone', [container('c', { requests: { cpu: '1' } })], { status: { phase: 'Failed' } }),
        ],
      ],
      ['services', [{ spec: { type: 'NodePort', ports: [{ port: 1 }, { port: 2 }] } }, { spec: {} }]],
      ['deployments.apps', [{ metadata: { name: 'd' } }]],
      ['persistentvolumeclaims', [{ spec: { storageClassName: 'gold', resources: { requests: { storage: '5Gi' } } } }, { spec: { resources: { requests: { storage: '1Gi' } } } }]],
    ]);
    expect(computeUsage(q, objects)).toEqual({
      hard: q.spec.hard,
      used: {
        'count/deployments.apps': '1',
        'gold.storageclass.storage.k8s.io/requests.storage': '5Gi',
        'limits.memory': '1Gi',
        persistentvolumeclaims: '2',
        pods: '2',
        'requests.cpu': '750m',
        secrets: '0',
        services: '2',
        'services.nodeports': '2',
      },
    });
  });

  it('computeUsage counts only pods in the quota scopes', () => {
    const q = quota('q', { pods: '10' }, { spec: { scopes: ['Terminating'] } });
    const pods = [podObj('a', undefined, { spec: { activeDeadlineSeconds: 10 } }), podObj('b')];
    expect(computeUsage(q, (g, r) => (g === '' && r === 'pods' ? pods : [])).used).toEqual({ pods: '1' });
  });

  it('recomputeNamespaceQuotas writes changed statuses only', async () => {
    const { access } = await setup(
      [quota('q1', { pods: '5' }, { status: { hard: { pods: '5' }, used: { pods: '4' } } }), quota('q2', { configmaps: '5' }, { status: { hard: { configmaps: '5' }, used: { configmaps: '1' } } })],
      [
        ['', 'pods', podObj('a')],
        ['', 'configmaps', { metadata: { name: 'cm', namespace: NS } }],
      ],
    );
    const written = await recomputeNamespaceQuotas(access, NS);
    expect(written.map((q) => q.metadata.name)).toEqual(['q1']);
    expect(used(access, 'q1')).toEqual({ pods: '1' });
    expect(access.statusWrites).toBe(1);
  });
});

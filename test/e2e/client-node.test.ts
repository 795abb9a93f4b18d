// The official JavaScript client (@kubernetes/client-node) against the real `kubets server`: list, watch, informer on pods.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startServer, type RunningServer } from './harness.js';

describe('@kubernetes/client-node against kubets server', () => {
  let server: RunningServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const ns = 'client-node';
  const pod = (name: string): k8s.V1Pod => ({
    metadata: { name, labels: { app: 'js' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });

  beforeAll(async () => {
    server = await startServer('sqlite');
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  }, 90_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  }, 60_000);

  it('lists pods with a label selector and sees upstream defaults', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('a') });
    await core.createNamespacedPod({ namespace: ns, body: { ...pod('b'), metadata: { name: 'b', labels: { app: 'other' } } } });
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=js' });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['a']);
    const a = list.items[0]!;
    expect(a.spec?.restartPolicy).toBe('Always');
    expect(a.spec?.containers[0]?.imagePullPolicy).toBe('Always');
    expect(a.status?.phase).toBe('Pending');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('watches pods from a resourceVersion and sees ADDED, MODIFIED, DELETED in order', async () => {
    const list = await core.listNamespacedPod({ namespace: ns });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { resourceVersion: list.metadata!.resourceVersion!, allowWatchBookmarks: true },
      (type, obj: k8s.V1Pod) => {
        if (type !== 'BOOKMARK') seen.push(`${type} ${obj.metadata?.name}`);
      },
      () => {},
    );
    await core.createNamespacedPod({ namespace: ns, body: pod('w') });
    await core.patchNamespacedPod({ namespace: ns, name: 'w', body: { metadata: { labels: { step: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ namespace: ns, name: 'w' });
    await until(() => seen.length >= 3);
    req.abort();
    expect(seen).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
  });

  it('an informer lists, then follows adds and deletes', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (p: k8s.V1Pod) => added.push(p.metadata!.name!));
    informer.on('delete', (p: k8s.V1Pod) => deleted.push(p.metadata!.name!));
    await informer.start();
    await until(() => added.includes('a') && added.includes('b'));
    await core.createNamespacedPod({ namespace: ns, body: pod('inf') });
    await until(() => added.includes('inf'));
    expect(informer.get('inf', ns)?.metadata?.name).toBe('inf');
    await core.deleteNamespacedPod({ namespace: ns, name: 'inf' });
    await until(() => deleted.includes('inf'));
    expect(informer.list(ns).map((p) => p.metadata?.name).sort()).toEqual(['a', 'b']);
    await informer.stop();
  });
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// `kubets server` on SIGTERM: finishes the writes in flight, ends watches, closes the store, exits 0, and loses
// nothing it acknowledged (checked by restarting on the same data directory).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startServer, type RunningServer } from './harness.js';

describe('kubets server shutdown', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kubets-shutdown-'));
  let second: RunningServer | undefined;
  afterAll(async () => {
    await second?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('on SIGTERM finishes in-flight writes, ends watches, exits 0, and keeps every acknowledged write', async () => {
    const first = await startServer('sqlite', [], { dataDir });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(first.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    let watchEnded: unknown = 'open';
    const watched: string[] = [];
    const req = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      (_type, obj: k8s.V1ConfigMap) => watched.push(obj.metadata?.name ?? ''),
      (err) => (watchEnded = err ?? null),
    );

    // A steady stream of creates, with SIGTERM landing in the middle of it.
    const acknowledged: string[] = [];
    const failed: string[] = [];
    const writes: Promise<void>[] = [];
    let i = 0;
    const writer = setInterval(() => {
      for (let k = 0; k < 10; k++) {
        const name = `cm-${i++}`;
        writes.push(
          core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { n: name } } }).then(
            () => void acknowledged.push(name),
            () => void failed.push(name),
          ),
        );
      }
    }, 5);
    await new Promise((r) => setTimeout(r, 400));
    const exited = first.stop();
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(writer);
    expect(await exited).toBe(0);
    await Promise.all(writes);
    expect(acknowledged.length).toBeGreaterThan(20);
    // The watch was ended by the server (not left hanging).
    await new Promise((r) => setTimeout(r, 200));
    expect(watchEnded).not.toBe('open');
    req.abort();
    expect(watched.length).toBeGreaterThan(0);

    // Everything acknowledged is there after a restart on the same data directory.
    second = await startServer('sqlite', [], { dataDir });
    const kc2 = new k8s.KubeConfig();
    kc2.loadFromFile(second.kubeconfig);
    const list = await kc2.makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
    const names = new Set(list.items.map((c) => c.metadata?.name));
    const missing = acknowledged.filter((n) => !names.has(n));
    expect(missing).toEqual([]);
  }, 120_000);
});

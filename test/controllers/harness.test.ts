// The controller test harness itself: simulated nodes register, an unscheduled pod is bound and runs, the CSR controllers approve and sign.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { csrApproving, csrSigning } from '../../src/controllers/certificates/descriptors.js';
import { startTestCluster, type TestCluster } from './harness.js';

describe('test cluster harness', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [csrApproving, csrSigning] });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  it('registers simulated nodes and runs a bound pod to Running', async () => {
    expect((await c.client.resource('nodes').list()).items.map((n: any) => n.metadata.name).sort()).toEqual(['node-0', 'node-1']);
    await c.client.resource('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'kubets.local/busybox:latest' }] } });
    const p = await c.until('p Running', async () => {
      const got: any = await c.client.resource('pods').get('p', { namespace: 'default' });
      return got.status?.phase === 'Running' ? got : undefined;
    });
    expect(c.nodes).toContain(p.spec.nodeName);
    expect(p.status.podIP).toMatch(/^10\.250\.\d+\.\d+$/);
  }, 30_000);
});

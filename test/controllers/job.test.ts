// Job, TTL-after-finished and pod GC controllers against a 2-node test cluster with simulated kubelets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as jobController } from '../../src/controllers/job/index.js';
import { podGcDescriptor } from '../../src/controllers/podgc/index.js';
import { ttlAfterFinished } from '../../src/controllers/ttlafterfinished/index.js';
import { startTestCluster, type TestCluster } from './harness.js';

const IMAGE = 'kubets.local/busybox:latest';

function jobSpec(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      template: { metadata: { annotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE }], ...extra } },
    },
  };
}

describe('job controller', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2, controllers: [jobController, ttlAfterFinished, podGcDescriptor({ periodMs: 500 })], options: { terminatedPodGcThreshold: 3 } });
  }, 60_000);
  afterAll(async () => c?.stop(), 30_000);

  const jobs = () => c.client.resource('jobs');
  const podsOf = async (name: string) => (await c.client.resource('pods').list({ namespace: 'default', labelSelector: `batch.kubernetes.io/job-name=${name}` })).items as any[];

  it('completes 4 completions with parallelism 2, never more than 2 active', async () => {
    await jobs().create(jobSpec('four', { completions: 4, parallelism: 2 }, { 'simulated.kubets.io/exit-after': '1s' }));
    let maxActive = 0;
    const done: any = await c.until(
      'job four Complete',
      async () => {
        const pods = await podsOf('four');
        const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp).length;
        maxActive = Math.max(maxActive, running);
        const j: any = await jobs().get('four', { namespace: 'default' });
        return j.status?.conditions?.some((x: any) => x.type === 'Complete' && x.status === 'True') ? j : undefined;
      },
      40_000,
    );
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(done.status.succeeded).toBe(4);
    expect(done.status.failed ?? 0).toBe(0);
    expect(done.status.active ?? 0).toBe(0);
    expect(done.status.completionTime).toBeTruthy();
    expect(done.status.startTime).toBeTruthy();
    expect(done.status.uncountedTerminatedPods).toEqual({});
    const types = done.status.conditions.map((x: any) => x.type);
    expect(types).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(done.status.conditions[1]).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    // Pods carry the labels and lose the tracking finalizer once counted.
    const pods = await podsOf('four');
    expect(pods.length).toBeGreaterThanOrEqual(1);
    for (const p of pods) {
      expect(p.metadata.labels['batch.kubernetes.io/controller-uid']).toBe(done.metadata.uid);
      expect(p.metadata.labels['job-name']).toBe('four');
      expect(p.metadata.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: 'four', controller: true });
    }
  }, 50_000);

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failures', async () => {
    await jobs().create(jobSpec('fails', { backoffLimit: 1 }, { 'simulated.kubets.io/exit-after': '1s', 'simulated.kubets.io/exit-code': '1' }));
    const j: any = await c.until(
      'job fails Failed',
      async () => {
        const j: any = await jobs().get('fails', { namespace: 'default' });
        return j.status?.conditions?.some((x: any) => x.type === 'Failed' && x.status === 'True') ? j : undefined;
      },
      40_000,
    );
    expect(j.status.failed).toBe(2);
    expect(j.status.succeeded ?? 0).toBe(0);
    const failed = j.status.conditions.find((x: any) => x.type === 'Failed');
    expect(failed).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(j.status.conditions.map((x: any) => x.type)).toEqual(['FailureTarget', 'Failed']);
    expect(j.status.completionTime).toBeUndefined();
    // The replacement came after the 10 s pod failure back-off.
    const pods = (await podsOf('fails')).sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp));
    if (pods.length === 2) expect(Date.parse(pods[1].metadata.creationTimestamp) - Date.parse(pods[0].metadata.creationTimestamp)).toBeGreaterThanOrEqual(9_000);
  }, 50_000);

  it('runs an Indexed job with one pod per index', async () => {
    await jobs().create(jobSpec('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, { 'simulated.kubets.io/exit-after': '1s' }, { subdomain: 'idx' }));
    const j: any = await c.until('job idx Complete', async () => {
      const j: any = await jobs().get('idx', { namespace: 'default' });
      return j.status?.conditions?.some((x: any) => x.type === 'Complete' && x.status === 'True') ? j : undefined;
    }, 30_000);
    expect(j.status.completedIndexes).toBe('0-2');
    expect(j.status.succeeded).toBe(3);
    const pods = await podsOf('idx');
    const indexes = pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort();
    expect(indexes).toEqual(['0', '1', '2']);
    for (const p of pods) {
      const ix = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.labels['batch.kubernetes.io/job-completion-index']).toBe(ix);
      expect(p.spec.hostname).toBe(`idx-${ix}`);
      expect(p.metadata.name.startsWith(`idx-${ix}-`)).toBe(true);
      expect(p.spec.containers[0].env).toContainEqual({
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
      });
    }
  }, 40_000);

  it('suspends: no pods, Suspended condition', async () => {
    await jobs().create(jobSpec('susp', { suspend: true }));
    const j: any = await c.until('job susp Suspended', async () => {
      const j: any = await jobs().get('susp', { namespace: 'default' });
      return j.status?.conditions?.some((x: any) => x.type === 'Suspended' && x.status === 'True') ? j : undefined;
    });
    expect(j.status.conditions[0]).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(j.status.startTime).toBeUndefined();
    expect(await podsOf('susp')).toHaveLength(0);
  }, 30_000);

  it('ttl-after-finished deletes a finished job', async () => {
    await jobs().create({ ...jobSpec('ttl', { ttlSecondsAfterFinished: 1 }, { 'simulated.kubets.io/exit-after': '1s' }) });
    await c.until('job ttl deleted', async () => {
      try {
        await jobs().get('ttl', { namespace: 'default' });
        return false;
      } catch (err: any) {
        return err?.code === 404 || err?.reason === 'NotFound';
      }
    }, 30_000);
  }, 40_000);

  it('pod GC keeps at most the threshold of terminated pods, deleting the oldest', async () => {
    // The jobs above left terminated pods behind; the threshold is 3.
    await c.until('at most 3 terminated pods', async () => {
      const pods = (await c.client.resource('pods').list({ namespace: 'default' })).items as any[];
      return pods.filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed').length <= 3;
    }, 20_000);
  }, 30_000);
});

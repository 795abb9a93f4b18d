// Runs the runtime contract against the simulated runtime, and tests its own behaviour: IPs, exit annotations, start delays, images, timers.
import { describe, expect, it } from 'vitest';
import { runtimeContract, testContainerConfig, testSandboxConfig } from '../contract.js';
import { RuntimeError, type PodSandboxConfig } from '../types.js';
import { SimulatedRuntime, parseGoDurationMs, type SimulatedRuntimeOptions } from './index.js';
import { IPv4Range, acquireFallbackCidr, releaseFallbackCidr } from './ipam.js';
import { parseImageReference } from './images.js';

runtimeContract('simulated', async () => {
  const r = new SimulatedRuntime({ nodeName: 'contract' });
  return { runtime: r, images: r, cleanup: async () => r.close() };
});

/** A manual clock: timers fire only when advance() passes their deadline. */
class FakeClock {
  t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout = ((fn: () => void, ms?: number) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + (ms ?? 0), fn });
    return id as unknown as NodeJS.Timeout;
  }) as unknown as typeof setTimeout;
  clearTimeout = ((id: unknown) => {
    this.timers.delete(id as number);
  }) as unknown as typeof clearTimeout;
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time forward, firing due timers in order, and lets awaiting promises run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** The error `p` rejects with (fails the test when it resolves). */
function failure(p: Promise<unknown>): Promise<RuntimeError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as RuntimeError,
  );
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function setup(opts: Partial<SimulatedRuntimeOptions> = {}) {
  const clock = new FakeClock();
  const rt = new SimulatedRuntime({ nodeName: 'n1', clock, ...opts });
  return { rt, clock };
}

function withAnnotations(name: string, annotations: Record<string, string>): PodSandboxConfig {
  const c = testSandboxConfig(name);
  return { ...c, annotations: { ...c.annotations, ...annotations } };
}

async function startPod(rt: SimulatedRuntime, config: PodSandboxConfig, names: string[]) {
  await rt.pullImage('busybox');
  const sb = await rt.runPodSandbox(config);
  const ids: Record<string, string> = {};
  for (const n of names) {
    ids[n] = await rt.createContainer(sb, testContainerConfig(config, n, 'busybox', ['sleep', '1']), config);
    await rt.startContainer(ids[n] ?? '');
  }
  return { sb, ids };
}

describe('SimulatedRuntime: IPs', () => {
  it('takes IPs from the pod CIDR, skipping network and gateway, and releases them on stop', async () => {
    const { rt } = setup();
    await rt.updateRuntimeConfig({ podCidr: '10.244.3.0/24' });
    const a = await rt.runPodSandbox(testSandboxConfig('a'));
    const b = await rt.runPodSandbox(testSandboxConfig('b'));
    expect((await rt.podSandboxStatus(a)).network.ip).toBe('10.244.3.2');
    expect((await rt.podSandboxStatus(b)).network.ip).toBe('10.244.3.3');
    await rt.stopPodSandbox(a);
    expect((await rt.podSandboxStatus(a)).network.ip).toBe('');
    rt.close();
  });

  it('fails with host-local’s error when the range is exhausted, and recovers after a release', async () => {
    const { rt } = setup();
    await rt.updateRuntimeConfig({ podCidr: '10.1.0.0/29' }); // usable: .2 … .6
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await rt.runPodSandbox(testSandboxConfig(`p${i}`)));
    const ips = await Promise.all(ids.map(async (id) => (await rt.podSandboxStatus(id)).network.ip));
    expect(new Set(ips).size).toBe(5);
    expect(ips).not.toContain('10.1.0.1');
    expect(ips).not.toContain('10.1.0.7');
    const err = await rt.runPodSandbox(testSandboxConfig('overflow')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('Internal');
    expect((err as RuntimeError).message).toContain('no IP addresses available in range set: 10.1.0.1-10.1.0.6');
    await rt.removePodSandbox(ids[2] ?? '');
    const again = await rt.runPodSandbox(testSandboxConfig('again'));
    expect((await rt.podSandboxStatus(again)).network.ip).toBe(ips[2]);
    rt.close();
  });

  it('uses the fixed fallback CIDR until a pod CIDR arrives; hostNetwork sandboxes get the node IP', async () => {
    const { rt } = setup({ fallbackCidr: '192.168.50.0/24', nodeIp: '172.18.0.5' });
    const a = await rt.runPodSandbox(testSandboxConfig('a'));
    expect((await rt.podSandboxStatus(a)).network.ip).toBe('192.168.50.2');
    await rt.updateRuntimeConfig({ podCidr: '10.244.7.0/24' });
    const b = await rt.runPodSandbox(testSandboxConfig('b'));
    expect((await rt.podSandboxStatus(b)).network.ip).toBe('10.244.7.2');
    const host = await rt.runPodSandbox({ ...testSandboxConfig('h'), linux: { hostNetwork: true } });
    expect((await rt.podSandboxStatus(host)).network.ip).toBe('172.18.0.5');
    rt.close();
  });

  it('runtimes without a pod CIDR get disjoint fallback /24s, given back on close', async () => {
    const r1 = new SimulatedRuntime({ nodeName: 'x' });
    const r2 = new SimulatedRuntime({ nodeName: 'y' });
    const ip1 = (await r1.podSandboxStatus(await r1.runPodSandbox(testSandboxConfig('a')))).network.ip;
    const ip2 = (await r2.podSandboxStatus(await r2.runPodSandbox(testSandboxConfig('b')))).network.ip;
    expect(ip1).toMatch(/^10\.254\.\d+\.2$/);
    expect(ip2).toMatch(/^10\.254\.\d+\.2$/);
    expect(ip1.split('.')[2]).not.toBe(ip2.split('.')[2]);
    const third = ip1.split('.')[2];
    r1.close();
    r2.close();
    // r1's block is free again: the pool hands out the lowest free one.
    const c = acquireFallbackCidr();
    expect(Number(c?.split('.')[2])).toBeLessThanOrEqual(Number(third));
    if (c) releaseFallbackCidr(c);
  });

  it('rejects invalid and IPv6-only pod CIDRs', async () => {
    const { rt } = setup();
    for (const podCidr of ['banana', '10.0.0.0/40', 'fd00::/64']) {
      const err = await rt.updateRuntimeConfig({ podCidr }).catch((e: unknown) => e);
      expect((err as RuntimeError).code, podCidr).toBe('InvalidArgument');
    }
    await rt.updateRuntimeConfig({ podCidr: '10.9.0.0/24,fd00::/64' });
    expect((await rt.podSandboxStatus(await rt.runPodSandbox(testSandboxConfig('a')))).network.ip).toBe('10.9.0.2');
    rt.close();
  });
});

describe('IPv4Range', () => {
  it.each([
    ['10.244.1.0/24', '10.244.1.1-10.244.1.254', '10.244.1.2'],
    ['10.244.1.77/24', '10.244.1.1-10.244.1.254', '10.244.1.2'],
    ['10.0.0.0/16', '10.0.0.1-10.0.255.254', '10.0.0.2'],
  ])('%s', (cidr, rangeSet, first) => {
    const r = new IPv4Range(cidr);
    expect(r.rangeSet).toBe(rangeSet);
    expect(r.allocate()).toBe(first);
  });
});

describe('SimulatedRuntime: exit annotations', () => {
  it.each<[string, Record<string, string>, Record<string, { state: string; exitCode?: number; reason?: string }>]>([
    ['runs until stopped without annotations', {}, { main: { state: 'CONTAINER_RUNNING' } }],
    ['one duration for all, exit 0 → Completed', { 'simulated.kubets.io/exit-after': '5s' }, { main: { state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' } }],
    [
      'exit code for all → Error',
      { 'simulated.kubets.io/exit-after': '1m', 'simulated.kubets.io/exit-code': '3' },
      { main: { state: 'CONTAINER_EXITED', exitCode: 3, reason: 'Error' } },
    ],
    [
      'per-container list',
      { 'simulated.kubets.io/exit-after': 'init=500ms, main=1m30s', 'simulated.kubets.io/exit-code': 'main=1' },
      { init: { state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' }, main: { state: 'CONTAINER_EXITED', exitCode: 1, reason: 'Error' }, other: { state: 'CONTAINER_RUNNING' } },
    ],
    ['not yet due', { 'simulated.kubets.io/exit-after': '2m' }, { main: { state: 'CONTAINER_RUNNING' } }],
  ])('%s', async (_name, annotations, want) => {
    const { rt, clock } = setup();
    const config = withAnnotations('x', annotations);
    const { ids } = await startPod(rt, config, Object.keys(want));
    await clock.advance(90_000);
    for (const [name, w] of Object.entries(want)) {
      const s = await rt.containerStatus(ids[name] ?? '');
      expect(s.state, name).toBe(w.state);
      if (w.exitCode !== undefined) expect(s.exitCode, name).toBe(w.exitCode);
      if (w.reason !== undefined) expect(s.reason, name).toBe(w.reason);
      if (w.state === 'CONTAINER_EXITED') expect(s.finishedAt - s.startedAt).toBeLessThanOrEqual(90_000);
    }
    rt.close();
  });

  it('finishedAt is startedAt plus the duration', async () => {
    const { rt, clock } = setup();
    const { ids } = await startPod(rt, withAnnotations('x', { 'simulated.kubets.io/exit-after': '1500ms' }), ['main']);
    await clock.advance(10_000);
    const s = await rt.containerStatus(ids.main ?? '');
    expect(s.finishedAt - s.startedAt).toBe(1500);
    rt.close();
  });

  it.each([
    ['simulated.kubets.io/exit-after', 'soon'],
    ['simulated.kubets.io/exit-code', '-1'],
    ['simulated.kubets.io/exit-code', '256'],
    ['simulated.kubets.io/exit-after', 'main=1s,=2s'],
  ])('rejects %s=%s with InvalidArgument at create', async (key, value) => {
    const { rt } = setup();
    const config = withAnnotations('x', { [key]: value });
    await rt.pullImage('busybox');
    const sb = await rt.runPodSandbox(config);
    const err = await rt.createContainer(sb, testContainerConfig(config, 'main', 'busybox', []), config).catch((e: unknown) => e);
    expect((err as RuntimeError).code).toBe('InvalidArgument');
    rt.close();
  });

  it('stopContainer reports a SIGKILL (137, Error) and cancels the exit timer', async () => {
    const { rt, clock } = setup();
    const { ids } = await startPod(rt, withAnnotations('x', { 'simulated.kubets.io/exit-after': '5s' }), ['main']);
    expect(clock.pending).toBe(1);
    await rt.stopContainer(ids.main ?? '', 30);
    expect(clock.pending).toBe(0);
    const s = await rt.containerStatus(ids.main ?? '');
    expect(s).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error' });
    rt.close();
  });
});

describe('SimulatedRuntime: start delay', () => {
  it('sandboxes and containers become ready/running after the delay', async () => {
    const { rt, clock } = setup({ startDelayMs: 200 });
    await rt.pullImage('busybox');
    const config = testSandboxConfig('slow');
    let sb: string | undefined;
    const running = rt.runPodSandbox(config).then((id) => (sb = id));
    await clock.advance(100);
    expect(sb).toBeUndefined();
    await clock.advance(100);
    await running;
    expect(sb).toBeDefined();
    const cid = await rt.createContainer(sb ?? '', testContainerConfig(config, 'main', 'busybox', []), config);
    let started = false;
    const start = rt.startContainer(cid).then(() => (started = true));
    await flush();
    expect((await rt.containerStatus(cid)).state).toBe('CONTAINER_CREATED');
    expect(started).toBe(false);
    await clock.advance(200);
    await start;
    const s = await rt.containerStatus(cid);
    expect(s.state).toBe('CONTAINER_RUNNING');
    expect(s.startedAt).toBe(clock.t);
    rt.close();
  });

  it('close cancels timers and fails a sandbox still starting', async () => {
    const { rt, clock } = setup({ startDelayMs: 1000 });
    const pending = rt.runPodSandbox(testSandboxConfig('slow')).catch((e: unknown) => e);
    expect(clock.pending).toBe(1);
    rt.close();
    expect(clock.pending).toBe(0);
    expect(((await pending) as RuntimeError).code).toBe('Unavailable');
    expect(((await rt.version().catch((e: unknown) => e)) as RuntimeError).code).toBe('Unavailable');
  });
});

describe('SimulatedRuntime: containers', () => {
  it('createContainer needs a ready sandbox and a pulled image', async () => {
    const { rt } = setup();
    const config = testSandboxConfig('x');
    const sb = await rt.runPodSandbox(config);
    const mk = (sandbox: string) => failure(rt.createContainer(sandbox, testContainerConfig(config, 'main', 'busybox', []), config));
    expect((await mk(sb)).code).toBe('NotFound');
    await rt.pullImage('busybox');
    expect((await mk('nope')).code).toBe('NotFound');
    await rt.stopPodSandbox(sb);
    expect((await mk(sb)).code).toBe('FailedPrecondition');
    rt.close();
  });

  it('a second container with the same name and attempt is refused, a new attempt is fine', async () => {
    const { rt } = setup();
    const { sb } = await startPod(rt, testSandboxConfig('x'), []);
    const config = (await rt.podSandboxStatus(sb)).metadata;
    const sbConfig = { ...testSandboxConfig('x'), metadata: config };
    await rt.createContainer(sb, testContainerConfig(sbConfig, 'main', 'busybox', []), sbConfig);
    const dup = await failure(rt.createContainer(sb, testContainerConfig(sbConfig, 'main', 'busybox', []), sbConfig));
    expect(dup.code).toBe('FailedPrecondition');
    await expect(rt.createContainer(sb, testContainerConfig(sbConfig, 'main', 'busybox', [], 1), sbConfig)).resolves.toMatch(/^[0-9a-f]{64}$/);
    rt.close();
  });

  it('starting an exited container fails; stopping a created one is a no-op', async () => {
    const { rt } = setup();
    const config = testSandboxConfig('x');
    await rt.pullImage('busybox');
    const sb = await rt.runPodSandbox(config);
    const cid = await rt.createContainer(sb, testContainerConfig(config, 'main', 'busybox', []), config);
    await rt.stopContainer(cid, 0);
    expect((await rt.containerStatus(cid)).state).toBe('CONTAINER_CREATED');
    await rt.startContainer(cid);
    await rt.stopContainer(cid, 0);
    expect(((await rt.startContainer(cid).catch((e: unknown) => e)) as RuntimeError).code).toBe('FailedPrecondition');
    rt.close();
  });

  it('reports the image by its tag and imageRef by id', async () => {
    const { rt } = setup();
    const config = testSandboxConfig('x');
    const ref = await rt.pullImage('nginx:1.27');
    const sb = await rt.runPodSandbox(config);
    const cid = await rt.createContainer(sb, testContainerConfig(config, 'main', ref, []), config);
    const s = await rt.containerStatus(cid);
    expect(s.image.image).toBe('docker.io/library/nginx:1.27');
    expect(s.imageRef).toBe(ref);
    rt.close();
  });
});

describe('SimulatedRuntime: images', () => {
  it('image id is sha256 of the normalised reference', async () => {
    const { rt } = setup();
    const { createHash } = await import('node:crypto');
    const id = await rt.pullImage('busybox');
    expect(id).toBe('sha256:' + createHash('sha256').update('docker.io/library/busybox:latest').digest('hex'));
    expect(await rt.pullImage('docker.io/library/busybox:latest')).toBe(id);
    expect(await rt.pullImage('busybox:1.36')).not.toBe(id);
    rt.close();
  });

  it('repositories ending in -pull-fails fail to pull with not found', async () => {
    const { rt } = setup();
    const err = (await rt.pullImage('example.com/x-pull-fails:1').catch((e: unknown) => e)) as RuntimeError;
    expect(err.code).toBe('ImagePullFailed');
    expect(err.message).toMatch(/^failed to pull and unpack image "example.com\/x-pull-fails:1": .*not found$/);
    expect(await rt.imageStatus('example.com/x-pull-fails:1')).toBeUndefined();
    rt.close();
  });
});

describe('parseImageReference', () => {
  it.each<[string, string | undefined]>([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest'],
    [`quay.io/a/b@sha256:${'a'.repeat(64)}`, `quay.io/a/b@sha256:${'a'.repeat(64)}`],
    [`nginx:1.27@sha256:${'b'.repeat(64)}`, `docker.io/library/nginx:1.27@sha256:${'b'.repeat(64)}`],
    ['Busybox', undefined],
    ['busybox:', undefined],
    ['busybox:-bad', undefined],
    ['a//b', undefined],
    ['', undefined],
    [' busybox', undefined],
    ['busybox@sha256:short', undefined],
    ['a'.repeat(64), undefined],
  ])('%s', (input, want) => {
    expect(parseImageReference(input)?.normalized).toBe(want);
  });
});

describe('parseGoDurationMs', () => {
  it.each<[string, number | undefined]>([
    ['0', 0],
    ['500ms', 500],
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['100us', 0.1],
    ['5', undefined],
    ['-1s', undefined],
    ['', undefined],
    ['1x', undefined],
  ])('%s', (input, want) => {
    expect(parseGoDurationMs(input)).toBe(want);
  });
});

describe('SimulatedRuntime: scale', () => {
  it('holds 5,000 nodes with 2 running pods each, with no timers', async () => {
    const clock = new FakeClock();
    const runtimes: SimulatedRuntime[] = [];
    for (let n = 0; n < 5000; n++) {
      const rt = new SimulatedRuntime({ nodeName: `n${n}`, clock });
      await rt.updateRuntimeConfig({ podCidr: `10.${100 + (n >> 8)}.${n & 255}.0/24` });
      await rt.pullImage('busybox');
      for (let p = 0; p < 2; p++) {
        const config = testSandboxConfig(`p${p}`);
        const sb = await rt.runPodSandbox(config);
        const cid = await rt.createContainer(sb, testContainerConfig(config, 'main', 'busybox', []), config);
        await rt.startContainer(cid);
      }
      runtimes.push(rt);
    }
    expect(clock.pending).toBe(0);
    expect((await runtimes[4999]?.listContainers({ state: 'CONTAINER_RUNNING' }))?.length).toBe(2);
    for (const rt of runtimes) rt.close();
  });
});

// The contract every kubets container runtime (simulated, CRI/containerd) must meet, as reusable vitest suites; assertions hold for a real containerd too.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  RuntimeError,
  type ContainerConfig,
  type ImageService,
  type PodSandboxConfig,
  type RuntimeService,
} from './types.js';

/** What a runtime under test provides: its two services and a cleanup run after each test. */
export interface RuntimeUnderTest {
  runtime: RuntimeService;
  images: ImageService;
  cleanup(): Promise<void>;
}

/** Options of {@link runtimeContract}. */
export interface RuntimeContractOptions {
  /** The image containers run; it must run until stopped with `command`. Default `busybox`. */
  image?: string;
  /** The command of containers; default `sleep 3600`. */
  command?: string[];
  /** Time allowed per test (real runtimes pull and start slowly). Default vitest's. */
  timeoutMs?: number;
}

/** A sandbox config for a fresh pod (random uid), labelled as the kubelet labels it. */
export function testSandboxConfig(name: string, labels: Record<string, string> = {}): PodSandboxConfig {
  const uid = randomUUID();
  return {
    metadata: { name, namespace: 'contract', uid, attempt: 0 },
    hostname: name,
    logDirectory: `/var/log/pods/contract_${name}_${uid}`,
    portMappings: [],
    labels: { ...labels, [LABEL_POD_NAME]: name, [LABEL_POD_NAMESPACE]: 'contract', [LABEL_POD_UID]: uid },
    annotations: { 'contract.kubets.io/test': name },
  };
}

/** A container config as the kubelet would build it for container `name` of the sandbox. */
export function testContainerConfig(sandbox: PodSandboxConfig, name: string, image: string, command: string[], attempt = 0): ContainerConfig {
  return {
    metadata: { name, attempt },
    image: { image },
    command,
    args: [],
    workingDir: '',
    envs: [],
    mounts: [],
    labels: {
      [LABEL_CONTAINER_NAME]: name,
      [LABEL_POD_NAME]: sandbox.metadata.name,
      [LABEL_POD_NAMESPACE]: sandbox.metadata.namespace,
      [LABEL_POD_UID]: sandbox.metadata.uid,
    },
    annotations: { 'io.kubernetes.container.restartCount': String(attempt) },
    logPath: `${name}/${attempt}.log`,
  };
}

async function expectRuntimeError(p: Promise<unknown>, code?: RuntimeError['code']): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  if (code) expect((err as RuntimeError).code).toBe(code);
}

/**
 * Registers the runtime contract as vitest suites named after `name`. `make` builds a fresh runtime for each test
 * (its `cleanup` runs afterwards). Tests only touch sandboxes they create (found by a random pod uid), so they
 * may run against a node that has other pods.
 */
export function runtimeContract(name: string, make: () => Promise<RuntimeUnderTest>, opts: RuntimeContractOptions = {}): void {
  const image = opts.image ?? 'busybox';
  const command = opts.command ?? ['sleep', '3600'];
  const timeout = opts.timeoutMs;

  describe(`runtime contract: ${name}`, () => {
    let rt: RuntimeUnderTest;
    beforeEach(async () => {
      rt = await make();
    });
    afterEach(async () => {
      await rt.cleanup();
    });

    /** Runs a sandbox and pulls the image; returns the sandbox id, its config and the image ref. */
    async function podWithImage(podName: string, labels: Record<string, string> = {}) {
      const config = testSandboxConfig(podName, labels);
      const imageRef = await rt.images.pullImage(image);
      const id = await rt.runtime.runPodSandbox(config);
      return { id, config, imageRef };
    }

    async function runningContainer(podName: string, cname = 'main') {
      const pod = await podWithImage(podName);
      const cid = await rt.runtime.createContainer(pod.id, testContainerConfig(pod.config, cname, image, command), pod.config);
      await rt.runtime.startContainer(cid);
      return { ...pod, cid };
    }

    describe('runtime', () => {
      it('reports version and ready conditions', { timeout }, async () => {
        const v = await rt.runtime.version();
        expect(v.runtimeName).not.toBe('');
        expect(v.runtimeApiVersion).toBe('v1');
        const s = await rt.runtime.status();
        for (const type of ['RuntimeReady', 'NetworkReady'] as const) {
          expect(s.conditions.find((c) => c.type === type)?.status).toBe(true);
        }
      });
    });

    describe('sandbox lifecycle', () => {
      it('run → ready with an IP → stop → not ready without IP → remove → gone', { timeout }, async () => {
        const config = testSandboxConfig('lifecycle', { app: 'web' });
        const before = Date.now();
        const id = await rt.runtime.runPodSandbox(config);
        expect(id).not.toBe('');

        const ready = await rt.runtime.podSandboxStatus(id);
        expect(ready.id).toBe(id);
        expect(ready.state).toBe('SANDBOX_READY');
        expect(ready.metadata).toEqual(config.metadata);
        expect(ready.labels).toMatchObject(config.labels);
        expect(ready.annotations).toMatchObject(config.annotations);
        expect(ready.network.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$|:/);
        expect(ready.createdAt).toBeGreaterThan(before - 60_000);

        await rt.runtime.stopPodSandbox(id);
        const stopped = await rt.runtime.podSandboxStatus(id);
        expect(stopped.state).toBe('SANDBOX_NOTREADY');
        expect(stopped.network.ip).toBe('');

        await rt.runtime.removePodSandbox(id);
        await expectRuntimeError(rt.runtime.podSandboxStatus(id), 'NotFound');
        expect(await rt.runtime.listPodSandbox({ id })).toEqual([]);
      });

      it('stop and remove are idempotent, also for unknown ids', { timeout }, async () => {
        const id = await rt.runtime.runPodSandbox(testSandboxConfig('idem'));
        await rt.runtime.stopPodSandbox(id);
        await rt.runtime.stopPodSandbox(id);
        await rt.runtime.removePodSandbox(id);
        await rt.runtime.removePodSandbox(id);
        await rt.runtime.stopPodSandbox(id);
      });

      it('two sandboxes get different IPs', { timeout }, async () => {
        const a = await rt.runtime.runPodSandbox(testSandboxConfig('ip-a'));
        const b = await rt.runtime.runPodSandbox(testSandboxConfig('ip-b'));
        const [sa, sb] = await Promise.all([rt.runtime.podSandboxStatus(a), rt.runtime.podSandboxStatus(b)]);
        expect(sa.network.ip).not.toBe('');
        expect(sa.network.ip).not.toBe(sb.network.ip);
        await rt.runtime.removePodSandbox(a);
        await rt.runtime.removePodSandbox(b);
      });

      it('status of an unknown sandbox is NotFound', { timeout }, async () => {
        await expectRuntimeError(rt.runtime.podSandboxStatus('0123456789abcdef'.repeat(4)), 'NotFound');
      });

      it('lists with filters', { timeout }, async () => {
        const group = randomUUID();
        const a = await rt.runtime.runPodSandbox(testSandboxConfig('list-a', { group, role: 'a' }));
        const b = await rt.runtime.runPodSandbox(testSandboxConfig('list-b', { group, role: 'b' }));
        await rt.runtime.stopPodSandbox(b);
        const ids = async (f: Parameters<RuntimeService['listPodSandbox']>[0]) => (await rt.runtime.listPodSandbox(f)).map((s) => s.id).sort();
        const cases: [string, Parameters<RuntimeService['listPodSandbox']>[0], string[]][] = [
          ['by label', { labelSelector: { group } }, [a, b].sort()],
          ['all labels must match', { labelSelector: { group, role: 'a' } }, [a]],
          ['no match', { labelSelector: { group, role: 'c' } }, []],
          ['by state ready', { labelSelector: { group }, state: 'SANDBOX_READY' }, [a]],
          ['by state not ready', { labelSelector: { group }, state: 'SANDBOX_NOTREADY' }, [b]],
          ['by id', { id: a }, [a]],
        ];
        for (const [what, filter, want] of cases) expect(await ids(filter), what).toEqual(want);
        const listed = (await rt.runtime.listPodSandbox({ id: a }))[0];
        expect(listed?.metadata.name).toBe('list-a');
        expect(listed?.labels.role).toBe('a');
        await rt.runtime.removePodSandbox(a);
        await rt.runtime.removePodSandbox(b);
      });
    });

    describe('container lifecycle', () => {
      it('create → created; start → running; stop → exited; remove → gone', { timeout }, async () => {
        const pod = await podWithImage('ctr');
        const config = testContainerConfig(pod.config, 'main', image, command, 2);
        const cid = await rt.runtime.createContainer(pod.id, config, pod.config);

        const created = await rt.runtime.containerStatus(cid);
        expect(created.id).toBe(cid);
        expect(created.podSandboxId).toBe(pod.id);
        expect(created.state).toBe('CONTAINER_CREATED');
        expect(created.metadata).toEqual({ name: 'main', attempt: 2 });
        expect(created.labels).toMatchObject(config.labels);
        expect(created.annotations).toMatchObject(config.annotations);
        expect(created.imageRef).toBe(pod.imageRef);
        expect(created.createdAt).toBeGreaterThan(0);
        expect(created.startedAt).toBe(0);
        expect(created.finishedAt).toBe(0);

        await rt.runtime.startContainer(cid);
        const running = await rt.runtime.containerStatus(cid);
        expect(running.state).toBe('CONTAINER_RUNNING');
        expect(running.startedAt).toBeGreaterThanOrEqual(running.createdAt);
        expect(running.finishedAt).toBe(0);

        await rt.runtime.stopContainer(cid, 0);
        const exited = await rt.runtime.containerStatus(cid);
        expect(exited.state).toBe('CONTAINER_EXITED');
        expect(exited.finishedAt).toBeGreaterThanOrEqual(exited.startedAt);
        expect(exited.exitCode).not.toBe(0);
        expect(exited.metadata.attempt).toBe(2);

        await rt.runtime.stopContainer(cid, 0);
        await rt.runtime.removeContainer(cid);
        await rt.runtime.removeContainer(cid);
        await expectRuntimeError(rt.runtime.containerStatus(cid), 'NotFound');
        expect(await rt.runtime.listContainers({ id: cid })).toEqual([]);
        await rt.runtime.removePodSandbox(pod.id);
      });

      it('status of an unknown container is NotFound', { timeout }, async () => {
        await expectRuntimeError(rt.runtime.containerStatus('fedcba9876543210'.repeat(4)), 'NotFound');
      });

      it('removing a running container stops it first', { timeout }, async () => {
        const { id, cid } = await runningContainer('rm-running');
        await rt.runtime.removeContainer(cid);
        expect(await rt.runtime.listContainers({ podSandboxId: id })).toEqual([]);
        await rt.runtime.removePodSandbox(id);
      });

      it('lists with filters', { timeout }, async () => {
        const pod = await podWithImage('clist');
        const mk = (n: string) => rt.runtime.createContainer(pod.id, testContainerConfig(pod.config, n, image, command), pod.config);
        const a = await mk('a');
        const b = await mk('b');
        await rt.runtime.startContainer(b);
        const ids = async (f: Parameters<RuntimeService['listContainers']>[0]) => (await rt.runtime.listContainers(f)).map((c) => c.id).sort();
        const uid = pod.config.metadata.uid;
        const cases: [string, Parameters<RuntimeService['listContainers']>[0], string[]][] = [
          ['by sandbox', { podSandboxId: pod.id }, [a, b].sort()],
          ['by pod uid label', { labelSelector: { [LABEL_POD_UID]: uid } }, [a, b].sort()],
          ['by two labels', { labelSelector: { [LABEL_POD_UID]: uid, [LABEL_CONTAINER_NAME]: 'a' } }, [a]],
          ['by state created', { podSandboxId: pod.id, state: 'CONTAINER_CREATED' }, [a]],
          ['by state running', { podSandboxId: pod.id, state: 'CONTAINER_RUNNING' }, [b]],
          ['by state exited', { podSandboxId: pod.id, state: 'CONTAINER_EXITED' }, []],
          ['by id', { id: b }, [b]],
        ];
        for (const [what, filter, want] of cases) expect(await ids(filter), what).toEqual(want);
        const listed = (await rt.runtime.listContainers({ id: b }))[0];
        expect(listed?.metadata.name).toBe('b');
        expect(listed?.podSandboxId).toBe(pod.id);
        expect(listed?.state).toBe('CONTAINER_RUNNING');
        await rt.runtime.removePodSandbox(pod.id);
      });

      it('createContainer in a stopped sandbox fails', { timeout }, async () => {
        const pod = await podWithImage('stopped-sb');
        await rt.runtime.stopPodSandbox(pod.id);
        await expectRuntimeError(rt.runtime.createContainer(pod.id, testContainerConfig(pod.config, 'main', image, command), pod.config));
        await rt.runtime.removePodSandbox(pod.id);
      });

      it('stopping a sandbox stops its containers; removing it removes them', { timeout }, async () => {
        const { id, cid } = await runningContainer('stop-sb');
        await rt.runtime.stopPodSandbox(id);
        const s = await rt.runtime.containerStatus(cid);
        expect(s.state).toBe('CONTAINER_EXITED');
        expect(s.finishedAt).toBeGreaterThan(0);
        await rt.runtime.removePodSandbox(id);
        await expectRuntimeError(rt.runtime.containerStatus(cid), 'NotFound');
      });
    });

    describe('images', () => {
      it('pull → status → list → remove', { timeout }, async () => {
        const ref = await rt.images.pullImage(image);
        expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await rt.images.pullImage(image)).toBe(ref);

        const status = await rt.images.imageStatus(image);
        expect(status?.id).toBe(ref);
        expect(status?.size).toBeGreaterThan(0);
        expect((await rt.images.imageStatus(ref))?.id).toBe(ref);
        expect((await rt.images.listImages()).map((i) => i.id)).toContain(ref);
        expect((await rt.images.imageFsInfo()).usedBytes).toBeGreaterThan(0);

        await rt.images.removeImage(image);
        expect(await rt.images.imageStatus(image)).toBeUndefined();
        expect((await rt.images.listImages()).map((i) => i.id)).not.toContain(ref);
        await rt.images.removeImage(image);
      });

      it('a short name is normalised', { timeout }, async () => {
        if (image !== 'busybox') return;
        await rt.images.pullImage('busybox');
        expect((await rt.images.imageStatus('docker.io/library/busybox:latest'))?.repoTags).toContain('docker.io/library/busybox:latest');
      });

      it('status of an image never pulled is undefined', { timeout }, async () => {
        expect(await rt.images.imageStatus('example.invalid/kubets/never-pulled:0')).toBeUndefined();
      });

      it('an invalid reference fails to pull', { timeout }, async () => {
        await expectRuntimeError(rt.images.pullImage('Not A Valid/Ref::'), 'ImagePullFailed');
      });
    });
  });
}

// Pod status generation: phase, conditions, container statuses, IPs and times as the upstream kubelet reports them.
import { describe, it, expect } from 'vitest';
import type { Container, ContainerStatus, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { PodSandboxStatus } from './runtime/types.js';
import type { RuntimeContainerStatus, RuntimePodStatus } from './container.js';
import { generatePodStatus, mergeConditionTimes, podPhase, statusEqual, type StatusInput } from './status.js';

const NOW = new Date('2024-05-01T10:00:30.123Z');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const UID = '4f1c6d3e-0000-4000-8000-000000000001';

function pod(spec: Partial<Pod['spec']> & { containers?: Container[] }, status?: PodStatus, meta: Pod['metadata'] = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: UID, ...meta },
    spec: { nodeName: 'node-1', restartPolicy: 'Always', containers: [{ name: 'main', image: 'nginx' }], ...spec },
    ...(status ? { status } : {}),
  };
}

function sandbox(over: Partial<PodSandboxStatus> = {}): PodSandboxStatus {
  return {
    id: 'sb1',
    metadata: { name: 'web', namespace: 'default', uid: UID, attempt: 0 },
    state: 'SANDBOX_READY',
    createdAt: T0,
    labels: {},
    annotations: {},
    network: { ip: '10.244.0.5', additionalIps: [] },
    ...over,
  };
}

let seq = 0;
function ctr(name: string, over: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  seq++;
  return {
    id: `c${seq}${name}`,
    name,
    state: 'running',
    createdAt: T0 + 1000,
    startedAt: T0 + 2000,
    finishedAt: 0,
    exitCode: 0,
    reason: '',
    message: '',
    image: 'docker.io/library/nginx:latest',
    imageRef: 'sha256:aaaa',
    restartCount: 0,
    ...over,
  };
}

function exited(name: string, exitCode: number, over: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  return ctr(name, { state: 'exited', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: T0 + 5000, ...over });
}

function rt(containers: RuntimeContainerStatus[], sandboxes: PodSandboxStatus[] = [sandbox()]): RuntimePodStatus {
  const ready = sandboxes.find((s) => s.state === 'SANDBOX_READY');
  return {
    uid: UID,
    name: 'web',
    namespace: 'default',
    ips: ready ? [ready.network.ip, ...ready.network.additionalIps] : [],
    sandboxes,
    containers: [...containers].sort((a, b) => b.createdAt - a.createdAt),
  };
}

function input(p: Pod, runtime: RuntimePodStatus, over: Partial<StatusInput> = {}): StatusInput {
  return { pod: p, runtime, hostIP: '192.168.1.10', waiting: new Map(), now: NOW, ...over };
}

function cond(s: PodStatus, type: string): { status: string; reason?: string; message?: string } | undefined {
  const c = s.conditions?.find((x) => x.type === type);
  if (!c) return undefined;
  return { status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
}

function cs(s: PodStatus, name: string): ContainerStatus {
  const found = [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])].find((c) => c.name === name);
  if (!found) throw new Error(`no status for ${name}`);
  return found;
}

describe('generatePodStatus: a pod with one container', () => {
  it('nothing created yet: Pending, ContainerCreating, not ready', () => {
    const s = generatePodStatus(input(pod({}), rt([], [])));
    expect(s.phase).toBe('Pending');
    expect(s.conditions?.map((c) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    expect(cond(s, 'PodReadyToStartContainers')).toEqual({ status: 'False' });
    expect(cond(s, 'Initialized')).toEqual({ status: 'True' });
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
    expect(cond(s, 'ContainersReady')).toEqual({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
    expect(cond(s, 'PodScheduled')).toEqual({ status: 'True' });
    expect(s.conditions?.every((c) => c.lastTransitionTime === '2024-05-01T10:00:30Z')).toBe(true);
    expect(s.containerStatuses).toEqual([
      { name: 'main', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'nginx', imageID: '', started: false },
    ]);
    expect(s.startTime).toBe('2024-05-01T10:00:30Z');
    expect(s.hostIP).toBe('192.168.1.10');
    expect(s.hostIPs).toEqual([{ ip: '192.168.1.10' }]);
    expect(s.podIP).toBeUndefined();
    expect(s.qosClass).toBe('BestEffort');
  });

  it('running without probes: Running and ready, ids as the runtime gives them', () => {
    const c = ctr('main');
    const s = generatePodStatus(input(pod({}), rt([c]), { runtimeName: 'kubets' }));
    expect(s.phase).toBe('Running');
    expect(cond(s, 'Ready')).toEqual({ status: 'True' });
    expect(cond(s, 'ContainersReady')).toEqual({ status: 'True' });
    expect(cond(s, 'PodReadyToStartContainers')).toEqual({ status: 'True' });
    expect(s.podIP).toBe('10.244.0.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.0.5' }]);
    expect(cs(s, 'main')).toEqual({
      name: 'main',
      state: { running: { startedAt: '2024-05-01T10:00:02Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'nginx',
      imageID: 'sha256:aaaa',
      containerID: `kubets://${c.id}`,
      started: true,
    });
  });

  it('containerID defaults to the containerd scheme', () => {
    const c = ctr('main');
    expect(cs(generatePodStatus(input(pod({}), rt([c]))), 'main').containerID).toBe(`containerd://${c.id}`);
  });

  it.each([
    { name: 'readiness probe, no result', probe: true, result: undefined, ready: false },
    { name: 'readiness probe succeeded', probe: true, result: true, ready: true },
    { name: 'readiness probe failed', probe: true, result: false, ready: false },
    { name: 'no probe, no result', probe: false, result: undefined, ready: true },
  ])('readiness: $name', ({ probe, result, ready }) => {
    const p = pod({ containers: [{ name: 'main', image: 'nginx', ...(probe ? { readinessProbe: { httpGet: { port: 80 } } } : {}) }] });
    const readiness = result === undefined ? new Map<string, boolean>() : new Map([['main', result]]);
    const s = generatePodStatus(input(p, rt([ctr('main')]), { readiness }));
    expect(s.phase).toBe('Running');
    expect(cs(s, 'main').ready).toBe(ready);
    expect(cond(s, 'Ready')?.status).toBe(ready ? 'True' : 'False');
  });

  it('a startup probe without a result: not started, not ready even if readiness says so', () => {
    const p = pod({ containers: [{ name: 'main', image: 'nginx', startupProbe: { tcpSocket: { port: 80 } } }] });
    const s = generatePodStatus(input(p, rt([ctr('main')]), { readiness: new Map([['main', true]]) }));
    expect(cs(s, 'main').started).toBe(false);
    expect(cs(s, 'main').ready).toBe(false);
    const s2 = generatePodStatus(input(p, rt([ctr('main')]), { startup: new Map([['main', true]]) }));
    expect(cs(s2, 'main')).toMatchObject({ started: true, ready: true });
  });

  it('image pull failure shows the reason from the last sync', () => {
    const waiting = new Map([['main', { reason: 'ErrImagePull', message: 'failed to pull image "nginx:nope": not found' }]]);
    const s = generatePodStatus(input(pod({}), rt([]), { waiting }));
    expect(s.phase).toBe('Pending');
    expect(cs(s, 'main').state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'failed to pull image "nginx:nope": not found' } });
  });

  it('crash loop: waiting CrashLoopBackOff, last state from the dead instance, phase Running', () => {
    const older = exited('main', 1, { createdAt: T0 + 100, startedAt: T0 + 200, finishedAt: T0 + 300, restartCount: 0 });
    const newest = exited('main', 2, { createdAt: T0 + 1000, startedAt: T0 + 2000, finishedAt: T0 + 3000, restartCount: 1 });
    const msg = `back-off 10s restarting failed container=main pod=web_default(${UID})`;
    const s = generatePodStatus(input(pod({}), rt([older, newest]), { waiting: new Map([['main', { reason: 'CrashLoopBackOff', message: msg }]]) }));
    expect(s.phase).toBe('Running');
    const m = cs(s, 'main');
    expect(m.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: msg } });
    expect(m.lastState).toEqual({
      terminated: {
        exitCode: 2,
        reason: 'Error',
        startedAt: '2024-05-01T10:00:02Z',
        finishedAt: '2024-05-01T10:00:03Z',
        containerID: `containerd://${newest.id}`,
      },
    });
    expect(m.restartCount).toBe(1);
    expect(m.containerID).toBe(`containerd://${newest.id}`);
    expect(m.ready).toBe(false);
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
  });

  it('restarted and running again: lastState is the previous instance', () => {
    const older = exited('main', 137, { createdAt: T0 + 100, reason: 'OOMKilled' });
    const newest = ctr('main', { createdAt: T0 + 1000, restartCount: 1 });
    const s = generatePodStatus(input(pod({}), rt([older, newest])));
    const m = cs(s, 'main');
    expect(m.state?.running).toBeDefined();
    expect(m.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled', containerID: `containerd://${older.id}` });
    expect(m.restartCount).toBe(1);
    expect(s.phase).toBe('Running');
  });

  it.each([
    { policy: 'Always', code: 0, phase: 'Running' },
    { policy: 'Always', code: 1, phase: 'Running' },
    { policy: 'OnFailure', code: 0, phase: 'Succeeded' },
    { policy: 'OnFailure', code: 1, phase: 'Running' },
    { policy: 'Never', code: 0, phase: 'Succeeded' },
    { policy: 'Never', code: 1, phase: 'Failed' },
  ] as const)('restartPolicy $policy, exit $code: $phase', ({ policy, code, phase }) => {
    const s = generatePodStatus(input(pod({ restartPolicy: policy }), rt([exited('main', code)])));
    expect(s.phase).toBe(phase);
    expect(cs(s, 'main').state?.terminated?.exitCode).toBe(code);
  });

  it('Succeeded: Ready/ContainersReady False PodCompleted, Initialized True PodCompleted, sandbox stopped', () => {
    const s = generatePodStatus(input(pod({ restartPolicy: 'Never' }), rt([exited('main', 0)], [sandbox({ state: 'SANDBOX_NOTREADY' })])));
    expect(s.phase).toBe('Succeeded');
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'PodCompleted' });
    expect(cond(s, 'ContainersReady')).toEqual({ status: 'False', reason: 'PodCompleted' });
    expect(cond(s, 'Initialized')).toEqual({ status: 'True', reason: 'PodCompleted' });
    expect(cond(s, 'PodReadyToStartContainers')).toEqual({ status: 'False' });
  });

  it('Failed: Ready False PodFailed', () => {
    const s = generatePodStatus(input(pod({ restartPolicy: 'Never' }), rt([exited('main', 1)])));
    expect(s.phase).toBe('Failed');
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'PodFailed' });
    expect(cond(s, 'ContainersReady')).toEqual({ status: 'False', reason: 'PodFailed' });
  });

  it('a waiting reason is ignored for a container that will not be restarted', () => {
    const waiting = new Map([['main', { reason: 'CrashLoopBackOff', message: 'x' }]]);
    const s = generatePodStatus(input(pod({ restartPolicy: 'Never' }), rt([exited('main', 1)]), { waiting }));
    expect(cs(s, 'main').state?.terminated?.exitCode).toBe(1);
  });

  it('a created, not started container is waiting without a reason', () => {
    const s = generatePodStatus(input(pod({}), rt([ctr('main', { state: 'created', startedAt: 0 })])));
    expect(cs(s, 'main').state).toEqual({ waiting: {} });
    expect(s.phase).toBe('Pending');
  });
});

describe('generatePodStatus: several containers', () => {
  it('lists app container statuses sorted by name (upstream), with unready names in spec order', () => {
    const p = pod({ containers: [{ name: 'web', image: 'nginx' }, { name: 'app', image: 'busybox' }, { name: 'zz', image: 'redis' }] });
    const s = generatePodStatus(input(p, rt([ctr('zz')])));
    expect(s.containerStatuses?.map((c) => c.name)).toEqual(['app', 'web', 'zz']);
    expect(cond(s, 'ContainersReady')?.message).toBe('containers with unready status: [web app]');
    expect(s.phase).toBe('Pending');
  });

  it('readiness gates: Ready waits for the gate condition', () => {
    const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
    const s = generatePodStatus(input(p, rt([ctr('main')])));
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.' });
    const withGate = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] }, { conditions: [{ type: 'example.com/lb', status: 'False' }] });
    expect(cond(generatePodStatus(input(withGate, rt([ctr('main')]))), 'Ready')?.message).toBe('the status of pod readiness gate "example.com/lb" is not "True", but False');
    const passed = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] }, { conditions: [{ type: 'example.com/lb', status: 'True' }] });
    const s3 = generatePodStatus(input(passed, rt([ctr('main')])));
    expect(cond(s3, 'Ready')).toEqual({ status: 'True' });
    expect(s3.conditions?.[0]?.type).toBe('example.com/lb');
  });
});

describe('generatePodStatus: init containers', () => {
  const initSpec = {
    initContainers: [
      { name: 'init1', image: 'busybox' },
      { name: 'init2', image: 'busybox' },
    ],
  };

  it('first init container running: Pending, app containers PodInitializing', () => {
    const s = generatePodStatus(input(pod(initSpec), rt([ctr('init1')])));
    expect(s.phase).toBe('Pending');
    expect(cs(s, 'init1').state?.running).toBeDefined();
    expect(cs(s, 'init1').ready).toBe(false);
    expect(cs(s, 'init2').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(cs(s, 'main').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.map((c) => c.name)).toEqual(['init1', 'init2']);
    expect(cond(s, 'Initialized')).toEqual({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init1 init2]' });
  });

  it('all init containers done, app running: Running, Initialized, init statuses Completed and ready', () => {
    const s = generatePodStatus(input(pod(initSpec), rt([exited('init1', 0, { createdAt: T0 }), exited('init2', 0, { createdAt: T0 + 10 }), ctr('main', { createdAt: T0 + 20 })])));
    expect(s.phase).toBe('Running');
    expect(cond(s, 'Initialized')).toEqual({ status: 'True' });
    expect(cs(s, 'init1')).toMatchObject({ ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(cond(s, 'Ready')).toEqual({ status: 'True' });
  });

  it.each([
    { policy: 'Never', phase: 'Failed' },
    { policy: 'OnFailure', phase: 'Pending' },
    { policy: 'Always', phase: 'Pending' },
  ] as const)('failed init container with restartPolicy $policy: $phase', ({ policy, phase }) => {
    const s = generatePodStatus(input(pod({ ...initSpec, restartPolicy: policy }), rt([exited('init1', 1)])));
    expect(s.phase).toBe(phase);
  });

  it('init container in back-off keeps its last termination and the pod stays Pending', () => {
    const waiting = new Map([['init1', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=init1 pod=web_default(uid)' }]]);
    const s = generatePodStatus(input(pod(initSpec), rt([exited('init1', 1)]), { waiting }));
    expect(cs(s, 'init1').state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(cs(s, 'init1').lastState?.terminated?.exitCode).toBe(1);
    expect(s.phase).toBe('Pending');
  });

  it('removed init containers of an initialized pod are treated as completed', () => {
    const s = generatePodStatus(input(pod(initSpec), rt([ctr('main')])));
    expect(cs(s, 'init1').state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.phase).toBe('Running');
  });

  it('a sidecar (restartable init container) running and started lets the pod initialize', () => {
    const p = pod({ initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] });
    const s = generatePodStatus(input(p, rt([ctr('proxy', { createdAt: T0 }), ctr('main', { createdAt: T0 + 10 })])));
    expect(s.phase).toBe('Running');
    expect(cs(s, 'proxy')).toMatchObject({ started: true, ready: true });
    expect(cond(s, 'Initialized')).toEqual({ status: 'True' });
    expect(cond(s, 'ContainersReady')).toEqual({ status: 'True' });
  });
});

describe('generatePodStatus: carried over from the previous status', () => {
  const running = generatePodStatus(input(pod({}), rt([ctr('main')])));

  it('keeps startTime and unchanged condition times', () => {
    const later = new Date('2024-05-01T11:00:00Z');
    const s = generatePodStatus(input(pod({}, running), rt([ctr('main')]), { now: later }));
    expect(s.startTime).toBe('2024-05-01T10:00:30Z');
    expect(s.conditions?.every((c) => c.lastTransitionTime === '2024-05-01T10:00:30Z')).toBe(true);
    const notReady = generatePodStatus(input(pod({}, running), rt([exited('main', 1)]), { now: later }));
    expect(notReady.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2024-05-01T11:00:00Z');
    expect(notReady.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe('2024-05-01T10:00:30Z');
  });

  it('keeps PodScheduled time the scheduler set, and conditions others own', () => {
    const old: PodStatus = {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-05-01T09:59:59Z' },
        { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', lastTransitionTime: '2024-05-01T10:00:10Z' },
      ],
    };
    const s = generatePodStatus(input(pod({}, old), rt([ctr('main')])));
    expect(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe('2024-05-01T09:59:59Z');
    expect(s.conditions?.find((c) => c.type === 'DisruptionTarget')).toEqual(old.conditions?.[1]);
    expect(s.conditions?.filter((c) => c.type === 'PodScheduled')).toHaveLength(1);
  });

  it('a running container that vanished: lastState ContainerStatusUnknown and one more restart', () => {
    const s = generatePodStatus(input(pod({}, running), rt([])));
    const m = cs(s, 'main');
    expect(m.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(m.lastState?.terminated).toEqual({
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was deleted.  The container used to be Running',
    });
    expect(m.restartCount).toBe(1);
    expect(s.phase).toBe('Running');
  });

  it('keeps pod IPs once terminal and the sandbox is gone', () => {
    const done = generatePodStatus(input(pod({ restartPolicy: 'Never' }), rt([exited('main', 0)])));
    expect(done.podIP).toBe('10.244.0.5');
    const s = generatePodStatus(input(pod({ restartPolicy: 'Never' }, done), rt([exited('main', 0)], [])));
    expect(s.phase).toBe('Succeeded');
    expect(s.podIP).toBe('10.244.0.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.0.5' }]);
    const nonTerminal = generatePodStatus(input(pod({}, running), rt([], [])));
    expect(nonTerminal.podIP).toBeUndefined();
  });

  it('never leaves a terminal phase, and keeps its reason', () => {
    const failed: PodStatus = { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    const s = generatePodStatus(input(pod({}, failed), rt([ctr('main')])));
    expect(s.phase).toBe('Failed');
    expect(s.reason).toBe('Evicted');
    expect(s.message).toBe('The node was low on resource: memory.');
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'PodFailed' });
  });

  it('drops the reason when the phase changes', () => {
    const s = generatePodStatus(input(pod({}, { phase: 'Pending', reason: 'Something' }), rt([ctr('main')])));
    expect(s.phase).toBe('Running');
    expect(s.reason).toBeUndefined();
  });

  it('does not mutate its input', () => {
    const p = pod({}, running);
    const before = JSON.stringify(p);
    const r = rt([ctr('main')]);
    const rBefore = JSON.stringify(r);
    const s = generatePodStatus(input(p, r));
    s.containerStatuses![0]!.ready = false;
    s.conditions![0]!.status = 'Unknown';
    expect(JSON.stringify(p)).toBe(before);
    expect(JSON.stringify(r)).toBe(rBefore);
  });
});

describe('generatePodStatus: pod-level termination and networking', () => {
  it('admission rejection: Failed with the given reason and message', () => {
    const s = generatePodStatus(
      input(pod({}), rt([], []), { terminal: { phase: 'Failed', reason: 'OutOfcpu', message: 'Pod was rejected: Node didn\'t have enough resource: cpu, requested: 4000, used: 0, capacity: 2000' } }),
    );
    expect(s.phase).toBe('Failed');
    expect(s.reason).toBe('OutOfcpu');
    expect(s.message).toContain('Pod was rejected');
    expect(cond(s, 'Ready')).toEqual({ status: 'False', reason: 'PodFailed' });
  });

  it('eviction of a running pod: Failed/Evicted', () => {
    const s = generatePodStatus(input(pod({}), rt([exited('main', 137)]), { terminal: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }));
    expect(s).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
  });

  it('podIsTerminal makes stopped containers final even with restartPolicy Always', () => {
    const s = generatePodStatus(input(pod({}), rt([exited('main', 0)]), { terminal: { phase: 'Succeeded' } }));
    expect(s.phase).toBe('Succeeded');
    expect(s.reason).toBeUndefined();
  });

  it('hostNetwork pods take the host IPs', () => {
    const s = generatePodStatus(input(pod({ hostNetwork: true }), rt([ctr('main')], [sandbox({ network: { ip: '', additionalIps: [] } })]), { hostIPs: ['192.168.1.10', 'fd00::10'] }));
    expect(s.podIPs).toEqual([{ ip: '192.168.1.10' }, { ip: 'fd00::10' }]);
    expect(s.hostIPs).toEqual([{ ip: '192.168.1.10' }, { ip: 'fd00::10' }]);
    expect(cond(s, 'PodReadyToStartContainers')).toEqual({ status: 'True' });
  });

  it('dual-stack pod IPs are ordered by the node family', () => {
    const sb = sandbox({ network: { ip: 'fd00:10:244::5', additionalIps: ['10.244.0.5', '10.244.0.6'] } });
    const s = generatePodStatus(input(pod({}), rt([ctr('main')], [sb])));
    expect(s.podIPs).toEqual([{ ip: '10.244.0.5' }, { ip: 'fd00:10:244::5' }]);
    expect(s.podIP).toBe('10.244.0.5');
  });

  it.each<{ name: string; resources: Container['resources']; qos: string }>([
    { name: 'BestEffort', resources: undefined, qos: 'BestEffort' },
    { name: 'Burstable', resources: { requests: { cpu: '100m' } }, qos: 'Burstable' },
    { name: 'Guaranteed', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, qos: 'Guaranteed' },
  ])('qosClass $name', ({ resources, qos }) => {
    const s = generatePodStatus(input(pod({ containers: [{ name: 'main', image: 'nginx', ...(resources ? { resources } : {}) }] }), rt([])));
    expect(s.qosClass).toBe(qos);
  });
});

describe('podPhase', () => {
  const running = (name: string, started = true): ContainerStatus => ({ name, state: { running: { startedAt: '2024-05-01T10:00:00Z' } }, ready: true, restartCount: 0, image: 'x', imageID: '', started });
  const terminated = (name: string, exitCode: number): ContainerStatus => ({ name, state: { terminated: { exitCode, startedAt: '2024-05-01T10:00:00Z' } }, ready: false, restartCount: 0, image: 'x', imageID: '' });
  const waiting = (name: string, lastExit?: number): ContainerStatus => ({
    name,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit } } }),
    ready: false,
    restartCount: 1,
    image: 'x',
    imageID: '',
  });
  const two = { containers: [{ name: 'a' }, { name: 'b' }] };
  const sidecar = { initContainers: [{ name: 's', restartPolicy: 'Always' }], containers: [{ name: 'a' }] };

  it.each([
    { name: 'no statuses', spec: two, cs: [], ics: [], terminal: false, phase: 'Pending' },
    { name: 'one running, one unknown', spec: two, cs: [running('a')], ics: [], terminal: false, phase: 'Pending' },
    { name: 'both running', spec: two, cs: [running('a'), running('b')], ics: [], terminal: false, phase: 'Running' },
    { name: 'one running one waiting', spec: two, cs: [running('a'), waiting('b')], ics: [], terminal: false, phase: 'Pending' },
    { name: 'one running one restarting', spec: two, cs: [running('a'), waiting('b', 1)], ics: [], terminal: false, phase: 'Running' },
    { name: 'Never: one ok one failed', spec: { ...two, restartPolicy: 'Never' }, cs: [terminated('a', 0), terminated('b', 1)], ics: [], terminal: false, phase: 'Failed' },
    { name: 'Never: one running one failed', spec: { ...two, restartPolicy: 'Never' }, cs: [running('a'), terminated('b', 1)], ics: [], terminal: false, phase: 'Running' },
    { name: 'OnFailure: both succeeded', spec: { ...two, restartPolicy: 'OnFailure' }, cs: [terminated('a', 0), terminated('b', 0)], ics: [], terminal: false, phase: 'Succeeded' },
    { name: 'Always terminal: failed', spec: two, cs: [terminated('a', 0), terminated('b', 1)], ics: [], terminal: true, phase: 'Failed' },
    { name: 'Always not terminal', spec: two, cs: [terminated('a', 0), terminated('b', 1)], ics: [], terminal: false, phase: 'Running' },
    { name: 'sidecar not started yet', spec: sidecar, cs: [waiting('a')], ics: [running('s', false)], terminal: false, phase: 'Pending' },
    { name: 'sidecar started, app running', spec: sidecar, cs: [running('a')], ics: [running('s')], terminal: false, phase: 'Running' },
    { name: 'sidecar restarting after app started', spec: sidecar, cs: [running('a')], ics: [waiting('s', 1)], terminal: false, phase: 'Running' },
    { name: 'Never: app done, sidecar still running', spec: { ...sidecar, restartPolicy: 'Never' }, cs: [terminated('a', 0)], ics: [running('s')], terminal: false, phase: 'Running' },
    { name: 'Never: app done, sidecar stopped', spec: { ...sidecar, restartPolicy: 'Never' }, cs: [terminated('a', 0)], ics: [terminated('s', 143)], terminal: false, phase: 'Succeeded' },
    { name: 'init failed, Never', spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }], restartPolicy: 'Never' }, cs: [], ics: [terminated('i', 1)], terminal: false, phase: 'Failed' },
    { name: 'init back-off, Always', spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] }, cs: [], ics: [waiting('i', 1)], terminal: false, phase: 'Pending' },
  ])('$name → $phase', ({ spec, cs: c, ics, terminal, phase }) => {
    expect(podPhase(spec as Pod['spec'] & object, c, ics, terminal)).toBe(phase);
  });
});

describe('statusEqual and mergeConditionTimes', () => {
  const base = generatePodStatus(input(pod({}), rt([ctr('main')])));

  it.each([
    { name: 'identical', change: (s: PodStatus) => s, equal: true },
    { name: 'transition and probe times only', change: (s: PodStatus) => ({ ...s, conditions: s.conditions?.map((c) => ({ ...c, lastTransitionTime: '2030-01-01T00:00:00Z', lastProbeTime: '2030-01-01T00:00:00Z' })) }), equal: true },
    { name: 'a condition status', change: (s: PodStatus) => ({ ...s, conditions: s.conditions?.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)) }), equal: false },
    { name: 'a condition message', change: (s: PodStatus) => ({ ...s, conditions: s.conditions?.map((c) => (c.type === 'Ready' ? { ...c, message: 'm' } : c)) }), equal: false },
    { name: 'a condition the kubelet does not own', change: (s: PodStatus) => ({ ...s, conditions: [...(s.conditions ?? []), { type: 'example.com/x', status: 'True' }] }), equal: true },
    { name: 'the phase', change: (s: PodStatus) => ({ ...s, phase: 'Failed' }), equal: false },
    { name: 'a container ready flag', change: (s: PodStatus) => ({ ...s, containerStatuses: s.containerStatuses?.map((c) => ({ ...c, ready: false })) }), equal: false },
    { name: 'empty lastState vs absent', change: (s: PodStatus) => ({ ...s, containerStatuses: s.containerStatuses?.map(({ lastState: _l, ...c }) => c) }), equal: true },
    { name: 'podIP', change: (s: PodStatus) => ({ ...s, podIP: '10.0.0.1' }), equal: false },
  ])('statusEqual: $name → $equal', ({ change, equal }) => {
    expect(statusEqual(base, change(structuredClone(base)))).toBe(equal);
  });

  it('statusEqual: nothing written yet is never equal', () => {
    expect(statusEqual(undefined, base)).toBe(false);
  });

  it('mergeConditionTimes keeps times of unchanged conditions only, without mutating', () => {
    const old: PodStatus = {
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' },
        { type: 'Initialized', status: 'False', lastTransitionTime: '2024-01-01T00:00:00Z' },
      ],
    };
    const next: PodStatus = {
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2024-06-01T00:00:00Z' },
        { type: 'Initialized', status: 'True', lastTransitionTime: '2024-06-01T00:00:00Z' },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-06-01T00:00:00Z' },
      ],
    };
    const nextBefore = JSON.stringify(next);
    const out = mergeConditionTimes(old, next);
    expect(out.conditions?.map((c) => c.lastTransitionTime)).toEqual(['2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', '2024-06-01T00:00:00Z']);
    expect(JSON.stringify(next)).toBe(nextBefore);
    expect(mergeConditionTimes(undefined, next)).toEqual(next);
  });
});

// The kubelet's pod status generation: the v1 PodStatus it reports from the runtime's view of a pod (upstream generateAPIPodStatus and friends).
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodSpec,
  PodStatus,
} from 'kubernetes-types/core/v1.js';
import type { RuntimeContainerStatus, RuntimePodStatus } from './container.js';
import { podQOSClass } from './resources.js';

/** A pod's phase. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/**
 * Why a container is not running, from the kubelet's last sync (upstream reasonCache): e.g. { reason:
 * 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=main pod=web_default(uid)' },
 * 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerError', 'PodInitializing', 'ContainerCreating'.
 */
export interface ContainerWaitingReason {
  reason: string;
  message: string;
}

/** Everything generatePodStatus needs. */
export interface StatusInput {
  /** The API pod (spec + its current status, i.e. the status manager's last status or the API's). */
  pod: Pod;
  /** May be empty (nothing created yet). */
  runtime: RuntimePodStatus;
  hostIP: string;
  /** Default: [hostIP]. */
  hostIPs?: string[];
  /** By container name; applied only to a container the kubelet would (re)start, as upstream does. */
  waiting: ReadonlyMap<string, ContainerWaitingReason>;
  /**
   * Readiness by container name from probes; undefined = no probe result, i.e. ready iff running and the
   * container has no readinessProbe; a container with a readinessProbe and no result is not ready.
   */
  readiness?: ReadonlyMap<string, boolean>;
  /**
   * Startup probe results by container name; undefined = no result, i.e. started iff running and the container
   * has no startupProbe. A container that has not started is never ready.
   */
  startup?: ReadonlyMap<string, boolean>;
  /**
   * Pod-level rejection or termination (admission failure: phase Failed with reason/message; eviction ...).
   * The phase, reason and message given win over the computed ones (upstream: a pod sync handler's eviction).
   * The caller composes the message as upstream does (e.g. `Pod was rejected: ...`).
   */
  terminal?: { phase: 'Failed' | 'Succeeded'; reason?: string; message?: string };
  /** Prefix of containerIDs (`<runtimeName>://<id>`); default 'containerd'. */
  runtimeName?: string;
  now: Date;
}

/** Condition types the kubelet owns (upstream kubetypes.PodConditionByKubelet). */
const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);
/** Conditions the kubelet shares with others (upstream PodConditionSharedByKubelet). */
const SHARED_CONDITIONS = new Set(['DisruptionTarget']);

const CONTAINER_CREATING = 'ContainerCreating';
const POD_INITIALIZING = 'PodInitializing';
const STATUS_UNKNOWN = 'ContainerStatusUnknown';

/** metav1.Time as the API writes it: RFC 3339 in UTC, whole seconds. */
function apiTime(ms: number | Date): string {
  const d = typeof ms === 'number' ? new Date(ms) : ms;
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

function findStatus(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Go's `%s` of a []string: `[a b]`. */
function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

/** Upstream kubecontainer.HasAnyRegularContainerStarted: a regular container is running or terminated after having started. */
function anyRegularContainerStarted(spec: PodSpec, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set((spec.containers ?? []).map((c) => c.name));
  return statuses.some(
    (s) => names.has(s.name) && (Boolean(s.state?.running?.startedAt) || Boolean(s.state?.terminated?.startedAt)),
  );
}

/**
 * Upstream getPhase (with init containers, restartable "sidecar" init containers and restartPolicy).
 * `podIsTerminal`: the kubelet decided the pod will run no more (its containers will not be restarted whatever
 * the restartPolicy), so stopped containers yield Succeeded/Failed. Static pods are not distinguished here.
 */
export function podPhase(spec: PodSpec, containerStatuses: ContainerStatus[], initStatuses: ContainerStatus[], podIsTerminal: boolean): PodPhase {
  const info = [...containerStatuses, ...initStatuses];
  let pendingRestartableInit = 0;
  let pendingRegularInit = 0;
  let failedInitialization = 0;
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInit(c)) continue;
    const s = findStatus(info, c.name);
    if (!s) {
      pendingRegularInit++;
      continue;
    }
    if (s.state?.running) pendingRegularInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      const last = s.lastState?.terminated;
      if (last) {
        if (last.exitCode !== 0) failedInitialization++;
      } else pendingRegularInit++;
    } else pendingRegularInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = findStatus(info, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) {
      if (s.started !== true) pendingRestartableInit++;
      running++;
    } else if (s.state?.terminated) {
      // a stopped sidecar does not count towards the phase
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingRestartableInit++;
        waiting++;
      }
    } else {
      pendingRestartableInit++;
      unknown++;
    }
  }
  for (const c of spec.containers ?? []) {
    const s = findStatus(info, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';

  if (pendingRegularInit > 0 || (pendingRestartableInit > 0 && !anyRegularContainerStarted(spec, info))) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Upstream kubecontainer.ShouldContainerBeRestarted against the newest runtime instance. */
function shouldRestart(c: Container, pod: Pod, newest: RuntimeContainerStatus | undefined, isInit: boolean): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (!newest) return true;
  if (newest.state === 'running') return false;
  if (newest.state === 'unknown' || newest.state === 'created') return true;
  const policy = isInit && isRestartableInit(c) ? 'Always' : (pod.spec?.restartPolicy ?? 'Always');
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && newest.exitCode === 0) return false;
  return true;
}

interface ConvertContext {
  pod: Pod;
  runtime: RuntimePodStatus;
  waiting: ReadonlyMap<string, ContainerWaitingReason>;
  runtimeName: string;
  hasInitContainers: boolean;
}

/** Upstream convertToAPIContainerStatuses for one list (regular or init containers). */
function convertStatuses(ctx: ConvertContext, containers: readonly Container[], previous: readonly ContainerStatus[] | undefined, isInit: boolean): ContainerStatus[] {
  const { pod, runtime } = ctx;
  const specImage = new Map(containers.map((c) => [c.name, c.image ?? '']));
  const old = new Map((previous ?? []).map((s) => [s.name, s]));
  const defaultReason = ctx.hasInitContainers ? POD_INITIALIZING : CONTAINER_CREATING;
  const statuses = new Map<string, ContainerStatus>();

  for (const c of containers) {
    let status: ContainerStatus = { name: c.name, state: { waiting: { reason: defaultReason } }, lastState: {}, ready: false, restartCount: 0, image: c.image ?? '', imageID: '', started: false };
    const o = old.get(c.name);
    if (o) {
      if (o.state?.terminated) status = clone(o);
      else {
        status.restartCount = o.restartCount;
        if (o.lastState) status.lastState = clone(o.lastState);
      }
    }
    statuses.set(c.name, status);
  }

  // A container that was running and has vanished from the runtime terminated with an unknown status.
  for (const c of containers) {
    if (runtime.containers.some((rc) => rc.name === c.name)) continue;
    const o = old.get(c.name);
    if (!o || o.state?.terminated || !o.state?.running) continue;
    const status = statuses.get(c.name)!;
    if (status.state?.waiting?.reason !== defaultReason) continue;
    if (status.lastState?.terminated) continue;
    status.lastState = {
      terminated: {
        exitCode: 137,
        reason: STATUS_UNKNOWN,
        message: 'The container could not be located when the pod was deleted.  The container used to be Running',
      },
    };
    if (!pod.metadata?.deletionTimestamp) status.restartCount += 1;
  }

  // The newest instance gives the state, the one before it the last state.
  const byAge = [...runtime.containers].sort((a, b) => b.createdAt - a.createdAt);
  const seen = new Map<string, number>();
  for (const rc of byAge) {
    if (!statuses.has(rc.name)) continue;
    const n = seen.get(rc.name) ?? 0;
    if (n >= 2) continue;
    const converted = convertOne(ctx, rc, old.get(rc.name), specImage.get(rc.name) ?? '');
    if (n === 0) statuses.set(rc.name, converted);
    else statuses.get(rc.name)!.lastState = converted.state ?? {};
    seen.set(rc.name, n + 1);
  }

  // Containers that will be (re)started show why they are waiting.
  const anyRegularCreated = (pod.spec?.containers ?? []).some((c) => {
    const s = runtime.containers.find((rc) => rc.name === c.name);
    return s !== undefined && s.state !== 'unknown';
  });
  for (const c of containers) {
    const newest = runtime.containers.find((rc) => rc.name === c.name);
    const status = statuses.get(c.name)!;
    if (isInit) {
      if (newest && newest.state === 'exited' && newest.exitCode === 0) continue;
      if (!newest && anyRegularCreated && !isRestartableInit(c) && status.state?.waiting) {
        status.state = {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            message: 'Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally',
          },
        };
        continue;
      }
    }
    if (!shouldRestart(c, pod, newest, isInit)) continue;
    const reason = ctx.waiting.get(c.name);
    if (!reason) continue;
    if (status.state?.terminated) status.lastState = status.state;
    status.state = { waiting: reason.message ? { reason: reason.reason, message: reason.message } : { reason: reason.reason } };
  }

  const out = containers.map((c) => statuses.get(c.name)!);
  // Upstream keeps init containers in spec order and sorts the others by name.
  if (!isInit) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Upstream convertContainerStatus: one runtime instance as an API container status. */
function convertOne(ctx: ConvertContext, rc: RuntimeContainerStatus, old: ContainerStatus | undefined, image: string): ContainerStatus {
  const containerID = `${ctx.runtimeName}://${rc.id}`;
  let restartCount = rc.restartCount;
  let state: ContainerState;
  switch (rc.state) {
    case 'running':
      state = { running: rc.startedAt ? { startedAt: apiTime(rc.startedAt) } : {} };
      break;
    case 'created':
      state = { waiting: {} };
      break;
    case 'exited':
      state = {
        terminated: {
          exitCode: rc.exitCode,
          ...(rc.reason ? { reason: rc.reason } : {}),
          ...(rc.message ? { message: rc.message } : {}),
          ...(rc.startedAt ? { startedAt: apiTime(rc.startedAt) } : {}),
          ...(rc.finishedAt ? { finishedAt: apiTime(rc.finishedAt) } : {}),
          containerID,
        },
      };
      break;
    default:
      if (old?.state?.running) {
        state = { terminated: { exitCode: 137, reason: STATUS_UNKNOWN, message: 'The container could not be located when the pod was terminated' } };
        restartCount = old.restartCount + 1;
      } else state = { waiting: {} };
  }
  return { name: rc.name, state, lastState: {}, ready: false, restartCount, image, imageID: rc.imageRef, containerID, started: false };
}

/** Upstream prober manager UpdatePodStatus: `started` and `ready` of each container. */
function applyProbes(spec: PodSpec, statuses: ContainerStatus[], initStatuses: ContainerStatus[], readiness: ReadonlyMap<string, boolean> | undefined, startup: ReadonlyMap<string, boolean> | undefined): void {
  const specOf = new Map<string, Container>();
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) specOf.set(c.name, c);
  const started = (s: ContainerStatus): boolean => {
    if (!s.state?.running) return false;
    const r = startup?.get(s.name);
    if (r !== undefined) return r;
    return !specOf.get(s.name)?.startupProbe;
  };
  const ready = (s: ContainerStatus): boolean => {
    if (!s.state?.running) return false;
    const r = readiness?.get(s.name);
    if (r !== undefined) return r;
    return !specOf.get(s.name)?.readinessProbe;
  };
  for (const s of statuses) {
    s.started = started(s);
    s.ready = s.started ? ready(s) : false;
  }
  for (const s of initStatuses) {
    s.started = started(s);
    const c = specOf.get(s.name);
    if (!c) continue;
    if (!isRestartableInit(c)) {
      s.ready = s.state?.terminated?.exitCode === 0;
      continue;
    }
    s.ready = s.started ? ready(s) : false;
  }
}

function containersReadyCondition(spec: PodSpec, all: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: Container): void => {
    const s = findStatus(all, c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) check(c);
  for (const c of spec.containers ?? []) check(c);
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(spec: PodSpec, conditions: readonly PodCondition[], all: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const cr = containersReadyCondition(spec, all, phase);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const msgs: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(spec: PodSpec, all: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = findStatus(all, c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    const done = isRestartableInit(c) ? s.started === true : s.ready;
    if (!done) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (anyRegularContainerStarted(spec, all)) return { type: 'Initialized', status: 'True' };
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: msgs.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** Upstream PodSandboxChanged inverted: a single ready newest sandbox with an IP (unless hostNetwork). */
function readyToStartContainersCondition(pod: Pod, runtime: RuntimePodStatus): PodCondition {
  const sandboxes = [...runtime.sandboxes].sort((a, b) => b.createdAt - a.createdAt);
  const newest = sandboxes[0];
  const ok =
    newest !== undefined &&
    sandboxes.filter((s) => s.state === 'SANDBOX_READY').length <= 1 &&
    newest.state === 'SANDBOX_READY' &&
    (pod.spec?.hostNetwork === true || newest.network.ip !== '');
  return { type: 'PodReadyToStartContainers', status: ok ? 'True' : 'False' };
}

function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/** Upstream sortPodIPs: the first IP of the node's family, then the first of the other family. */
function sortPodIPs(all: readonly string[], hostIP: string): string[] {
  const ips = all.filter((ip) => ip !== '');
  const primaryV6 = hostIP !== '' && isIPv6(hostIP);
  const out: string[] = [];
  const p = ips.find((ip) => isIPv6(ip) === primaryV6);
  if (p !== undefined) out.push(p);
  const s = ips.find((ip) => isIPv6(ip) !== primaryV6);
  if (s !== undefined) out.push(s);
  return out;
}

function isTerminalPhase(p: string | undefined): boolean {
  return p === 'Failed' || p === 'Succeeded';
}

/**
 * The full v1 PodStatus the kubelet should report (upstream generateAPIPodStatus plus what the status manager
 * adds: startTime kept once set, lastTransitionTime kept for conditions whose status did not change, terminal
 * phases never left, Ready/ContainersReady False once terminal). Pure; never mutates its input.
 */
export function generatePodStatus(input: StatusInput): PodStatus {
  const { pod, runtime } = input;
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const old: PodStatus = pod.status ?? {};
  const nowStr = apiTime(input.now);
  const ctx: ConvertContext = {
    pod,
    runtime,
    waiting: input.waiting,
    runtimeName: input.runtimeName ?? 'containerd',
    hasInitContainers: (spec.initContainers ?? []).length > 0,
  };
  const containerStatuses = convertStatuses(ctx, spec.containers ?? [], old.containerStatuses, false);
  const initContainerStatuses = convertStatuses(ctx, spec.initContainers ?? [], old.initContainerStatuses, true);

  let phase = podPhase(spec, containerStatuses, initContainerStatuses, input.terminal !== undefined);
  if (!isTerminalPhase(phase) && isTerminalPhase(old.phase)) phase = old.phase as PodPhase;
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === old.phase) {
    reason = old.reason;
    message = old.message;
  }
  if (input.terminal) {
    phase = input.terminal.phase;
    if (input.terminal.reason !== undefined) reason = input.terminal.reason;
    if (input.terminal.message !== undefined) message = input.terminal.message;
  }
  if (isTerminalPhase(old.phase) && phase !== old.phase) phase = old.phase as PodPhase;

  applyProbes(spec, containerStatuses, initContainerStatuses, input.readiness, input.startup);

  const conditions: PodCondition[] = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)).map(clone);
  const all = [...initContainerStatuses, ...containerStatuses];
  conditions.push(readyToStartContainersCondition(pod, runtime));
  conditions.push(initializedCondition(spec, all, phase));
  conditions.push(readyCondition(spec, conditions, all, phase));
  conditions.push(containersReadyCondition(spec, all, phase));
  conditions.push({ type: 'PodScheduled', status: 'True' });
  if (isTerminalPhase(phase)) {
    const why = phase === 'Failed' ? 'PodFailed' : 'PodCompleted';
    for (const c of conditions) {
      if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True') {
        c.status = 'False';
        c.reason = why;
        delete c.message;
      }
    }
  }
  for (const c of conditions) {
    if (KUBELET_CONDITIONS.has(c.type)) c.lastTransitionTime = nowStr;
  }

  const hostIPs = input.hostIPs && input.hostIPs.length > 0 ? input.hostIPs : input.hostIP ? [input.hostIP] : [];
  const hostIP = hostIPs[0] ?? '';
  let podIPs = sortPodIPs(runtime.ips, hostIP);
  if (podIPs.length === 0 && spec.hostNetwork === true) podIPs = hostIPs.slice(0, 2);
  if (podIPs.length === 0 && (isTerminalPhase(phase) || pod.metadata?.deletionTimestamp) && (old.podIPs?.length || old.podIP)) {
    podIPs = old.podIPs?.length ? old.podIPs.map((p) => p.ip ?? '') : [old.podIP ?? ''];
  }

  const status: PodStatus = {
    phase,
    conditions,
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    ...(old.nominatedNodeName ? { nominatedNodeName: old.nominatedNodeName } : {}),
    ...(hostIP ? { hostIP, hostIPs: hostIPs.map((ip) => ({ ip })) } : {}),
    ...(podIPs.length ? { podIP: podIPs[0], podIPs: podIPs.map((ip) => ({ ip })) } : {}),
    startTime: old.startTime ?? nowStr,
    ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
    containerStatuses,
    qosClass: podQOSClass(pod),
    ...(old.resourceClaimStatuses ? { resourceClaimStatuses: clone(old.resourceClaimStatuses) } : {}),
  };
  return mergeConditionTimes(pod.status, status);
}

/** Drops what the API does not tell apart from absence: undefined, null, empty arrays, empty objects. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) {
    const a = v.map(normalize);
    return a.length ? a : undefined;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v ?? undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/**
 * Whether two statuses agree in everything the kubelet writes (upstream isPodStatusByKubeletEqual): the
 * kubelet-owned and shared conditions by type, status, reason and message (lastProbeTime and lastTransitionTime
 * ignored; other conditions ignored), everything else by value with absent, empty and null alike. `a`
 * undefined (nothing written yet) is never equal.
 */
export function statusEqual(a: PodStatus | undefined, b: PodStatus): boolean {
  if (!a) return false;
  const owned = (s: PodStatus): Map<string, PodCondition> =>
    new Map((s.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type) || SHARED_CONDITIONS.has(c.type)).map((c) => [c.type, c]));
  const ca = owned(a);
  const cb = owned(b);
  if (ca.size !== cb.size) return false;
  for (const [type, c] of cb) {
    const o = ca.get(type);
    if (!o || o.status !== c.status || (o.reason ?? '') !== (c.reason ?? '') || (o.message ?? '') !== (c.message ?? '')) return false;
  }
  return deepEqual({ ...a, conditions: undefined }, { ...b, conditions: undefined });
}

/**
 * Keeps lastTransitionTime (and lastProbeTime) of conditions whose status did not change from `old` (the status
 * manager does this); a condition whose status changed, or that is new, keeps the time `next` gives it. Returns a
 * new status; neither argument is mutated.
 */
export function mergeConditionTimes(old: PodStatus | undefined, next: PodStatus): PodStatus {
  const out = clone(next);
  if (!out.conditions) return out;
  for (const c of out.conditions) {
    const o = old?.conditions?.find((x) => x.type === c.type);
    if (o && o.status === c.status) {
      if (o.lastTransitionTime !== undefined) c.lastTransitionTime = o.lastTransitionTime;
      if (o.lastProbeTime !== undefined) c.lastProbeTime = o.lastProbeTime;
    }
  }
  return out;
}

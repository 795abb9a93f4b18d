// The kubelet of one node: registration, lease, node status, and the pod sync loop over a RuntimeService.
import { createHash } from 'node:crypto';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Container as PodContainer, Node, NodeStatus, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict, isNotFound, type EventRecorder, type RestClient } from '../client/index.js';
import { admitPod } from './admission.js';
import { Backoff } from './backoff.js';
import { getRuntimePodStatus, newestContainer, type RuntimePodStatus } from './container.js';
import { nodeStatus, nodeStatusChanged, initialNode, defaultNodeLabels, type NodeFacts, type NodeHealth } from './nodestatus.js';
import { PodWorkers } from './podworkers.js';
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  RuntimeError,
  type ContainerConfig,
  type ImageService,
  type PodSandboxConfig,
  type RuntimeService,
} from './runtime/types.js';
import { generatePodStatus, mergeConditionTimes, statusEqual, type ContainerWaitingReason } from './status.js';

/** How a kubelet runs; durations in milliseconds. Defaults are upstream's. */
export interface KubeletOptions {
  readonly client: RestClient;
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  /** The containerID scheme (`containerd`, `simulated`). */
  readonly runtimeName: string;
  readonly facts: NodeFacts;
  readonly recorder?: EventRecorder;
  /** Where container logs go (`<dir>/<ns>_<name>_<uid>/`). Default /var/log/pods. */
  readonly podLogDir?: string;
  /** Periodic re-sync of every pod. Default 60 s (upstream --sync-frequency 1m). */
  readonly syncFrequencyMs?: number;
  /** Runtime relist (PLEG). Default 1 s. */
  readonly plegPeriodMs?: number;
  /** How often the node status is computed; written when changed. Default 10 s. */
  readonly nodeStatusUpdateMs?: number;
  /** The node status is written at least this often. Default 5 min. */
  readonly nodeStatusReportMs?: number;
  /** Lease duration. Default 40 s; renewed every quarter of it (10 s). */
  readonly leaseDurationSeconds?: number;
  /** Container restart back-off. Default 10 s doubling to 5 min. */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** One-line log sink. Default stderr. */
  readonly log?: (line: string) => void;
}

const NODE_LEASE_NS = 'kube-node-lease';

/** Why a pod the kubelet will not run was refused (admission) — it stays Failed. */
interface Rejection {
  readonly reason: string;
  readonly message: string;
}

/** The kubelet's memory of one pod. */
interface PodRecord {
  pod: Pod;
  admitted: boolean;
  rejection?: Rejection;
  waiting: Map<string, ContainerWaitingReason>;
  /** The status last written (or read back), to write only on change. */
  lastStatus?: PodStatus;
  /** Set once the final delete was issued. */
  finished?: boolean;
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Upstream's hash of a container spec (restart when it changes): any stable digest of the spec serves. */
export function containerHash(c: PodContainer): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 8);
}

/**
 * One node's kubelet. The owner (a `KubeletGroup`) feeds it its pods (`podUpdated`/`podDeleted`) and its Node
 * (`nodeUpdated`) from shared informers, then calls `start`. Heartbeats (lease, node status) run on their own
 * timers and never wait for pod work. Pod work is serialised per pod by PodWorkers; different pods sync
 * concurrently. `stop` stops the loops and waits for running syncs; it leaves containers running (a restarted
 * kubelet adopts them), as upstream does.
 */
export class Kubelet {
  readonly nodeName: string;
  private readonly pods = new Map<string, PodRecord>();
  private readonly workers: PodWorkers;
  private readonly backoff: Backoff;
  private readonly timers: NodeJS.Timeout[] = [];
  private node: Node | undefined;
  private nodeUid = '';
  private lease: Lease | undefined;
  private lastStatusWrite = 0;
  private lastReportedStatus: NodeStatus | undefined;
  private podCidr = '';
  private plegSeen = new Map<string, string>();
  private registered = false;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: KubeletOptions) {
    this.nodeName = opts.facts.nodeName;
    this.log = opts.log ?? ((l) => process.stderr.write(`kubelet ${this.nodeName}: ${l}\n`));
    this.backoff = new Backoff(opts.backoffInitialMs ?? 10_000, opts.backoffMaxMs ?? 300_000);
    this.workers = new PodWorkers((uid) => this.syncPod(uid), {
      retryMs: 2000,
      onError: (uid, err) => this.log(`sync pod ${this.pods.get(uid) ? podKey(this.pods.get(uid)!.pod) : uid}: ${errMessage(err)}`),
    });
  }

  /** Whether the node is registered and the lease written. */
  get ready(): boolean {
    return this.registered;
  }

  /**
   * Registers the node (create, or adopt an existing Node of the same name), writes the lease, and starts the
   * heartbeat, PLEG and resync loops. Resolves once registered; retries registration until `signal` aborts.
   * Call after the pod informer has synced, so that housekeeping does not remove containers of pods it has not
   * seen yet.
   */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.register();
        break;
      } catch (err) {
        this.log(`unable to register node with the API server: ${errMessage(err)}`);
        await sleep(2000, signal);
      }
    }
    if (signal.aborted) return;
    await this.renewLease().catch((err) => this.log(`failed to update lease: ${errMessage(err)}`));
    this.registered = true;
    const jitter = (ms: number) => Math.floor(ms * (1 + Math.random() * 0.1));
    const every = (ms: number, f: () => Promise<void>) => {
      let busy = false;
      const t = setInterval(() => {
        if (busy || this.stopped) return;
        busy = true;
        void f()
          .catch((err) => this.log(errMessage(err)))
          .finally(() => (busy = false));
      }, jitter(ms));
      t.unref?.();
      this.timers.push(t);
    };
    const leaseMs = ((this.opts.leaseDurationSeconds ?? 40) * 1000) / 4;
    every(leaseMs, () => this.renewLease());
    every(this.opts.nodeStatusUpdateMs ?? 10_000, () => this.syncNodeStatus(false));
    every(this.opts.plegPeriodMs ?? 1000, () => this.relist());
    every(this.opts.syncFrequencyMs ?? 60_000, async () => {
      for (const uid of this.pods.keys()) this.workers.update(uid);
      this.backoff.gc();
    });
    for (const uid of this.pods.keys()) this.workers.update(uid);
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** Stops every loop and waits for running pod syncs. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.workers.close();
  }

  /** A pod bound to this node was added or changed (from the informer). */
  podUpdated(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const rec = this.pods.get(uid);
    if (rec) rec.pod = pod;
    else this.pods.set(uid, { pod, admitted: false, waiting: new Map() });
    if (this.registered) this.workers.update(uid);
  }

  /** A pod bound to this node is gone from the API: its containers are killed and removed. */
  podDeleted(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.pods.delete(uid);
    if (this.registered) this.workers.update(uid);
  }

  /** This node's object changed (labels, taints, podCIDR ...). */
  nodeUpdated(node: Node): void {
    this.node = node;
    const cidr = node.spec?.podCIDR ?? '';
    if (cidr && cidr !== this.podCidr) {
      this.podCidr = cidr;
      this.opts.runtime.updateRuntimeConfig({ podCidr: cidr }).catch((err) => this.log(`update runtime config: ${errMessage(err)}`));
    }
  }

  // ------------------------------------------------------------------------------------------------ node

  private async health(): Promise<NodeHealth> {
    try {
      const st = await this.opts.runtime.status();
      const down = st.conditions.filter((c) => !c.status);
      if (down.length === 0) return { runtimeReady: true };
      return { runtimeReady: false, runtimeMessage: down.map((c) => `container runtime ${c.type === 'NetworkReady' ? 'network' : ''} not ready: ${c.type}=false reason:${c.reason} message:${c.message}`).join(', ') };
    } catch (err) {
      return { runtimeReady: false, runtimeMessage: `container runtime is down: ${errMessage(err)}` };
    }
  }

  private async imagesForStatus(): Promise<{ names: string[]; sizeBytes: number }[]> {
    const list = await this.opts.images.listImages().catch(() => []);
    return list
      .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }))
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, 50);
  }

  private async register(): Promise<void> {
    const nodes = this.opts.client.resource<Node>('nodes');
    const status = nodeStatus(this.opts.facts, await this.health(), undefined, await this.imagesForStatus(), new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    try {
      const created = await nodes.create(initialNode(this.opts.facts, status));
      this.setNode(created);
      // The create carried the full status: the next write is due on change or at the report interval.
      this.lastReportedStatus = status;
      this.lastStatusWrite = Date.now();
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // A restart re-registers the same node: keep its object, refresh the labels the kubelet owns.
      const existing = await nodes.get(this.nodeName);
      const want = defaultNodeLabels(this.opts.facts);
      const labels = existing.metadata?.labels ?? {};
      const stale = Object.entries(want).filter(([k, v]) => labels[k] !== v);
      let node = existing;
      if (stale.length > 0) node = await nodes.patch(this.nodeName, { metadata: { labels: Object.fromEntries(stale) } }, 'merge');
      this.setNode(node);
      this.log(`node ${this.nodeName} was previously registered`);
    }
    this.lastReportedStatus = undefined;
    await this.syncNodeStatus(true);
  }

  private setNode(node: Node): void {
    this.nodeUid = node.metadata?.uid ?? this.nodeUid;
    this.nodeUpdated(node);
  }

  /** Computes the node status; writes it when it changed, when `force`, or when the report interval passed. */
  private async syncNodeStatus(force: boolean): Promise<void> {
    if (this.stopped) return;
    const now = new Date();
    // Compared with the API's copy (as upstream's tryUpdateNodeStatus): when the node lifecycle controller marked
    // the node Unknown, the kubelet's next check sees the difference and reports Ready again.
    const prev = this.node?.status ?? this.lastReportedStatus;
    const next = nodeStatus(this.opts.facts, await this.health(), prev, await this.imagesForStatus(), now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const due = now.getTime() - this.lastStatusWrite >= (this.opts.nodeStatusReportMs ?? 300_000);
    if (!force && !due && !nodeStatusChanged(prev, next)) return;
    const node = await this.opts.client
      .resource<Node>('nodes')
      .patch(this.nodeName, { status: next }, 'strategic', { subresource: 'status' });
    this.lastStatusWrite = now.getTime();
    this.lastReportedStatus = next;
    this.setNode(node);
  }

  private async renewLease(): Promise<void> {
    if (this.stopped) return;
    const leases = this.opts.client.resource<Lease>('leases');
    const spec = {
      holderIdentity: this.nodeName,
      leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40,
      renewTime: microTime(),
    };
    if (this.lease) {
      try {
        this.lease = await leases.update({ ...this.lease, spec: { ...this.lease.spec, ...spec } });
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.lease = undefined;
      }
    }
    try {
      const cur = await leases.get(this.nodeName, { namespace: NODE_LEASE_NS });
      this.lease = await leases.update({ ...cur, spec: { ...cur.spec, ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.lease = await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: NODE_LEASE_NS,
          ...(this.nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }] } : {}),
        },
        spec,
      });
    }
  }

  // ------------------------------------------------------------------------------------------------ PLEG

  /** Lists the runtime and wakes the worker of every pod whose sandboxes or containers changed state. */
  private async relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.opts.runtime.listPodSandbox(), this.opts.runtime.listContainers()]);
    const sig = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels[LABEL_POD_UID] ?? s.metadata.uid;
      (sig.get(uid) ?? sig.set(uid, []).get(uid)!).push(`s${s.id}:${s.state}`);
    }
    for (const c of containers) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid) continue;
      (sig.get(uid) ?? sig.set(uid, []).get(uid)!).push(`c${c.id}:${c.state}`);
    }
    const next = new Map<string, string>();
    for (const [uid, parts] of sig) {
      const s = parts.sort().join(',');
      next.set(uid, s);
      if (this.plegSeen.get(uid) !== s) this.workers.update(uid);
    }
    for (const uid of this.plegSeen.keys()) if (!next.has(uid)) this.workers.update(uid);
    this.plegSeen = next;
  }

  // ------------------------------------------------------------------------------------------------ pods

  private admittedPods(except: string): Pod[] {
    const out: Pod[] = [];
    for (const [uid, r] of this.pods) {
      if (uid === except || !r.admitted) continue;
      const phase = r.lastStatus?.phase ?? r.pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      out.push(r.pod);
    }
    return out;
  }

  /** One sync of one pod; never runs concurrently for the same uid. */
  private async syncPod(uid: string): Promise<void> {
    if (this.stopped) return;
    const rec = this.pods.get(uid);
    const runtime = this.opts.runtime;
    if (!rec) {
      // Gone from the API (or never ours): kill and remove whatever the runtime still holds.
      const sbs = await runtime.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } });
      for (const s of sbs) {
        await runtime.stopPodSandbox(s.id);
        await runtime.removePodSandbox(s.id);
      }
      this.backoff.forgetPrefix(`${uid}/`);
      this.workers.forget(uid);
      return;
    }
    const pod = rec.pod;
    const meta = pod.metadata!;
    const rt = await getRuntimePodStatus(runtime, { uid, name: meta.name!, namespace: meta.namespace! });

    if (meta.deletionTimestamp) return this.terminatePod(rec, rt);

    const apiPhase = pod.status?.phase;
    if (!rec.admitted && !rec.rejection) {
      const hasRuntimeState = rt.sandboxes.length > 0;
      if ((apiPhase === 'Succeeded' || apiPhase === 'Failed') && !hasRuntimeState) {
        // Finished before we saw it (e.g. after a restart): nothing to run.
        rec.admitted = true;
        return;
      }
      if (!hasRuntimeState && this.node) {
        const res = admitPod(pod, this.node, this.admittedPods(uid));
        if (!res.admit) {
          rec.rejection = { reason: res.reason ?? 'UnexpectedAdmissionError', message: res.message ?? 'Pod was rejected' };
          this.opts.recorder?.event(pod, 'Warning', rec.rejection.reason, rec.rejection.message);
        }
      }
      if (!rec.rejection) rec.admitted = true;
    }
    if (rec.rejection) {
      // Upstream rejectPod: only phase, reason and message (and the start time the status manager adds).
      if (rec.lastStatus?.phase === 'Failed') return;
      const status: PodStatus = {
        phase: 'Failed',
        reason: rec.rejection.reason,
        message: `Pod was rejected: ${rec.rejection.message}`,
        startTime: pod.status?.startTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      try {
        await this.opts.client
          .resource<Pod>('pods')
          .patch(meta.name!, { metadata: { uid }, status }, 'strategic', { namespace: meta.namespace!, subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      rec.lastStatus = status;
      return;
    }

    // A pod that finished stays finished: stop its sandbox, report the final status.
    const finished = rec.lastStatus?.phase === 'Succeeded' || rec.lastStatus?.phase === 'Failed' || apiPhase === 'Succeeded' || apiPhase === 'Failed';
    if (finished) {
      for (const s of rt.sandboxes) if (s.state === 'SANDBOX_READY') await runtime.stopPodSandbox(s.id);
      const after = rt.sandboxes.some((s) => s.state === 'SANDBOX_READY') ? await getRuntimePodStatus(runtime, { uid, name: meta.name!, namespace: meta.namespace! }) : rt;
      await this.writeStatus(rec, after);
      return;
    }

    await this.startWhatIsMissing(rec, rt);
    const after = await getRuntimePodStatus(runtime, { uid, name: meta.name!, namespace: meta.namespace! });
    const status = await this.writeStatus(rec, after);
    if (status && (status.phase === 'Succeeded' || status.phase === 'Failed')) this.workers.update(uid);
  }

  /** Upstream computePodActions + SyncPod, for what kubets supports: sandbox, init containers in order, app containers, restarts with back-off. */
  private async startWhatIsMissing(rec: PodRecord, rt: RuntimePodStatus): Promise<void> {
    const pod = rec.pod;
    const spec = pod.spec!;
    const uid = pod.metadata!.uid!;
    const policy = spec.restartPolicy ?? 'Always';
    const runtime = this.opts.runtime;
    const current = rt.sandboxes[0];
    let sandboxId = current?.state === 'SANDBOX_READY' ? current.id : undefined;
    const sandboxConfig = this.sandboxConfig(pod, current ? current.metadata.attempt + (sandboxId ? 0 : 1) : 0);
    if (!sandboxId) {
      if (current && policy === 'Never' && rt.containers.length > 0) return; // not restarted: the status shows the end
      // A new sandbox: everything from before goes, and the pod starts over with its init containers.
      for (const s of rt.sandboxes) {
        await runtime.stopPodSandbox(s.id);
        await runtime.removePodSandbox(s.id);
      }
      rec.waiting.clear();
      sandboxId = await runtime.runPodSandbox(sandboxConfig);
      if (current) this.opts.recorder?.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      rt = await getRuntimePodStatus(runtime, { uid, name: pod.metadata!.name!, namespace: pod.metadata!.namespace! });
    }

    // Init containers, one at a time, each to a successful exit.
    for (const c of spec.initContainers ?? []) {
      const s = newestContainer(rt, c.name);
      if (s?.state === 'exited' && s.exitCode === 0) continue;
      if (s && (s.state === 'running' || s.state === 'created')) return;
      if (s && s.state === 'exited' && policy === 'Never') return; // the pod failed
      await this.startContainer(rec, sandboxId, sandboxConfig, c, s ? { restartCount: s.restartCount + 1, finishedAt: s.finishedAt } : undefined);
      return;
    }
    for (const c of spec.containers) {
      const s = newestContainer(rt, c.name);
      if (!s) {
        await this.startContainer(rec, sandboxId, sandboxConfig, c, undefined);
        continue;
      }
      if (s.state !== 'exited') continue;
      const restart = policy === 'Always' || (policy === 'OnFailure' && s.exitCode !== 0);
      if (!restart) continue;
      await this.startContainer(rec, sandboxId, sandboxConfig, c, { restartCount: s.restartCount + 1, finishedAt: s.finishedAt });
    }
  }

  private async startContainer(
    rec: PodRecord,
    sandboxId: string,
    sandboxConfig: PodSandboxConfig,
    c: PodContainer,
    restart: { restartCount: number; finishedAt: number } | undefined,
  ): Promise<void> {
    const pod = rec.pod;
    const uid = pod.metadata!.uid!;
    const key = `${uid}/${c.name}`;
    if (restart) {
      // Upstream doBackOff: measured from when the last instance finished.
      const { delay } = this.backoff.get(key);
      const since = Date.now() - restart.finishedAt;
      if (delay > 0 && since < delay) {
        rec.waiting.set(c.name, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDuration(delay)} restarting failed container=${c.name} pod=${pod.metadata!.name}_${pod.metadata!.namespace}(${uid})`,
        });
        this.workers.wakeAfter(uid, delay - since + 10);
        return;
      }
      this.backoff.next(key, restart.finishedAt);
    }
    // Image.
    const image = c.image ?? '';
    const pullKey = `${uid}/pull/${c.name}`;
    const present = await this.opts.images.imageStatus(image).catch(() => undefined);
    const policy = c.imagePullPolicy ?? (image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent');
    if (!present || policy === 'Always') {
      if (policy === 'Never' && !present) {
        rec.waiting.set(c.name, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
        return;
      }
      if (this.backoff.isInBackOff(pullKey)) {
        rec.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
        this.workers.wakeAfter(uid, this.backoff.get(pullKey).remaining + 10);
        return;
      }
      try {
        if (!present) this.opts.recorder?.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        await this.opts.images.pullImage(image);
        if (!present) this.opts.recorder?.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}"`);
      } catch (err) {
        this.backoff.next(pullKey);
        const message = `Failed to pull image "${image}": ${errMessage(err)}`;
        rec.waiting.set(c.name, { reason: 'ErrImagePull', message });
        this.opts.recorder?.event(pod, 'Warning', 'Failed', message);
        this.workers.wakeAfter(uid, this.backoff.get(pullKey).remaining + 10);
        return;
      }
    }
    const restartCount = restart?.restartCount ?? 0;
    const config: ContainerConfig = {
      metadata: { name: c.name, attempt: restartCount },
      image: { image },
      command: c.command ?? [],
      args: c.args ?? [],
      workingDir: c.workingDir ?? '',
      envs: (c.env ?? []).filter((e) => e.value !== undefined).map((e) => ({ key: e.name, value: e.value! })),
      mounts: [],
      labels: {
        [LABEL_POD_NAME]: pod.metadata!.name!,
        [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!,
        [LABEL_POD_UID]: uid,
        [LABEL_CONTAINER_NAME]: c.name,
      },
      annotations: {
        [ANNOTATION_CONTAINER_HASH]: containerHash(c),
        [ANNOTATION_CONTAINER_RESTART_COUNT]: String(restartCount),
        'io.kubernetes.container.terminationMessagePath': c.terminationMessagePath ?? '/dev/termination-log',
      },
      logPath: `${c.name}/${restartCount}.log`,
    };
    try {
      const id = await this.opts.runtime.createContainer(sandboxId, config, sandboxConfig);
      this.opts.recorder?.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
      await this.opts.runtime.startContainer(id);
      this.opts.recorder?.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
      rec.waiting.delete(c.name);
    } catch (err) {
      const reason = err instanceof RuntimeError && err.code === 'ImagePullFailed' ? 'ErrImagePull' : 'CreateContainerError';
      rec.waiting.set(c.name, { reason, message: errMessage(err) });
      this.opts.recorder?.event(pod, 'Warning', 'Failed', `Error: ${errMessage(err)}`);
      this.workers.wakeAfter(uid, 2000);
    }
  }

  private sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    const meta = pod.metadata!;
    const spec = pod.spec!;
    const ports = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) =>
      (c.ports ?? [])
        .filter((p) => p.hostPort)
        .map((p) => ({ protocol: (p.protocol ?? 'TCP') as 'TCP', containerPort: p.containerPort, hostPort: p.hostPort!, hostIp: p.hostIP ?? '' })),
    );
    return {
      metadata: { name: meta.name!, namespace: meta.namespace!, uid: meta.uid!, attempt },
      hostname: spec.hostname ?? meta.name!,
      logDirectory: `${this.opts.podLogDir ?? '/var/log/pods'}/${meta.namespace}_${meta.name}_${meta.uid}`,
      portMappings: ports,
      labels: { ...(meta.labels ?? {}), [LABEL_POD_NAME]: meta.name!, [LABEL_POD_NAMESPACE]: meta.namespace!, [LABEL_POD_UID]: meta.uid! },
      annotations: { ...(meta.annotations ?? {}) },
      linux: { hostNetwork: spec.hostNetwork === true },
    };
  }

  /** Graceful termination: stop containers within the grace period, the sandbox, report, then delete the object. */
  private async terminatePod(rec: PodRecord, rt: RuntimePodStatus): Promise<void> {
    if (rec.finished) return;
    const pod = rec.pod;
    const meta = pod.metadata!;
    const runtime = this.opts.runtime;
    const grace = meta.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const running = rt.containers.filter((c) => c.state === 'running' || c.state === 'created');
    if (running.length > 0) {
      for (const c of running) this.opts.recorder?.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
      await Promise.all(running.map((c) => runtime.stopContainer(c.id, grace)));
    }
    for (const s of rt.sandboxes) if (s.state === 'SANDBOX_READY') await runtime.stopPodSandbox(s.id);
    const after = await getRuntimePodStatus(runtime, { uid: meta.uid!, name: meta.name!, namespace: meta.namespace! });
    await this.writeStatus(rec, after).catch(() => undefined);
    rec.finished = true;
    try {
      await this.opts.client.resource<Pod>('pods').delete(meta.name!, { namespace: meta.namespace!, gracePeriodSeconds: 0, preconditions: { uid: meta.uid! } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) {
        rec.finished = false;
        throw err;
      }
    }
    for (const s of after.sandboxes) await runtime.removePodSandbox(s.id);
  }

  /** Generates the pod's status and writes it through pods/status when it differs from what the API has. */
  private async writeStatus(rec: PodRecord, rt: RuntimePodStatus, terminal?: { phase: 'Failed' | 'Succeeded'; reason?: string; message?: string }): Promise<PodStatus | undefined> {
    const pod = rec.pod;
    const generated = generatePodStatus({
      pod,
      runtime: rt,
      hostIP: this.opts.facts.nodeIP,
      hostIPs: [this.opts.facts.nodeIP],
      waiting: rec.waiting,
      ...(terminal ? { terminal } : {}),
      runtimeName: this.opts.runtimeName,
      now: new Date(),
    });
    const base = rec.lastStatus ?? pod.status;
    const next = mergeConditionTimes(base, generated);
    if (statusEqual(pod.status, next) && (!rec.lastStatus || statusEqual(rec.lastStatus, next))) {
      rec.lastStatus = next;
      return next;
    }
    try {
      const updated = await this.opts.client
        .resource<Pod>('pods')
        .patch(pod.metadata!.name!, { metadata: { uid: pod.metadata!.uid }, status: next }, 'strategic', { namespace: pod.metadata!.namespace!, subresource: 'status' });
      rec.lastStatus = next;
      if (updated.metadata?.uid === pod.metadata?.uid) rec.pod = { ...rec.pod, status: updated.status ?? next };
      return next;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** Go's time.Duration String for whole seconds/minutes (`10s`, `1m20s`, `5m0s`). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

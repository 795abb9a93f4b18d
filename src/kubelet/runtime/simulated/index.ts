// A container runtime with real CRI objects and no processes (the kwok idea): sandboxes get IPs, containers run until stopped or told to exit, images pull instantly.
//
// Behaviour chosen to match containerd (with busybox-like images) where the kubelet can see it:
// - stopContainer kills at once and reports exit code 137, reason `Error`: a busybox `sleep` as PID 1 ignores
//   SIGTERM, so under containerd it dies of the SIGKILL sent after the grace period. The simulation does not wait
//   out the grace period.
// - stopping a CONTAINER_CREATED container is a no-op (containerd only stops running containers).
// - a container exits on its own only when the sandbox's annotations say so:
//   `simulated.kubets.io/exit-after` (Go duration, `5s`, or per container `init=1s,main=5s`) and
//   `simulated.kubets.io/exit-code` (`1`, or `main=1`; default 0). Exit 0 gives reason `Completed`, others `Error`.
// - image pulls are instant and succeed for any valid reference, except repositories whose name ends in
//   `-pull-fails` (e.g. `example.com/x-pull-fails:1`), which fail with `ImagePullFailed` and containerd's
//   `failed to pull and unpack image "...": not found`. Image id is `sha256:` + sha256 of the normalised reference.
// - sandbox IPs come from the pod CIDR like CNI host-local (no network, gateway `.1` or broadcast address; round
//   robin); hostNetwork sandboxes report the node's IP (containerd itself reports none for them).
// Only one-shot timers exist (start delays, exit-after); close() cancels them all.
// With `stateFile` the runtime survives a restart of its process the way containerd survives a kubelet restart:
// sandboxes, containers (with their start times, so exit-after keeps its schedule) and images are written there
// (debounced, atomically) and read back at construction.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  RuntimeError,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerState,
  type ContainerStatus,
  type Image,
  type ImageService,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxMetadata,
  type PodSandboxState,
  type PodSandboxStatus,
  type RuntimeCondition,
  type RuntimeService,
} from '../types.js';
import { IPv4Range, acquireFallbackCidr, releaseFallbackCidr } from './ipam.js';
import { isPullFailure, parseImageReference } from './images.js';

/** Sandbox annotation: when containers exit on their own (Go duration, for all or `name=dur,...`). */
export const ANNOTATION_EXIT_AFTER = 'simulated.kubets.io/exit-after';
/** Sandbox annotation: the exit code of containers that exit on their own (for all or `name=code,...`; default 0). */
export const ANNOTATION_EXIT_CODE = 'simulated.kubets.io/exit-code';
/** Exit code reported for a container stopped by stopContainer/stopPodSandbox (SIGKILL). */
export const KILLED_EXIT_CODE = 137;

type Clock = { now(): number; setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
type Timer = ReturnType<typeof setTimeout>;

export interface SimulatedRuntimeOptions {
  nodeName: string;
  /** Delay before a started container is running (and before a sandbox is ready). Default 0. */
  startDelayMs?: number;
  /** Used for sandbox IPs until updateRuntimeConfig gives a podCidr. Default: a /24 from 10.254.0.0/16 picked by a shared allocator so that runtimes in the same process never overlap. */
  fallbackCidr?: string;
  /** The node's own IP (hostNetwork sandboxes). Default 127.0.0.1. */
  nodeIp?: string;
  clock?: { now(): number; setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
  /** Keep state in this JSON file across restarts of the process (see the file header). Default: memory only. */
  stateFile?: string;
}

interface SandboxRec {
  readonly id: string;
  readonly name: string;
  readonly metadata: PodSandboxMetadata;
  state: PodSandboxState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  ip: string;
  range: IPv4Range | undefined;
  readonly containers: Set<string>;
}

interface ContainerRec {
  readonly id: string;
  readonly name: string;
  readonly sandboxId: string;
  readonly metadata: { readonly name: string; readonly attempt: number };
  readonly image: string;
  readonly imageRef: string;
  state: ContainerState;
  readonly createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly logPath: string;
  /** From the annotations: run this long, then exit with `plannedExitCode`. */
  readonly exitAfterMs: number | undefined;
  readonly plannedExitCode: number;
  timer: Timer | undefined;
  /** Set while startContainer waits out the start delay. */
  starting: (() => void) | undefined;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a non-negative Go duration (`500ms`, `5s`, `1m30s`, `0`) into milliseconds; undefined when malformed. */
export function parseGoDurationMs(s: string): number | undefined {
  if (s === '0') return 0;
  if (s === '') return undefined;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let rest = s;
  let total = 0;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    rest = rest.slice(m[0].length);
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * Picks the value of a simulated.kubets.io annotation for one container: the whole value when it has no `=`,
 * else the entry `name=value` of a comma list (undefined when the container is not listed). Throws
 * RuntimeError InvalidArgument on a malformed list.
 */
function annotationFor(annotations: Readonly<Record<string, string>>, key: string, container: string): string | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!value.includes('=')) return value;
  let found: string | undefined;
  for (const entry of value.split(',')) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    if (eq <= 0 || name === '') throw new RuntimeError('InvalidArgument', `annotation ${key}: invalid entry ${JSON.stringify(entry)}, want name=value`);
    if (name === container) found = entry.slice(eq + 1).trim();
  }
  return found;
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

function matchesLabels(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) {
    if (labels[k] !== v) return false;
  }
  return true;
}

interface StoredImage {
  readonly id: string;
  readonly ref: string;
  readonly repository: string;
  readonly tagged: boolean;
  readonly size: number;
}

/** A simulated CRI runtime and image service for one node; see the file header for its behaviour. */
export class SimulatedRuntime implements RuntimeService, ImageService {
  private readonly nodeName: string;
  private readonly startDelayMs: number;
  private readonly nodeIp: string;
  private readonly clock: Clock;
  private readonly sandboxes = new Map<string, SandboxRec>();
  private readonly containers = new Map<string, ContainerRec>();
  /** Reserved sandbox and container names (containerd's name index) → id. */
  private readonly names = new Map<string, string>();
  private readonly imagesByRef = new Map<string, StoredImage>();
  private readonly imagesById = new Map<string, StoredImage>();
  /** Pending sandbox start delays: timer → reject of the waiting runPodSandbox. */
  private readonly pendingSandboxes = new Map<Timer, (err: Error) => void>();
  private range: IPv4Range | undefined;
  /** The fallback /24 taken from the shared pool, if any (given back on close or once unused). */
  private pooledFallback: string | undefined;
  private readonly fixedFallback: string | undefined;
  private closed = false;
  private readonly stateFile: string | undefined;
  private saveTimer: Timer | undefined;

  /** Creates a runtime, empty or restored from `stateFile`; nothing is allocated until it is used. */
  constructor(opts: SimulatedRuntimeOptions) {
    this.nodeName = opts.nodeName;
    this.startDelayMs = Math.max(0, opts.startDelayMs ?? 0);
    this.nodeIp = opts.nodeIp ?? '127.0.0.1';
    this.clock = opts.clock ?? { now: () => Date.now(), setTimeout, clearTimeout };
    this.fixedFallback = opts.fallbackCidr;
    this.stateFile = opts.stateFile;
    if (this.stateFile) this.restore(this.stateFile);
  }

  /** Schedules a write of the state file (at most one pending; 100 ms debounce). */
  private touch(): void {
    if (!this.stateFile || this.saveTimer !== undefined || this.closed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 100);
    this.saveTimer.unref?.();
  }

  /** Writes the state file now (atomically). Errors are reported on stderr, never thrown. */
  save(): void {
    if (!this.stateFile) return;
    const state = {
      version: 1,
      range: this.range && this.range.cidr !== this.pooledFallback ? this.range.cidr : undefined,
      sandboxes: [...this.sandboxes.values()].map((sb) => ({ ...sb, range: sb.range?.cidr, containers: [...sb.containers] })),
      containers: [...this.containers.values()].map((c) => ({ ...c, timer: undefined, starting: undefined })),
      images: [...this.imagesByRef.values()],
    };
    try {
      mkdirSync(dirname(this.stateFile), { recursive: true });
      const tmp = `${this.stateFile}.tmp`;
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, this.stateFile);
    } catch (err) {
      process.stderr.write(`simulated runtime ${this.nodeName}: cannot save state to ${this.stateFile}: ${String(err)}\n`);
    }
  }

  /** Reads the state file back: IPs re-reserved, running containers with exit-after re-armed (or exited on schedule). */
  private restore(file: string): void {
    let state: any;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    if (state?.version !== 1) return;
    if (state.range) this.range = new IPv4Range(state.range);
    const ranges = new Map<string, IPv4Range>();
    if (this.range) ranges.set(this.range.cidr, this.range);
    for (const i of state.images ?? []) {
      this.imagesByRef.set(i.ref, i);
      this.imagesById.set(i.id, i);
    }
    for (const sb of state.sandboxes ?? []) {
      let range: IPv4Range | undefined;
      if (sb.range && sb.state === 'SANDBOX_READY') {
        range = ranges.get(sb.range) ?? new IPv4Range(sb.range);
        ranges.set(range.cidr, range);
        range.reserve(sb.ip);
      }
      this.sandboxes.set(sb.id, { ...sb, range, containers: new Set(sb.containers) });
      this.names.set(sb.name, sb.id);
    }
    const now = this.clock.now();
    for (const c of state.containers ?? []) {
      const rec: ContainerRec = { ...c, timer: undefined, starting: undefined };
      this.containers.set(rec.id, rec);
      this.names.set(rec.name, rec.id);
      if (rec.state === 'CONTAINER_RUNNING' && rec.exitAfterMs !== undefined) {
        const left = rec.startedAt + rec.exitAfterMs - now;
        if (left <= 0) {
          this.exit(rec, rec.plannedExitCode);
          rec.finishedAt = rec.startedAt + rec.exitAfterMs;
        } else {
          rec.timer = this.clock.setTimeout(() => {
            rec.timer = undefined;
            this.exit(rec, rec.plannedExitCode);
          }, left);
        }
      }
    }
  }

  // ---- RuntimeService ------------------------------------------------------------------------------

  /** runtimeName `simulated`, runtimeApiVersion `v1`. */
  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    this.check();
    return { runtimeName: 'simulated', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  /** RuntimeReady and NetworkReady, both true. */
  async status(): Promise<{ conditions: RuntimeCondition[] }> {
    this.check();
    return {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        { type: 'NetworkReady', status: true, reason: '', message: '' },
      ],
    };
  }

  /** Takes the first IPv4 CIDR of `podCidr` (comma-separated for dual stack) for sandboxes created from now on. */
  async updateRuntimeConfig(config: { readonly podCidr: string }): Promise<void> {
    this.check();
    this.touch();
    const cidrs = config.podCidr.split(',').map((c) => c.trim()).filter((c) => c !== '');
    if (cidrs.length === 0) return;
    const v4 = cidrs.find((c) => !c.includes(':'));
    if (v4 === undefined) throw new RuntimeError('InvalidArgument', `simulated runtime supports IPv4 pod CIDRs only, got ${JSON.stringify(config.podCidr)}`);
    let next: IPv4Range;
    try {
      next = new IPv4Range(v4);
    } catch (e) {
      throw new RuntimeError('InvalidArgument', (e as Error).message);
    }
    if (this.range?.cidr === next.cidr && this.range.cidr !== this.pooledFallback) return;
    const old = this.range;
    this.range = next;
    if (old) this.retireRange(old);
  }

  /** Creates a ready sandbox (after the start delay) with an IP from the pod CIDR (the node's IP for hostNetwork). */
  async runPodSandbox(config: PodSandboxConfig, _runtimeHandler?: string): Promise<string> {
    this.check();
    this.touch();
    const md = config.metadata;
    if (!md || !md.name || !md.namespace || !md.uid) throw new RuntimeError('InvalidArgument', 'sandbox config must include metadata with name, namespace and uid');
    const name = `${md.name}_${md.namespace}_${md.uid}_${md.attempt}`;
    const reserved = this.names.get(name);
    if (reserved !== undefined) throw new RuntimeError('FailedPrecondition', `failed to reserve sandbox name ${JSON.stringify(name)}: name ${JSON.stringify(name)} is reserved for ${JSON.stringify(reserved)}`);
    const id = newId();
    this.names.set(name, id);

    let ip = '';
    let range: IPv4Range | undefined;
    if (config.linux?.hostNetwork) {
      ip = this.nodeIp;
    } else {
      try {
        range = this.currentRange();
      } catch (e) {
        this.names.delete(name);
        throw e;
      }
      const got = range.allocate();
      if (got === undefined) {
        this.names.delete(name);
        throw new RuntimeError('Internal', `failed to setup network for sandbox ${JSON.stringify(id)}: plugin type="host-local" failed (add): failed to allocate for range 0: no IP addresses available in range set: ${range.rangeSet}`);
      }
      ip = got;
    }

    if (this.startDelayMs > 0) {
      try {
        await this.delay(this.startDelayMs);
      } catch (e) {
        this.names.delete(name);
        if (range) range.release(ip);
        throw e;
      }
    }
    this.sandboxes.set(id, {
      id,
      name,
      metadata: { name: md.name, namespace: md.namespace, uid: md.uid, attempt: md.attempt },
      state: 'SANDBOX_READY',
      createdAt: this.clock.now(),
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      ip,
      range,
      containers: new Set(),
    });
    return id;
  }

  /** Kills the sandbox's running containers (exit 137), releases its IP, marks it not ready. Unknown ids are ignored. */
  async stopPodSandbox(id: string): Promise<void> {
    this.check();
    this.touch();
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const cid of sb.containers) {
      const c = this.containers.get(cid);
      if (c) this.kill(c);
    }
    this.releaseIp(sb);
    sb.state = 'SANDBOX_NOTREADY';
  }

  /** Stops the sandbox, then forgets it and its containers. Unknown ids are ignored. */
  async removePodSandbox(id: string): Promise<void> {
    this.check();
    this.touch();
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const cid of sb.containers) {
      const c = this.containers.get(cid);
      if (c) this.forgetContainer(c);
    }
    this.sandboxes.delete(id);
    this.names.delete(sb.name);
  }

  /** The sandbox's status; its network IP is empty once it is not ready. NotFound for an unknown id. */
  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    this.check();
    const sb = this.sandboxes.get(id);
    if (!sb) throw new RuntimeError('NotFound', `an error occurred when try to find sandbox ${JSON.stringify(id)}: not found`);
    return { ...this.sandboxView(sb), network: { ip: sb.state === 'SANDBOX_READY' ? sb.ip : '', additionalIps: [] } };
  }

  /** Sandboxes matching every set field of `filter` (id also matches by prefix, as containerd does). */
  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    this.check();
    const out: PodSandbox[] = [];
    for (const sb of this.sandboxes.values()) {
      if (filter?.id !== undefined && !sb.id.startsWith(filter.id)) continue;
      if (filter?.state !== undefined && sb.state !== filter.state) continue;
      if (!matchesLabels(sb.labels, filter?.labelSelector)) continue;
      out.push(this.sandboxView(sb));
    }
    return out;
  }

  /**
   * Creates a CONTAINER_CREATED container. The sandbox must exist (NotFound) and be ready (FailedPrecondition);
   * the image must have been pulled (NotFound); the exit annotations must parse (InvalidArgument).
   */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    this.check();
    this.touch();
    const sb = this.sandboxes.get(podSandboxId);
    if (!sb) throw new RuntimeError('NotFound', `failed to find sandbox id ${JSON.stringify(podSandboxId)}: not found`);
    if (sb.state !== 'SANDBOX_READY') throw new RuntimeError('FailedPrecondition', `sandbox container ${JSON.stringify(podSandboxId)} is not running`);
    const image = this.findImage(config.image.image);
    if (!image) throw new RuntimeError('NotFound', `failed to get image from containerd: image ${JSON.stringify(config.image.image)}: not found`);
    const cname = config.metadata.name;
    const name = `${cname}_${sb.metadata.name}_${sb.metadata.namespace}_${sb.metadata.uid}_${config.metadata.attempt}`;
    const reserved = this.names.get(name);
    if (reserved !== undefined) throw new RuntimeError('FailedPrecondition', `failed to reserve container name ${JSON.stringify(name)}: name ${JSON.stringify(name)} is reserved for ${JSON.stringify(reserved)}`);

    const annotations = sandboxConfig?.annotations ?? sb.annotations;
    const after = annotationFor(annotations, ANNOTATION_EXIT_AFTER, cname);
    let exitAfterMs: number | undefined;
    if (after !== undefined) {
      exitAfterMs = parseGoDurationMs(after);
      if (exitAfterMs === undefined) throw new RuntimeError('InvalidArgument', `annotation ${ANNOTATION_EXIT_AFTER}: invalid duration ${JSON.stringify(after)} for container ${JSON.stringify(cname)}`);
    }
    const codeText = annotationFor(annotations, ANNOTATION_EXIT_CODE, cname);
    let plannedExitCode = 0;
    if (codeText !== undefined) {
      if (!/^\d{1,3}$/.test(codeText) || Number(codeText) > 255) throw new RuntimeError('InvalidArgument', `annotation ${ANNOTATION_EXIT_CODE}: invalid exit code ${JSON.stringify(codeText)} for container ${JSON.stringify(cname)}`);
      plannedExitCode = Number(codeText);
    }

    const id = newId();
    this.names.set(name, id);
    this.containers.set(id, {
      id,
      name,
      sandboxId: sb.id,
      metadata: { name: cname, attempt: config.metadata.attempt },
      image: image.tagged ? image.ref : config.image.image,
      imageRef: image.id,
      state: 'CONTAINER_CREATED',
      createdAt: this.clock.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      logPath: config.logPath,
      exitAfterMs,
      plannedExitCode,
      timer: undefined,
      starting: undefined,
    });
    sb.containers.add(id);
    return id;
  }

  /**
   * Starts a CONTAINER_CREATED container; resolves once it is running (after the start delay). NotFound for an
   * unknown id, FailedPrecondition when it is not in the created state or its sandbox is not ready.
   */
  async startContainer(id: string): Promise<void> {
    this.check();
    this.touch();
    const c = this.mustContainer(id);
    if (c.state !== 'CONTAINER_CREATED' || c.starting) throw new RuntimeError('FailedPrecondition', `failed to set starting state for container ${JSON.stringify(id)}: container is in ${c.starting ? 'starting' : c.state} state`);
    const sb = this.sandboxes.get(c.sandboxId);
    if (!sb || sb.state !== 'SANDBOX_READY') throw new RuntimeError('FailedPrecondition', `sandbox container ${JSON.stringify(c.sandboxId)} is not running`);
    if (this.startDelayMs > 0) {
      await new Promise<void>((resolve) => {
        c.starting = resolve;
        c.timer = this.clock.setTimeout(() => {
          c.timer = undefined;
          c.starting = undefined;
          this.run(c);
          resolve();
        }, this.startDelayMs);
      });
      return;
    }
    this.run(c);
  }

  /** Kills a running (or starting) container: exit code 137, reason `Error`. No-op for other states and unknown ids. */
  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    this.check();
    this.touch();
    const c = this.containers.get(id);
    if (c) this.kill(c);
  }

  /** Stops, then forgets a container. Unknown ids are ignored. */
  async removeContainer(id: string): Promise<void> {
    this.check();
    this.touch();
    const c = this.containers.get(id);
    if (!c) return;
    this.kill(c);
    this.forgetContainer(c);
  }

  /** Containers matching every set field of `filter` (id also matches by prefix, as containerd does). */
  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    this.check();
    const out: Container[] = [];
    for (const c of this.containers.values()) {
      if (filter?.id !== undefined && !c.id.startsWith(filter.id)) continue;
      if (filter?.podSandboxId !== undefined && c.sandboxId !== filter.podSandboxId) continue;
      if (filter?.state !== undefined && c.state !== filter.state) continue;
      if (!matchesLabels(c.labels, filter?.labelSelector)) continue;
      out.push(this.containerView(c));
    }
    return out;
  }

  /** The container's status. NotFound for an unknown id. */
  async containerStatus(id: string): Promise<ContainerStatus> {
    this.check();
    const c = this.mustContainer(id);
    return {
      ...this.containerView(c),
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
      message: '',
      logPath: c.logPath,
    };
  }

  // ---- ImageService --------------------------------------------------------------------------------

  /** Every pulled image. */
  async listImages(): Promise<Image[]> {
    this.check();
    return [...this.imagesById.values()].map((i) => this.imageView(i));
  }

  /** The image named by reference (normalised) or by id, or undefined. */
  async imageStatus(image: string): Promise<Image | undefined> {
    this.check();
    const found = this.findImage(image);
    return found ? this.imageView(found) : undefined;
  }

  /** Pulls at once; resolves to the image id. ImagePullFailed for an invalid reference or a `-pull-fails` repository. */
  async pullImage(image: string, _auth?: { readonly username?: string; readonly password?: string }): Promise<string> {
    this.check();
    this.touch();
    const ref = parseImageReference(image);
    if (!ref) throw new RuntimeError('ImagePullFailed', `failed to pull and unpack image ${JSON.stringify(image)}: failed to resolve reference ${JSON.stringify(image)}: invalid reference format`);
    if (isPullFailure(ref)) {
      throw new RuntimeError('ImagePullFailed', `failed to pull and unpack image ${JSON.stringify(ref.normalized)}: failed to resolve reference ${JSON.stringify(ref.normalized)}: ${ref.normalized}: not found`);
    }
    const existing = this.imagesByRef.get(ref.normalized);
    if (existing) return existing.id;
    const digest = createHash('sha256').update(ref.normalized).digest('hex');
    const stored: StoredImage = {
      id: `sha256:${digest}`,
      ref: ref.normalized,
      repository: ref.repository,
      tagged: ref.tag !== undefined,
      // A plausible, stable size (1 to 65 MB) derived from the digest.
      size: 1_000_000 + parseInt(digest.slice(0, 4), 16) * 1000,
    };
    this.imagesByRef.set(stored.ref, stored);
    this.imagesById.set(stored.id, stored);
    return stored.id;
  }

  /** Forgets the image named by reference or id. Unknown images are ignored. */
  async removeImage(image: string): Promise<void> {
    this.check();
    this.touch();
    const found = this.findImage(image);
    if (!found) return;
    this.imagesByRef.delete(found.ref);
    this.imagesById.delete(found.id);
  }

  /** The summed sizes of the pulled images. */
  async imageFsInfo(): Promise<{ usedBytes: number; inodesUsed: number }> {
    this.check();
    let usedBytes = 0;
    for (const i of this.imagesById.values()) usedBytes += i.size;
    return { usedBytes, inodesUsed: this.imagesById.size * 100 };
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  /** Cancels every timer, fails calls still waiting on a start delay, gives back the fallback CIDR. Later calls throw Unavailable. */
  close(): void {
    if (this.closed) return;
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.save();
    this.closed = true;
    for (const c of this.containers.values()) {
      if (c.timer !== undefined) this.clock.clearTimeout(c.timer);
      c.timer = undefined;
      const resolve = c.starting;
      c.starting = undefined;
      resolve?.();
    }
    for (const [timer, reject] of this.pendingSandboxes) {
      this.clock.clearTimeout(timer);
      reject(new RuntimeError('Unavailable', `simulated runtime of node ${this.nodeName} is closed`));
    }
    this.pendingSandboxes.clear();
    if (this.pooledFallback !== undefined) releaseFallbackCidr(this.pooledFallback);
    this.pooledFallback = undefined;
  }

  // ---- internals -----------------------------------------------------------------------------------

  private check(): void {
    if (this.closed) throw new RuntimeError('Unavailable', `simulated runtime of node ${this.nodeName} is closed`);
  }

  private delay(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pendingSandboxes.delete(timer);
        resolve();
      }, ms);
      this.pendingSandboxes.set(timer, reject);
    });
  }

  /** The range new sandboxes take IPs from: the pod CIDR, else the configured or pooled fallback. */
  private currentRange(): IPv4Range {
    if (this.range) return this.range;
    let cidr = this.fixedFallback;
    if (cidr === undefined) {
      cidr = acquireFallbackCidr();
      if (cidr === undefined) throw new RuntimeError('Internal', `no fallback pod CIDR left in 10.254.0.0/16 for node ${this.nodeName}; give the node a podCIDR`);
      this.pooledFallback = cidr;
    }
    try {
      this.range = new IPv4Range(cidr);
    } catch (e) {
      throw new RuntimeError('InvalidArgument', (e as Error).message);
    }
    return this.range;
  }

  /** A range no longer used for new sandboxes: the pooled fallback goes back to the pool once its last IP is released. */
  private retireRange(old: IPv4Range): void {
    if (old.cidr === this.pooledFallback && old.inUse === 0) {
      releaseFallbackCidr(this.pooledFallback);
      this.pooledFallback = undefined;
    }
  }

  private releaseIp(sb: SandboxRec): void {
    if (sb.range) {
      sb.range.release(sb.ip);
      if (sb.range !== this.range) this.retireRange(sb.range);
    }
    sb.range = undefined;
  }

  private run(c: ContainerRec): void {
    this.touch();
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.clock.now();
    if (c.exitAfterMs !== undefined) {
      c.timer = this.clock.setTimeout(() => {
        c.timer = undefined;
        this.exit(c, c.plannedExitCode);
      }, c.exitAfterMs);
    }
  }

  private exit(c: ContainerRec, code: number): void {
    this.touch();
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = this.clock.now();
    c.exitCode = code;
    c.reason = code === 0 ? 'Completed' : 'Error';
  }

  /** SIGKILL: a running or starting container exits with 137; created and exited ones are left alone. */
  private kill(c: ContainerRec): void {
    if (c.timer !== undefined) this.clock.clearTimeout(c.timer);
    c.timer = undefined;
    if (c.starting) {
      const resolve = c.starting;
      c.starting = undefined;
      this.exit(c, KILLED_EXIT_CODE);
      resolve();
      return;
    }
    if (c.state === 'CONTAINER_RUNNING') this.exit(c, KILLED_EXIT_CODE);
  }

  private forgetContainer(c: ContainerRec): void {
    this.containers.delete(c.id);
    this.names.delete(c.name);
    this.sandboxes.get(c.sandboxId)?.containers.delete(c.id);
  }

  private mustContainer(id: string): ContainerRec {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `an error occurred when try to find container ${JSON.stringify(id)}: not found`);
    return c;
  }

  private findImage(image: string): StoredImage | undefined {
    const byId = this.imagesById.get(image) ?? (/^[a-f0-9]{64}$/.test(image) ? this.imagesById.get(`sha256:${image}`) : undefined);
    if (byId) return byId;
    const ref = parseImageReference(image);
    return ref ? this.imagesByRef.get(ref.normalized) : undefined;
  }

  private sandboxView(sb: SandboxRec): PodSandbox {
    return { id: sb.id, metadata: sb.metadata, state: sb.state, createdAt: sb.createdAt, labels: sb.labels, annotations: sb.annotations };
  }

  private containerView(c: ContainerRec): Container {
    return {
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: c.metadata,
      image: { image: c.image },
      imageRef: c.imageRef,
      state: c.state,
      createdAt: c.createdAt,
      labels: c.labels,
      annotations: c.annotations,
    };
  }

  private imageView(i: StoredImage): Image {
    const digest = `${i.repository}@${i.id}`;
    return { id: i.id, repoTags: i.tagged ? [i.ref] : [], repoDigests: i.tagged ? [digest] : [i.ref], size: i.size };
  }
}

// The kubelet's container-runtime seam, shaped after CRI (runtime.v1 RuntimeService and ImageService): sandboxes, containers, images.
//
// Names follow the CRI proto (camelCase of its fields) so the CRI implementation is a thin gRPC client behind the
// same interface. Two deliberate differences: times are JavaScript milliseconds since the epoch (CRI carries
// int64 nanoseconds) and absent optional fields are `undefined`. Every method may be called concurrently; an
// implementation serialises what it must. Errors are thrown as `RuntimeError` with a code.

/** CRI's Protocol. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A sandbox's identity (CRI PodSandboxMetadata): the pod's name, namespace and uid, and how many sandboxes it had before. */
export interface PodSandboxMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
}

/** A host port mapping of a sandbox (CRI PortMapping). */
export interface PortMapping {
  readonly protocol: Protocol;
  readonly containerPort: number;
  readonly hostPort: number;
  readonly hostIp: string;
}

/** What the kubelet asks for when it creates a sandbox (CRI PodSandboxConfig, the parts kubets uses). */
export interface PodSandboxConfig {
  readonly metadata: PodSandboxMetadata;
  readonly hostname: string;
  readonly logDirectory: string;
  readonly dnsConfig?: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
  readonly portMappings: readonly PortMapping[];
  /** The pod's labels plus the kubelet's `io.kubernetes.pod.*` labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod's annotations (the simulated runtime reads `simulated.kubets.io/*` from here). */
  readonly annotations: Readonly<Record<string, string>>;
  readonly linux?: {
    readonly cgroupParent?: string;
    /** `hostNetwork` pods share the node's network namespace (CRI NamespaceMode NODE) and get the node's IP. */
    readonly hostNetwork?: boolean;
  };
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** A sandbox as listed (CRI PodSandbox). */
export interface PodSandbox {
  readonly id: string;
  readonly metadata: PodSandboxMetadata;
  readonly state: PodSandboxState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A sandbox's status (CRI PodSandboxStatus): its network is the pod's IPs. */
export interface PodSandboxStatus extends PodSandbox {
  readonly network: { readonly ip: string; readonly additionalIps: readonly string[] };
}

/** Filter of listPodSandbox; every set field must match. */
export interface PodSandboxFilter {
  readonly id?: string;
  readonly state?: PodSandboxState;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

/** A container's identity within its sandbox (CRI ContainerMetadata): the container's name and restart attempt. */
export interface ContainerMetadata {
  readonly name: string;
  readonly attempt: number;
}

/** What the kubelet asks for when it creates a container (CRI ContainerConfig, the parts kubets uses). */
export interface ContainerConfig {
  readonly metadata: ContainerMetadata;
  readonly image: { readonly image: string };
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly workingDir: string;
  readonly envs: readonly { readonly key: string; readonly value: string }[];
  readonly mounts: readonly { readonly containerPath: string; readonly hostPath: string; readonly readonly: boolean }[];
  /** `io.kubernetes.container.*` and `io.kubernetes.pod.*` labels the kubelet uses to find its containers again. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Relative to the sandbox's logDirectory. */
  readonly logPath: string;
  readonly linux?: {
    readonly resources?: {
      readonly cpuPeriod?: number;
      readonly cpuQuota?: number;
      readonly cpuShares?: number;
      readonly memoryLimitInBytes?: number;
    };
  };
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

/** A container as listed (CRI Container). */
export interface Container {
  readonly id: string;
  readonly podSandboxId: string;
  readonly metadata: ContainerMetadata;
  readonly image: { readonly image: string };
  /** The image id the container runs (`sha256:...`). */
  readonly imageRef: string;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A container's status (CRI ContainerStatus). `startedAt`/`finishedAt` are 0 when it has not started/finished. */
export interface ContainerStatus extends Container {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  /** For exited containers: `Completed` (exit 0), `Error`, `OOMKilled`, ... as CRI runtimes report it. */
  readonly reason: string;
  readonly message: string;
  readonly logPath: string;
}

/** Filter of listContainers; every set field must match. */
export interface ContainerFilter {
  readonly id?: string;
  readonly podSandboxId?: string;
  readonly state?: ContainerState;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

/** One condition of the runtime (CRI RuntimeCondition). */
export interface RuntimeCondition {
  readonly type: 'RuntimeReady' | 'NetworkReady';
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

/**
 * Sandboxes and containers (CRI RuntimeService). Ids are opaque, unique for the runtime's life. Calls on an
 * unknown id throw `RuntimeError` with code `NotFound`, except stop/remove, which are idempotent (CRI says so).
 */
export interface RuntimeService {
  version(): Promise<{ readonly runtimeName: string; readonly runtimeVersion: string; readonly runtimeApiVersion: string }>;
  status(): Promise<{ readonly conditions: readonly RuntimeCondition[] }>;
  /** CRI UpdateRuntimeConfig: the node's pod CIDR, once known; sandboxes created later take their IP from it. */
  updateRuntimeConfig(config: { readonly podCidr: string }): Promise<void>;
  /** Creates and starts a sandbox; resolves to its id once it is ready (with an IP unless hostNetwork). */
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Stops every container of the sandbox and the sandbox itself (its IP is released). Idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes a sandbox and its containers (stopping them first). Idempotent. */
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;
  /** Creates a container in a ready sandbox; it stays CONTAINER_CREATED until startContainer. */
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Stops a running container, killing it after `timeoutSeconds` (0: at once). Idempotent. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (stopping it first). Idempotent. */
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(id: string): Promise<ContainerStatus>;
}

/** An image the runtime holds (CRI Image). */
export interface Image {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: number;
}

/** Images (CRI ImageService). References are normalised as containerd does (`busybox` is `docker.io/library/busybox:latest`). */
export interface ImageService {
  listImages(): Promise<Image[]>;
  /** The image, or undefined when not present. */
  imageStatus(image: string): Promise<Image | undefined>;
  /** Pulls an image; resolves to its image ref (id). Throws RuntimeError `ImagePullFailed` ... when it cannot. */
  pullImage(image: string, auth?: { readonly username?: string; readonly password?: string }): Promise<string>;
  /** Removes an image. Idempotent. */
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<{ readonly usedBytes: number; readonly inodesUsed: number }>;
}

/** Error codes a runtime throws with. */
export type RuntimeErrorCode = 'NotFound' | 'InvalidArgument' | 'FailedPrecondition' | 'ImagePullFailed' | 'Unavailable' | 'Internal';

/** An error from a runtime: a CRI status code and a message a user can act on (it ends up in pod status). */
export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** Labels the kubelet puts on sandboxes and containers (upstream's names) so it can find them again after a restart. */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Annotations on containers (upstream's names): restart count, termination message path, spec hash. */
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_CONTAINER_RESTART_COUNT = 'io.kubernetes.container.restartCount';

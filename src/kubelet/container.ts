// The kubelet's runtime-neutral view of one pod's sandboxes and containers (upstream's kubecontainer.PodStatus), built from a RuntimeService.
import {
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type ContainerStatus,
  type PodSandboxStatus,
  type RuntimeService,
} from './runtime/types.js';

/** One container as the kubelet sees it: the runtime's status plus the container's name and restart count. */
export interface RuntimeContainerStatus {
  readonly id: string;
  /** The container's name in the pod spec. */
  readonly name: string;
  readonly state: 'created' | 'running' | 'exited' | 'unknown';
  readonly createdAt: number;
  /** 0 when it never started. */
  readonly startedAt: number;
  /** 0 while it has not finished. */
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly message: string;
  readonly image: string;
  readonly imageRef: string;
  /** How many times the kubelet restarted this container before this instance (its `attempt`). */
  readonly restartCount: number;
}

/**
 * Everything the runtime holds for one pod. `sandboxes` newest first; `containers` newest first (by createdAt),
 * several per name when older instances have not been removed yet. `ips` are the newest ready sandbox's IPs.
 */
export interface RuntimePodStatus {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly ips: readonly string[];
  readonly sandboxes: readonly PodSandboxStatus[];
  readonly containers: readonly RuntimeContainerStatus[];
}

const STATE: Record<ContainerStatus['state'], RuntimeContainerStatus['state']> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

/** Converts a CRI container status to the kubelet's view. */
export function toRuntimeContainerStatus(s: ContainerStatus): RuntimeContainerStatus {
  const restart = Number(s.annotations[ANNOTATION_CONTAINER_RESTART_COUNT] ?? s.metadata.attempt);
  return {
    id: s.id,
    name: s.labels[LABEL_CONTAINER_NAME] ?? s.metadata.name,
    state: STATE[s.state],
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    image: s.image.image,
    imageRef: s.imageRef,
    restartCount: Number.isFinite(restart) ? restart : s.metadata.attempt,
  };
}

/**
 * Reads one pod's state from the runtime (sandboxes and containers labelled with its uid). A sandbox or container
 * removed between list and status is skipped. Never throws for a pod the runtime does not know: the result is
 * empty.
 */
export async function getRuntimePodStatus(runtime: RuntimeService, pod: { uid: string; name: string; namespace: string }): Promise<RuntimePodStatus> {
  const sel = { labelSelector: { [LABEL_POD_UID]: pod.uid } };
  const [sandboxList, containerList] = await Promise.all([runtime.listPodSandbox(sel), runtime.listContainers(sel)]);
  const sandboxes: PodSandboxStatus[] = [];
  for (const s of sandboxList) {
    try {
      sandboxes.push(await runtime.podSandboxStatus(s.id));
    } catch {
      // removed meanwhile
    }
  }
  sandboxes.sort((a, b) => b.createdAt - a.createdAt);
  const containers: RuntimeContainerStatus[] = [];
  for (const c of containerList) {
    try {
      containers.push(toRuntimeContainerStatus(await runtime.containerStatus(c.id)));
    } catch {
      // removed meanwhile
    }
  }
  containers.sort((a, b) => b.createdAt - a.createdAt);
  const ready = sandboxes.find((s) => s.state === 'SANDBOX_READY');
  const ips = ready && ready.network.ip ? [ready.network.ip, ...ready.network.additionalIps] : [];
  return { uid: pod.uid, name: pod.name, namespace: pod.namespace, ips, sandboxes, containers };
}

/** The newest instance of the named container, or undefined. */
export function newestContainer(status: RuntimePodStatus, name: string): RuntimeContainerStatus | undefined {
  return status.containers.find((c) => c.name === name);
}

// What the controller-manager hands each controller: its API client, the shared informers, an event recorder, options.
import type { EventRecorder, RestClient, SharedInformerFactory } from '../client/index.js';

/** Options controllers read (upstream kube-controller-manager flags, same defaults). */
export interface ControllerOptions {
  /** `--cluster-cidr`; undefined when node CIDR allocation is off. */
  readonly clusterCidr?: string;
  readonly allocateNodeCidrs: boolean;
  /** `--node-cidr-mask-size` (24). */
  readonly nodeCidrMaskSize: number;
  /** CA of the kubernetes.io signers, when signing is on. */
  readonly clusterSigningCa?: { readonly certPem: string; readonly keyPem: string };
  readonly clusterSigningDurationSeconds: number;
  /** `--node-monitor-grace-period` (50 s) and `--node-monitor-period` (5 s), milliseconds. */
  readonly nodeMonitorGracePeriodMs: number;
  readonly nodeMonitorPeriodMs: number;
  /** `--node-eviction-rate` (0.1 nodes/s). */
  readonly nodeEvictionRate: number;
  /** `--terminated-pod-gc-threshold` (12500). */
  readonly terminatedPodGcThreshold: number;
  /** `--concurrent-*-syncs` equivalents: workers per controller (upstream defaults: 5 for most). */
  readonly workers: number;
  /** CA data published as `kube-root-ca.crt` in every namespace (the cluster CA). */
  readonly rootCaPem?: string;
}

/** Defaults of {@link ControllerOptions}. */
export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  allocateNodeCidrs: false,
  nodeCidrMaskSize: 24,
  clusterSigningDurationSeconds: 365 * 86_400,
  nodeMonitorGracePeriodMs: 50_000,
  nodeMonitorPeriodMs: 5_000,
  nodeEvictionRate: 0.1,
  terminatedPodGcThreshold: 12_500,
  workers: 5,
};

/** Everything one controller gets. */
export interface ControllerContext {
  /** The controller's own client: its service account's token with --use-service-account-credentials. Writes go here. */
  readonly client: RestClient;
  /**
   * Shared informers (one per resource and selector for the whole controller-manager, with its own credentials).
   * Objects from listers are deep-frozen: copy before changing (`structuredClone`).
   */
  readonly informers: SharedInformerFactory;
  /** Events as this controller (`source.component` is the controller's upstream component name). */
  readonly recorder: EventRecorder;
  readonly options: ControllerOptions;
  /** One-line log sink (stderr, prefixed with the controller's name). */
  log(line: string): void;
}

/**
 * One controller as the manager knows it. `start` registers its informers and handlers synchronously (before it
 * first awaits), then waits for the caches (`ctx.informers.waitForCacheSync(signal)`) and runs its workers until
 * `signal` aborts; it resolves when stopped. It must not throw for transient API errors (requeue instead).
 */
export interface ControllerDescriptor {
  /** The name in `--controllers` (upstream's: `deployment`, `replicaset`, `garbage-collector` ...). */
  readonly name: string;
  /** The service account it acts as in kube-system (upstream's: `deployment-controller` ...). */
  readonly serviceAccount: string;
  /** Whether `*` enables it (upstream default-on). */
  readonly defaultOn: boolean;
  start(ctx: ControllerContext, signal: AbortSignal): Promise<void>;
}

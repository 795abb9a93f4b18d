// The controller-manager: one client, one shared informer factory, leader election, and the enabled controllers run in it.
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { EventRecorder, LeaderElector, SharedInformerFactory, type RestClient } from '../client/index.js';
import { DEFAULT_CONTROLLER_OPTIONS, type ControllerDescriptor, type ControllerOptions } from './context.js';
import { ControllerClientBuilder } from './credentials.js';
import { CONTROLLERS } from './registry.js';

/** Options of the controller-manager; defaults are upstream's. */
export interface ControllerManagerOptions extends Partial<ControllerOptions> {
  readonly client: RestClient;
  /** Controller names to run; `*` = every default-on controller, `-name` disables one (upstream --controllers). */
  readonly controllers?: readonly string[];
  /** CA the kubernetes.io signers sign with (`--cluster-signing-cert-file`/`--cluster-signing-key-file`). */
  readonly clusterSigningCertFile?: string;
  readonly clusterSigningKeyFile?: string;
  /** Leader election on the `kube-system/kube-controller-manager` Lease. Default true. */
  readonly leaderElect?: boolean;
  /**
   * Each controller uses its own service account's token (upstream --use-service-account-credentials), bound by
   * the bootstrap `system:controller:*` roles; informers keep the controller-manager's own credentials. Default false.
   */
  readonly useServiceAccountCredentials?: boolean;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log?: (line: string) => void;
  /** The controllers to choose from (tests). Default: every controller kubets has. */
  readonly registry?: readonly ControllerDescriptor[];
}

/** Names of every controller the manager knows, in start order. */
export const KNOWN_CONTROLLERS: readonly string[] = CONTROLLERS.map((c) => c.name);

/** Resolves upstream's `--controllers` list against `registry`; throws on an unknown name. */
export function enabledControllers(list: readonly string[] = ['*'], registry: readonly ControllerDescriptor[] = CONTROLLERS): ControllerDescriptor[] {
  const known = new Set(registry.map((c) => c.name));
  for (const n of list) {
    const name = n.startsWith('-') ? n.slice(1) : n;
    if (name !== '*' && !known.has(name)) throw new Error(`"${name}" is not in the list of known controllers`);
  }
  const star = list.includes('*');
  return registry.filter((c) => !list.includes(`-${c.name}`) && (list.includes(c.name) || (star && c.defaultOn)));
}

/**
 * Runs the controllers until `signal` aborts. With leader election only the holder of the Lease runs them;
 * losing the lease stops them (and the process should exit, as upstream does: `onLost` is called).
 */
export async function runControllerManager(opts: ControllerManagerOptions, signal: AbortSignal, onLost?: () => void): Promise<void> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`controller-manager: ${l}\n`));
  const enabled = enabledControllers(opts.controllers, opts.registry ?? CONTROLLERS);
  const options: ControllerOptions = { ...DEFAULT_CONTROLLER_OPTIONS, ...stripUndefined(opts) };
  if (opts.clusterSigningCertFile && opts.clusterSigningKeyFile) {
    (options as { clusterSigningCa?: ControllerOptions['clusterSigningCa'] }).clusterSigningCa = {
      certPem: await readFile(opts.clusterSigningCertFile, 'utf8'),
      keyPem: await readFile(opts.clusterSigningKeyFile, 'utf8'),
    };
  }
  const run = async (leading: AbortSignal) => {
    // Every informer, worker loop and timer of every controller listens for the abort.
    setMaxListeners(0, leading);
    const informers = new SharedInformerFactory(opts.client);
    const builder = new ControllerClientBuilder(opts.client, opts.useServiceAccountCredentials ?? false);
    const recorders: EventRecorder[] = [];
    leading.addEventListener('abort', () => void builder.close(), { once: true });
    const tasks: Promise<void>[] = [];
    for (const d of enabled) {
      const client = await builder.clientFor(d.serviceAccount);
      const recorder = new EventRecorder(client, { component: d.serviceAccount, host: os.hostname() });
      recorders.push(recorder);
      tasks.push(
        d
          .start({ client, informers, recorder, options, log: (l) => log(`${d.name}: ${l}`) }, leading)
          .catch((err) => log(`${d.name}: stopped with an error: ${err instanceof Error ? err.stack : String(err)}`)),
      );
    }
    informers.start(leading);
    await informers.waitForCacheSync(leading);
    log(`started controllers: ${enabled.map((d) => d.name).join(', ')}`);
    await Promise.all(tasks);
    await Promise.all(recorders.map((r) => r.flush().catch(() => undefined)));
  };
  setMaxListeners(0, signal);
  if (opts.leaderElect === false) return run(signal);
  const identity = `${os.hostname()}_${process.pid}`;
  const elector = new LeaderElector({
    client: opts.client,
    namespace: 'kube-system',
    name: 'kube-controller-manager',
    identity,
    ...(opts.leaseDurationMs ? { leaseDurationMs: opts.leaseDurationMs } : {}),
    ...(opts.renewDeadlineMs ? { renewDeadlineMs: opts.renewDeadlineMs } : {}),
    ...(opts.retryPeriodMs ? { retryPeriodMs: opts.retryPeriodMs } : {}),
    releaseOnCancel: true,
    onStartedLeading: (leading) => {
      log(`${identity} became leader`);
      void run(leading);
    },
    onStoppedLeading: () => {
      log('leaderelection lost');
      if (!signal.aborted) onLost?.();
    },
  });
  await elector.run(signal);
}

function stripUndefined(o: object): Partial<ControllerOptions> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<ControllerOptions>;
}

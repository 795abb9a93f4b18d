// The controller-manager: one client, one shared informer factory, leader election, and the enabled controllers run in it.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { LeaderElector, SharedInformerFactory, type RestClient } from '../client/index.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { CSRApprovingController, CSRSigningController } from './certificates/controllers.js';
import { NodeIpamController } from './nodeipam/nodeipam.js';
import { ControllerClientBuilder } from './credentials.js';

/** Options of the controller-manager; defaults are upstream's. */
export interface ControllerManagerOptions {
  readonly client: RestClient;
  /** Controller names to run; `*` = every default-on controller, `-name` disables one (upstream --controllers). */
  readonly controllers?: readonly string[];
  /** CA the kubernetes.io signers sign with (`--cluster-signing-cert-file`/`--cluster-signing-key-file`). */
  readonly clusterSigningCertFile?: string;
  readonly clusterSigningKeyFile?: string;
  /** Default lifetime of signed certificates. Default 1 year (upstream 8760h). */
  readonly clusterSigningDurationSeconds?: number;
  /** Leader election on the `kube-system/kube-controller-manager` Lease. Default true. */
  readonly leaderElect?: boolean;
  /**
   * Each controller uses its own service account's token (upstream --use-service-account-credentials), bound by
   * the bootstrap `system:controller:*` roles; informers keep the controller-manager's own credentials. Default false.
   */
  readonly useServiceAccountCredentials?: boolean;
  /** Give nodes podCIDRs from `clusterCidr` (upstream --allocate-node-cidrs). Default false. */
  readonly allocateNodeCidrs?: boolean;
  readonly clusterCidr?: string;
  /** Prefix length of node podCIDRs. Default 24. */
  readonly nodeCidrMaskSize?: number;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log?: (line: string) => void;
}

/** Every controller the manager knows, in start order. */
export const KNOWN_CONTROLLERS = ['csrapproving', 'csrsigning', 'nodeipam'] as const;

/** Resolves upstream's `--controllers` list against the known controllers; throws on an unknown name. */
export function enabledControllers(list: readonly string[] = ['*']): string[] {
  const known = new Set<string>(KNOWN_CONTROLLERS);
  for (const n of list) {
    const name = n.startsWith('-') ? n.slice(1) : n;
    if (name !== '*' && !known.has(name)) throw new Error(`"${name}" is not in the list of known controllers`);
  }
  const star = list.includes('*');
  return KNOWN_CONTROLLERS.filter((c) => !list.includes(`-${c}`) && (star || list.includes(c)));
}

/**
 * Runs the controllers until `signal` aborts. With leader election only the holder of the Lease runs them;
 * losing the lease stops them (and the process should exit, as upstream does: `onLost` is called).
 */
export async function runControllerManager(opts: ControllerManagerOptions, signal: AbortSignal, onLost?: () => void): Promise<void> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`controller-manager: ${l}\n`));
  const names = enabledControllers(opts.controllers);
  const run = async (leading: AbortSignal) => {
    const factory = new SharedInformerFactory(opts.client);
    const builder = new ControllerClientBuilder(opts.client, opts.useServiceAccountCredentials ?? false);
    leading.addEventListener('abort', () => void builder.close(), { once: true });
    const tasks: Promise<void>[] = [];
    const csrs = () => factory.informerFor<CertificateSigningRequest>('certificatesigningrequests');
    for (const name of names) {
      switch (name) {
        case 'csrapproving':
          tasks.push(new CSRApprovingController(await builder.clientFor('certificate-controller'), csrs()).run(leading));
          break;
        case 'csrsigning': {
          if (!opts.clusterSigningCertFile || !opts.clusterSigningKeyFile) {
            log('csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file, not signing');
            break;
          }
          const ca = { certPem: await readFile(opts.clusterSigningCertFile, 'utf8'), keyPem: await readFile(opts.clusterSigningKeyFile, 'utf8') };
          tasks.push(new CSRSigningController(await builder.clientFor('certificate-controller'), csrs(), ca, opts.clusterSigningDurationSeconds).run(leading));
          break;
        }
        case 'nodeipam':
          if (!opts.allocateNodeCidrs || !opts.clusterCidr) break;
          tasks.push(new NodeIpamController(await builder.clientFor('node-controller'), factory.informerFor<Node>('nodes'), opts.clusterCidr, opts.nodeCidrMaskSize ?? 24).run(leading));
          break;
      }
    }
    factory.start(leading);
    await factory.waitForCacheSync(leading);
    log(`started controllers: ${names.join(', ')}`);
    await Promise.all(tasks);
  };
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

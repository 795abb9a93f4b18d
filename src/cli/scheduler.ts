// `kubets scheduler`: run kube-scheduler against an API server (leader-elected on kube-system/kube-scheduler).
import { loadKubeconfig, RestClient } from '../client/index.js';
import { Scheduler, loadConfigFile, runScheduler, type KubeSchedulerConfiguration } from '../scheduler/index.js';
import { KUBERNETES_VERSION } from '../version/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec } from './flags.js';
import { parseDuration } from './kubelet.js';
import { exitWhenParentDies } from './supervisor.js';

const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { type: 'string', help: 'kubeconfig with the scheduler\'s credentials (system:kube-scheduler); required unless the config file names one' },
  config: { type: 'string', help: 'KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): profiles, plugins, pluginConfig' },
  'leader-elect': { type: 'boolean', help: 'elect a leader on the Lease kube-system/kube-scheduler before scheduling', default: 'true' },
  'leader-elect-lease-duration': { type: 'string', help: 'lease duration (Go duration)', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', help: 'renew deadline (Go duration)', default: '10s' },
  'leader-elect-retry-period': { type: 'string', help: 'retry period (Go duration)', default: '2s' },
};

async function runSched(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags(args, FLAGS);
  if (positional.length > 0) throw new FlagError(`unexpected argument: ${positional[0]}`);
  let config: KubeSchedulerConfiguration | undefined;
  const configFile = flags['config'] as string | undefined;
  try {
    if (configFile) config = loadConfigFile(configFile);
    // Builds every profile once (no client): unknown plugins and bad plugin args fail here, before any I/O.
    new Scheduler({ ...(config ? { config } : {}), log: () => {} });
  } catch (err) {
    throw new FlagError(`invalid --config ${configFile ?? ''}: ${(err as Error).message}`);
  }
  const kubeconfig = (flags['kubeconfig'] as string | undefined) ?? config?.clientConnection?.kubeconfig;
  if (!kubeconfig) throw new FlagError('--kubeconfig FILE is required');
  const d = (n: string, def: string) => parseDuration((flags[n] as string | undefined) ?? def, n);
  const explicit = (n: string) => flags[n] !== undefined;
  exitWhenParentDies();
  const conn = config?.clientConnection;
  const client = new RestClient({
    ...loadKubeconfig(kubeconfig),
    userAgent: `kube-scheduler/${KUBERNETES_VERSION.gitVersion} (linux/amd64) kubets`,
    // Upstream's clientConnection defaults (50/100) cap binding at 50 pods/s: one pods/binding request per pod.
    // kubets' apiserver protects itself with API Priority and Fairness, so the client bucket is a backstop only.
    qps: conn?.qps ?? 1000,
    burst: conn?.burst ?? 2000,
  });
  const ac = new AbortController();
  const done = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => resolve(0));
    process.once('SIGINT', () => resolve(0));
  });
  const lost = new Promise<number>((resolve) => {
    void runScheduler(
      {
        client,
        ...(config ? { config } : {}),
        ...(explicit('leader-elect') ? { leaderElect: flags['leader-elect'] as boolean } : {}),
        ...(explicit('leader-elect-lease-duration') ? { leaseDurationMs: d('leader-elect-lease-duration', '15s') } : {}),
        ...(explicit('leader-elect-renew-deadline') ? { renewDeadlineMs: d('leader-elect-renew-deadline', '10s') } : {}),
        ...(explicit('leader-elect-retry-period') ? { retryPeriodMs: d('leader-elect-retry-period', '2s') } : {}),
      },
      ac.signal,
      () => resolve(1),
    ).catch((err) => {
      process.stderr.write(`kubets scheduler: ${err instanceof Error ? err.message : String(err)}\n`);
      resolve(1);
    });
  });
  const code = await Promise.race([done, lost]);
  ac.abort();
  // Give the lease release and pending events a moment.
  await new Promise((r) => setTimeout(r, 100));
  client.close();
  if (code !== 0) process.stderr.write('kubets scheduler: leader election lost\n');
  return code;
}

/** The `kubets scheduler` command. */
export const scheduler: Command = {
  summary: 'Run the scheduler that assigns pods to nodes (kube-scheduler)',
  usage: `kubets scheduler --kubeconfig FILE [--config FILE] [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: async (args) => {
    try {
      return await runSched(args);
    } catch (err) {
      if (err instanceof FlagError) {
        process.stderr.write(`kubets scheduler: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
};

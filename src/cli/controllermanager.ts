// `kubets controller-manager`: run the controllers against an API server (leader-elected).
import { readFileSync } from 'node:fs';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { runControllerManager } from '../controllers/index.js';
import { KUBERNETES_VERSION } from '../version/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec } from './flags.js';
import { parseDuration } from './kubelet.js';
import { exitWhenParentDies } from './supervisor.js';

const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { type: 'string', help: 'kubeconfig with the controller-manager\'s credentials (required)' },
  controllers: { type: 'list', help: 'controllers to run: * for the defaults, NAME to add, -NAME to disable', default: '*' },
  'cluster-signing-cert-file': { type: 'string', help: 'PEM CA certificate the kubernetes.io signers sign with' },
  'cluster-signing-key-file': { type: 'string', help: 'PEM key of that CA' },
  'cluster-signing-duration': { type: 'string', help: 'lifetime of signed certificates (Go duration)', default: '8760h' },
  'allocate-node-cidrs': { type: 'boolean', help: 'give every node a podCIDR from --cluster-cidr', default: 'false' },
  'cluster-cidr': { type: 'string', help: 'CIDR of the pod network' },
  'node-cidr-mask-size': { type: 'number', help: 'prefix length of node podCIDRs', default: '24' },
  'use-service-account-credentials': { type: 'boolean', help: 'give each controller its own service account in kube-system', default: 'false' },
  'root-ca-file': { type: 'string', help: 'CA published as the kube-root-ca.crt ConfigMap in every namespace' },
  'node-monitor-grace-period': { type: 'string', help: 'how long a node may miss heartbeats before it is marked unhealthy (Go duration)', default: '50s' },
  'node-monitor-period': { type: 'string', help: 'how often node health is checked (Go duration)', default: '5s' },
  'node-eviction-rate': { type: 'string', help: 'nodes per second whose pods are evicted when a zone is healthy', default: '0.1' },
  'terminated-pod-gc-threshold': { type: 'number', help: 'terminated pods kept before the pod GC deletes the oldest', default: '12500' },
  'concurrent-syncs': { type: 'number', help: 'workers per controller', default: '5' },
  // Upstream's defaults are 20/30, sized for an apiserver without flow control in front of etcd. kubets' apiserver
  // has API Priority and Fairness and its own 429s, so the client limit is only a backstop: a Deployment of 1,000
  // replicas should not take 50 s to get its pods because of a client-side bucket.
  'kube-api-qps': { type: 'string', help: 'requests per second to the API per client (each controller has its own)', default: '1000' },
  'kube-api-burst': { type: 'number', help: 'burst of requests to the API per client', default: '2000' },
  'leader-elect': { type: 'boolean', help: 'elect a leader before running controllers', default: 'true' },
  'leader-elect-lease-duration': { type: 'string', help: 'lease duration (Go duration)', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', help: 'renew deadline (Go duration)', default: '10s' },
  'leader-elect-retry-period': { type: 'string', help: 'retry period (Go duration)', default: '2s' },
};

function parseRate(s: string, flag = 'node-eviction-rate'): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new FlagError(`invalid argument "${s}" for "--${flag}" flag: not a non-negative number`);
  return n;
}

async function runCM(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags(args, FLAGS);
  if (positional.length > 0) throw new FlagError(`unexpected argument: ${positional[0]}`);
  const kubeconfig = flags['kubeconfig'] as string | undefined;
  if (!kubeconfig) throw new FlagError('--kubeconfig FILE is required');
  const d = (n: string, def: string) => parseDuration((flags[n] as string | undefined) ?? def, n);
  exitWhenParentDies();
  const client = new RestClient({ ...loadKubeconfig(kubeconfig), userAgent: `kube-controller-manager/${KUBERNETES_VERSION.gitVersion} (linux/amd64) kubets`, qps: parseRate((flags['kube-api-qps'] as string | undefined) ?? '1000', 'kube-api-qps'), burst: (flags['kube-api-burst'] as number | undefined) ?? 2000 });
  const ac = new AbortController();
  const done = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => resolve(0));
    process.once('SIGINT', () => resolve(0));
  });
  const lost = new Promise<number>((resolve) => {
    void runControllerManager(
      {
        client,
        controllers: (flags['controllers'] as string[] | undefined) ?? ['*'],
        ...(flags['cluster-signing-cert-file'] ? { clusterSigningCertFile: flags['cluster-signing-cert-file'] as string } : {}),
        ...(flags['cluster-signing-key-file'] ? { clusterSigningKeyFile: flags['cluster-signing-key-file'] as string } : {}),
        clusterSigningDurationSeconds: Math.floor(d('cluster-signing-duration', '8760h') / 1000),
        leaderElect: (flags['leader-elect'] as boolean | undefined) ?? true,
        ...(flags['root-ca-file'] ? { rootCaPem: readFileSync(flags['root-ca-file'] as string, 'utf8') } : {}),
        nodeMonitorGracePeriodMs: d('node-monitor-grace-period', '50s'),
        nodeMonitorPeriodMs: d('node-monitor-period', '5s'),
        nodeEvictionRate: parseRate((flags['node-eviction-rate'] as string | undefined) ?? '0.1'),
        terminatedPodGcThreshold: (flags['terminated-pod-gc-threshold'] as number | undefined) ?? 12_500,
        workers: (flags['concurrent-syncs'] as number | undefined) ?? 5,
        useServiceAccountCredentials: (flags['use-service-account-credentials'] as boolean | undefined) ?? false,
        allocateNodeCidrs: (flags['allocate-node-cidrs'] as boolean | undefined) ?? false,
        ...(flags['cluster-cidr'] ? { clusterCidr: flags['cluster-cidr'] as string } : {}),
        nodeCidrMaskSize: (flags['node-cidr-mask-size'] as number | undefined) ?? 24,
        leaseDurationMs: d('leader-elect-lease-duration', '15s'),
        renewDeadlineMs: d('leader-elect-renew-deadline', '10s'),
        retryPeriodMs: d('leader-elect-retry-period', '2s'),
      },
      ac.signal,
      () => resolve(1),
    ).catch((err) => {
      process.stderr.write(`kubets controller-manager: ${err instanceof Error ? err.message : String(err)}\n`);
      resolve(1);
    });
  });
  const code = await Promise.race([done, lost]);
  ac.abort();
  client.close();
  if (code !== 0) process.stderr.write('kubets controller-manager: leader election lost\n');
  return code;
}

export const controllerManager: Command = {
  summary: 'Run the controllers that keep the cluster in its desired state',
  usage: `kubets controller-manager --kubeconfig FILE [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: async (args) => {
    try {
      return await runCM(args);
    } catch (err) {
      if (err instanceof FlagError) {
        process.stderr.write(`kubets controller-manager: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
};

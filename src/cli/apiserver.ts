// `kubets apiserver` and `kubets server`: run the kube-apiserver (the server command grows the rest of the control plane later).
import { ApiServer, type ApiServerOptions } from '../apiserver/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec } from './flags.js';

const FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string', help: 'directory for the store, the cluster PKI and admin.kubeconfig', default: '/var/lib/kubets' },
  'https-port': { type: 'number', help: 'HTTPS port of the API (0 picks a free one)', default: '6443' },
  'bind-address': { type: 'string', help: 'address the API listens on', default: '127.0.0.1' },
  storage: { type: 'string', help: 'sqlite (embedded) or etcd', default: 'sqlite' },
  'etcd-servers': { type: 'list', help: 'etcd client URLs (comma separated) for --storage etcd' },
  'etcd-prefix': { type: 'string', help: 'key prefix inside etcd', default: '/registry' },
  'service-cluster-ip-range': { type: 'string', help: 'CIDR Services get their ClusterIP from', default: '10.96.0.0/16' },
  'service-node-port-range': { type: 'string', help: 'port range for NodePort Services', default: '30000-32767' },
};

/** Parses the flags into apiserver options; throws FlagError with a one-line reason. */
export function apiServerOptions(args: readonly string[]): ApiServerOptions {
  const { flags, positional } = parseFlags(args, FLAGS);
  if (positional.length > 0) throw new FlagError(`unexpected argument: ${positional[0]}`);
  const storage = (flags['storage'] as string | undefined) ?? 'sqlite';
  if (storage !== 'sqlite' && storage !== 'etcd') throw new FlagError(`invalid --storage "${storage}": want sqlite or etcd`);
  const etcdServers = flags['etcd-servers'] as string[] | undefined;
  if (storage === 'etcd' && (!etcdServers || etcdServers.length === 0)) throw new FlagError('--storage etcd needs --etcd-servers URLS');
  const port = (flags['https-port'] as number | undefined) ?? 6443;
  if (port < 0 || port > 65535) throw new FlagError(`invalid --https-port ${port}`);
  return {
    dataDir: (flags['data-dir'] as string | undefined) ?? '/var/lib/kubets',
    httpsPort: port,
    bindAddress: (flags['bind-address'] as string | undefined) ?? '127.0.0.1',
    storage,
    ...(etcdServers ? { etcdServers } : {}),
    ...(flags['etcd-prefix'] ? { etcdPrefix: flags['etcd-prefix'] as string } : {}),
    serviceClusterIpRange: (flags['service-cluster-ip-range'] as string | undefined) ?? '10.96.0.0/16',
    serviceNodePortRange: (flags['service-node-port-range'] as string | undefined) ?? '30000-32767',
  };
}

/** Runs an apiserver until SIGTERM/SIGINT; prints the admin kubeconfig path once the API answers. */
async function runServer(name: string, args: string[]): Promise<number> {
  let opts: ApiServerOptions;
  try {
    opts = apiServerOptions(args);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`kubets ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const server = new ApiServer(opts);
  try {
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') process.stderr.write(`kubets ${name}: port ${opts.httpsPort} on ${opts.bindAddress} is already in use\n`);
    else process.stderr.write(`kubets ${name}: ${e.message ?? String(err)}\n`);
    return 1;
  }
  const kubeconfig = await server.writeAdminKubeconfig();
  process.stdout.write(`kubets ${name}: API at ${server.url} (storage ${server.backend.name})\n`);
  process.stdout.write(`kubets ${name}: admin kubeconfig written to ${kubeconfig}\n`);
  process.stdout.write(`  export KUBECONFIG=${kubeconfig}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      process.stdout.write(`kubets ${name}: ${sig}, shutting down\n`);
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  await server.stop();
  process.stdout.write(`kubets ${name}: stopped\n`);
  return 0;
}

export const apiserver: Command = {
  summary: 'Run the Kubernetes API server',
  usage: `kubets apiserver [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: (args) => runServer('apiserver', args),
};

export const server: Command = {
  summary: 'Run a single-node cluster on this machine (for now: the API server)',
  usage: `kubets server [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: (args) => runServer('server', args),
};

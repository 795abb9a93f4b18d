// `kubets apiserver` and `kubets server`: run the kube-apiserver (the server command grows the rest of the control plane later).
import os from 'node:os';
import path from 'node:path';
import { ApiServer, type ApiServerOptions, type SecurityOptions } from '../apiserver/index.js';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { kubeletIdentity } from '../pki/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec, type Flags } from './flags.js';
import { ensureJoinToken } from './jointoken.js';
import { NODE_FLAGS } from './kubelet.js';
import { Supervisor } from './supervisor.js';

const FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string', help: 'directory for the store, the cluster PKI and admin.kubeconfig', default: '/var/lib/kubets' },
  'https-port': { type: 'number', help: 'HTTPS port of the API (0 picks a free one)', default: '6443' },
  'bind-address': { type: 'string', help: 'address the API listens on', default: '127.0.0.1' },
  storage: { type: 'string', help: 'sqlite (embedded) or etcd', default: 'sqlite' },
  'etcd-servers': { type: 'list', help: 'etcd client URLs (comma separated) for --storage etcd' },
  'etcd-prefix': { type: 'string', help: 'key prefix inside etcd', default: '/registry' },
  'service-cluster-ip-range': { type: 'string', help: 'CIDR Services get their ClusterIP from', default: '10.96.0.0/16' },
  'service-node-port-range': { type: 'string', help: 'port range for NodePort Services', default: '30000-32767' },
  'anonymous-auth': { type: 'boolean', help: 'serve unauthenticated requests as system:anonymous (else 401)', default: 'false' },
  'token-auth-file': { type: 'string', help: 'CSV of static bearer tokens: token,user,uid,"group1,group2"' },
  'authorization-mode': { type: 'list', help: 'authorizers in order: Node, RBAC, AlwaysAllow', default: 'Node,RBAC' },
  'enable-admission-plugins': { type: 'list', help: 'admission plugins to enable besides the defaults' },
  'disable-admission-plugins': { type: 'list', help: 'default admission plugins to disable' },
  'service-account-issuer': { type: 'string', help: 'iss of service-account tokens', default: 'https://kubernetes.default.svc.cluster.local' },
  'api-audiences': { type: 'list', help: 'audiences the API accepts in tokens (default: the issuer)' },
  'encryption-provider-config': { type: 'string', help: 'EncryptionConfiguration file for encryption at rest' },
  'audit-log-path': { type: 'string', help: 'write audit events as JSON lines here (- for stdout)' },
  'audit-policy-file': { type: 'string', help: 'audit.k8s.io/v1 Policy deciding what is logged' },
  'audit-log-maxage': { type: 'number', help: 'days to keep rotated audit logs (0: no limit)', default: '0' },
  'audit-log-maxbackup': { type: 'number', help: 'rotated audit logs to keep (0: no limit)', default: '0' },
  'audit-log-maxsize': { type: 'number', help: 'MB an audit log grows to before it is rotated (0: never)', default: '0' },
  'max-requests-inflight': { type: 'number', help: 'non-mutating requests in flight at once', default: '400' },
  'max-mutating-requests-inflight': { type: 'number', help: 'mutating requests in flight at once', default: '200' },
  'enable-priority-and-fairness': { type: 'boolean', help: 'API Priority and Fairness instead of the max-inflight limits', default: 'true' },
};

/** Flags only `kubets server` has: its own node and the components it supervises. */
const SERVER_FLAGS: Record<string, FlagSpec> = {
  ...FLAGS,
  ...NODE_FLAGS,
  'disable-agent': { type: 'boolean', help: 'run no kubelet on this machine (control plane only)', default: 'false' },
  'disable-controller-manager': { type: 'boolean', help: 'run no controller-manager', default: 'false' },
  'disable-scheduler': { type: 'boolean', help: 'run no scheduler', default: 'false' },
  'kube-controller-manager-arg': { type: 'repeated', help: 'extra flag for the controller-manager, name=value (repeatable, as k3s)' },
  'kube-scheduler-arg': { type: 'repeated', help: 'extra flag for the scheduler, name=value (repeatable)' },
  'kubelet-arg': { type: 'repeated', help: 'extra flag for the kubelet, name=value (repeatable)' },
  'cluster-cidr': { type: 'string', help: 'CIDR pods get their IPs from (node podCIDRs are carved from it)', default: '10.244.0.0/16' },
};

const AUTHZ_MODES = ['Node', 'RBAC', 'AlwaysAllow'];

/** The issue-4 part of the flags: authn, authz, admission, encryption, audit, flow control. */
function securityOptions(flags: Flags): SecurityOptions {
  const modes = (flags['authorization-mode'] as string[] | undefined) ?? ['Node', 'RBAC'];
  for (const m of modes) if (!AUTHZ_MODES.includes(m)) throw new FlagError(`invalid --authorization-mode "${m}": want ${AUTHZ_MODES.join(', ')}`);
  const num = (name: string, def: number) => {
    const v = (flags[name] as number | undefined) ?? def;
    if (v < 0) throw new FlagError(`invalid --${name} ${v}: must not be negative`);
    return v;
  };
  const opt = <T>(name: string) => (flags[name] !== undefined ? (flags[name] as T) : undefined);
  return {
    anonymousAuth: (flags['anonymous-auth'] as boolean | undefined) ?? false,
    ...(opt<string>('token-auth-file') ? { tokenAuthFile: opt<string>('token-auth-file')! } : {}),
    authorizationModes: modes,
    enableAdmissionPlugins: opt<string[]>('enable-admission-plugins') ?? [],
    disableAdmissionPlugins: opt<string[]>('disable-admission-plugins') ?? [],
    serviceAccountIssuer: opt<string>('service-account-issuer') ?? 'https://kubernetes.default.svc.cluster.local',
    ...(opt<string[]>('api-audiences') ? { apiAudiences: opt<string[]>('api-audiences')! } : {}),
    ...(opt<string>('encryption-provider-config') ? { encryptionProviderConfig: opt<string>('encryption-provider-config')! } : {}),
    ...(opt<string>('audit-log-path') ? { auditLogPath: opt<string>('audit-log-path')! } : {}),
    ...(opt<string>('audit-policy-file') ? { auditPolicyFile: opt<string>('audit-policy-file')! } : {}),
    auditLogMaxAge: num('audit-log-maxage', 0),
    auditLogMaxBackup: num('audit-log-maxbackup', 0),
    auditLogMaxSize: num('audit-log-maxsize', 0),
    maxRequestsInflight: num('max-requests-inflight', 400),
    maxMutatingRequestsInflight: num('max-mutating-requests-inflight', 200),
    enablePriorityAndFairness: (flags['enable-priority-and-fairness'] as boolean | undefined) ?? true,
  };
}

/** Parses the flags into apiserver options; throws FlagError with a one-line reason. */
export function apiServerOptions(args: readonly string[], specs: Record<string, FlagSpec> = FLAGS): ApiServerOptions {
  const { flags, positional } = parseFlags(args, specs);
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
    security: securityOptions(flags),
  };
}

/** Runs an apiserver until SIGTERM/SIGINT; prints the admin kubeconfig path once the API answers. */
async function runServer(name: string, args: string[]): Promise<number> {
  let opts: ApiServerOptions;
  let serverFlags: Flags = {};
  try {
    opts = apiServerOptions(args, name === 'server' ? SERVER_FLAGS : FLAGS);
    if (name === 'server') serverFlags = parseFlags(args, SERVER_FLAGS).flags;
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
  // The single-node cluster gives its components (scheduler, controller-manager, proxy, the apiserver's kubelet
  // client) their own identities and keeps every certificate renewed.
  let supervisor: Supervisor | undefined;
  if (name === 'server') supervisor = await startComponents(server, opts, serverFlags, kubeconfig);
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
  await supervisor?.stop();
  await server.stop();
  process.stdout.write(`kubets ${name}: stopped\n`);
  return 0;
}

/** k3s-style `--<component>-arg name=value` flags as command-line flags of that component. */
function extraArgs(flags: Flags, name: string): string[] {
  return ((flags[name] as string[] | undefined) ?? []).map((a) => `--${a.replace(/^--/, '')}`);
}

/** The node-flag arguments `kubets server` hands on to its kubelet. */
function nodeArgs(flags: Flags): string[] {
  const out: string[] = [];
  for (const n of Object.keys(NODE_FLAGS)) {
    const v = flags[n];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.push(`--${n}`, item);
    else out.push(`--${n}`, String(v));
  }
  return out;
}

/**
 * The single-node cluster's other components: credentials for each (renewed by the apiserver), the join token
 * for agents, then the controller-manager and this machine's kubelet as supervised child processes.
 */
async function startComponents(server: ApiServer, opts: ApiServerOptions, flags: Flags, adminKubeconfig: string): Promise<Supervisor> {
  const nodeName = ((flags['node-name'] as string | undefined) ?? os.hostname()).toLowerCase();
  const runAgent = !(flags['disable-agent'] as boolean | undefined);
  await server.manageCredentials(runAgent ? [kubeletIdentity(nodeName)] : []);
  const dir = opts.dataDir;
  const cred = (n: string) => path.join(dir, 'cred', `${n}.kubeconfig`);
  const admin = new RestClient({ ...loadKubeconfig(adminKubeconfig), qps: 0 });
  try {
    const token = await ensureJoinToken(admin, dir, server.pki.ca.certPem);
    void token;
    process.stdout.write(`kubets server: node join token written to ${path.join(dir, 'token')}\n`);
  } finally {
    admin.close();
  }
  const sup = new Supervisor();
  if (!(flags['disable-controller-manager'] as boolean | undefined)) {
    sup.start({
      name: 'controller-manager',
      args: [
        'controller-manager',
        '--kubeconfig', cred('kube-controller-manager'),
        '--cluster-signing-cert-file', path.join(dir, 'tls', 'client-ca.crt'),
        '--cluster-signing-key-file', path.join(dir, 'tls', 'client-ca.key'),
        '--use-service-account-credentials',
        '--root-ca-file', path.join(dir, 'tls', 'server-ca.crt'),
        '--allocate-node-cidrs',
        '--cluster-cidr', (flags['cluster-cidr'] as string | undefined) ?? '10.244.0.0/16',
        ...extraArgs(flags, 'kube-controller-manager-arg'),
      ],
    });
  }
  if (!(flags['disable-scheduler'] as boolean | undefined)) {
    sup.start({ name: 'scheduler', args: ['scheduler', '--kubeconfig', cred('kube-scheduler'), ...extraArgs(flags, 'kube-scheduler-arg')] });
  }
  if (runAgent) {
    const runtime = (flags['runtime'] as string | undefined) ?? 'containerd';
    if (runtime === 'containerd') {
      process.stdout.write('kubets server: --runtime containerd is not available yet in this build; no kubelet started (use --runtime simulated)\n');
    } else {
      sup.start({
        name: 'kubelet',
        args: ['kubelet', '--kubeconfig', cred(`kubelet-${nodeName}`), '--data-dir', path.join(dir, 'agent'), '--node-name', nodeName, ...nodeArgs(flags).filter((a, i, all) => !(a === '--node-name' || all[i - 1] === '--node-name')), ...extraArgs(flags, 'kubelet-arg')],
      });
    }
  }
  return sup;
}

export const apiserver: Command = {
  summary: 'Run the Kubernetes API server',
  usage: `kubets apiserver [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: (args) => runServer('apiserver', args),
};

export const server: Command = {
  summary: 'Run a single-node cluster on this machine: the API server, the controller-manager, the scheduler and a kubelet',
  usage: `kubets server [flags]\n\nFlags:\n${flagUsage(SERVER_FLAGS)}`,
  run: (args) => runServer('server', args),
};

// `kubets agent`: join this machine (or a simulated fleet) to a cluster as a node, and supervise its node components.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { X509Certificate } from 'node:crypto';
import { bootstrapNodeCredentials } from '../kubelet/index.js';
import type { Command } from './commands.js';
import { FlagError, flagUsage, parseFlags, type FlagSpec, type Flags } from './flags.js';
import { NODE_FLAGS } from './kubelet.js';
import { Supervisor } from './supervisor.js';

const FLAGS: Record<string, FlagSpec> = {
  server: { type: 'string', help: 'URL of the cluster\'s API server (required with --token)' },
  token: { type: 'string', help: 'join token (DIR/token of the server: K10<ca-hash>::<id>.<secret>)' },
  'token-file': { type: 'string', help: 'file holding the join token' },
  kubeconfig: { type: 'string', help: 'use these credentials instead of joining with a token (required for --nodes > 1)' },
  'data-dir': { type: 'string', help: 'the node\'s state directory', default: '/var/lib/kubets/agent' },
  nodes: { type: 'number', help: 'run this many simulated nodes (simulated runtime, needs --kubeconfig)', default: '1' },
  'simulated-start-delay': { type: 'string', help: 'delay before a simulated container runs (Go duration)', default: '0s' },
  ...NODE_FLAGS,
};

/** The node-flag arguments to hand on to the kubelet child. */
function nodeArgs(flags: Flags): string[] {
  const out: string[] = [];
  for (const name of [...Object.keys(NODE_FLAGS), 'nodes', 'simulated-start-delay']) {
    const v = flags[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.push(`--${name}`, item);
    else out.push(`--${name}`, String(v));
  }
  return out;
}

async function runAgent(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags(args, FLAGS);
  if (positional.length > 0) throw new FlagError(`unexpected argument: ${positional[0]}`);
  const dataDir = (flags['data-dir'] as string | undefined) ?? '/var/lib/kubets/agent';
  const nodes = (flags['nodes'] as number | undefined) ?? 1;
  let kubeconfig = flags['kubeconfig'] as string | undefined;
  let token = flags['token'] as string | undefined;
  if (!token && flags['token-file']) token = (await fs.readFile(flags['token-file'] as string, 'utf8')).trim();
  const server = flags['server'] as string | undefined;
  if (!kubeconfig && !token) throw new FlagError('--token TOKEN (or --token-file, or --kubeconfig) is required');
  if (token && !server) throw new FlagError('--server URL is required with --token');
  if (nodes > 1 && !kubeconfig) throw new FlagError('--nodes N > 1 runs many nodes on one identity: give --kubeconfig with rights over every node (e.g. the admin kubeconfig)');
  const nodeName = ((flags['node-name'] as string | undefined) ?? os.hostname()).toLowerCase();
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const log = (l: string) => process.stdout.write(`kubets agent: ${l}\n`);

  let notAfter: Date | undefined;
  let notBefore: Date | undefined;
  if (!kubeconfig) {
    try {
      const creds = await bootstrapNodeCredentials({ server: server!, token: token!, nodeName, dataDir, log });
      kubeconfig = creds.kubeconfig;
      notAfter = creds.notAfter;
      notBefore = creds.notBefore;
    } catch (err) {
      process.stderr.write(`kubets agent: ${(err as Error).message}\n`);
      return 1;
    }
    log(`node ${nodeName} credentials in ${kubeconfig}`);
  }

  const sup = new Supervisor();
  const kubeletArgs = ['kubelet', '--kubeconfig', kubeconfig, '--data-dir', dataDir, ...nodeArgs(flags)];
  if (!flags['node-name']) kubeletArgs.push('--node-name', nodeName);
  sup.start({ name: 'kubelet', args: kubeletArgs });

  // Certificate rotation: renew when 80% of the lifetime has passed, then restart the kubelet on the new one.
  let renewTimer: NodeJS.Timeout | undefined;
  const scheduleRenewal = (retryMs?: number) => {
    if (!notAfter || !notBefore || !token || !server) return;
    const at = retryMs !== undefined ? Date.now() + retryMs : notBefore.getTime() + 0.8 * (notAfter.getTime() - notBefore.getTime());
    renewTimer = setTimeout(async () => {
      try {
        const creds = await bootstrapNodeCredentials({ server, token: token!, nodeName, dataDir, log, renewFraction: 0.2 });
        notAfter = creds.notAfter;
        notBefore = creds.notBefore;
        if (creds.issued) {
          log(`node certificate renewed, valid until ${creds.notAfter.toISOString()}; restarting the kubelet`);
          const pid = sup.pid('kubelet');
          if (pid) process.kill(pid, 'SIGTERM');
        }
      } catch (err) {
        log(`certificate renewal failed, retrying in 1 min: ${(err as Error).message}`);
        scheduleRenewal(60_000);
        return;
      }
      scheduleRenewal();
    }, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
    renewTimer.unref();
  };
  scheduleRenewal();

  const sig = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`${sig}, shutting down`);
  if (renewTimer) clearTimeout(renewTimer);
  await sup.stop();
  log('stopped');
  return 0;
}

/** Reads the expiry of a kubeconfig's embedded client certificate, for logs and tests. */
export async function certificateNotAfter(file: string): Promise<Date | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const m = /client-certificate-data: (\S+)/.exec(text);
  if (!m) return undefined;
  return new Date(new X509Certificate(Buffer.from(m[1]!, 'base64')).validTo);
}

export const agent: Command = {
  summary: 'Join this machine to a cluster as a node (or run a fleet of simulated nodes)',
  usage: `kubets agent --server URL --token TOKEN [flags]\n\nFlags:\n${flagUsage(FLAGS)}`,
  run: async (args) => {
    try {
      return await runAgent(args);
    } catch (err) {
      if (err instanceof FlagError) {
        process.stderr.write(`kubets agent: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
};

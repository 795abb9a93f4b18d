// The node IPAM controller (upstream nodeipam, range allocator): gives every node a podCIDR carved from --cluster-cidr.
import type { Node } from 'kubernetes-types/core/v1.js';
import { isNotFound, runWorkers, WorkQueue, type EventRecorder, type Informer, type RestClient } from '../../client/index.js';
import { formatIp, parseCidr } from '../../pki/index.js';
import type { ControllerDescriptor } from '../context.js';

/**
 * Allocates node CIDRs of `maskSize` bits from `clusterCidr` (IPv4). Which subnets are taken is derived from
 * the nodes in the informer on every sync (no separate state to drift), plus the allocations this process made
 * and has not seen come back yet. The search for a free subnet starts after the last one handed out and wraps
 * around, as upstream's CIDR set does.
 */
export class NodeIpamController {
  private readonly queue = new WorkQueue<string>({ name: 'nodeipam' });
  private readonly network: bigint;
  private readonly prefix: number;
  private readonly pending = new Map<string, string>();
  /** Where the next search for a free subnet starts (after the last one handed out), so n nodes cost O(n). */
  private cursor = 0;

  constructor(
    private readonly client: RestClient,
    private readonly nodes: Informer<Node>,
    clusterCidr: string,
    private readonly maskSize = 24,
    private readonly recorder?: EventRecorder,
  ) {
    const c = parseCidr(clusterCidr);
    if (c.family !== 4) throw new Error(`--cluster-cidr ${clusterCidr}: only IPv4 is supported`);
    if (maskSize < c.prefix || maskSize > 30) throw new Error(`--node-cidr-mask-size ${maskSize} does not fit in --cluster-cidr ${clusterCidr}`);
    this.network = c.network;
    this.prefix = c.prefix;
    const enqueue = (o: unknown) => {
      const n = o as Node;
      const name = n.metadata!.name!;
      // The allocation came back through the watch: the informer now accounts for it.
      if (n.spec?.podCIDR) this.pending.delete(name);
      else this.queue.add(name);
    };
    nodes.addEventHandler({
      add: enqueue,
      update: (_o, n) => enqueue(n),
      // A deleted node's CIDR is free again (used CIDRs are derived from the informer); nodes still waiting for
      // one (the range was exhausted) get another try at once.
      delete: (o) => {
        this.pending.delete((o as Node).metadata!.name!);
        for (const n of this.nodes.lister.list() as Node[]) if (!n.spec?.podCIDR) this.queue.add(n.metadata!.name!);
      },
    });
  }

  async run(signal: AbortSignal, workers = 1): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runWorkers(this.queue, workers, (name) => this.sync(name), signal, (name, err) => process.stderr.write(`nodeipam: ${name}: ${String(err)}\n`));
  }

  /** The subnet with index `i`. */
  private subnet(i: number): string {
    return `${formatIp({ family: 4, value: this.network + (BigInt(i) << BigInt(32 - this.maskSize)) })}/${this.maskSize}`;
  }

  async sync(name: string): Promise<void> {
    const node = this.nodes.lister.get(name) as Node | undefined;
    if (!node || node.spec?.podCIDR) {
      this.pending.delete(name);
      return;
    }
    const used = new Set<string>(this.pending.values());
    for (const n of this.nodes.lister.list() as Node[]) for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) used.add(c);
    let cidr = this.pending.get(name);
    if (!cidr) {
      const count = 2 ** (this.maskSize - this.prefix);
      for (let k = 0; k < count; k++) {
        const i = (this.cursor + k) % count;
        const s = this.subnet(i);
        if (!used.has(s)) {
          cidr = s;
          this.cursor = (i + 1) % count;
          break;
        }
      }
    }
    if (!cidr) {
      this.recorder?.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`no remaining CIDRs in the cluster CIDR for node ${name}`);
    }
    this.pending.set(name, cidr);
    try {
      await this.client.resource<Node>('nodes').patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
      this.recorder?.event(node, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} was assigned CIDR ${cidr}`);
    } catch (err) {
      this.pending.delete(name);
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

/** The node IPAM controller as the controller-manager registers it (runs only with --allocate-node-cidrs). */
export const nodeIpam: ControllerDescriptor = {
  name: 'nodeipam',
  serviceAccount: 'node-controller',
  defaultOn: true,
  async start(ctx, signal) {
    if (!ctx.options.allocateNodeCidrs || !ctx.options.clusterCidr) return;
    const c = new NodeIpamController(ctx.client, ctx.informers.informerFor<Node>('nodes'), ctx.options.clusterCidr, ctx.options.nodeCidrMaskSize, ctx.recorder);
    await ctx.informers.waitForCacheSync(signal);
    await c.run(signal);
  },
};

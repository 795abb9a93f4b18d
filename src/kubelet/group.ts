// Runs one or many kubelets in one process over one API client and one pod and one node informer (the simulated fleet of `kubets agent --nodes N`).
import { setMaxListeners } from 'node:events';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Informer, waitForCacheSync, type RestClient } from '../client/index.js';
import { Kubelet, type KubeletOptions } from './kubelet.js';

/**
 * A set of kubelets sharing informers. With one kubelet the informers select its node only
 * (`spec.nodeName=NAME`, `metadata.name=NAME`), as a lone upstream kubelet does, which is also what the Node
 * authorizer lets a node identity list; with several they select every bound pod and every node and dispatch by
 * name. Kubelets are added before `start`.
 */
export class KubeletGroup {
  private readonly kubelets = new Map<string, Kubelet>();
  private podInformer: Informer<Pod> | undefined;
  private nodeInformer: Informer<Node> | undefined;

  constructor(private readonly client: RestClient) {}

  /** Adds a kubelet (before start). */
  add(opts: Omit<KubeletOptions, 'client'>): Kubelet {
    const k = new Kubelet({ ...opts, client: this.client });
    this.kubelets.set(k.nodeName, k);
    return k;
  }

  get size(): number {
    return this.kubelets.size;
  }

  /** Whether every kubelet registered its node. */
  allReady(): boolean {
    for (const k of this.kubelets.values()) if (!k.ready) return false;
    return true;
  }

  /**
   * Starts the informers, waits for their first list, then starts every kubelet (registration in parallel, at most
   * `registerConcurrency` at a time). Resolves once every node registered or `signal` aborts.
   */
  async start(signal: AbortSignal, registerConcurrency = 64): Promise<void> {
    // Every kubelet listens for the abort: thousands of listeners on one signal are expected here.
    setMaxListeners(0, signal);
    const single = this.kubelets.size === 1 ? [...this.kubelets.keys()][0]! : undefined;
    const pods = this.client.resource<Pod>('pods');
    const nodes = this.client.resource<Node>('nodes');
    this.podInformer = new Informer<Pod>(pods, { fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=' });
    this.nodeInformer = new Informer<Node>(nodes, single ? { fieldSelector: `metadata.name=${single}` } : {});
    const forPod = (pod: Pod) => this.kubelets.get(pod.spec?.nodeName ?? '');
    this.podInformer.addEventHandler({
      add: (p) => forPod(p as Pod)?.podUpdated(p as Pod),
      update: (_o, p) => forPod(p as Pod)?.podUpdated(p as Pod),
      delete: (p) => forPod(p as Pod)?.podDeleted(p as Pod),
    });
    this.nodeInformer.addEventHandler({
      add: (n) => this.kubelets.get((n as Node).metadata?.name ?? '')?.nodeUpdated(n as Node),
      update: (_o, n) => this.kubelets.get((n as Node).metadata?.name ?? '')?.nodeUpdated(n as Node),
    });
    this.podInformer.start(signal);
    this.nodeInformer.start(signal);
    if (!(await waitForCacheSync(signal, this.podInformer, this.nodeInformer))) return;
    const queue = [...this.kubelets.values()];
    const runners = Array.from({ length: Math.min(registerConcurrency, queue.length) }, async () => {
      for (let k = queue.shift(); k && !signal.aborted; k = queue.shift()) await k.start(signal);
    });
    await Promise.all(runners);
  }

  /** Stops every kubelet (containers keep running). */
  async stop(): Promise<void> {
    await Promise.all([...this.kubelets.values()].map((k) => k.stop()));
  }
}

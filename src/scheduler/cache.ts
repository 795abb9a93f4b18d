// The scheduler cache (upstream pkg/scheduler/internal/cache): nodes and the pods on them, including pods assumed on a node before their binding is observed, and incremental snapshots.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo, Snapshot, newPodInfo, podKey, podUid } from './nodeinfo.js';

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
  /** When an assumed pod whose binding finished expires if the watch never shows it (ms since epoch). */
  deadline?: number;
}

export interface CacheOptions {
  /** How long an assumed pod whose binding finished may wait for the watch to confirm it [30 s]; 0 = never expire. */
  assumedPodTtlMs?: number;
  now?: () => number;
}

/**
 * Nodes and pods as the scheduler sees them. Pods are keyed by uid. A pod is assumed on a node when the
 * scheduling cycle picks it (so the next cycle sees its resources used), confirmed when the informer delivers it
 * bound (addPod), forgotten when binding fails, and expired `assumedPodTtlMs` after finishBinding if never
 * confirmed. Every change bumps a generation so {@link updateSnapshot} copies only changed nodes.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private generation = 0;
  /** Names of nodes changed since the last incremental update of `primary`. */
  private readonly dirty = new Set<string>();
  /** The snapshot updated incrementally (the scheduler's own); any other snapshot gets a full pass. */
  private primary: Snapshot | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: CacheOptions = {}) {
    this.ttlMs = opts.assumedPodTtlMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  private touch(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo()));
    ni.generation = ++this.generation;
    this.dirty.add(name);
    return ni;
  }

  private dropIfEmpty(name: string): void {
    const ni = this.nodes.get(name);
    if (ni && !ni.node && ni.pods.length === 0) {
      this.nodes.delete(name);
      this.generation++;
      this.dirty.add(name);
    }
  }

  /** Adds or replaces a node. */
  addNode(node: Node): void {
    this.touch(node.metadata?.name ?? '').setNode(node);
  }

  /** Replaces a node (same as addNode). */
  updateNode(_old: Node, node: Node): void {
    this.addNode(node);
  }

  /** Removes a node; its pods stay accounted until they are deleted (as upstream, the node becomes a ghost). */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (!ni) return;
    ni.node = undefined;
    ni.generation = ++this.generation;
    this.dirty.add(name);
    this.dropIfEmpty(name);
  }

  private addToNode(pod: Pod, nodeName: string): void {
    this.touch(nodeName).addPod(newPodInfo(pod));
  }

  private removeFromNode(pod: Pod, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    ni.removePod(pod);
    ni.generation = ++this.generation;
    this.dirty.add(nodeName);
    this.dropIfEmpty(nodeName);
  }

  /** Assumes `pod` (with spec.nodeName set to the chosen node) runs there. Throws if the pod is already known. */
  assumePod(pod: Pod): void {
    const uid = podUid(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    if (this.podStates.has(uid)) throw new Error(`pod ${podKey(pod)}(${uid}) is in the cache, so can't be assumed`);
    this.addToNode(pod, nodeName);
    this.podStates.set(uid, { pod, nodeName, assumed: true, bindingFinished: false });
  }

  /** Starts the expiry clock of an assumed pod (its bind call returned). */
  finishBinding(pod: Pod): void {
    const st = this.podStates.get(podUid(pod));
    if (!st || !st.assumed) return;
    st.bindingFinished = true;
    if (this.ttlMs > 0) st.deadline = this.now() + this.ttlMs;
  }

  /** Drops an assumed pod (scheduling or binding failed). Throws if it is assumed on another node. */
  forgetPod(pod: Pod): void {
    const uid = podUid(pod);
    const st = this.podStates.get(uid);
    if (!st) return;
    if (pod.spec?.nodeName && st.nodeName !== pod.spec.nodeName) {
      throw new Error(`pod ${podKey(pod)}(${uid}) was assumed on ${pod.spec.nodeName} but assigned to ${st.nodeName}`);
    }
    if (!st.assumed) return;
    this.removeFromNode(st.pod, st.nodeName);
    this.podStates.delete(uid);
  }

  /** An assigned pod from the informer: confirms an assumed pod (moving it if bound elsewhere) or adds it. */
  addPod(pod: Pod): void {
    const uid = podUid(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const st = this.podStates.get(uid);
    if (st) {
      this.removeFromNode(st.pod, st.nodeName);
    }
    this.addToNode(pod, nodeName);
    this.podStates.set(uid, { pod, nodeName, assumed: false, bindingFinished: false });
  }

  /** An assigned pod changed. */
  updatePod(_old: Pod, pod: Pod): void {
    this.addPod(pod);
  }

  /** An assigned pod was deleted (or became terminal). */
  removePod(pod: Pod): void {
    const uid = podUid(pod);
    const st = this.podStates.get(uid);
    if (!st) return;
    this.removeFromNode(st.pod, st.nodeName);
    this.podStates.delete(uid);
  }

  /** Whether the pod is assumed and not yet confirmed. */
  isAssumedPod(pod: Pod): boolean {
    return this.podStates.get(podUid(pod))?.assumed ?? false;
  }

  /** The cached version of a pod. */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podUid(pod))?.pod;
  }

  /** Removes assumed pods whose binding finished more than the TTL ago; returns them. */
  cleanupExpiredAssumedPods(now = this.now()): Pod[] {
    const out: Pod[] = [];
    for (const [uid, st] of this.podStates) {
      if (!st.assumed || !st.bindingFinished || st.deadline === undefined || now < st.deadline) continue;
      this.removeFromNode(st.pod, st.nodeName);
      this.podStates.delete(uid);
      out.push(st.pod);
    }
    return out;
  }

  nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node) n++;
    return n;
  }

  podCount(): number {
    return this.podStates.size;
  }

  /**
   * Brings `snapshot` up to date, cloning only the nodes that changed since its generation. The first snapshot
   * updated becomes the primary one: later updates visit only the nodes changed since (O(changes), as upstream's
   * most-recently-updated list), and a node whose pods changed is swapped in place in the node list; the list is
   * rebuilt (sorted) only when nodes come, go or change themselves. Other snapshots get a full pass.
   */
  updateSnapshot(snapshot: Snapshot): void {
    if (snapshot.generation === this.generation) return;
    if (this.primary === undefined && snapshot.generation === 0) this.primary = snapshot;
    if (snapshot !== this.primary) return this.fullUpdate(snapshot);
    let structural = false;
    for (const name of this.dirty) {
      const ni = this.nodes.get(name);
      const old = snapshot.nodeInfoMap.get(name);
      if (!ni) {
        if (old) {
          snapshot.nodeInfoMap.delete(name);
          structural = true;
        }
        continue;
      }
      if (old && old.generation === ni.generation) continue;
      const copy = ni.clone();
      snapshot.nodeInfoMap.set(name, copy);
      if (!old || old.node !== ni.node) structural = true;
      else if (!snapshot.replaceInList(name, copy)) structural = true;
    }
    this.dirty.clear();
    if (structural) snapshot.rebuildLists();
    snapshot.generation = this.generation;
  }

  private fullUpdate(snapshot: Snapshot): void {
    let changed = false;
    for (const [name, ni] of this.nodes) {
      if (ni.generation > snapshot.generation || !snapshot.nodeInfoMap.has(name)) {
        snapshot.nodeInfoMap.set(name, ni.clone());
        changed = true;
      }
    }
    for (const name of [...snapshot.nodeInfoMap.keys()]) {
      if (!this.nodes.has(name)) {
        snapshot.nodeInfoMap.delete(name);
        changed = true;
      }
    }
    if (changed) snapshot.rebuildLists();
    snapshot.generation = this.generation;
  }
}

// Small default plugins: PrioritySort, SchedulingGates, NodeName, NodeUnschedulable, NodePorts and DefaultBinder (upstream plugins of the same names).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RestClient } from '../../client/index.js';
import { toleratesTaint } from '../../kubelet/admission.js';
import {
  CycleState,
  Status,
  type BindPlugin,
  type ClusterEvent,
  type EnqueueExtensions,
  type FilterPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type QueueSortPlugin,
  type QueuedPodInfo,
} from '../framework.js';
import { hostPortConflict, podHostPorts, type HostPort, type NodeInfo } from '../nodeinfo.js';

export const PRIORITY_SORT = 'PrioritySort';
export const SCHEDULING_GATES = 'SchedulingGates';
export const NODE_NAME = 'NodeName';
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const NODE_PORTS = 'NodePorts';
export const DEFAULT_BINDER = 'DefaultBinder';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

/** spec.priority, 0 when unset. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** Orders the activeQ: higher spec.priority first, then earlier queue timestamp. */
export class PrioritySort implements QueueSortPlugin {
  readonly name = PRIORITY_SORT;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = podPriority(a.pod);
    const pb = podPriority(b.pod);
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  }
}

/** Keeps pods with spec.schedulingGates out of the activeQ. */
export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = SCHEDULING_GATES;
  preEnqueue(pod: Pod): Status | undefined {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return undefined;
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }
  eventsToRegister(): ClusterEvent[] {
    return ['UnscheduledPodUpdate'];
  }
}

/** Filters every node but spec.nodeName when it is set. */
export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const want = pod.spec?.nodeName;
    if (want && want !== nodeInfo.name) return Status.unresolvable(ERR_REASON_NODE_NAME);
    return undefined;
  }
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate'];
  }
}

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** Filters nodes with spec.unschedulable unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule. */
export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const node = nodeInfo.node;
    if (!node) return Status.unresolvable('node not found');
    if (!node.spec?.unschedulable) return undefined;
    if ((pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT))) return undefined;
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }
}

const PORTS_KEY = `PreFilter${NODE_PORTS}`;

/** Filters nodes where a wanted host port (same protocol, overlapping IP) is already in use. */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;
  preFilter(state: CycleState, pod: Pod): { status?: Status } | undefined {
    const ports = podHostPorts(pod);
    if (ports.length === 0) return { status: Status.skip() };
    state.write(PORTS_KEY, ports);
    return undefined;
  }
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const ports = state.read<HostPort[]>(PORTS_KEY) ?? podHostPorts(pod);
    if (ports.some((p) => hostPortConflict(p, nodeInfo.usedPorts))) return Status.unschedulable(ERR_REASON_NODE_PORTS);
    return undefined;
  }
  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodDelete', 'NodeAdd'];
  }
}

/** Binds with POST pods/binding (target kind Node). */
export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  constructor(private readonly client: () => RestClient | undefined) {}
  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
    const client = this.client();
    if (!client) return Status.error('no client to bind with');
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await client.resource('pods').createSubresource(
        name,
        'binding',
        { apiVersion: 'v1', kind: 'Binding', metadata: { namespace: ns, name, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) }, target: { kind: 'Node', name: nodeName } },
        { namespace: ns },
      );
      return undefined;
    } catch (err) {
      return Status.error(err as Error);
    }
  }
}

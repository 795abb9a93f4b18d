// Public surface of the kubelet: one node's agent (registration, lease, pod sync) and the runtime seam it drives.
export { Kubelet, type KubeletOptions, containerHash, formatDuration } from './kubelet.js';
export { KubeletGroup } from './group.js';
export {
  KUBELET_VERSION,
  localMachineInfo,
  defaultNodeIP,
  machineCapacity,
  parseResourceList,
  parseTaint,
  type MachineInfo,
  type NodeFacts,
} from './nodestatus.js';
export * from './runtime/types.js';
export { SimulatedRuntime, type SimulatedRuntimeOptions } from './runtime/simulated/index.js';
export { bootstrapNodeCredentials, parseJoinToken, type JoinToken } from './bootstrap.js';

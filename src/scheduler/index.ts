// Public surface of kube-scheduler: runScheduler, the Scheduler, its queue, cache, framework, configuration and the in-tree plugins.
export {
  Scheduler,
  runScheduler,
  FitError,
  NoNodesAvailableError,
  fitErrorMessage,
  numFeasibleNodesToFind,
  selectHost,
  nodeSchedulingPropertiesChanged,
  NO_NODES_AVAILABLE,
  type Diagnosis,
  type RunSchedulerOptions,
  type ScheduleResult,
  type SchedulerOptions,
} from './scheduler.js';
export { SchedulerCache, type CacheOptions } from './cache.js';
export { SchedulingQueue, Heap, type QueueLocation, type SchedulingQueueOptions } from './queue.js';
export * from './framework.js';
export { Framework, type Handle, type NodePluginScores, type PluginFactory, type Registry } from './runtime.js';
export {
  ConfigError,
  DEFAULT_MULTI_POINT,
  DEFAULT_PLUGIN_ARGS,
  DEFAULT_SCHEDULER_NAME,
  SCHEDULER_CONFIG_API_VERSION,
  loadConfigFile,
  mergePluginSet,
  parseGoDuration,
  resolveConfiguration,
  type KubeSchedulerConfiguration,
  type KubeSchedulerProfile,
  type LeaderElectionConfiguration,
  type PluginConfig,
  type PluginRef,
  type PluginSet,
  type Plugins,
  type ResolvedConfiguration,
  type ResolvedProfile,
} from './config.js';
export { NodeInfo, Snapshot, newPodInfo, nonZeroRequests, normalizedImageName, podHostPorts, podKey, type HostPort, type PodInfo } from './nodeinfo.js';
export { inTreeRegistry, UNIMPLEMENTED_PLUGINS } from './plugins/registry.js';
export * as plugins from './plugins/all.js';

// Public surface of the kubets client library (client-go's role): config, REST, informers, work queues, leader election, events.
export { loadKubeconfig, type ClientConfig } from './kubeconfig.js';
export {
  ApiError,
  RestClient,
  TokenBucket,
  TransportError,
  apiErrorFrom,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  resourceRef,
  type DeleteOptions,
  type ListOptions,
  type ObjectList,
  type PatchType,
  type RequestOptions,
  type ResourceClient,
  type ResourceRef,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
} from './rest.js';
export { NAMESPACE_INDEX, Store, deepFreeze, metaKey, splitMetaKey, type DeepReadonly, type IndexFunc, type Lister } from './store.js';
export { Informer, SharedInformerFactory, waitForCacheSync, type EventHandler, type InformerOptions } from './informer.js';
export {
  WorkQueue,
  bucketRateLimiter,
  defaultControllerRateLimiter,
  exponentialRateLimiter,
  maxOfRateLimiter,
  runWorkers,
  type Clock,
  type RateLimiter,
} from './workqueue.js';
export { LeaderElector, microTime, type LeaderElectionConfig } from './leaderelection.js';
export { EventRecorder, sprintf } from './events.js';

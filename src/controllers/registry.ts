// Every controller kubets has, in start order (the lead engineer adds each new controller here).
import type { ControllerDescriptor } from './context.js';
import { csrApproving, csrSigning } from './certificates/descriptors.js';
import { nodeIpam } from './nodeipam/nodeipam.js';
import { garbageCollector } from './garbagecollector/index.js';
import { namespaceController } from './namespace/index.js';
import { statefulSet } from './statefulset/index.js';
import { daemonSet } from './daemonset/index.js';
import { nodeLifecycle, taintEviction } from './nodelifecycle/index.js';
import { disruption } from './disruption/index.js';
import { job } from './job/index.js';
import { cronJob } from './cronjob/index.js';
import { ttlAfterFinished } from './ttlafterfinished/index.js';
import { podGc } from './podgc/index.js';
import { deployment } from './deployment/index.js';
import { replicaSet, replicationController } from './replicaset/index.js';
import { endpointController } from './endpoint/index.js';
import { endpointSliceController } from './endpointslice/index.js';
import { serviceAccountController } from './serviceaccount/index.js';
import { rootCACertPublisher } from './rootcacertpublisher/index.js';

export const CONTROLLERS: readonly ControllerDescriptor[] = [
  deployment,
  replicaSet,
  replicationController,
  endpointController,
  endpointSliceController,
  serviceAccountController,
  rootCACertPublisher,
  csrApproving, csrSigning, nodeIpam, garbageCollector, namespaceController, statefulSet, daemonSet, nodeLifecycle, taintEviction, disruption, job, cronJob, ttlAfterFinished, podGc];

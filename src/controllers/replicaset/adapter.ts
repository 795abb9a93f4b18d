// One controller, two kinds: ReplicaSets (apps/v1) and ReplicationControllers (core/v1) seen through the same view.
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { MetaLabelSelector } from '../../apimachinery/index.js';

/** What the controller reads of its owner object, whichever kind it is (upstream converts RC to RS for this). */
export interface ReplicaSetView {
  /** spec.replicas (the apiserver defaults it to 1; undefined is read as 1). */
  replicas: number;
  minReadySeconds: number;
  /** The pod selector; undefined selects nothing. */
  selector: MetaLabelSelector | undefined;
  template: PodTemplateSpec | undefined;
  generation: number;
  status: ReplicaSetStatus | undefined;
}

/** The kind-specific facts of a controller flavour. Both kinds share the status shape, so status is written as is. */
export interface Flavor<T> {
  /** Queue and log name (`replicaset`, `replicationmanager`). */
  readonly name: string;
  /** The plural resource served by the apiserver. */
  readonly resource: string;
  /** apiVersion and kind of owner references to it. */
  readonly apiVersion: string;
  readonly kind: string;
  view(obj: T): ReplicaSetView;
}

type Readonlyish<T> = T | Readonly<T>;

/** ReplicaSets: spec.selector is a metav1.LabelSelector. */
export const REPLICA_SET: Flavor<ReplicaSet> = {
  name: 'replicaset',
  resource: 'replicasets',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  view(rs: Readonlyish<ReplicaSet>): ReplicaSetView {
    const spec = rs.spec;
    return {
      replicas: spec?.replicas ?? 1,
      minReadySeconds: spec?.minReadySeconds ?? 0,
      selector: spec?.selector as MetaLabelSelector | undefined,
      template: spec?.template,
      generation: rs.metadata?.generation ?? 0,
      status: rs.status,
    };
  },
};

/**
 * ReplicationControllers: spec.selector is a plain label map, read as `matchLabels` (as upstream's RC->RS conversion;
 * a missing selector selects nothing).
 */
export const REPLICATION_CONTROLLER: Flavor<ReplicationController> = {
  name: 'replicationmanager',
  resource: 'replicationcontrollers',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  view(rc: Readonlyish<ReplicationController>): ReplicaSetView {
    const spec = rc.spec;
    return {
      replicas: spec?.replicas ?? 1,
      minReadySeconds: spec?.minReadySeconds ?? 0,
      selector: spec?.selector ? { matchLabels: { ...spec.selector } } : undefined,
      template: spec?.template,
      generation: rc.metadata?.generation ?? 0,
      status: rc.status as ReplicaSetStatus | undefined,
    };
  },
};

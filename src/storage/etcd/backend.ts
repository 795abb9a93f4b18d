// The etcd backend: the Backend contract over a real etcd v3 cluster (gRPC, failover between endpoints).
import type { Backend } from '../types.js';

export interface EtcdOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]. Calls fail over between them. */
  endpoints: string[];
  /** Prepended to every key in etcd; default "/registry" (so "/pods/ns/a" is stored as "/registry/pods/ns/a"). */
  prefix?: string;
  /** Undelivered events a watch may hold before it is cut off; default 10,000. */
  watchBuffer?: number;
  /** Default idle time before a watch gets a progress notification (ms); default 10,000. */
  progressNotifyIntervalMs?: number;
}

export class EtcdBackend {
  static async open(_opts: EtcdOptions): Promise<Backend> {
    throw new Error('not implemented yet');
  }
}

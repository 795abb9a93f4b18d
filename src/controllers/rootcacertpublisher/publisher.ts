// The root-ca-cert-publisher controller (upstream rootcacertpublisher): ConfigMap kube-root-ca.crt with the cluster CA in every namespace.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { isNotFound, runWorkers, WorkQueue, type DeepReadonly, type Informer, type RestClient } from '../../client/index.js';
import { hasStatusCause } from '../endpointslice/util.js';

/** Name of the published ConfigMap. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Annotation describing the ConfigMap's use. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** Upstream's description. */
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * What the publisher writes for `cm` (the current ConfigMap, or undefined): a new ConfigMap to create, a copy to
 * update (data exactly `{ca.crt}` and a non-empty description), or undefined when nothing needs to change.
 */
export function desiredRootCA(cm: DeepReadonly<ConfigMap> | undefined, namespace: string, caPem: string): { create?: ConfigMap; update?: ConfigMap } | undefined {
  const data = { 'ca.crt': caPem };
  if (!cm) {
    return {
      create: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data },
    };
  }
  const cur = cm.data ?? {};
  const sameData = Object.keys(cur).length === 1 && cur['ca.crt'] === caPem;
  if (sameData && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '').length > 0) return undefined;
  const next = structuredClone(cm) as ConfigMap;
  next.apiVersion ??= 'v1';
  next.kind ??= 'ConfigMap';
  next.data = data;
  next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } };
  return { update: next };
}

/**
 * Publishes `caPem` as ConfigMap `kube-root-ca.crt` (key `ca.crt`) in every namespace. The queue holds namespace
 * names: namespaces added/updated, and the ConfigMap updated or deleted, are synced; a sync creates or restores it.
 */
export class RootCACertPublisher {
  readonly queue = new WorkQueue<string>({ name: 'root_ca_cert_publisher' });

  constructor(
    private readonly client: RestClient,
    private readonly namespaces: Informer<Namespace>,
    private readonly configMaps: Informer<ConfigMap>,
    private readonly caPem: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    const onCm = (cm: DeepReadonly<ConfigMap>) => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace ?? '');
    };
    configMaps.addEventHandler({ update: (_o, n) => onCm(n), delete: onCm });
    namespaces.addEventHandler({ add: (ns) => this.queue.add(ns.metadata!.name!), update: (_o, ns) => this.queue.add(ns.metadata!.name!) });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    await runWorkers(this.queue, workers, (ns) => this.sync(ns), signal, (ns, err) => this.log(`syncing namespace ${ns}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Creates or restores the ConfigMap in namespace `ns`; throws to be retried. */
  async sync(ns: string): Promise<void> {
    const cm = this.configMaps.lister.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const want = desiredRootCA(cm, ns, this.caPem);
    if (!want) return;
    const api = this.client.resource<ConfigMap>('configmaps');
    if (want.create) {
      try {
        await api.create(want.create, { namespace: ns });
      } catch (err) {
        // Not retried when the namespace is gone or terminating.
        if (isNotFound(err) || hasStatusCause(err, 'NamespaceTerminating')) return;
        throw err;
      }
      return;
    }
    await api.update(want.update!, { namespace: ns });
  }
}

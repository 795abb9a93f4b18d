// The serviceaccount controller (upstream pkg/controller/serviceaccount): a `default` ServiceAccount in every active namespace.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, runWorkers, WorkQueue, type Informer, type RestClient } from '../../client/index.js';
import { hasStatusCause } from '../endpointslice/util.js';

/** The service accounts ensured in every namespace (upstream DefaultServiceAccountsControllerOptions). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/**
 * Ensures the service accounts named in `names` exist in every Active namespace. The queue holds namespace
 * names: a namespace added or updated, or one of its service accounts deleted, is synced; a sync creates the
 * missing accounts (AlreadyExists and terminating-namespace refusals are fine).
 */
export class ServiceAccountsController {
  readonly queue = new WorkQueue<string>({ name: 'serviceaccount' });

  constructor(
    private readonly client: RestClient,
    private readonly namespaces: Informer<Namespace>,
    private readonly serviceAccounts: Informer<ServiceAccount>,
    private readonly names: readonly string[] = DEFAULT_SERVICE_ACCOUNTS,
    private readonly log: (line: string) => void = () => {},
  ) {
    serviceAccounts.addEventHandler({
      delete: (sa) => {
        if (this.names.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
      },
    });
    namespaces.addEventHandler({ add: (ns) => this.queue.add(ns.metadata!.name!), update: (_o, ns) => this.queue.add(ns.metadata!.name!) });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    await runWorkers(this.queue, workers, (ns) => this.sync(ns), signal, (ns, err) => this.log(`syncing namespace ${ns}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Creates the missing service accounts of namespace `name` when it is Active; throws to be retried. */
  async sync(name: string): Promise<void> {
    const ns = this.namespaces.lister.get(name);
    if (!ns || ns.status?.phase !== 'Active') return;
    const failures: string[] = [];
    for (const sa of this.names) {
      if (this.serviceAccounts.lister.get(`${name}/${sa}`)) continue;
      try {
        await this.client.resource<ServiceAccount>('serviceaccounts').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: name } }, { namespace: name });
      } catch (err) {
        if (isAlreadyExists(err) || hasStatusCause(err, 'NamespaceTerminating')) continue;
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }
}

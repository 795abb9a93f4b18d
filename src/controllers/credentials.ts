// Per-controller credentials (upstream --use-service-account-credentials): each controller talks to the API as its own service account in kube-system.
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { isAlreadyExists, isNotFound, RestClient } from '../client/index.js';

/** Lifetime asked for controller tokens; refreshed at 80% of it (upstream's dynamic client builder does the same). */
const TOKEN_SECONDS = 3600;

/**
 * Builds API clients for controllers. Without service-account credentials every controller shares the
 * controller-manager's own client. With them, `clientFor('node-controller')` ensures the service account
 * `kube-system/node-controller` exists, obtains a bound token for it through the TokenRequest API with the
 * controller-manager's identity, and returns a client using that token, which is refreshed before it expires
 * until `close()`. The bootstrap RBAC policy binds `system:controller:<name>` to each such account.
 */
export class ControllerClientBuilder {
  private readonly clients = new Map<string, Promise<RestClient>>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly root: RestClient,
    private readonly useServiceAccountCredentials: boolean,
    private readonly namespace = 'kube-system',
  ) {}

  /** The client for a controller's service account (cached per name). Throws when no token can be had. */
  clientFor(serviceAccount: string): Promise<RestClient> {
    if (!this.useServiceAccountCredentials) return Promise.resolve(this.root);
    let p = this.clients.get(serviceAccount);
    if (!p) {
      p = this.build(serviceAccount);
      this.clients.set(serviceAccount, p);
      p.catch(() => this.clients.delete(serviceAccount));
    }
    return p;
  }

  private async token(name: string): Promise<{ token: string; expires: number }> {
    const tr = await this.root.resource<ServiceAccount>('serviceaccounts').createSubresource<TokenRequest>(
      name,
      'token',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
      { namespace: this.namespace },
    );
    return { token: tr.status!.token, expires: Date.parse(tr.status!.expirationTimestamp) };
  }

  private async build(name: string): Promise<RestClient> {
    const sas = this.root.resource<ServiceAccount>('serviceaccounts');
    try {
      await sas.get(name, { namespace: this.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await sas.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: this.namespace } });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    const first = await this.token(name);
    const { certPem: _c, keyPem: _k, token: _t, ...base } = this.root.config;
    const client = new RestClient({ ...base, token: first.token, userAgent: `${this.root.config.userAgent ?? 'kube-controller-manager'}/${name}` });
    const schedule = (expires: number) => {
      const issued = Date.now();
      const t = setTimeout(async () => {
        try {
          const next = await this.token(name);
          client.setToken(next.token);
          schedule(next.expires);
        } catch (err) {
          process.stderr.write(`controller-manager: refreshing the token of ${name}: ${String(err)}; retrying in 10 s\n`);
          schedule(Date.now() + 12_500);
        }
      }, Math.max(1000, 0.8 * (expires - issued)));
      t.unref();
      this.timers.push(t);
    };
    schedule(first.expires);
    return client;
  }

  /** Stops refreshing and closes the per-controller clients. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const p of this.clients.values()) {
      const c = await p.catch(() => undefined);
      if (c && c !== this.root) c.close();
    }
  }
}

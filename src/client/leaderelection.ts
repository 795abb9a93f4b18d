// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection with a LeaseLock.
import { isAlreadyExists, isConflict, isNotFound, type ResourceRef, type RestClient } from './rest.js';

export interface LeaderElectionConfig {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  /** How long a non-leader waits after the last observed change before taking over [15000]. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying to renew before giving up [10000]. */
  renewDeadlineMs?: number;
  /** Interval between attempts [2000]. */
  retryPeriodMs?: number;
  /** Called when this instance becomes leader; `signal` aborts when leadership is lost or run() is cancelled. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when this instance stops leading (lease lost or run() cancelled). */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (including to this instance). */
  onNewLeader?(identity: string): void;
  /** On cancellation, clear the lease so another candidate takes over at once. */
  releaseOnCancel?: boolean;
}

const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true };

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** metav1.MicroTime as serialised: `2006-01-02T15:04:05.000000Z`. */
export function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const jitter = (ms: number, factor: number) => ms + Math.random() * ms * factor;

/**
 * Campaigns for a Lease and, while holding it, renews it every retry period. Takeover requires the lease to be
 * unchanged (as observed on the local clock) for leaseDuration. Writes use optimistic concurrency on
 * resourceVersion. Failing to renew for renewDeadline counts as losing leadership.
 */
export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private observed: Lease | undefined;
  private observedRaw = '';
  private observedAt = 0;
  private leading = false;
  private reportedLeader: string | undefined;

  constructor(readonly cfg: LeaderElectionConfig) {
    this.leaseMs = cfg.leaseDurationMs ?? 15_000;
    this.renewMs = cfg.renewDeadlineMs ?? 10_000;
    this.retryMs = cfg.retryPeriodMs ?? 2_000;
    if (this.leaseMs <= this.renewMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewMs <= this.retryMs * 1.2) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (!cfg.identity) throw new Error('Lock identity is empty');
  }

  /** Whether this instance currently holds the lease (as last observed). */
  isLeader(): boolean {
    return this.leading && this.observed?.spec?.holderIdentity === this.cfg.identity;
  }

  /** The holder identity last observed, or undefined. */
  getLeader(): string | undefined {
    return this.observed?.spec?.holderIdentity || undefined;
  }

  /**
   * Campaigns until leading, leads until the lease is lost or `signal` aborts, then returns. Never throws;
   * onStoppedLeading is called when leadership ends.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const lead = new AbortController();
    const onCancel = () => lead.abort();
    signal.addEventListener('abort', onCancel, { once: true });
    this.leading = true;
    void (async () => {
      try {
        await this.cfg.onStartedLeading(lead.signal);
      } catch (e) {
        process.stderr.write(`leaderelection ${this.cfg.namespace}/${this.cfg.name}: onStartedLeading failed: ${(e as Error).message}\n`);
      }
    })();
    try {
      await this.renewLoop(signal);
    } finally {
      signal.removeEventListener('abort', onCancel);
      this.leading = false;
      lead.abort();
      if (signal.aborted && this.cfg.releaseOnCancel) await this.release();
      try {
        this.cfg.onStoppedLeading?.();
      } catch {
        // a callback failure must not escape run()
      }
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal)) return true;
      await sleep(jitter(this.retryMs, 1.2), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when a renewal could not succeed within renewDeadline or on cancel. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = Date.now() + this.renewMs;
      let ok = false;
      while (!signal.aborted && Date.now() < deadline) {
        const attempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]);
        if (await this.tryAcquireOrRenew(attempt)) {
          ok = true;
          break;
        }
        if (Date.now() + this.retryMs >= deadline) break;
        await sleep(this.retryMs, signal);
      }
      if (signal.aborted) return;
      if (!ok) {
        process.stderr.write(`leaderelection ${this.cfg.namespace}/${this.cfg.name}: failed to renew lease: timed out waiting for the condition\n`);
        return;
      }
      await sleep(this.retryMs, signal);
    }
  }

  private observe(l: Lease): void {
    const raw = JSON.stringify(l.spec ?? {});
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedAt = Date.now();
    }
    this.observed = l;
    const holder = l.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.cfg.onNewLeader?.(holder);
      } catch {
        // ignore callback failures
      }
    }
  }

  /** One attempt: create the lease, renew ours, or take over an expired one. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const leases = this.cfg.client.resource<Lease>(LEASES);
    const { namespace, name, identity } = this.cfg;
    const now = new Date();
    const leaseSeconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    let cur: Lease;
    try {
      cur = await leases.get(name, { namespace, signal });
    } catch (e) {
      if (!isNotFound(e)) return this.fail(e);
      try {
        const created = await leases.create(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
          { namespace, signal },
        );
        this.observe(created);
        return true;
      } catch (e2) {
        return isAlreadyExists(e2) ? false : this.fail(e2);
      }
    }
    this.observe(cur);
    const spec = cur.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const mine = holder === identity;
    if (holder !== '' && !mine && this.observedAt + this.leaseMs > Date.now()) return false;
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      const updated = await leases.update({ ...cur, spec: { ...spec, ...next } }, { namespace, signal });
      this.observe(updated);
      return true;
    } catch (e) {
      return isConflict(e) ? false : this.fail(e);
    }
  }

  /** Gives the lease up (holder cleared, duration 1 s) if we still hold it. */
  private async release(): Promise<void> {
    const leases = this.cfg.client.resource<Lease>(LEASES);
    const { namespace, name, identity } = this.cfg;
    try {
      const cur = await leases.get(name, { namespace, signal: AbortSignal.timeout(this.renewMs) });
      if (cur.spec?.holderIdentity !== identity) return;
      const now = microTime();
      const updated = await leases.update(
        { ...cur, spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: cur.spec?.leaseTransitions ?? 0 } },
        { namespace, signal: AbortSignal.timeout(this.renewMs) },
      );
      this.observe(updated);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): false {
    if (!(e instanceof Error && e.name === 'AbortError') && !(e instanceof Error && e.name === 'TimeoutError')) {
      process.stderr.write(`leaderelection ${this.cfg.namespace}/${this.cfg.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    return false;
  }
}

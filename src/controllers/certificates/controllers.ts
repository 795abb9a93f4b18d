// The csrapproving and csrsigning controllers: auto-approve node client CSRs the requestor may make, sign approved CSRs with the cluster CA.
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1.js';
import { isConflict, isNotFound, runWorkers, WorkQueue, type Informer, type RestClient } from '../../client/index.js';
import { approvalChecks, approvedCondition, isNodeClientCSR, signCSR, signerValidation } from './index.js';

type CSR = CertificateSigningRequest;

function hasCondition(csr: { status?: CSR['status'] }, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status !== 'False');
}

/**
 * Upstream's csrapproving controller (sarapprove): a pending node client CSR is approved when a
 * SubjectAccessReview for its requestor allows `create` on `certificatesigningrequests/nodeclient` (or
 * `/selfnodeclient` when it renews its own certificate). Anything else is left for a human
 * (`kubectl certificate approve`). Handlers only enqueue names; `sync` reads the informer's copy.
 */
export class CSRApprovingController {
  private readonly queue = new WorkQueue<string>({ name: 'csrapproving' });

  constructor(
    private readonly client: RestClient,
    private readonly informer: Informer<CSR>,
  ) {
    const enqueue = (o: unknown) => {
      const csr = o as CSR;
      if (!hasCondition(csr, 'Approved') && !hasCondition(csr, 'Denied') && !csr.status?.certificate) this.queue.add(csr.metadata!.name!);
    };
    informer.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal, workers = 2): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runWorkers(this.queue, workers, (name) => this.sync(name), signal, (name, err) => process.stderr.write(`csrapproving: ${name}: ${String(err)}\n`));
  }

  async sync(name: string): Promise<void> {
    const cached = this.informer.lister.get(name) as CSR | undefined;
    if (!cached || hasCondition(cached, 'Approved') || hasCondition(cached, 'Denied') || cached.status?.certificate) return;
    if (!isNodeClientCSR(cached)) return;
    const spec = cached.spec;
    for (const check of approvalChecks(cached)) {
      const sar: SubjectAccessReview = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          ...(spec.username ? { user: spec.username } : {}),
          ...(spec.uid ? { uid: spec.uid } : {}),
          groups: [...(spec.groups ?? [])],
          ...(spec.extra ? { extra: Object.fromEntries(Object.entries(spec.extra).map(([k, v]) => [k, [...v]])) } : {}),
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: check.subresource },
        },
      };
      const res = await this.client.resource<SubjectAccessReview>('subjectaccessreviews').create(sar);
      if (!res.status?.allowed) continue;
      const next = structuredClone(cached) as CSR;
      next.status = { ...(next.status ?? {}), conditions: [...(next.status?.conditions ?? []), approvedCondition(check.message, new Date())] };
      try {
        await this.client.request({ method: 'PUT', path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, body: next });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      return;
    }
  }
}

/**
 * Upstream's csrsigning controller for the kubernetes.io signers: an approved, not yet signed CSR gets
 * `status.certificate` signed by the cluster CA (or a Failed condition when the signer's rules refuse it).
 */
export class CSRSigningController {
  private readonly queue = new WorkQueue<string>({ name: 'csrsigning' });

  constructor(
    private readonly client: RestClient,
    private readonly informer: Informer<CSR>,
    private readonly ca: { certPem: string; keyPem: string },
    private readonly durationSeconds = 365 * 86_400,
  ) {
    const enqueue = (o: unknown) => {
      const csr = o as CSR;
      if (hasCondition(csr, 'Approved') && !hasCondition(csr, 'Failed') && !csr.status?.certificate) this.queue.add(csr.metadata!.name!);
    };
    informer.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  async run(signal: AbortSignal, workers = 2): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runWorkers(this.queue, workers, (name) => this.sync(name), signal, (name, err) => process.stderr.write(`csrsigning: ${name}: ${String(err)}\n`));
  }

  async sync(name: string): Promise<void> {
    const cached = this.informer.lister.get(name) as CSR | undefined;
    if (!cached || !hasCondition(cached, 'Approved') || hasCondition(cached, 'Failed') || cached.status?.certificate) return;
    const signer = cached.spec.signerName;
    if (!['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'].includes(signer)) return;
    const next = structuredClone(cached) as CSR;
    const problem = signerValidation(cached);
    if (problem) {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      next.status = {
        ...(next.status ?? {}),
        conditions: [...(next.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: now, lastTransitionTime: now }],
      };
    } else {
      const pem = await signCSR(this.ca, cached, { defaultDurationSeconds: this.durationSeconds });
      next.status = { ...(next.status ?? {}), certificate: Buffer.from(pem).toString('base64') };
    }
    try {
      await this.client.resource<CSR>('certificatesigningrequests').updateStatus(next);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

// CSR approver decisions, per-signer checks and signing with a test CA (pure logic of the certificates controllers).
import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { createCertificateAuthority, createCSR, createNodeClientCSR, parseCSRPem, type CertKeyPem } from '../../pki/index.js';
import { approvalChecks, approvedCondition, isNodeClientCSR, keyUsagesFromStrings, signCSR, signerValidation, signingDurationMs } from './index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function csrObj(csrPem: string, spec: Partial<CertificateSigningRequest['spec']> = {}): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c' },
    spec: { request: b64(csrPem), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', ...spec },
  };
}

let nodeCsr: { keyPem: string; csrPem: string };
let ca: CertKeyPem;
beforeAll(async () => {
  nodeCsr = await createNodeClientCSR('n1');
  ca = await createCertificateAuthority({ commonName: 'test-ca' });
});

describe('createNodeClientCSR', () => {
  it('makes a verifiable P-256 request for system:node:NAME in system:nodes', () => {
    const p = parseCSRPem(nodeCsr.csrPem);
    expect(p.commonName).toBe('system:node:n1');
    expect(p.organizations).toEqual(['system:nodes']);
    expect(p.dnsNames).toEqual([]);
    expect(nodeCsr.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((p.request.publicKey.algorithm as { namedCurve?: string }).namedCurve).toBe('P-256');
  });
  it('a tampered request fails the signature check; a non-CSR block is refused', () => {
    const der = Buffer.from(x509.PemConverter.decodeFirst(nodeCsr.csrPem));
    const i = der.indexOf(Buffer.from('system:node:n1'));
    der[i + 12] = 'x'.charCodeAt(0);
    const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    expect(() => parseCSRPem(tampered)).toThrow('x509: ECDSA verification failure');
    expect(() => parseCSRPem(ca.certPem)).toThrow('PEM block type must be CERTIFICATE REQUEST');
  });
});

describe('isNodeClientCSR / approvalChecks', () => {
  it.each<[string, () => Promise<CertificateSigningRequest>, boolean]>([
    ['kubelet client request', async () => csrObj(nodeCsr.csrPem), true],
    ['with key encipherment', async () => csrObj(nodeCsr.csrPem, { usages: ['key encipherment', 'digital signature', 'client auth'] }), true],
    ['other signer', async () => csrObj(nodeCsr.csrPem, { signerName: 'kubernetes.io/kube-apiserver-client' }), false],
    ['server auth usage', async () => csrObj(nodeCsr.csrPem, { usages: ['digital signature', 'client auth', 'server auth'] }), false],
    ['missing client auth', async () => csrObj(nodeCsr.csrPem, { usages: ['digital signature'] }), false],
    ['wrong organization', async () => csrObj((await createCSR({ commonName: 'system:node:n1', organizations: ['system:nodes', 'x'] })).csrPem), false],
    ['CN not system:node:', async () => csrObj((await createCSR({ commonName: 'n1', organizations: ['system:nodes'] })).csrPem), false],
    ['DNS SAN', async () => csrObj((await createCSR({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'] })).csrPem), false],
    ['garbage request', async () => csrObj('not a csr'), false],
  ])('%s -> %s', async (_n, make, want) => {
    expect(isNodeClientCSR(await make())).toBe(want);
  });

  it('tries selfnodeclient first only when the requestor is the node itself', () => {
    expect(approvalChecks(csrObj(nodeCsr.csrPem)).map((c) => c.subresource)).toEqual(['nodeclient']);
    const self = approvalChecks(csrObj(nodeCsr.csrPem, { username: 'system:node:n1' }));
    expect(self).toEqual([
      { subresource: 'selfnodeclient', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
      { subresource: 'nodeclient', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
    ]);
    expect(approvalChecks(csrObj(nodeCsr.csrPem, { signerName: 'example.com/x' }))).toEqual([]);
  });

  it('approvedCondition', () => {
    expect(approvedCondition('m', new Date('2024-01-02T03:04:05.678Z'))).toEqual({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'm', lastUpdateTime: '2024-01-02T03:04:05Z' });
  });
});

describe('signerValidation', () => {
  it.each<[string, () => Promise<CertificateSigningRequest>, string | undefined]>([
    ['kubelet client ok', async () => csrObj(nodeCsr.csrPem), undefined],
    ['kubelet client with server auth', async () => csrObj(nodeCsr.csrPem, { usages: ['client auth', 'server auth'] }), 'usages did not match [client auth digital signature key encipherment]'],
    ['apiserver client ok', async () => csrObj(nodeCsr.csrPem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }), undefined],
    ['apiserver client server auth', async () => csrObj(nodeCsr.csrPem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth', 'server auth'] }), 'invalid usage for client certificate: server auth'],
    ['apiserver client no client auth', async () => csrObj(nodeCsr.csrPem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature'] }), 'missing required usage for client certificate: client auth'],
    ['serving without SAN', async () => csrObj(nodeCsr.csrPem, { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] }), 'DNS or IP subjectAltName is required'],
    [
      'serving ok',
      async () => csrObj((await createCSR({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ips: ['10.0.0.1'] })).csrPem, { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] }),
      undefined,
    ],
    ['unknown signer', async () => csrObj(nodeCsr.csrPem, { signerName: 'example.com/x' }), 'unrecognized signerName: "example.com/x"'],
    ['unparsable', async () => csrObj('junk'), 'unable to parse csr: PEM block type must be CERTIFICATE REQUEST'],
  ])('%s', async (_n, make, want) => {
    expect(signerValidation(await make())).toBe(want);
  });
});

describe('signCSR', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  it('issues a certificate the CA verifies, with the subject, usages and validity asked for', async () => {
    const caAt = await createCertificateAuthority({ commonName: 'test-ca', now: new Date('2029-01-01T00:00:00Z') });
    const pem = await signCSR(caAt, csrObj(nodeCsr.csrPem, { usages: ['digital signature', 'key encipherment', 'client auth'] }), { now });
    const cert = new X509Certificate(pem);
    expect(cert.verify(new X509Certificate(caAt.certPem).publicKey)).toBe(true);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=system:node:n1', 'O=system:nodes']);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const px = new x509.X509Certificate(pem);
    expect(px.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(px.notBefore.toISOString()).toBe('2029-12-31T23:55:00.000Z');
    expect(px.notAfter.toISOString()).toBe('2030-12-31T23:55:00.000Z');
    // The certified key is the requester's.
    expect(Buffer.from(px.publicKey.rawData).equals(Buffer.from(parseCSRPem(nodeCsr.csrPem).publicKeyDer))).toBe(true);
  });

  it('honours a shorter expirationSeconds (short-lived: end not backdated) and caps at the CA expiry', async () => {
    const caAt = await createCertificateAuthority({ commonName: 'test-ca', now: new Date('2029-01-01T00:00:00Z'), days: 366 });
    const short = new x509.X509Certificate(await signCSR(caAt, csrObj(nodeCsr.csrPem, { expirationSeconds: 3600 }), { now }));
    expect(short.notAfter.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    const capped = new x509.X509Certificate(await signCSR(caAt, csrObj(nodeCsr.csrPem), { now, defaultDurationSeconds: 10 * 86400 }));
    expect(capped.notAfter.getTime()).toBe(new x509.X509Certificate(caAt.certPem).notAfter.getTime());
  });

  it('copies SANs and refuses what it cannot sign', async () => {
    const serving = await createCSR({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1.example'], ips: ['10.0.0.7'] });
    const cert = new X509Certificate(await signCSR(ca, csrObj(serving.csrPem, { usages: ['digital signature', 'server auth'] })));
    expect(cert.subjectAltName).toBe('DNS:n1.example, IP Address:10.0.0.7');
    await expect(signCSR(ca, csrObj('junk'))).rejects.toThrow('unable to parse csr: PEM block type must be CERTIFICATE REQUEST');
    await expect(signCSR(ca, csrObj(nodeCsr.csrPem, { usages: ['bogus'] }))).rejects.toThrow('unrecognized usage: bogus');
    const expired = await createCertificateAuthority({ commonName: 'old', now: new Date('2020-01-01T00:00:00Z'), days: 1 });
    await expect(signCSR(expired, csrObj(nodeCsr.csrPem))).rejects.toThrow(/signer has expired/);
  });

  it('durations and usages as upstream', () => {
    expect(signingDurationMs(undefined, 100_000)).toBe(100_000_000);
    expect(signingDurationMs(200_000, 100_000)).toBe(100_000_000);
    expect(signingDurationMs(60, 100_000)).toBe(600_000);
    expect(keyUsagesFromStrings(['client auth', 'server auth', 's/mime', 'email protection', 'signing'])).toEqual({
      keyUsage: x509.KeyUsageFlags.digitalSignature,
      extKeyUsages: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'],
    });
  });
});

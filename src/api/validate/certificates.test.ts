// CertificateSigningRequest validation: request, signerName, usages, expirationSeconds, conditions, certificate, update rules.
import { describe, it, expect, beforeAll } from 'vitest';
import { fieldErrorMessage } from '../../apimachinery/index.js';
import { createCertificateAuthority, createNodeClientCSR } from '../../pki/index.js';
import { validateCSRCreate, validateCSRUpdate, validateSignerName } from './certificates.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let request = '';
let certB64 = '';
beforeAll(async () => {
  request = b64((await createNodeClientCSR('n1')).csrPem);
  certB64 = b64((await createCertificateAuthority()).certPem);
});
const csr = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>) => ({
  metadata: { name: 'c' },
  spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...spec },
  ...(status ? { status } : {}),
});
const msgs = (errs: ReturnType<typeof validateCSRCreate>) => errs.map(fieldErrorMessage);

describe('validateCSRCreate', () => {
  it('accepts a kubelet client request', () => {
    expect(validateCSRCreate(csr())).toEqual([]);
  });
  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, string[]]>([
    ['not PEM', { request: b64('hello') }, undefined, ['spec.request: Invalid value: "aGVsbG8=": PEM block type must be CERTIFICATE REQUEST']],
    ['no usages', { usages: [] }, undefined, ['spec.usages: Required value']],
    ['unknown usage', { usages: ['client auth', 'flying'] }, undefined, [expect.stringMatching(/^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign",/) as unknown as string]],
    ['duplicate usage', { usages: ['client auth', 'client auth'] }, undefined, ['spec.usages[1]: Duplicate value: "client auth"']],
    ['no signer', { signerName: '' }, undefined, ['spec.signerName: Required value']],
    ['legacy signer', { signerName: 'kubernetes.io/legacy-unknown' }, undefined, ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']],
    ['short expiration', { expirationSeconds: 599 }, undefined, ['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']],
    [
      'approved and denied',
      {},
      { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] },
      ['status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'],
    ],
    ['duplicate type', {}, { conditions: [{ type: 'X', status: 'True' }, { type: 'X', status: 'False' }] }, ['status.conditions[1].type: Duplicate value: "X"']],
    ['approved false', {}, { conditions: [{ type: 'Approved', status: 'False' }] }, ['status.conditions[0].status: Unsupported value: "False": supported values: "True"']],
    ['missing type and status', {}, { conditions: [{}] }, ['status.conditions[0].type: Required value', 'status.conditions[0].status: Required value']],
    ['certificate not PEM', {}, { certificate: b64('junk') }, ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block']],
    ['certificate wrong block', {}, { certificate: b64('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n') }, ['status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"']],
  ])('%s', (_n, spec, status, want) => {
    expect(msgs(validateCSRCreate(csr(spec, status)))).toEqual(want);
  });
});

describe('validateSignerName', () => {
  it.each<[string, string[]]>([
    ['example.com/signer', []],
    ['example.com/a.b', []],
    ['example/signer', ['s: Invalid value: "example": should be a domain with at least two segments separated by dots']],
    ['a/b/c', ['s: Invalid value: "a/b/c": must be a fully qualified domain and path of the form \'example.com/signer-name\'']],
    ['Example.com/x', [expect.stringMatching(/^s: Invalid value: "Example\.com": validating label "Example": a lowercase RFC 1123 label/) as unknown as string]],
  ])('%s', (name, want) => {
    expect(validateSignerName('s', name).map(fieldErrorMessage)).toEqual(want);
  });
});

describe('validateCSRUpdate', () => {
  const approved = { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] };
  it('approval may add Approved; status may not', () => {
    expect(validateCSRUpdate(csr({}, approved), csr(), { allowSettingApprovalConditions: true })).toEqual([]);
    expect(msgs(validateCSRUpdate(csr({}, approved), csr(), { allowSettingCertificate: true }))).toEqual(['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
  });
  it('conditions may not be removed on any path', () => {
    expect(msgs(validateCSRUpdate(csr({}, {}), csr({}, approved), { allowSettingApprovalConditions: true }))).toEqual(['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  });
  it('certificate only through status, and only once', () => {
    expect(validateCSRUpdate(csr({}, { ...approved, certificate: certB64 }), csr({}, approved), { allowSettingCertificate: true })).toEqual([]);
    expect(msgs(validateCSRUpdate(csr({}, { ...approved, certificate: certB64 }), csr({}, approved)))).toEqual(['status.certificate: Forbidden: updates may not set certificate content']);
    expect(msgs(validateCSRUpdate(csr({}, { ...approved, certificate: b64('x') }), csr({}, { ...approved, certificate: certB64 }), { allowSettingCertificate: true }))).toEqual([
      'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
      'status.certificate: Forbidden: updates may not modify existing certificate content',
    ]);
  });
  it('tolerates problems the stored object already has', () => {
    const old = csr({ usages: ['client auth', 'client auth'] });
    expect(validateCSRUpdate(old, old)).toEqual([]);
  });
});

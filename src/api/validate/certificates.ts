// CertificateSigningRequest validation (upstream pkg/apis/certificates/validation, 1.32) on certificates.k8s.io/v1 objects.
import {
  DNS1123LabelMaxLength,
  DNS1123SubdomainMaxLength,
  field,
  type FieldError,
  isDNS1123Label,
  isDNS1123Subdomain,
} from '../../apimachinery/index.js';
import { parseCSRPem, pemBlocks } from '../../pki/csr.js';
import { X509Certificate } from 'node:crypto';
import { asArr, asObj, deepEqual, str, type Obj } from './util.js';

/** Every key usage upstream accepts in `spec.usages` (sorted, as the NotSupported message lists them). */
export const KNOWN_USAGES: readonly string[] = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];

/** The signerName v1beta1 defaulted to; not accepted through certificates.k8s.io/v1. */
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

/** Condition types whose status may only be "True". */
const TRUE_ONLY_TYPES = new Set(['Approved', 'Denied', 'Failed']);

/**
 * What an update path may change (upstream certificateValidationOptions): `/approval` may set Approved/Denied
 * conditions, `/status` may set `status.certificate`.
 */
export interface CSRUpdateOptions {
  allowSettingApprovalConditions?: boolean;
  allowSettingCertificate?: boolean;
}

/**
 * upstream ValidateSignerName: required; `<domain>/<path>` with exactly one `/`; the domain DNS-1123 labels joined
 * by dots (at least two, at most 253 bytes), the path DNS-1123 subdomains joined by dots; at most 571 bytes overall.
 */
export function validateSignerName(path: string, signerName: string): FieldError[] {
  const errs: FieldError[] = [];
  if (signerName === '') return [field.required(path, '')];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [field.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const [domain, rest] = segments as [string, string];
  if (Buffer.byteLength(domain) > DNS1123SubdomainMaxLength) errs.push(field.tooLong(path, DNS1123SubdomainMaxLength));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const m = isDNS1123Label(lbl);
    if (m.length > 0) {
      for (const e of m) errs.push(field.invalid(path, domain, `validating label ${JSON.stringify(lbl)}: ${e}`));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(field.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of rest.split('.')) {
    const m = isDNS1123Subdomain(lbl);
    if (m.length > 0) {
      for (const e of m) errs.push(field.invalid(path, rest, `validating label ${JSON.stringify(lbl)}: ${e}`));
      break;
    }
  }
  const maxLen = DNS1123SubdomainMaxLength + (DNS1123SubdomainMaxLength + DNS1123LabelMaxLength + 1) + 1;
  if (Buffer.byteLength(signerName) > maxLen) errs.push(field.tooLong(path, maxLen));
  return errs;
}

/** The PEM text of `spec.request` (base64 in JSON). */
export function requestPem(csr: Obj): string {
  return Buffer.from(str(asObj(csr['spec'])?.['request']), 'base64').toString('latin1');
}

/** upstream validateCertificate: '' is fine; otherwise one or more CERTIFICATE blocks without headers that parse. */
export function certificateError(b64: string): string | undefined {
  if (b64 === '') return undefined;
  const pem = Buffer.from(b64, 'base64').toString('latin1');
  const blocks = pemBlocks(pem);
  for (const b of blocks) {
    if (b.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(b.type)}`;
    if (b.hasHeaders) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(b.der);
    } catch {
      return 'x509: malformed certificate';
    }
  }
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  return undefined;
}

function conditionsOf(csr: Obj): Obj[] {
  return asArr(asObj(csr['status'])?.['conditions']).map((c) => asObj(c) ?? {});
}

/** Conditions of `type`, in order (upstream findConditions). */
export function findConditions(csr: Obj, type: string): Obj[] {
  return conditionsOf(csr).filter((c) => c['type'] === type);
}

/** Options upstream derives from the old object, tolerating problems already persisted (getValidationOptions). */
interface Tolerations {
  bothApprovedAndDenied: boolean;
  legacySigner: boolean;
  duplicateConditionTypes: boolean;
  emptyConditionType: boolean;
  arbitraryCertificate: boolean;
  unknownUsages: boolean;
  duplicateUsages: boolean;
}

function tolerations(csr: Obj, old: Obj | undefined): Tolerations {
  const oc = old ? conditionsOf(old) : [];
  const ou = old ? asArr(asObj(old['spec'])?.['usages']).map(str) : [];
  const types = oc.map((c) => str(c['type']));
  const cert = (o: Obj) => str(asObj(o['status'])?.['certificate']);
  return {
    bothApprovedAndDenied: types.includes('Approved') && types.includes('Denied'),
    legacySigner: !!old && str(asObj(old['spec'])?.['signerName']) === LEGACY_UNKNOWN_SIGNER,
    duplicateConditionTypes: new Set(types).size !== types.length,
    emptyConditionType: types.includes(''),
    arbitraryCertificate: !!old && (cert(csr) === cert(old) || certificateError(cert(old)) !== undefined),
    unknownUsages: ou.some((u) => !KNOWN_USAGES.includes(u)),
    duplicateUsages: new Set(ou).size !== ou.length,
  };
}

function validateCSR(csr: Obj, t: Tolerations): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(csr['spec']) ?? {};
  try {
    parseCSRPem(requestPem(csr));
  } catch (e) {
    errs.push(field.invalid('spec.request', str(spec['request']), e instanceof Error ? e.message : String(e)));
  }
  const usages = asArr(spec['usages']).map(str);
  if (usages.length === 0) errs.push(field.required('spec.usages', ''));
  if (!t.unknownUsages) {
    usages.forEach((u, i) => {
      if (!KNOWN_USAGES.includes(u)) errs.push(field.notSupported(`spec.usages[${i}]`, u, KNOWN_USAGES));
    });
  }
  if (!t.duplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(field.duplicate(`spec.usages[${i}]`, u));
      seen.add(u);
    });
  }
  const signer = str(spec['signerName']);
  if (!t.legacySigner && signer === LEGACY_UNKNOWN_SIGNER) {
    errs.push(field.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signer));
  }
  const exp = spec['expirationSeconds'];
  if (typeof exp === 'number' && exp < 600) {
    errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, t));
  if (!t.arbitraryCertificate) {
    const m = certificateError(str(asObj(csr['status'])?.['certificate']));
    if (m) errs.push(field.invalid('status.certificate', '<certificate data>', m));
  }
  return errs;
}

function validateConditions(csr: Obj, t: Tolerations): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(csr).forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    const type = str(c['type']);
    const status = str(c['status']);
    if (!t.emptyConditionType && type === '') errs.push(field.required(`${p}.type`, ''));
    const allowed = TRUE_ONLY_TYPES.has(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (status === '') errs.push(field.required(`${p}.status`, ''));
    else if (!allowed.includes(status)) errs.push(field.notSupported(`${p}.status`, status, allowed));
    if (!t.bothApprovedAndDenied) {
      if (type === 'Approved') {
        approved = true;
        if (denied) errs.push(field.invalid(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        denied = true;
        if (approved) errs.push(field.invalid(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!t.duplicateConditionTypes) {
      if (seen.has(type)) errs.push(field.duplicate(`${p}.type`, type));
      seen.add(type);
    }
  });
  return errs;
}

/** upstream ValidateCertificateSigningRequestCreate minus metadata (CSR names are not restricted beyond metadata). */
export function validateCSRCreate(csr: Obj): FieldError[] {
  return validateCSR(csr, tolerations(csr, undefined));
}

/**
 * upstream validateCertificateSigningRequestUpdate minus metadata: the create rules (tolerating what `old` already
 * has), Approved/Denied/Failed conditions may not be removed, Approved/Denied may not be added or changed unless
 * `opts.allowSettingApprovalConditions` (the /approval path), and status.certificate may only be set (once) when
 * `opts.allowSettingCertificate` (the /status path).
 */
export function validateCSRUpdate(csr: Obj, old: Obj, opts: CSRUpdateOptions = {}): FieldError[] {
  const errs = validateCSR(csr, tolerations(csr, old));
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (findConditions(csr, type).length < findConditions(old, type).length) {
      errs.push(field.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(type)}`));
    }
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const type of ['Approved', 'Denied']) {
      const o = findConditions(old, type);
      const n = findConditions(csr, type);
      if (n.length < o.length) continue;
      if (n.length > o.length) errs.push(field.forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(type)}`));
      else if (!deepEqual(o, n)) {
        errs.push(field.forbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(type)}\n-${JSON.stringify(o)}\n+${JSON.stringify(n)}`));
      }
    }
  }
  const cert = str(asObj(csr['status'])?.['certificate']);
  const oldCert = str(asObj(old['status'])?.['certificate']);
  if (cert !== oldCert) {
    if (!opts.allowSettingCertificate) errs.push(field.forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert !== '') errs.push(field.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}

// The CertificateSigningRequest registry strategy (upstream pkg/registry/certificates/certificates/strategy.go): requestor identity on create, per-path update rules.
import type { FieldError } from '../apimachinery/index.js';
import { validateCSRUpdate } from '../api/validate/certificates.js';
import type { UserInfo } from './authn.js';
import type { Obj } from './access.js';

/** A per-kind strategy the generic registry consults (upstream's PrepareForCreate / PrepareForUpdate / ValidateUpdate). */
export interface KindStrategy {
  /** Adjusts a new object in place after the generic create preparation; `user` is the requestor (absent for trusted writes). */
  prepareForCreate?(obj: Obj, user: UserInfo | undefined): void;
  /** Adjusts the object an update stores, in place, after the generic preparation, given the path ('' | 'status' | 'approval'). */
  prepareForUpdate?(obj: Obj, old: Obj, subresource: string, now?: Date): void;
  /** Field errors of an update on `subresource`; replaces the scheme's update validation for the kind. */
  validateUpdate?(obj: Obj, old: Obj, subresource: string): FieldError[];
}

/**
 * Sets `lastUpdateTime` (now) and `lastTransitionTime` on conditions that lack them; a condition whose type and
 * status an old condition already had keeps that condition's lastTransitionTime (upstream populateConditionTimestamps).
 */
export function populateConditionTimestamps(obj: Obj, old: Obj, now: Date = new Date()): void {
  const t = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const oldConds: Obj[] = Array.isArray(old?.['status']?.['conditions']) ? old['status']['conditions'] : [];
  const conds: Obj[] = Array.isArray(obj?.['status']?.['conditions']) ? obj['status']['conditions'] : [];
  for (const c of conds) {
    if (!c || typeof c !== 'object') continue;
    if (!c['lastUpdateTime']) c['lastUpdateTime'] = t;
    if (!c['lastTransitionTime']) {
      const prev = oldConds.find((o) => o?.['type'] === c['type'] && o?.['status'] === c['status'] && o?.['lastTransitionTime']);
      c['lastTransitionTime'] = prev ? prev['lastTransitionTime'] : t;
    }
  }
}

/** Indexes of conditions of `type`. */
function indexesOf(conds: Obj[], type: string): number[] {
  const out: number[] = [];
  conds.forEach((c, i) => {
    if (c?.['type'] === type) out.push(i);
  });
  return out;
}

/**
 * The CSR strategy.
 * - create: `spec.username`, `uid`, `groups` and `extra` come from the requesting user (whatever the client sent is
 *   dropped); status is cleared.
 * - update of the object: spec and status stay as they were (only metadata changes).
 * - `/status`: spec stays; Approved/Denied conditions are kept from the old object when the request has as many of
 *   each (adding or removing them is then refused by validation); condition timestamps are filled in.
 * - `/approval`: spec and status.certificate stay; the conditions are the request's, timestamps filled in.
 */
export const csrStrategy: KindStrategy = {
  prepareForCreate(obj, user) {
    const spec = (obj['spec'] ??= {}) as Obj;
    delete spec['username'];
    delete spec['uid'];
    delete spec['groups'];
    delete spec['extra'];
    if (user) {
      if (user.name) spec['username'] = user.name;
      if (user.uid) spec['uid'] = user.uid;
      if (user.groups.length > 0) spec['groups'] = [...user.groups];
      const extra = user.extra ?? {};
      if (Object.keys(extra).length > 0) spec['extra'] = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [...v]]));
    }
    obj['status'] = {};
  },
  prepareForUpdate(obj, old, subresource, now) {
    obj['spec'] = structuredClone(old['spec']);
    if (subresource === 'status') {
      const conds: Obj[] = Array.isArray(obj['status']?.['conditions']) ? obj['status']['conditions'] : [];
      const oldConds: Obj[] = Array.isArray(old['status']?.['conditions']) ? old['status']['conditions'] : [];
      for (const type of ['Approved', 'Denied']) {
        const ni = indexesOf(conds, type);
        const oi = indexesOf(oldConds, type);
        if (ni.length !== oi.length) continue;
        ni.forEach((n, k) => (conds[n] = structuredClone(oldConds[oi[k]!]!)));
      }
      populateConditionTimestamps(obj, old, now);
    } else if (subresource === 'approval') {
      const status = (obj['status'] ??= {}) as Obj;
      const cert = old['status']?.['certificate'];
      if (cert === undefined) delete status['certificate'];
      else status['certificate'] = cert;
      populateConditionTimestamps(obj, old, now);
    } else if (old['status'] === undefined) {
      delete obj['status'];
    } else {
      obj['status'] = structuredClone(old['status']);
    }
    if (obj['status'] && Object.keys(obj['status']).length === 0 && old['status'] === undefined) delete obj['status'];
  },
  validateUpdate(obj, old, subresource) {
    return validateCSRUpdate(obj, old, {
      allowSettingCertificate: subresource === 'status',
      allowSettingApprovalConditions: subresource === 'approval',
    });
  },
};

/** Strategies by storage `group/Kind`. */
export const KIND_STRATEGIES: Readonly<Record<string, KindStrategy>> = {
  'certificates.k8s.io/CertificateSigningRequest': csrStrategy,
};

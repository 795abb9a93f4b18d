import { describe, it, expect } from 'vitest';
import { admissionPluginNames, cachingTokenAuthenticator } from './security.js';

describe('admissionPluginNames', () => {
  it('runs the defaults in upstream order, minus disabled ones', () => {
    expect(admissionPluginNames()).toEqual(['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'PodSecurity', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'CertificateApproval', 'CertificateSigning', 'CertificateSubjectRestriction', 'ResourceQuota']);
    expect(admissionPluginNames(['Priority'], ['PodSecurity', 'ResourceQuota'])).toEqual(['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'CertificateApproval', 'CertificateSigning', 'CertificateSubjectRestriction']);
  });
  it('refuses plugins it does not implement', () => {
    expect(() => admissionPluginNames(['AlwaysPullImages'])).toThrow(/admission plugin "AlwaysPullImages" is not known/);
  });
});

describe('cachingTokenAuthenticator', () => {
  it('caches successes for the TTL, never failures, and tries each authenticator in order', async () => {
    let t = 0;
    const calls: string[] = [];
    const a = { authenticateToken: async (tok: string) => (calls.push(`a:${tok}`), tok === 'good' ? { name: 'u', groups: [] } : undefined) };
    const b = { authenticateToken: async (tok: string) => (calls.push(`b:${tok}`), tok === 'other' ? { name: 'v', groups: [] } : undefined) };
    const c = cachingTokenAuthenticator([a, b], 10_000, () => t);
    expect((await c.authenticateToken('good'))?.name).toBe('u');
    expect((await c.authenticateToken('good'))?.name).toBe('u');
    expect(calls).toEqual(['a:good']);
    expect((await c.authenticateToken('bad'))).toBeUndefined();
    expect((await c.authenticateToken('bad'))).toBeUndefined();
    expect(calls.filter((x) => x.endsWith(':bad'))).toEqual(['a:bad', 'b:bad', 'a:bad', 'b:bad']);
    expect((await c.authenticateToken('other'))?.name).toBe('v');
    t = 10_001;
    await c.authenticateToken('good');
    expect(calls.filter((x) => x === 'a:good')).toHaveLength(2);
  });
});

// Tests for bootstrap token authentication.
import { describe, expect, it } from 'vitest';
import type { Obj, ObjectReader } from '../access.js';
import { BootstrapTokenAuthenticator, bootstrapGroups, bootstrapTokenExpired, parseBootstrapToken } from './bootstrap.js';

/** An ObjectReader over a plain list of objects (group/resource given per object). */
function memoryReader(objs: Array<{ group?: string; resource: string; obj: Obj }>): ObjectReader {
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  const m = new Map(objs.map((o) => [key(o.group ?? '', o.resource, o.obj.metadata?.namespace ?? '', o.obj.metadata?.name), o.obj]));
  return {
    get: (g, r, ns, n) => m.get(key(g, r, ns, n)),
    list: (g, r, ns) => [...m.entries()].filter(([k]) => k.startsWith(`${g}/${r}/${ns ? `${ns}/` : ''}`)).map(([, v]) => v),
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NOW = new Date('2024-06-01T12:00:00Z');

function tokenSecret(data: Record<string, string>, over: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system', ...(over.metadata ?? {}) },
    type: over.type ?? 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

const good = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' };
const TOKEN = 'abcdef.0123456789abcdef';

describe('parseBootstrapToken', () => {
  it.each([
    [TOKEN, { id: 'abcdef', secret: '0123456789abcdef' }],
    ['ABCDEF.0123456789abcdef', undefined],
    ['abcdef.0123456789abcde', undefined],
    ['abcdef-0123456789abcdef', undefined],
    ['abcdef.0123456789abcdef.x', undefined],
  ])('%s', (t, want) => {
    expect(parseBootstrapToken(t)).toEqual(want);
  });
});

describe('BootstrapTokenAuthenticator', () => {
  const cases: Array<{ name: string; secret?: Obj; token?: string; want?: { name: string; groups: string[] } }> = [
    { name: 'valid', secret: tokenSecret(good), want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } },
    {
      name: 'extra groups, sorted and deduplicated',
      secret: tokenSecret({ ...good, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:a,system:bootstrappers:a' }),
      want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:kubeadm:default-node-token'] },
    },
    { name: 'not yet expired', secret: tokenSecret({ ...good, expiration: '2024-06-01T13:00:00Z' }), want: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } },
    { name: 'expired', secret: tokenSecret({ ...good, expiration: '2024-06-01T11:59:59Z' }) },
    { name: 'expired in another zone', secret: tokenSecret({ ...good, expiration: '2024-06-01T13:30:00+02:00' }) },
    { name: 'unparsable expiration', secret: tokenSecret({ ...good, expiration: 'tomorrow' }) },
    { name: 'wrong secret', secret: tokenSecret({ ...good, 'token-secret': 'ffffffffffffffff' }) },
    { name: 'shorter secret', secret: tokenSecret({ ...good, 'token-secret': '0123' }) },
    { name: 'token-id mismatch', secret: tokenSecret({ ...good, 'token-id': 'zzzzzz' }) },
    { name: 'usage not true', secret: tokenSecret({ ...good, 'usage-bootstrap-authentication': 'false' }) },
    { name: 'usage absent', secret: tokenSecret({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef' }) },
    { name: 'wrong type', secret: tokenSecret(good, { type: 'Opaque' }) },
    { name: 'being deleted', secret: tokenSecret(good, { metadata: { deletionTimestamp: '2024-06-01T11:00:00Z' } }) },
    { name: 'bad extra group', secret: tokenSecret({ ...good, 'auth-extra-groups': 'system:masters' }) },
    { name: 'no secret' },
    { name: 'malformed token', secret: tokenSecret(good), token: 'abcdef:0123456789abcdef' },
  ];
  it.each(cases)('$name', async ({ secret, token, want }) => {
    const reader = memoryReader(secret ? [{ resource: 'secrets', obj: secret }] : []);
    const a = new BootstrapTokenAuthenticator(reader, () => NOW);
    expect(await a.authenticateToken(token ?? TOKEN)).toEqual(want);
  });

  it('looks in kube-system only', async () => {
    const s = tokenSecret(good);
    s.metadata.namespace = 'default';
    const a = new BootstrapTokenAuthenticator(memoryReader([{ resource: 'secrets', obj: s }]), () => NOW);
    expect(await a.authenticateToken(TOKEN)).toBeUndefined();
  });
});

describe('bootstrapGroups', () => {
  it('names the invalid group', () => {
    expect(() => bootstrapGroups(tokenSecret({ 'auth-extra-groups': 'system:bootstrappers:ok,system:bootstrappers:Bad' }))).toThrow(
      'bootstrap group "system:bootstrappers:Bad" is invalid',
    );
  });
});

describe('bootstrapTokenExpired', () => {
  it.each([
    [undefined, false],
    ['2024-06-01T12:00:00Z', true],
    ['2024-06-01T12:00:01Z', false],
    ['2024-06-01T12:00:00.5Z', false],
    ['2024-06-01 12:00:01Z', true],
  ])('%s', (exp, want) => {
    expect(bootstrapTokenExpired(tokenSecret(exp === undefined ? {} : { expiration: exp }), NOW)).toBe(want);
  });
});

// Tests for service-account keys, token issuing, token authentication and the TokenRequest logic.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/index.js';
import type { Obj, ObjectReader } from '../access.js';
import type { Req } from '../http.js';
import { bearerTokenAuthenticator } from './bearer.js';
import {
  ServiceAccountTokenAuthenticator,
  TokenIssuer,
  ensureServiceAccountKey,
  serviceAccountKeyId,
  splitServiceAccountUsername,
  tokenRequest,
  type ServiceAccountKey,
} from './serviceaccount.js';

/** A mutable in-memory ObjectReader keyed by resource/namespace/name (group '' only, as these tests need). */
class MemoryReader implements ObjectReader {
  readonly objs = new Map<string, Obj>();
  private k(r: string, ns: string, n: string) {
    return `${r}/${ns}/${n}`;
  }
  put(resource: string, obj: Obj): Obj {
    this.objs.set(this.k(resource, obj.metadata.namespace ?? '', obj.metadata.name), obj);
    return obj;
  }
  remove(resource: string, ns: string, name: string): void {
    this.objs.delete(this.k(resource, ns, name));
  }
  get(group: string, resource: string, namespace: string, name: string): Obj | undefined {
    return group === '' ? this.objs.get(this.k(resource, namespace, name)) : undefined;
  }
  list(group: string, resource: string, namespace?: string): Obj[] {
    return [...this.objs.entries()].filter(([k]) => group === '' && k.startsWith(`${resource}/${namespace ? `${namespace}/` : ''}`)).map(([, v]) => v);
  }
}

const NOW = new Date('2024-06-01T12:00:00Z');
const at = (d: Date) => () => d;
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const ISS = 'https://kubernetes.default.svc.cluster.local';

function world(): MemoryReader {
  const r = new MemoryReader();
  r.put('serviceaccounts', { metadata: { namespace: 'ns', name: 'builder', uid: 'sa-uid' } });
  r.put('pods', { metadata: { namespace: 'ns', name: 'web', uid: 'pod-uid' }, spec: { serviceAccountName: 'builder', nodeName: 'node-1' } });
  r.put('pods', { metadata: { namespace: 'ns', name: 'other', uid: 'other-uid' }, spec: { serviceAccountName: 'default' } });
  r.put('secrets', { metadata: { namespace: 'ns', name: 'bound', uid: 'secret-uid' } });
  r.put('nodes', { metadata: { name: 'node-1', uid: 'node-uid' } });
  return r;
}
const sa = (r: MemoryReader) => r.get('', 'serviceaccounts', 'ns', 'builder')!;

let dataDir: string;
let key: ServiceAccountKey;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'kubets-sa-'));
  key = await ensureServiceAccountKey(dataDir);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ensureServiceAccountKey', () => {
  it('creates an RSA 2048 pair once, key mode 0600', async () => {
    expect(key.keyPath).toBe(path.join(dataDir, 'tls', 'sa.key'));
    expect(statSync(key.keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(key.pubPath, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
    expect(key.privateKey.asymmetricKeyType).toBe('rsa');
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const again = await ensureServiceAccountKey(dataDir);
    expect(again.keyId).toBe(key.keyId);
    expect(readFileSync(again.keyPath, 'utf8')).toBe(readFileSync(key.keyPath, 'utf8'));
  });

  it('re-derives a missing sa.pub and refuses sa.pub without sa.key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubets-sa2-'));
    try {
      const k = await ensureServiceAccountKey(dir);
      const pub = readFileSync(k.pubPath, 'utf8');
      unlinkSync(k.pubPath);
      expect((await ensureServiceAccountKey(dir)).keyId).toBe(k.keyId);
      expect(readFileSync(k.pubPath, 'utf8')).toBe(pub);
      unlinkSync(k.keyPath);
      await expect(ensureServiceAccountKey(dir)).rejects.toThrow(/sa\.key does not/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('key id is base64url(sha256(DER SPKI))', () => {
    const der = key.publicKey.export({ type: 'spki', format: 'der' });
    expect(serviceAccountKeyId(key.publicKey)).toBe(createHash('sha256').update(der).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    expect(key.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('TokenIssuer', () => {
  it('signs bound tokens with upstream claims', async () => {
    const issuer = new TokenIssuer(key.privateKey, { now: at(NOW) });
    const { token, expiration } = await issuer.issueBoundToken({
      serviceAccount: sa(world()),
      audiences: ['api', 'vault'],
      expirationSeconds: 3600,
      pod: { name: 'web', uid: 'pod-uid' },
      node: { name: 'node-1', uid: 'node-uid' },
      warnAfterSeconds: 100,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: key.keyId });
    const c = decodeJwt(token);
    const t = NOW.getTime() / 1000;
    expect(c).toMatchObject({
      iss: ISS,
      sub: 'system:serviceaccount:ns:builder',
      aud: ['api', 'vault'],
      iat: t,
      nbf: t,
      exp: t + 3600,
      'kubernetes.io': {
        namespace: 'ns',
        serviceaccount: { name: 'builder', uid: 'sa-uid' },
        pod: { name: 'web', uid: 'pod-uid' },
        node: { name: 'node-1', uid: 'node-uid' },
        warnafter: t + 100,
      },
    });
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(expiration.toISOString()).toBe('2024-06-01T13:00:00.000Z');
    // Keys come out sorted, as go-jose's merged claims do.
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as object;
    expect(Object.keys(payload)).toEqual([...Object.keys(payload)].sort());
  });

  it('refuses a token bound to a secret and a pod', async () => {
    const issuer = new TokenIssuer(key.privateKey);
    await expect(issuer.issueBoundToken({ serviceAccount: sa(world()), audiences: ['a'], expirationSeconds: 600, pod: { name: 'p' }, secret: { name: 's' } })).rejects.toThrow(
      'token can only be bound to one object type',
    );
  });

  it('signs legacy tokens', async () => {
    const token = await new TokenIssuer(key.privateKey).issueLegacyToken(sa(world()), 'builder-token');
    expect(decodeJwt(token)).toEqual({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:ns:builder',
      'kubernetes.io/serviceaccount/namespace': 'ns',
      'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      'kubernetes.io/serviceaccount/service-account.name': 'builder',
      'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid',
    });
  });
});

describe('ServiceAccountTokenAuthenticator: bound tokens', () => {
  type Case = {
    name: string;
    audiences?: string[];
    bind?: 'pod' | 'secret' | 'node';
    expirationSeconds?: number;
    /** When the token is checked, relative to issuing. */
    checkAfter?: number;
    /** Changes to the world after issuing. */
    mutate?: (r: MemoryReader) => void;
    issuerName?: string;
    apiAudiences?: string[];
    wantUser?: object;
    wantError?: RegExp;
    notRecognised?: boolean;
  };
  const cases: Case[] = [
    { name: 'good', wantUser: { name: 'system:serviceaccount:ns:builder', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] } },
    { name: 'good, within leeway after expiry', expirationSeconds: 600, checkAfter: 650, wantUser: { name: 'system:serviceaccount:ns:builder' } },
    { name: 'expired', expirationSeconds: 600, checkAfter: 661, wantError: /service account token has expired/ },
    { name: 'not valid yet', checkAfter: -120, wantError: /service account token is not valid yet/ },
    { name: 'wrong audience', audiences: ['vault'], wantError: /token audiences \["vault"\] is invalid for the target audiences \["https:\/\/kubernetes.default.svc.cluster.local"\]/ },
    { name: 'one of several audiences matches', audiences: ['vault', ISS], wantUser: { name: 'system:serviceaccount:ns:builder' } },
    { name: 'custom api audiences', audiences: ['k3s'], apiAudiences: ['k3s'], wantUser: { name: 'system:serviceaccount:ns:builder' } },
    { name: 'deleted service account', mutate: (r) => r.remove('serviceaccounts', 'ns', 'builder'), wantError: /serviceaccounts "builder" not found/ },
    {
      name: 'recreated service account',
      mutate: (r) => r.put('serviceaccounts', { metadata: { namespace: 'ns', name: 'builder', uid: 'new-uid' } }),
      wantError: /service account UID \(new-uid\) does not match claim \(sa-uid\)/,
    },
    {
      name: 'service account deleted long ago',
      mutate: (r) => r.put('serviceaccounts', { metadata: { namespace: 'ns', name: 'builder', uid: 'sa-uid', deletionTimestamp: '2024-06-01T11:58:00Z' } }),
      wantError: /service account ns\/builder has been deleted/,
    },
    {
      name: 'pod-bound',
      bind: 'pod',
      wantUser: {
        name: 'system:serviceaccount:ns:builder',
        extra: { 'authentication.kubernetes.io/pod-name': ['web'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'], 'authentication.kubernetes.io/node-name': ['node-1'], 'authentication.kubernetes.io/node-uid': ['node-uid'] },
      },
    },
    { name: 'deleted pod', bind: 'pod', mutate: (r) => r.remove('pods', 'ns', 'web'), wantError: /service account token has been invalidated/ },
    {
      name: 'recreated pod',
      bind: 'pod',
      mutate: (r) => r.put('pods', { metadata: { namespace: 'ns', name: 'web', uid: 'pod-2' }, spec: { serviceAccountName: 'builder' } }),
      wantError: /pod UID \(pod-2\) does not match service account pod ref claim \(pod-uid\)/,
    },
    {
      name: 'pod terminating just now is still valid',
      bind: 'pod',
      mutate: (r) => r.put('pods', { metadata: { namespace: 'ns', name: 'web', uid: 'pod-uid', deletionTimestamp: '2024-06-01T11:59:30Z' }, spec: {} }),
      wantUser: { name: 'system:serviceaccount:ns:builder' },
    },
    {
      name: 'pod terminating for minutes',
      bind: 'pod',
      mutate: (r) => r.put('pods', { metadata: { namespace: 'ns', name: 'web', uid: 'pod-uid', deletionTimestamp: '2024-06-01T11:50:00Z' }, spec: {} }),
      wantError: /has been invalidated/,
    },
    { name: 'pod-bound: node deletion does not matter', bind: 'pod', mutate: (r) => r.remove('nodes', '', 'node-1'), wantUser: { name: 'system:serviceaccount:ns:builder' } },
    { name: 'secret-bound', bind: 'secret', wantUser: { name: 'system:serviceaccount:ns:builder', uid: 'sa-uid' } },
    { name: 'deleted secret', bind: 'secret', mutate: (r) => r.remove('secrets', 'ns', 'bound'), wantError: /has been invalidated/ },
    {
      name: 'node-bound',
      bind: 'node',
      wantUser: { extra: { 'authentication.kubernetes.io/node-name': ['node-1'], 'authentication.kubernetes.io/node-uid': ['node-uid'] } },
    },
    { name: 'deleted node', bind: 'node', mutate: (r) => r.remove('nodes', '', 'node-1'), wantError: /has been invalidated/ },
    { name: 'other issuer: not recognised', issuerName: 'https://elsewhere', notRecognised: true },
  ];

  it.each(cases)('$name', async (c) => {
    const r = world();
    const issuer = new TokenIssuer(key.privateKey, { now: at(NOW), issuer: c.issuerName ?? ISS });
    const { token, claims } = await issuer.issueBoundToken({
      serviceAccount: sa(r),
      audiences: c.audiences ?? [ISS],
      expirationSeconds: c.expirationSeconds ?? 3600,
      pod: c.bind === 'pod' ? { name: 'web', uid: 'pod-uid' } : undefined,
      node: c.bind === 'pod' || c.bind === 'node' ? { name: 'node-1', uid: 'node-uid' } : undefined,
      secret: c.bind === 'secret' ? { name: 'bound', uid: 'secret-uid' } : undefined,
    });
    c.mutate?.(r);
    const a = new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: r, apiAudiences: c.apiAudiences, now: at(later(c.checkAfter ?? 0)) });
    const p = a.authenticateToken(token);
    if (c.wantError) await expect(p).rejects.toThrow(c.wantError);
    else if (c.notRecognised) expect(await p).toBeUndefined();
    else {
      const u = await p;
      expect(u).toMatchObject(c.wantUser!);
      expect(u?.extra?.['authentication.kubernetes.io/credential-id']).toEqual([`JTI=${String(claims.jti)}`]);
    }
  });

  it('rejects a token signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const { token } = await new TokenIssuer(other, { now: at(NOW) }).issueBoundToken({ serviceAccount: sa(world()), audiences: [ISS], expirationSeconds: 3600 });
    const a = new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: world(), now: at(NOW) });
    await expect(a.authenticateToken(token)).rejects.toThrow(/signature verification failed/);
    // ... and accepts it once that key is configured too (as PEM text).
    const both = new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey, createPublicKey(other).export({ type: 'spki', format: 'pem' }) as string], reader: world(), now: at(NOW) });
    expect((await both.authenticateToken(token))?.name).toBe('system:serviceaccount:ns:builder');
  });

  it('does not recognise tokens that are not JWTs', async () => {
    const a = new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: world() });
    expect(await a.authenticateToken('abcdef.0123456789abcdef')).toBeUndefined();
    expect(await a.authenticateToken('static-token')).toBeUndefined();
  });

  it('goes through the bearer authenticator with system:authenticated, and 401 when invalid', async () => {
    const r = world();
    const { token } = await new TokenIssuer(key.privateKey).issueBoundToken({ serviceAccount: sa(r), audiences: [ISS], expirationSeconds: 3600 });
    const bearer = bearerTokenAuthenticator([new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: r })]);
    const req = { headers: { authorization: `Bearer ${token}` } } as unknown as Req;
    expect((await bearer.authenticate(req))?.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
    r.remove('serviceaccounts', 'ns', 'builder');
    const err = await Promise.resolve(bearer.authenticate(req)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(401);
  });
});

describe('ServiceAccountTokenAuthenticator: legacy tokens', () => {
  async function setup(secretOver: (s: Obj, token: string) => void = () => {}) {
    const r = world();
    const token = await new TokenIssuer(key.privateKey).issueLegacyToken(sa(r), 'builder-token');
    const secret: Obj = {
      metadata: { namespace: 'ns', name: 'builder-token', uid: 's-uid', annotations: { 'kubernetes.io/service-account.name': 'builder', 'kubernetes.io/service-account.uid': 'sa-uid' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from(token).toString('base64') },
    };
    secretOver(secret, token);
    r.put('secrets', secret);
    return { r, token };
  }
  const cases: Array<{ name: string; over?: (s: Obj, token: string) => void; mutate?: (r: MemoryReader) => void; err?: RegExp }> = [
    { name: 'good' },
    { name: 'secret deleted', mutate: (r) => r.remove('secrets', 'ns', 'builder-token'), err: /Token has been invalidated/ },
    { name: 'secret being deleted', over: (s) => (s.metadata.deletionTimestamp = '2024-06-01T11:00:00Z'), err: /Token has been invalidated/ },
    { name: 'annotation uid differs', over: (s) => (s.metadata.annotations['kubernetes.io/service-account.uid'] = 'old-uid'), err: /Token has been invalidated/ },
    { name: 'secret holds another token', over: (s) => (s.data.token = Buffer.from('x').toString('base64')), err: /Token does not match server's copy/ },
    { name: 'service account deleted', mutate: (r) => r.remove('serviceaccounts', 'ns', 'builder'), err: /not found/ },
    {
      name: 'service account recreated',
      mutate: (r) => r.put('serviceaccounts', { metadata: { namespace: 'ns', name: 'builder', uid: 'sa-2' } }),
      err: /ServiceAccount UID \(sa-2\) does not match claim \(sa-uid\)/,
    },
    { name: 'marked invalid', over: (s) => (s.metadata.labels = { 'kubernetes.io/legacy-token-invalid-since': '2024-01-01' }), err: /has been marked invalid/ },
  ];
  it.each(cases)('$name', async ({ over, mutate, err }) => {
    const { r, token } = await setup(over);
    mutate?.(r);
    const a = new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: r });
    const p = a.authenticateToken(token);
    if (err) await expect(p).rejects.toThrow(err);
    else expect(await p).toEqual({ name: 'system:serviceaccount:ns:builder', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] });
  });

  it('can be turned off', async () => {
    const { r, token } = await setup();
    expect(await new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: r, legacy: false }).authenticateToken(token)).toBeUndefined();
  });
});

describe('splitServiceAccountUsername', () => {
  it.each([
    ['system:serviceaccount:ns:name', { namespace: 'ns', name: 'name' }],
    ['system:serviceaccount:ns:a.b', { namespace: 'ns', name: 'a.b' }],
    ['system:serviceaccount:ns', undefined],
    ['system:serviceaccount:ns:a:b', undefined],
    ['system:serviceaccount:Ns:a', undefined],
    ['jane', undefined],
  ])('%s', (u, want) => {
    expect(splitServiceAccountUsername(u)).toEqual(want);
  });
});

describe('tokenRequest', () => {
  const base = (r: MemoryReader, extra: Partial<Parameters<typeof tokenRequest>[0]> = {}) => ({
    issuer: new TokenIssuer(key.privateKey, { now: at(NOW) }),
    reader: r,
    apiAudiences: [ISS],
    now: at(NOW),
    ...extra,
  });

  it('defaults audiences and expiration and returns a usable token', async () => {
    const r = world();
    const out = await tokenRequest(base(r), sa(r), { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(out.metadata).toEqual({ name: 'builder', namespace: 'ns', creationTimestamp: '2024-06-01T12:00:00Z' });
    expect(out.spec).toEqual({ audiences: [ISS], expirationSeconds: 3600 });
    expect(out.status.expirationTimestamp).toBe('2024-06-01T13:00:00Z');
    const u = await new ServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], reader: r, now: at(NOW) }).authenticateToken(out.status.token);
    expect(u?.name).toBe('system:serviceaccount:ns:builder');
    expect(decodeJwt(out.status.token).exp).toBe(NOW.getTime() / 1000 + 3600);
  });

  type ErrCase = { name: string; body: Obj; code: number; message: string };
  const errCases: ErrCase[] = [
    {
      name: 'too short',
      body: { spec: { expirationSeconds: 599 } },
      code: 422,
      message: 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    },
    {
      name: 'too long',
      body: { spec: { expirationSeconds: 2 ** 32 + 1 } },
      code: 422,
      message: 'spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    },
    {
      name: 'name mismatch',
      body: { metadata: { name: 'other' }, spec: {} },
      code: 422,
      message: 'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    },
    { name: 'missing pod', body: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'gone' } } }, code: 404, message: 'pods "gone" not found' },
    {
      name: 'pod of another service account',
      body: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } } },
      code: 400,
      message: 'cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.',
    },
    {
      name: 'uid mismatch',
      body: { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound', uid: 'stale' } } },
      code: 409,
      message: 'Operation cannot be fulfilled on Secret "bound": the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
    },
    {
      name: 'unsupported kind',
      body: { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } },
      code: 400,
      message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
    },
  ];
  it.each(errCases)('refuses: $name', async ({ body, code, message }) => {
    const r = world();
    const err = await tokenRequest(base(r), sa(r), body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(code);
    expect((err as StatusError).message).toContain(message);
  });

  it('binds to a pod and its node', async () => {
    const r = world();
    const out = await tokenRequest(base(r), sa(r), { spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-uid' } } });
    expect(decodeJwt(out.status.token)).toMatchObject({ aud: ['vault'], 'kubernetes.io': { pod: { name: 'web', uid: 'pod-uid' }, node: { name: 'node-1', uid: 'node-uid' } } });
  });

  it('binds to a secret and a node', async () => {
    const r = world();
    const s = await tokenRequest(base(r), sa(r), { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound' } } });
    expect(decodeJwt(s.status.token)['kubernetes.io']).toMatchObject({ secret: { name: 'bound', uid: 'secret-uid' } });
    const n = await tokenRequest(base(r), sa(r), { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'node-1' } } });
    expect(decodeJwt(n.status.token)['kubernetes.io']).toMatchObject({ node: { name: 'node-1', uid: 'node-uid' } });
  });

  it('caps the expiration with a warning', async () => {
    const r = world();
    const warnings: string[] = [];
    const out = await tokenRequest(base(r, { maxExpirationSeconds: 1200, warnings }), sa(r), { spec: { expirationSeconds: 7200 } });
    expect(out.spec.expirationSeconds).toBe(1200);
    expect(warnings).toEqual(['requested expiration of 7200 seconds shortened to 1200 seconds']);
    expect(out.status.expirationTimestamp).toBe('2024-06-01T12:20:00Z');
  });

  it("extends kubelet's 3607 s pod-bound tokens to a year with warnafter", async () => {
    const r = world();
    const body = { spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } };
    const out = await tokenRequest(base(r), sa(r), body);
    const c = decodeJwt(out.status.token);
    const t = NOW.getTime() / 1000;
    expect(c.exp).toBe(t + 365 * 24 * 3600);
    expect((c['kubernetes.io'] as { warnafter: number }).warnafter).toBe(t + 3607);
    expect(out.status.expirationTimestamp).toBe('2024-06-01T13:00:07Z');
    const plain = await tokenRequest(base(r, { extendExpiration: false }), sa(r), body);
    expect(decodeJwt(plain.status.token).exp).toBe(t + 3607);
  });
});

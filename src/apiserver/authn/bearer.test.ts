// Tests for the bearer-token and anonymous authenticators.
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/index.js';
import type { UserInfo } from '../authn.js';
import type { Req } from '../http.js';
import { anonymousAuthenticator } from './anonymous.js';
import { bearerToken, bearerTokenAuthenticator, withAuthenticatedGroup, type TokenAuthenticator } from './bearer.js';

const req = (headers: Record<string, string>, url = '/api'): Req => ({ headers, url }) as unknown as Req;

const table = (tokens: Record<string, UserInfo>): TokenAuthenticator => ({ authenticateToken: async (t) => tokens[t] });
const throwing: TokenAuthenticator = {
  authenticateToken: async () => {
    throw new Error('token has expired');
  },
};
const alice: UserInfo = { name: 'alice', groups: ['dev'] };

describe('bearerToken', () => {
  it.each([
    ['no header', {}, undefined],
    ['bearer', { authorization: 'Bearer abc' }, 'abc'],
    ['lower-case scheme', { authorization: 'bearer abc' }, 'abc'],
    ['upper-case scheme, padded', { authorization: '  BEARER   abc  ' }, 'abc'],
    ['basic auth', { authorization: 'Basic YWxpY2U6cHc=' }, undefined],
    ['scheme only', { authorization: 'Bearer' }, undefined],
    ['empty', { authorization: '' }, undefined],
  ])('%s', (_name, headers, want) => {
    expect(bearerToken(req(headers))).toBe(want);
  });
});

describe('bearerTokenAuthenticator', () => {
  const cases: Array<{ name: string; auths: TokenAuthenticator[]; headers: Record<string, string>; url?: string; want?: UserInfo; status?: number }> = [
    { name: 'no header: not recognised', auths: [table({ t: alice })], headers: {}, want: undefined },
    { name: 'access_token query is ignored', auths: [table({ t: alice })], headers: {}, url: '/api?access_token=t', want: undefined },
    { name: 'known token', auths: [table({ t: alice })], headers: { authorization: 'Bearer t' }, want: { name: 'alice', groups: ['dev', 'system:authenticated'] } },
    { name: 'unknown token is 401', auths: [table({ t: alice })], headers: { authorization: 'Bearer x' }, status: 401 },
    { name: 'no authenticators: 401', auths: [], headers: { authorization: 'Bearer x' }, status: 401 },
    { name: 'error then success', auths: [throwing, table({ t: alice })], headers: { authorization: 'Bearer t' }, want: { name: 'alice', groups: ['dev', 'system:authenticated'] } },
    { name: 'only errors: 401', auths: [throwing], headers: { authorization: 'Bearer t' }, status: 401 },
    { name: 'basic auth is not ours', auths: [throwing], headers: { authorization: 'Basic abc' }, want: undefined },
  ];
  it.each(cases)('$name', async ({ auths, headers, url, want, status }) => {
    const a = bearerTokenAuthenticator(auths);
    const p = Promise.resolve(a.authenticate(req(headers, url)));
    if (status !== undefined) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StatusError);
      expect((err as StatusError).code).toBe(status);
      expect((err as StatusError).status.reason).toBe('Unauthorized');
    } else {
      expect(await p).toEqual(want);
    }
  });
});

describe('withAuthenticatedGroup', () => {
  it.each([
    [{ name: 'a', groups: [] }, ['system:authenticated']],
    [{ name: 'a', groups: ['system:authenticated', 'x'] }, ['system:authenticated', 'x']],
    [{ name: 'a', groups: ['system:unauthenticated'] }, ['system:unauthenticated']],
    [{ name: 'system:anonymous', groups: [] }, []],
  ] as Array<[UserInfo, string[]]>)('%j', (user, groups) => {
    expect(withAuthenticatedGroup(user).groups).toEqual(groups);
  });
});

describe('anonymousAuthenticator', () => {
  it('is system:anonymous in system:unauthenticated', async () => {
    expect(await anonymousAuthenticator.authenticate(req({}))).toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
  });
});

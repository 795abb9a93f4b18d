// Tests for loadKubeconfig: embedded data, file references relative to the kubeconfig, tokens, contexts, errors.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeconfig } from './kubeconfig.js';

let dir: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-kc-'));
  mkdirSync(path.join(dir, 'pki'));
  writeFileSync(path.join(dir, 'pki', 'ca.crt'), 'CA-FILE');
  writeFileSync(path.join(dir, 'pki', 'c.crt'), 'CERT-FILE');
  writeFileSync(path.join(dir, 'pki', 'c.key'), 'KEY-FILE');
  writeFileSync(path.join(dir, 'token'), 'tok-from-file\n');
  writeFileSync(
    path.join(dir, 'config'),
    `apiVersion: v1
kind: Config
current-context: data
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: ${b64('CA-DATA')}
- name: c2
  cluster:
    server: https://10.0.0.2:6443
    certificate-authority: pki/ca.crt
contexts:
- name: data
  context: {cluster: c1, user: u1}
- name: files
  context: {cluster: c2, user: u2}
- name: tokenfile
  context: {cluster: c2, user: u3}
- name: broken
  context: {cluster: nope, user: u1}
users:
- name: u1
  user:
    client-certificate-data: ${b64('CERT-DATA')}
    client-key-data: ${b64('KEY-DATA')}
    token: tok
- name: u2
  user:
    client-certificate: pki/c.crt
    client-key: ${path.join(dir, 'pki', 'c.key')}
- name: u3
  user:
    tokenFile: token
`,
  );
  writeFileSync(path.join(dir, 'bad'), 'just a string');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadKubeconfig', () => {
  it.each([
    ['current context, embedded data', undefined, { server: 'https://10.0.0.1:6443', caPem: 'CA-DATA', certPem: 'CERT-DATA', keyPem: 'KEY-DATA', token: 'tok' }],
    ['relative and absolute file references', 'files', { server: 'https://10.0.0.2:6443', caPem: 'CA-FILE', certPem: 'CERT-FILE', keyPem: 'KEY-FILE' }],
    ['tokenFile', 'tokenfile', { server: 'https://10.0.0.2:6443', caPem: 'CA-FILE', token: 'tok-from-file' }],
  ])('%s', (_n, context, want) => {
    expect(loadKubeconfig(path.join(dir, 'config'), context ? { context } : {})).toEqual(want);
  });

  it.each([
    ['missing file', 'nope', undefined, /kubeconfig .*nope: ENOENT/],
    ['not a mapping', 'bad', undefined, /not a YAML mapping/],
    ['unknown context', 'config', 'zzz', /no context named "zzz"/],
    ['unknown cluster', 'config', 'broken', /no cluster named "nope"/],
  ])('%s is a clear error', (_n, file, context, re) => {
    expect(() => loadKubeconfig(path.join(dir, file), context ? { context } : {})).toThrow(re);
  });
});

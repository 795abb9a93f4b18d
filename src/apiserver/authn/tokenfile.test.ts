// Tests for static token files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenFile, parseCsv, parseTokenFile } from './tokenfile.js';

describe('parseCsv', () => {
  it.each([
    ['plain', 'a,b,c\n', [['a', 'b', 'c']]],
    ['no trailing newline', 'a,b', [['a', 'b']]],
    ['crlf', 'a,b\r\nc,d\r\n', [['a', 'b'], ['c', 'd']]],
    ['blank lines skipped', '\na,b\n\n\nc\n', [['a', 'b'], ['c']]],
    ['quoted comma', 'a,"x,y"\n', [['a', 'x,y']]],
    ['doubled quote', 'a,"say ""hi"""\n', [['a', 'say "hi"']]],
    ['quoted newline', 'a,"x\ny",z\nb\n', [['a', 'x\ny', 'z'], ['b']]],
    ['empty fields', ',,\n', [['', '', '']]],
  ])('%s', (_n, text, want) => {
    expect(parseCsv(text).map((r) => r.fields)).toEqual(want);
  });

  it.each([
    ['bare quote', 'ok,b,c\na,b"c,d\n', 'parse error on line 2, column 4: bare " in non-quoted field'],
    ['text after closing quote', 'a,"b"x,c\n', 'parse error on line 1, column 6: extraneous or missing " in quoted-field'],
    ['unterminated quote', 'a,b,c\nd,"e\nf\n', 'record on line 2; parse error on line 3'],
  ])('%s', (_n, text, msg) => {
    expect(() => parseCsv(text)).toThrow(msg);
  });

  it('reports the start line of each record', () => {
    expect(parseCsv('\n\na\n"b\nc"\nd').map((r) => r.line)).toEqual([3, 4, 6]);
  });
});

describe('parseTokenFile', () => {
  it('reads users, uids and groups', () => {
    const m = parseTokenFile('t1,alice,1001,"dev,ops"\n\nt2,bob,1002\n,nobody,1003\nt3,carol,,g\nt4,dave,1004,"",extra\n');
    expect(m.get('t1')).toEqual({ name: 'alice', uid: '1001', groups: ['dev', 'ops'] });
    expect(m.get('t2')).toEqual({ name: 'bob', uid: '1002', groups: [] });
    expect(m.get('t3')).toEqual({ name: 'carol', groups: ['g'] });
    expect(m.get('t4')).toEqual({ name: 'dave', uid: '1004', groups: [] });
    expect(m.has('')).toBe(false);
    expect(m.size).toBe(4);
  });

  it('keeps the last of duplicate tokens', () => {
    expect(parseTokenFile('t,a,1\nt,b,2\n').get('t')?.name).toBe('b');
  });

  it.each([
    ['two columns', 't1,alice,1\nt2,bob\n', "token file 'f.csv' must have at least 3 columns (token, user name, user uid), found 2 (line 2)"],
    ['one column after blank lines', '\n\nlonely\n', 'found 1 (line 3)'],
    ['bad quoting', 't1,al"ice,1\n', 'parse error on line 1, column 6: bare " in non-quoted field'],
  ])('malformed: %s', (_n, text, msg) => {
    expect(() => parseTokenFile(text, 'f.csv')).toThrow(msg);
  });
});

describe('loadTokenFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubets-tokenfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates tokens from the file', async () => {
    const f = path.join(dir, 'tokens.csv');
    writeFileSync(f, 'secret-token,admin,admin-uid,"system:masters"\n');
    const a = loadTokenFile(f);
    expect(a.size).toBe(1);
    expect(await a.authenticateToken('secret-token')).toEqual({ name: 'admin', uid: 'admin-uid', groups: ['system:masters'] });
    expect(await a.authenticateToken('other')).toBeUndefined();
  });

  it('fails on a missing file', () => {
    expect(() => loadTokenFile(path.join(dir, 'absent.csv'))).toThrow(/ENOENT/);
  });
});

// Audit log backend: JSON lines, lumberjack rotation by size with maxbackup, by age, compression, dropping, stdout, flag validation.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './event.js';
import { AuditLogBackend, backupName, openAuditLog, validateAuditLogOptions } from './log.js';

function event(i: number): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${String(i).padStart(4, '0')}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/pods',
    verb: 'list',
    user: { username: 'admin' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-23T17:30:00.000000Z',
    stageTimestamp: '2026-11-23T17:30:00.000100Z',
  };
}
const lineLen = Buffer.byteLength(JSON.stringify(event(0)) + '\n');

/** A clock that moves 1 s per call, so every rotation gets its own backup name. */
function steppingClock(start = Date.UTC(2026, 10, 23, 17, 30, 0)) {
  let t = start;
  return () => new Date((t += 1000));
}
const tmp = () => mkdtempSync(join(tmpdir(), 'kubets-audit-log-'));
const readLines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);

describe('backupName (lumberjack naming)', () => {
  it('inserts the UTC timestamp before the extension', () => {
    const t = new Date(Date.UTC(2026, 10, 23, 17, 30, 0, 0));
    expect(backupName('/var/log/kubets/audit.log', t)).toBe('/var/log/kubets/audit-2026-11-23T17-30-00.000.log');
    expect(backupName('/tmp/audit', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67)))).toBe('/tmp/audit-2026-01-02T03-04-05.067');
  });
});

describe('AuditLogBackend', () => {
  it('writes one JSON object per line, in order', async () => {
    const dir = tmp();
    const path = join(dir, 'audit.log');
    const b = openAuditLog({ path });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 5; i++) expect(b.processEvents(event(i))).toBe(true);
    await b.close();
    expect(readLines(path).map((e) => e.auditID)).toEqual(['id-0000', 'id-0001', 'id-0002', 'id-0003', 'id-0004']);
  });

  it('rotates by size and keeps maxbackup backups (newest)', async () => {
    const dir = tmp();
    const path = join(dir, 'audit.log');
    // three lines fit in a file
    const b = new AuditLogBackend({ path, maxBytes: lineLen * 3, maxBackups: 2, now: steppingClock() });
    for (let i = 0; i < 14; i++) {
      b.processEvents(event(i));
      if (i % 2 === 1) await b.flush(); // several writer runs, not one batch
    }
    await b.close();
    const files = readdirSync(dir).sort();
    const backups = files.filter((f) => f !== 'audit.log');
    expect(backups).toHaveLength(2);
    for (const f of backups) expect(f).toMatch(/^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/);
    // 14 lines: files of 3,3,3,3 then 2 in the current file; the two newest backups hold lines 6..11
    expect(readLines(path).map((e) => e.auditID)).toEqual(['id-0012', 'id-0013']);
    expect(readLines(join(dir, backups[0]!)).map((e) => e.auditID)).toEqual(['id-0006', 'id-0007', 'id-0008']);
    expect(readLines(join(dir, backups[1]!)).map((e) => e.auditID)).toEqual(['id-0009', 'id-0010', 'id-0011']);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(lineLen * 3);
  });

  it('appends to an existing file that has room, rotates one that has not', async () => {
    const dir = tmp();
    const path = join(dir, 'audit.log');
    writeFileSync(path, 'x'.repeat(10) + '\n');
    const b = new AuditLogBackend({ path, maxBytes: lineLen * 2, now: steppingClock() });
    b.processEvents(event(1));
    await b.close();
    expect(readFileSync(path, 'utf8').startsWith('xxxxxxxxxx\n')).toBe(true);
    const c = new AuditLogBackend({ path, maxBytes: lineLen * 2, now: steppingClock() });
    c.processEvents(event(2));
    await c.close();
    expect(readLines(path).map((e) => e.auditID)).toEqual(['id-0002']);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('removes backups older than maxage (by the name timestamp) and gzips with compress', async () => {
    const dir = tmp();
    const path = join(dir, 'audit.log');
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    writeFileSync(backupName(path, new Date(now - 10 * 86400_000)), 'old\n');
    writeFileSync(backupName(path, new Date(now - 1 * 86400_000)), 'recent\n');
    writeFileSync(join(dir, 'unrelated.log'), 'keep\n');
    const b = new AuditLogBackend({ path, maxAge: 3, compress: true, now: () => new Date(now) });
    b.processEvents(event(1));
    await b.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['audit-2026-11-22T12-00-00.000.log.gz', 'audit.log', 'unrelated.log']);
    expect(gunzipSync(readFileSync(join(dir, files[0]!))).toString()).toBe('recent\n');
  });

  it('a line longer than the limit is reported, not written', async () => {
    const dir = tmp();
    const path = join(dir, 'audit.log');
    const errors: string[] = [];
    const b = new AuditLogBackend({ path, maxBytes: 50, onError: (e) => errors.push(e.message) });
    b.processEvents(event(1));
    await b.close();
    expect(errors).toEqual([`write length ${lineLen} exceeds maximum file size 50`]);
  });

  it('never blocks: a full queue drops events and reports them', async () => {
    const dir = tmp();
    const errors: Array<[string, number]> = [];
    const b = new AuditLogBackend({ path: join(dir, 'audit.log'), bufferSize: 3, onError: (e, n) => errors.push([e.message, n]) });
    const ok = b.processEvents(event(1), event(2), event(3), event(4), event(5));
    expect(ok).toBe(false);
    expect(b.dropped).toBe(2);
    expect(errors).toEqual([['audit buffer queue blocked', 2]]);
    await b.close();
    expect(readLines(join(dir, 'audit.log'))).toHaveLength(3);
    expect(b.processEvents(event(6))).toBe(false); // closed
  });

  it('"-" writes to the stream', async () => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    const b = openAuditLog({ path: '-', stream });
    b.processEvents(event(7));
    await b.close();
    expect(JSON.parse(chunks.join('')).auditID).toBe('id-0007');
  });
});

describe('validateAuditLogOptions / openAuditLog', () => {
  it('upstream messages for negative values and formats', () => {
    expect(validateAuditLogOptions({ path: '/x', maxAge: -1, maxBackups: -2, maxSize: -3 })).toEqual([
      "--audit-log-maxage -1 can't be a negative number",
      "--audit-log-maxbackup -2 can't be a negative number",
      "--audit-log-maxsize -3 can't be a negative number",
    ]);
    expect(validateAuditLogOptions({ path: '/x', format: 'legacy' })).toEqual(['invalid audit log format legacy, allowed formats are "json"']);
    expect(validateAuditLogOptions({ path: '', maxAge: -1 })).toEqual([]);
    expect(() => openAuditLog({ path: '/x', maxSize: -1 })).toThrow("--audit-log-maxsize -1 can't be a negative number");
  });

  it('creates the directory and file at open', () => {
    const dir = tmp();
    const path = join(dir, 'sub', 'audit.log');
    openAuditLog({ path });
    expect(existsSync(path)).toBe(true);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
  });
});

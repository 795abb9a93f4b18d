// The audit log backend (--audit-log-path): JSON lines, buffered and written asynchronously, with lumberjack's size/age/count rotation.
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { AuditBackend, AuditEvent } from './event.js';

const MEGABYTE = 1024 * 1024;
/** lumberjack's size limit when none is set (MaxSize 0). */
export const DEFAULT_MAX_SIZE_MB = 100;
/** Events queued before new ones are dropped (upstream's default batch buffer size). */
export const DEFAULT_BUFFER_SIZE = 10000;
const COMPRESS_SUFFIX = '.gz';

/** The audit log flags, as upstream's AuditLogOptions. */
export interface AuditLogOptions {
  /** `--audit-log-path`; `-` writes to standard output (`stream`). */
  path: string;
  /** `--audit-log-maxage`: days to keep rotated files, by the timestamp in their names; 0 keeps them regardless of age. */
  maxAge?: number;
  /** `--audit-log-maxbackup`: rotated files to keep; 0 keeps all. */
  maxBackups?: number;
  /** `--audit-log-maxsize`: megabytes before rotating; 0 means lumberjack's 100. */
  maxSize?: number;
  /** Size limit in bytes, overriding `maxSize` (tests). */
  maxBytes?: number;
  /** `--audit-log-compress`: gzip rotated files. */
  compress?: boolean;
  /** `--audit-log-format`; only `json` is supported. */
  format?: string;
  /** Events queued (not yet written) before further events are dropped. */
  bufferSize?: number;
  /** Clock for backup names and age (tests). */
  now?: () => Date;
  /** Where `-` writes; defaults to process.stdout. */
  stream?: NodeJS.WritableStream;
  /** Called when events could not be written or were dropped; defaults to a line on stderr. */
  onError?: (err: Error, affectedEvents: number) => void;
}

/** Upstream AuditLogOptions.Validate for the log flags: the error messages, empty when valid. */
export function validateAuditLogOptions(o: Pick<AuditLogOptions, 'path' | 'maxAge' | 'maxBackups' | 'maxSize' | 'format'>): string[] {
  if (!o.path) return [];
  const errs: string[] = [];
  const format = o.format ?? 'json';
  if (format !== 'json') errs.push(`invalid audit log format ${format}, allowed formats are "json"`);
  if ((o.maxAge ?? 0) < 0) errs.push(`--audit-log-maxage ${o.maxAge} can't be a negative number`);
  if ((o.maxBackups ?? 0) < 0) errs.push(`--audit-log-maxbackup ${o.maxBackups} can't be a negative number`);
  if ((o.maxSize ?? 0) < 0) errs.push(`--audit-log-maxsize ${o.maxSize} can't be a negative number`);
  return errs;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** lumberjack's backup time format, UTC: `2026-11-23T17-30-00.000`. */
export function backupTimestamp(t: Date): string {
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}-${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}`;
}

/** The name a rotated file gets: `dir/audit.log` at `t` becomes `dir/audit-2026-11-23T17-30-00.000.log`. */
export function backupName(path: string, t: Date): string {
  const ext = extname(path);
  const prefix = basename(path).slice(0, basename(path).length - ext.length);
  return join(dirname(path), `${prefix}-${backupTimestamp(t)}${ext}`);
}

function parseBackupTimestamp(ts: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

interface Backup {
  name: string;
  time: number;
}

/**
 * A file that rotates as lumberjack does: a write that would take the file past `maxBytes` first renames it to
 * `backupName(path, now)` and starts a new one with the same mode; after each rotation (and when first opened)
 * rotated files beyond `maxBackups` (newest kept) or older than `maxAgeDays` are removed, the rest gzipped when
 * `compress`. Not safe for concurrent calls: `AuditLogBackend` serialises them.
 */
export class RotatingFile {
  private fh: FileHandle | undefined;
  private size = 0;
  private readonly maxBytes: number;

  constructor(
    readonly path: string,
    private readonly opts: { maxBytes: number; maxAgeDays: number; maxBackups: number; compress: boolean; now: () => Date },
  ) {
    this.maxBytes = opts.maxBytes;
  }

  /**
   * Appends `lines` (each kept whole within one file), rotating as needed. A line longer than the limit is not
   * written; it is reported in the returned errors ("write length N exceeds maximum file size M"), as lumberjack does.
   */
  async writeLines(lines: readonly Buffer[]): Promise<Error[]> {
    const errors: Error[] = [];
    let pending: Buffer[] = [];
    const flush = async () => {
      if (pending.length === 0 || !this.fh) return;
      const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      await this.fh.write(buf);
    };
    for (const line of lines) {
      if (line.length > this.maxBytes) {
        errors.push(new Error(`write length ${line.length} exceeds maximum file size ${this.maxBytes}`));
        continue;
      }
      if (!this.fh) await this.openExistingOrNew(line.length);
      else if (this.size + line.length > this.maxBytes) {
        await flush();
        await this.rotate();
      }
      pending.push(line);
      this.size += line.length;
    }
    await flush();
    return errors;
  }

  /** Closes the current file (a later write reopens it). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  /** Rotates now: the current file becomes a backup and a new empty one is started. */
  async rotate(): Promise<void> {
    await this.close();
    await this.openNew();
    await this.mill();
  }

  private async openExistingOrNew(writeLen: number): Promise<void> {
    await this.mill();
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.openNew();
      throw err;
    }
    if (size + writeLen >= this.maxBytes) return this.rotate();
    this.fh = await open(this.path, 'a');
    this.size = size;
  }

  private async openNew(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    let mode = 0o600;
    try {
      const st = await stat(this.path);
      mode = st.mode & 0o777;
      await rename(this.path, backupName(this.path, this.opts.now()));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.fh = await open(this.path, 'w', mode);
    this.size = 0;
  }

  /** The rotated files of this log, newest first. */
  async backups(): Promise<Backup[]> {
    const ext = extname(this.path);
    const prefix = basename(this.path).slice(0, basename(this.path).length - ext.length) + '-';
    let names: string[];
    try {
      names = await readdir(dirname(this.path));
    } catch {
      return [];
    }
    const out: Backup[] = [];
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const end = name.endsWith(ext + COMPRESS_SUFFIX) ? name.length - ext.length - COMPRESS_SUFFIX.length : name.endsWith(ext) ? name.length - ext.length : -1;
      if (end < prefix.length) continue;
      const time = parseBackupTimestamp(name.slice(prefix.length, end));
      if (time !== undefined) out.push({ name, time });
    }
    return out.sort((a, b) => b.time - a.time);
  }

  private async mill(): Promise<void> {
    const { maxBackups, maxAgeDays, compress } = this.opts;
    if (maxBackups === 0 && maxAgeDays === 0 && !compress) return;
    let files = await this.backups();
    const remove: Backup[] = [];
    if (maxBackups > 0 && maxBackups < files.length) {
      const preserved = new Set<string>();
      const remaining: Backup[] = [];
      for (const f of files) {
        // a file and its compressed form count once
        preserved.add(f.name.endsWith(COMPRESS_SUFFIX) ? f.name.slice(0, -COMPRESS_SUFFIX.length) : f.name);
        (preserved.size > maxBackups ? remove : remaining).push(f);
      }
      files = remaining;
    }
    if (maxAgeDays > 0) {
      const cutoff = this.opts.now().getTime() - maxAgeDays * 24 * 3600 * 1000;
      const remaining: Backup[] = [];
      for (const f of files) (f.time < cutoff ? remove : remaining).push(f);
      files = remaining;
    }
    const dir = dirname(this.path);
    for (const f of remove) await unlink(join(dir, f.name)).catch(() => undefined);
    if (compress) {
      for (const f of files) {
        if (f.name.endsWith(COMPRESS_SUFFIX)) continue;
        const src = join(dir, f.name);
        const mode = (await stat(src)).mode & 0o777;
        await pipeline(createReadStream(src), createGzip(), createWriteStream(src + COMPRESS_SUFFIX, { mode }));
        await unlink(src);
      }
    }
  }
}

/**
 * The log backend: `processEvents` serialises each event to one JSON line and queues it, never waiting on I/O;
 * a single background writer drains the queue to the file (or stdout for `-`). When `bufferSize` lines are already
 * waiting, further events are dropped and reported (upstream's buffered backend does the same).
 */
export class AuditLogBackend implements AuditBackend {
  private queue: Buffer[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly file: RotatingFile | undefined;
  private readonly bufferSize: number;
  private readonly onError: (err: Error, affected: number) => void;
  /** Events dropped because the queue was full or the backend closed. */
  dropped = 0;

  constructor(private readonly opts: AuditLogOptions) {
    this.bufferSize = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.onError =
      opts.onError ?? ((err, n) => process.stderr.write(`Error in audit plugin 'log' affecting ${n} audit events: ${err.message}\n`));
    if (opts.path !== '-') {
      const maxBytes = opts.maxBytes ?? (opts.maxSize && opts.maxSize > 0 ? opts.maxSize : DEFAULT_MAX_SIZE_MB) * MEGABYTE;
      this.file = new RotatingFile(opts.path, {
        maxBytes,
        maxAgeDays: opts.maxAge ?? 0,
        maxBackups: opts.maxBackups ?? 0,
        compress: opts.compress ?? false,
        now: opts.now ?? (() => new Date()),
      });
    }
  }

  processEvents(...events: AuditEvent[]): boolean {
    let ok = true;
    let dropped = 0;
    for (const ev of events) {
      if (this.closed || this.queue.length >= this.bufferSize) {
        dropped++;
        continue;
      }
      this.queue.push(Buffer.from(JSON.stringify(ev) + '\n'));
    }
    if (dropped > 0) {
      ok = false;
      this.dropped += dropped;
      this.onError(new Error(this.closed ? 'audit backend closed' : 'audit buffer queue blocked'), dropped);
    }
    if (this.queue.length > 0 && !this.draining) {
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
      });
    }
    return ok;
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // coalesce the events of this turn into one write
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (this.file) {
          const errs = await this.file.writeLines(batch);
          for (const e of errs) this.onError(e, 1);
        } else {
          const stream = this.opts.stream ?? process.stdout;
          await new Promise<void>((resolve, reject) => stream.write(Buffer.concat(batch), (err) => (err ? reject(err) : resolve())));
        }
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)), batch.length);
      }
    }
  }

  /** Resolves when every event accepted so far has been written. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Writes what is queued, closes the file; later events are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.file?.close();
  }
}

/**
 * Opens the audit log for `--audit-log-path` (upstream getWriter + ensureLogFile): validates the options, creates
 * the directory (0700) and the file (0600) now so a bad path fails at startup, and returns the backend.
 */
export function openAuditLog(opts: AuditLogOptions): AuditLogBackend {
  const errs = validateAuditLogOptions(opts);
  if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  if (opts.path !== '-') {
    try {
      mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
      closeSync(openSync(opts.path, 'a+', 0o600));
    } catch (err) {
      throw new Error(`ensureLogFile: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return new AuditLogBackend(opts);
}

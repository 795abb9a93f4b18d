// Chooses and opens a storage backend from the flags `--storage sqlite|etcd`, `--etcd-servers`, `--data-dir`.
import { join } from 'node:path';
import type { Backend } from './types.js';
import { SqliteBackend, type SqliteOptions } from './sqlite/index.js';
import { EtcdBackend, type EtcdOptions } from './etcd/index.js';

export interface StorageOptions {
  /** Which backend; default "sqlite". */
  storage?: 'sqlite' | 'etcd';
  /** Data directory; the sqlite file is `<dataDir>/db/state.db`. Required for sqlite. */
  dataDir?: string;
  /** etcd endpoints, e.g. ["http://127.0.0.1:2379"]. Required for etcd. */
  etcdServers?: string[];
  /** Prefix for every key in etcd; default "/registry". */
  etcdPrefix?: string;
  /** Extra sqlite tuning (compaction, buffers). */
  sqlite?: Partial<Omit<SqliteOptions, 'file'>>;
  /** Extra etcd tuning. */
  etcd?: Partial<Omit<EtcdOptions, 'endpoints' | 'prefix'>>;
}

/** The sqlite file under a data dir. */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'db', 'state.db');
}

/**
 * Opens the backend the options name. Rejects with a one-line reason for missing options, and with
 * `CorruptStoreError` (naming the file) when the sqlite database cannot be read.
 */
export async function openBackend(opts: StorageOptions): Promise<Backend> {
  const kind = opts.storage ?? 'sqlite';
  if (kind === 'sqlite') {
    if (!opts.dataDir) throw new Error('--data-dir is required for --storage sqlite');
    return SqliteBackend.open({ ...opts.sqlite, file: sqliteFile(opts.dataDir) });
  }
  if (kind === 'etcd') {
    if (!opts.etcdServers || opts.etcdServers.length === 0) throw new Error('--etcd-servers is required for --storage etcd');
    return EtcdBackend.open({ ...opts.etcd, endpoints: opts.etcdServers, ...(opts.etcdPrefix !== undefined ? { prefix: opts.etcdPrefix } : {}) });
  }
  throw new Error(`unknown --storage "${String(kind)}" (want sqlite or etcd)`);
}

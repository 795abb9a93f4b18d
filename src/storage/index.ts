// Public surface of the storage component: the Backend seam, its errors, and the backend factory.
export * from './types.js';
export * from './errors.js';
export { openBackend, type StorageOptions } from './open.js';
export { SqliteBackend, type SqliteOptions } from './sqlite/index.js';
export { EtcdBackend, type EtcdOptions } from './etcd/index.js';

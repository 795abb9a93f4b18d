// Public surface of the etcd backend.
export { EtcdBackend, type EtcdOptions } from './backend.js';

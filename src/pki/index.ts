// Public surface of the cluster PKI: CA/serving/client certificates, CIDR helpers and kubeconfig files.
export * from './cidr.js';
export * from './pki.js';
export * from './kubeconfig.js';
export * from './components.js';
export * from './csr.js';

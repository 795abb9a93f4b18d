// Public surface of encryption at rest: EncryptionConfiguration loading and the per-resource value transformers.
export * from './config.js';
export * from './transformer.js';

// Public surface of the API scheme table and discovery document builders.
export * from './resources.js';
export * from './discovery.js';

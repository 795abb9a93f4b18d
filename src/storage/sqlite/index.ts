// Public surface of the embedded sqlite backend.
export { SqliteBackend, type SqliteOptions } from './backend.js';

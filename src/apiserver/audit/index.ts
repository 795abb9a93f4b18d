// Public surface of auditing: the audit policy, per-request audit events, and the audit log backend.
export * from './policy.js';
export * from './event.js';
export * from './log.js';

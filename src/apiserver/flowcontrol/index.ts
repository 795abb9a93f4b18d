// API Priority and Fairness (and the max-inflight fallback): bootstrap configuration, classification, admission, debug dumps.
export * from './bootstrap.js';
export * from './classify.js';
export * from './apf.js';
export * from './debug.js';
export * from './dropped.js';

// ControllerRevision helpers (hashing, naming, ordering, creation with collision handling, truncation).
export * from './history.js';

// Every in-tree plugin module, for re-export under `plugins` from the scheduler's index.
export * from './basic.js';
export * from './defaultpreemption.js';
export * from './helpers.js';
export * from './imagelocality.js';
export * from './interpodaffinity.js';
export * from './nodeaffinity.js';
export * from './noderesources.js';
export * from './podtopologyspread.js';
export * from './tainttoleration.js';
export * from './volumebinding.js';
export * from './volumerestrictions.js';
export * from './volumezone.js';

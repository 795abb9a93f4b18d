// Helpers every controller shares: expectations, controller references and claiming, pod creation and deletion.
export * from './expectations.js';
export * from './controllerref.js';
export * from './podcontrol.js';

// Public surface of the controllers: the controller-manager and the controllers it can run.
export { runControllerManager, enabledControllers, KNOWN_CONTROLLERS, type ControllerManagerOptions } from './manager.js';
export type { ControllerContext, ControllerDescriptor, ControllerOptions } from './context.js';
export { CONTROLLERS } from './registry.js';

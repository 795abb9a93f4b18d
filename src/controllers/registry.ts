// Every controller kubets has, in start order (the lead engineer adds each new controller here).
import type { ControllerDescriptor } from './context.js';
import { csrApproving, csrSigning } from './certificates/descriptors.js';
import { nodeIpam } from './nodeipam/nodeipam.js';

export const CONTROLLERS: readonly ControllerDescriptor[] = [csrApproving, csrSigning, nodeIpam];

// Public surface of apimachinery: Status errors, field errors, label and field selectors, quantities.
export * from './status.js';
export * from './labels.js';
export * from './fields.js';
export * from './quantity.js';
export * from './patch.js';
export * from './validation.js';
export * from './patchschema.js';
export * from './strategicpatch.js';
export * from './nodeselector.js';

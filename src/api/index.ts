// Public surface of the API scheme table and discovery document builders.
export * from './resources.js';
export * from './discovery.js';
export * from './openapi/index.js';
export { printerFor, hasPrinter, humanDuration, type TableColumnDefinition, type TablePrinter } from './printers/index.js';
export { applyDefaults, computeQOSClass, defaultPullPolicy } from './defaults/index.js';
export { validateCreate, validateUpdate, nameValidatorFor } from './validate/index.js';
export { convertObject, canConvert } from './conversion.js';

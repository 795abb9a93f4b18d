// Public surface of apimachinery: Status errors, field errors, label and field selectors, quantities.
export * from './status.js';

// Public surface of PodSecurity admission: the Pod Security Standards checks and the admission plugin.
export * from './checks.js';
export * from './admission.js';

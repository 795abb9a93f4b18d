// Public surface of the apiserver component.
export { ApiServer, SYSTEM_NAMESPACES, type ApiServerOptions, type AdmissionAttributes, type SecurityOptions } from './server.js';
export type { AdmissionPlugin, AdmissionRequest, ObjectAccess, ObjectReader, ObjectWriter } from './access.js';
export type { Authenticator, Authorizer, UserInfo, AuthorizationAttributes } from './authn.js';

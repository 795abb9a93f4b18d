// Public surface of the apiserver component.
export { ApiServer, SYSTEM_NAMESPACES, type ApiServerOptions, type AdmissionPlugin, type AdmissionAttributes } from './server.js';
export type { Authenticator, Authorizer, UserInfo, AuthorizationAttributes } from './authn.js';

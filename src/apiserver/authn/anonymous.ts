// The anonymous authenticator: the last link of the chain when `--anonymous-auth=true`.
import type { Authenticator, UserInfo } from '../authn.js';
import { ALL_UNAUTHENTICATED, ANONYMOUS_USER } from './bearer.js';

const anonymousUser: UserInfo = Object.freeze({ name: ANONYMOUS_USER, groups: Object.freeze([ALL_UNAUTHENTICATED]) });

/**
 * Authenticates every request as `system:anonymous` in the group `system:unauthenticated`, as upstream's
 * anonymous authenticator. Put it last: credentials that are present but invalid must have been refused (401)
 * by an earlier authenticator rather than reaching this one.
 */
export const anonymousAuthenticator: Authenticator = {
  authenticate: () => anonymousUser,
};

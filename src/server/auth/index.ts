/**
 * Authentication for the HTTP app: settings resolved from the config, the JWT verifier, the start-up
 * readiness check, and the caller every handler reads.
 */
export { checkAuthReadiness } from './auth-readiness.ts';
export {
  AUTH_OFF,
  type AuthMode,
  type AuthSettings,
  describeAuthMethods,
  type JwtSettings,
  type ResolveAuthOptions,
  resolveAuthSettings,
} from './auth-settings.ts';
export type { AuthMethod, Caller } from './caller.ts';
export { createJwtVerifier, type JwtVerifier } from './jwt-verifier.ts';

/**
 * Resolved authentication settings: the configured `auth` section with the mode decided (off on a
 * loopback host unless set, required everywhere else) and the JWKS URL defaulted from the issuer.
 */
import type { JWTVerifyGetKey } from 'jose';
import type { GodwitConfig } from '../../config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { isLoopback } from '../is-loopback.ts';

export type AuthMode = 'off' | 'required';

export interface JwtSettings {
  issuer: string;
  audience: string[];
  jwksUrl: string;
  tenantClaim: string;
  defaultTenant: string | null;
  userClaim: string;
  roleClaim: string;
  adminValues: string[];
  algorithms: string[];
  clockToleranceSeconds: number;
  /** Replaces the remote key set (tests, or keys loaded some other way). */
  keySet?: JWTVerifyGetKey;
}

export interface AuthSettings {
  /**
   * `off`: a request without credentials acts as the local admin of the default tenant (credentials sent
   * anyway are still checked). `required`: every /api and /v1 request must authenticate.
   */
  mode: AuthMode;
  /** Whether `x-api-key` / `Bearer gw_…` keys are accepted. */
  apiKeys: boolean;
  /** JWT verification; null when no issuer is configured. */
  jwt: JwtSettings | null;
  now?: () => Date;
}

/** No authentication: every request is the local admin. The default for apps built without settings. */
export const AUTH_OFF: AuthSettings = { mode: 'off', apiKeys: true, jwt: null };

export interface ResolveAuthOptions {
  /** The server is reachable from other machines whatever its host setting (a Lambda function). */
  exposed?: boolean;
}

/**
 * Decides the auth mode and fills defaults. Throws ConfigError when `auth.mode` is `off` on an exposed
 * server: such a server must require authentication.
 *
 * @example
 *   createApp({ services, options: { auth: resolveAuthSettings(config) } });
 */
export function resolveAuthSettings(config: GodwitConfig, options: ResolveAuthOptions = {}): AuthSettings {
  const { auth } = config;
  const exposed = options.exposed === true || !isLoopback(config.server.host);
  const mode: AuthMode = auth.mode ?? (exposed ? 'required' : 'off');
  if (mode === 'off' && exposed) {
    const where = options.exposed ? 'a deployed server' : `a server bound to ${config.server.host}`;
    throw new ConfigError(
      `auth.mode is "off", but ${where} is reachable from other machines and must require authentication. Set GODWIT_AUTH__MODE=required (or remove the setting), or bind to 127.0.0.1.`,
    );
  }
  const { jwt } = auth;
  return {
    mode,
    apiKeys: auth.apiKeys.enabled,
    jwt:
      jwt.issuer === null
        ? null
        : {
            issuer: jwt.issuer,
            audience: jwt.audience,
            jwksUrl: jwt.jwksUrl ?? `${jwt.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
            tenantClaim: jwt.tenantClaim,
            defaultTenant: jwt.defaultTenant,
            userClaim: jwt.userClaim,
            roleClaim: jwt.roleClaim,
            adminValues: jwt.adminValues,
            algorithms: [...jwt.algorithms],
            clockToleranceSeconds: jwt.clockToleranceSeconds,
          },
  };
}

/** The ways a caller can authenticate, for messages: `API keys and JWTs from https://…`. */
export function describeAuthMethods(settings: AuthSettings): string {
  const methods = [
    ...(settings.apiKeys ? ['API keys'] : []),
    ...(settings.jwt ? [`JWTs from ${settings.jwt.issuer}`] : []),
  ];
  return methods.length === 0 ? 'nothing' : methods.join(' and ');
}

/**
 * Authentication for /api and /v1 (and /metrics when auth is required). Resolves the caller from
 * `x-api-key` or `Authorization: Bearer …` — an API key when it starts with `gw_`, otherwise a JWT — and
 * sets `caller`, `tenantId` and `userId` for the handlers. Failures answer 401 in the route family's own
 * error shape (OpenAI's under /v1), name what was wrong and never echo the credential.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditTrail } from '../../core/audit/audit-trail.ts';
import { looksLikeApiKey, verifyApiKey } from '../../core/auth/index.ts';
import { AuthError, ConfigError, GodwitError } from '../../core/errors.ts';
import type { Governance } from '../../core/limits/governance.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { DEFAULT_TENANT, DEFAULT_USER } from '../../core/types.ts';
import type { AppEnv } from '../app-env.ts';
import { type AuthSettings, describeAuthMethods, type JwtSettings } from '../auth/auth-settings.ts';
import type { Caller } from '../auth/caller.ts';
import type { JwtVerifier } from '../auth/jwt-verifier.ts';
import { clientAddress, errorReply } from '../error-reply.ts';
import { errorBody, statusForCode } from '../http-errors.ts';
import { openAIErrorReply } from '../openai/openai-errors.ts';

/**
 * The JWT verifier, with `jose` loaded when the first token arrives: a server without JWT authentication never
 * loads it (about 40 ms of every start). A malformed key-set URL still stops the start.
 */
function loadingJwtVerifier(jwt: JwtSettings): JwtVerifier {
  if (!jwt.keySet && !URL.canParse(jwt.jwksUrl)) {
    throw new ConfigError(
      `auth.jwt.jwksUrl is not a URL: "${jwt.jwksUrl}". Set it to the issuer's JWKS address, such as https://issuer.example/.well-known/jwks.json.`,
    );
  }
  let verifier: Promise<JwtVerifier> | undefined;
  return async (token, now) => {
    verifier ??= import('../auth/jwt-verifier.ts').then(({ createJwtVerifier }) => createJwtVerifier(jwt));
    return (await verifier)(token, now);
  };
}

/** The caller of a server without authentication: the local admin of the default tenant. */
export const LOCAL_CALLER: Caller = {
  tenantId: DEFAULT_TENANT,
  userId: DEFAULT_USER,
  role: 'admin',
  apiKeyId: null,
  method: 'none',
};

const CHALLENGE = 'Bearer realm="godwit"';

/**
 * Builds the middleware once per app; the JWT key set is created here so its cache lives as long as the
 * app. Throws ConfigError when auth is required but neither API keys nor JWTs are accepted.
 *
 * @example
 *   app.use('/api/*', authenticate(resolveAuthSettings(config), services.apiKeys));
 */
export interface AuthenticateOptions {
  /** Records every failed sign-in (`auth.failure`) and each throttled address (`auth.throttled`). */
  audit?: AuditTrail;
  /** Counts failed sign-ins per client address (`limits.failedAuthPerMinute`). */
  governance?: Governance;
  /** Take the client address from X-Forwarded-For (`limits.trustForwardedFor`). */
  trustForwardedFor?: boolean;
}

export function authenticate(
  settings: AuthSettings,
  apiKeys: ApiKeyStore,
  options: AuthenticateOptions = {},
): MiddlewareHandler<AppEnv> {
  if (settings.mode === 'required' && !settings.jwt && !settings.apiKeys) {
    throw new ConfigError(
      'Authentication is required but no way to authenticate is configured: enable auth.apiKeys, or set auth.jwt.issuer and auth.jwt.audience.',
    );
  }
  const verifyJwt = settings.jwt ? loadingJwtVerifier(settings.jwt) : undefined;
  const now = settings.now ?? (() => new Date());
  // With auth off every caller is the local admin already: there is nothing to guess.
  const failures =
    options.governance && settings.mode === 'required'
      ? { governance: options.governance, limit: options.governance.limits.failedAuthPerMinute }
      : undefined;
  return async (c, next) => {
    let caller: Caller;
    const credentialSent = hasCredential(c);
    const address = clientAddress(c, options.trustForwardedFor ?? false);
    try {
      // An address past its failed sign-ins is refused before its credential is even checked, so
      // guessing keys gains nothing, right or wrong.
      if (failures && credentialSent) {
        const { governance, limit } = failures;
        await governance.counted(() => governance.rate.failedAuth(address, limit, false));
      }
      caller = await resolveCaller(c, settings, apiKeys, verifyJwt, now());
    } catch (error) {
      if (!GodwitError.isInstance(error)) throw error;
      if (error.code === 'rate_limited') {
        void options.audit?.record(failureEvent(c, 'auth.throttled', address, error.message));
        return errorReply(c, error);
      }
      if (error.code === 'unauthorized' && credentialSent) {
        await failures?.governance.rate.failedAuth(address, failures.limit, true).catch(() => {});
        void options.audit?.record(failureEvent(c, 'auth.failure', address, error.message));
      }
      return authFailure(c, error);
    }
    c.set('caller', caller);
    c.set('tenantId', caller.tenantId);
    c.set('userId', caller.userId);
    await next();
  };
}

async function resolveCaller(
  c: Context<AppEnv>,
  settings: AuthSettings,
  apiKeys: ApiKeyStore,
  verifyJwt: JwtVerifier | undefined,
  now: Date,
): Promise<Caller> {
  const credential = readCredential(c);
  if (credential === undefined) {
    if (settings.mode === 'off') return LOCAL_CALLER;
    throw new AuthError(
      `Missing credentials: send an API key in the x-api-key header or as Authorization: Bearer <key>${settings.jwt ? ', or a JWT as Authorization: Bearer <token>' : ''}. This server accepts ${describeAuthMethods(settings)}.`,
    );
  }
  if (looksLikeApiKey(credential)) {
    if (!settings.apiKeys) {
      throw new AuthError(
        `API keys are not accepted by this server; it accepts ${describeAuthMethods(settings)}.`,
      );
    }
    const key = await verifyApiKey(apiKeys, credential, now);
    return {
      tenantId: key.tenantId,
      userId: `key:${key.id}`,
      role: key.role,
      apiKeyId: key.id,
      method: 'api-key',
    };
  }
  // With auth off, OpenAI clients still send the key they were configured with (the SDKs insist on one):
  // a credential that is neither a Godwit key nor shaped like a JWT is ignored.
  if (settings.mode === 'off' && !(verifyJwt && looksLikeJwt(credential))) return LOCAL_CALLER;
  if (!verifyJwt) {
    throw new AuthError(
      `Bad credential: it is not an API key (gw_…) and this server accepts no JWTs; it accepts ${describeAuthMethods(settings)}.`,
    );
  }
  return verifyJwt(credential, now);
}

function hasCredential(c: Context<AppEnv>): boolean {
  return Boolean(c.req.header('x-api-key')?.trim() || c.req.header('authorization')?.trim());
}

/**
 * A failed sign-in names no tenant the caller could prove, so it is recorded in the default tenant, whose
 * admins run the server. Never the credential itself: its kind, the address, the path and the reason.
 */
function failureEvent(
  c: Context<AppEnv>,
  action: 'auth.failure' | 'auth.throttled',
  address: string,
  reason: string,
) {
  const credential = c.req.header('x-api-key') ?? c.req.header('authorization') ?? '';
  const bearer = credential.replace(/^Bearer\s+/i, '');
  return {
    tenantId: DEFAULT_TENANT,
    actor: 'anonymous',
    action,
    target: address,
    details: {
      reason,
      path: c.req.path,
      method: c.req.method,
      credential: looksLikeApiKey(bearer) ? 'api-key' : looksLikeJwt(bearer) ? 'jwt' : 'other',
      requestId: c.get('requestId') ?? null,
    },
  } as const;
}

/** The credential from `x-api-key` or `Authorization: Bearer`; both at once must agree. */
function readCredential(c: Context<AppEnv>): string | undefined {
  const headerKey = c.req.header('x-api-key')?.trim() || undefined;
  const authorization = c.req.header('authorization')?.trim();
  let bearer: string | undefined;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) {
      throw new AuthError(
        'Bad Authorization header: use the Bearer scheme, "Authorization: Bearer <key or token>".',
      );
    }
    bearer = match[1];
  }
  if (headerKey && bearer && headerKey !== bearer) {
    throw new AuthError(
      'Conflicting credentials: x-api-key and Authorization carry different values; send one.',
    );
  }
  return headerKey ?? bearer;
}

function authFailure(c: Context<AppEnv>, error: GodwitError): Response {
  const headers: Record<string, string> =
    error.code === 'unauthorized' ? { 'www-authenticate': CHALLENGE } : {};
  if (c.req.path === '/v1' || c.req.path.startsWith('/v1/')) {
    const reply = openAIErrorReply(error, c.get('requestId'));
    return c.json(reply.body, reply.status, { ...reply.headers, ...headers });
  }
  return c.json(errorBody(error.code, error.message, error.details), statusForCode(error.code), headers);
}

/** Throws 403 unless the caller is an admin; `action` completes "Only admins may …". */
export function requireAdmin(c: Context<AppEnv>, action: string): Caller {
  const caller = callerOf(c);
  if (caller.role !== 'admin') {
    throw new AuthError(`Only admins may ${action}; this ${describeCaller(caller)} has the user role.`, {
      forbidden: true,
    });
  }
  return caller;
}

/** The authenticated caller; the local admin when the route runs without the auth middleware. */
export function callerOf(c: Context<AppEnv>): Caller {
  return c.get('caller') ?? LOCAL_CALLER;
}

function describeCaller(caller: Caller): string {
  if (caller.method === 'api-key') return `API key ${caller.apiKeyId}`;
  if (caller.method === 'jwt') return `token for ${caller.userId}`;
  return 'caller';
}

/** Three base64url segments separated by dots: a JWS in compact form. */
function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential);
}

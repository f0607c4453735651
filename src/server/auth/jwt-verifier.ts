/**
 * Verifies OIDC JWTs (Cognito user pools and any issuer that publishes a JWKS) with `jose`: signature
 * against the issuer's key set (fetched once and cached), an explicit list of asymmetric algorithms,
 * issuer, audience, expiry and not-before with a small clock tolerance. Claims map to tenant, user and
 * role.
 */
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { isTenantId } from '../../core/auth/index.ts';
import { AuthError, DependencyError } from '../../core/errors.ts';
import type { JwtSettings } from './auth-settings.ts';
import type { Caller } from './caller.ts';

/** Keys are re-fetched at most this often when a token names an unknown key id (rotation). */
const JWKS_COOLDOWN_MS = 30_000;
/** Cached keys are refreshed after this long even if no unknown key id appears. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 5_000;

export type JwtVerifier = (token: string, now: Date) => Promise<Caller>;

/**
 * @example
 *   const verify = createJwtVerifier({ issuer, audience: ['client-id'], jwksUrl, ... });
 *   const caller = await verify(token, new Date());
 */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const keySet: JWTVerifyGetKey =
    settings.keySet ??
    createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
  return async (token, now) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: settings.issuer,
        algorithms: settings.algorithms,
        clockTolerance: settings.clockToleranceSeconds,
        currentDate: now,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw translateJoseError(error, settings);
    }
    checkAudience(payload, settings.audience);
    return toCaller(payload, settings);
  };
}

/** `aud` (ID tokens, most issuers) or, when absent, Cognito access tokens' `client_id`. */
function checkAudience(payload: JWTPayload, accepted: readonly string[]): void {
  const audiences =
    payload.aud === undefined
      ? typeof payload.client_id === 'string'
        ? [payload.client_id]
        : []
      : Array.isArray(payload.aud)
        ? payload.aud
        : [payload.aud];
  if (!audiences.some((audience) => accepted.includes(audience))) {
    throw new AuthError(
      audiences.length === 0
        ? 'Bad token: it names no audience (aud or client_id).'
        : `Bad token: wrong audience (${audiences.join(', ')}); this server accepts ${accepted.join(', ')}.`,
    );
  }
}

function toCaller(payload: JWTPayload, settings: JwtSettings): Caller {
  const tenantClaim = payload[settings.tenantClaim];
  const tenantId =
    typeof tenantClaim === 'string' && tenantClaim.length > 0 ? tenantClaim : settings.defaultTenant;
  if (!tenantId) {
    throw new AuthError(
      `Bad token: it has no "${settings.tenantClaim}" claim naming the tenant. Add the claim at the issuer, or set auth.jwt.defaultTenant.`,
    );
  }
  if (!isTenantId(tenantId)) {
    throw new AuthError(
      `Bad token: its "${settings.tenantClaim}" claim is not a valid tenant id (1-128 letters, digits and . _ : @ -).`,
    );
  }
  const userClaim = payload[settings.userClaim];
  if (typeof userClaim !== 'string' || userClaim.length === 0) {
    throw new AuthError(`Bad token: it has no "${settings.userClaim}" claim naming the user.`);
  }
  const roleClaim = payload[settings.roleClaim];
  const roles = Array.isArray(roleClaim)
    ? roleClaim
    : typeof roleClaim === 'string'
      ? roleClaim.split(/[\s,]+/)
      : [];
  const isAdmin = roles.some((value) => typeof value === 'string' && settings.adminValues.includes(value));
  return { tenantId, userId: userClaim, role: isAdmin ? 'admin' : 'user', apiKeyId: null, method: 'jwt' };
}

/** A message that says what was wrong with the token without echoing the token. */
function translateJoseError(error: unknown, settings: JwtSettings): Error {
  if (error instanceof errors.JWTExpired) return new AuthError('Bad token: it has expired; sign in again.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') {
      return new AuthError(`Bad token: wrong issuer; this server accepts tokens from ${settings.issuer}.`);
    }
    if (error.claim === 'nbf') return new AuthError('Bad token: it is not valid yet (nbf is in the future).');
    return new AuthError(
      `Bad token: the "${error.claim}" claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}.`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError(
      `Bad token: its algorithm is not accepted; this server accepts ${settings.algorithms.join(', ')}.`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('Bad token: bad signature; it was not signed by the configured issuer.');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError("Bad token: bad signature; no key in the issuer's key set matches it.");
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isFetchFailure(error)) {
    return new DependencyError(
      `Cannot load the signing keys from ${settings.jwksUrl}; check auth.jwt.jwksUrl and that the issuer is reachable.`,
      { cause: error },
    );
  }
  if (error instanceof errors.JOSEError) {
    return new AuthError('Bad token: it is not a well-formed signed JWT.');
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isFetchFailure(error: unknown): boolean {
  return (
    error instanceof TypeError || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  );
}

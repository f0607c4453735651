/**
 * The API key format: `gw_` + 32 random bytes in base64url (43 characters). Only the SHA-256 of the whole
 * secret is stored; the first characters are kept as a display prefix so people can tell keys apart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_MARKER = 'gw_';
/** How many characters of the secret are kept for display: the marker and seven more. */
export const API_KEY_PREFIX_LENGTH = 10;
const SECRET_BYTES = 32;

/** A new secret from the system's CSPRNG. */
export function generateApiKeySecret(): string {
  return `${API_KEY_MARKER}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** Whether a credential is one of our API keys (as opposed to a JWT); says nothing about its validity. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_MARKER);
}

/** Lowercase hex SHA-256 of the whole secret, as stored in `ApiKey.hash`. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The part of a secret that is safe to show: `gw_3f9aXyZ`. */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, API_KEY_PREFIX_LENGTH);
}

/** Compares two hex hashes in constant time (equal-length inputs; a length mismatch is simply unequal). */
export function hashesMatch(expected: string, actual: string): boolean {
  const left = Buffer.from(expected, 'utf8');
  const right = Buffer.from(actual, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Discord signs each interaction with the application's Ed25519 key over the timestamp header followed by
 * the raw body (https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

// The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key object for a public key as the developer portal shows it (64 hex digits). */
export function discordPublicKey(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export interface DiscordSignature {
  /** `X-Signature-Ed25519`, hex. */
  signature: string | undefined;
  /** `X-Signature-Timestamp`, Unix seconds. */
  timestamp: string | undefined;
}

/**
 * Why the request is refused, or null when it is signed by `key` and was sent within `toleranceSeconds`
 * of `nowSeconds` (an old request replayed is refused even with its genuine signature).
 */
export function discordSignatureProblem(
  key: KeyObject,
  headers: DiscordSignature,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): string | null {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return 'The request has no X-Signature-Ed25519 or X-Signature-Timestamp header.';
  if (!/^[0-9a-f]{128}$/i.test(signature)) return 'The X-Signature-Ed25519 header is not a signature.';
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt) || Math.abs(nowSeconds - sentAt) > toleranceSeconds) {
    return 'The request is too old or its timestamp is not current.';
  }
  const signed = Buffer.from(timestamp + rawBody, 'utf8');
  return verify(null, signed, key, Buffer.from(signature, 'hex')) ? null : 'The signature does not match.';
}

/**
 * Issuing and checking API keys over the ApiKeyStore port. The secret exists only in the value returned
 * by `issueApiKey`; afterwards the store holds its hash, and a presented secret is checked by hashing it.
 */
import { randomBytes } from 'node:crypto';
import { AuthError, ValidationError } from '../errors.ts';
import type { ApiKeyStore } from '../ports.ts';
import type { ApiKey, Role } from '../types.ts';
import { apiKeyPrefix, generateApiKeySecret, hashApiKeySecret, hashesMatch } from './api-key-secret.ts';

export const ROLES: readonly Role[] = ['admin', 'user'];

/** Printed beside a new key's secret, by the CLI and the HTTP API alike. */
export const SECRET_WARNING =
  'Store this secret now: it is shown once and cannot be recovered. If it is lost, revoke the key and create another.';
const MAX_NAME_LENGTH = 100;
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** `lastUsedAt` is refreshed at most this often per key, so a busy key does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface IssueApiKeyInput {
  tenantId: string;
  name: string;
  role: Role;
  /** Null or absent: never expires. */
  expiresAt?: Date | null;
}

export interface IssueApiKeyOptions {
  now?: () => Date;
  generateId?: () => string;
  generateSecret?: () => string;
}

/** A newly issued key and its secret. Show the secret once; it cannot be recovered. */
export interface IssuedApiKey {
  key: ApiKey;
  secret: string;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

/** What may be shown about a key: everything but its hash. */
export interface ApiKeyView {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  prefix: string;
  status: ApiKeyStatus;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export function newApiKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** Whether a string may name a tenant: 1-128 letters, digits and `. _ : @ -`, starting with a letter or digit. */
export function isTenantId(value: string): boolean {
  return TENANT_PATTERN.test(value);
}

export function checkTenantId(tenantId: string, field = 'tenant'): string {
  if (!isTenantId(tenantId)) {
    throw new ValidationError(
      `${field} must be 1-128 characters of letters, digits and . _ : @ - (starting with a letter or digit); got "${tenantId}".`,
      { details: { field } },
    );
  }
  return tenantId;
}

export function checkRole(role: string, field = 'role'): Role {
  if (!ROLES.includes(role as Role)) {
    throw new ValidationError(`${field} must be admin or user; got "${role}".`, { details: { field } });
  }
  return role as Role;
}

/**
 * Creates a key and stores its hash. Throws ValidationError for an empty or overlong name, an unknown
 * role, a malformed tenant or an expiry that is not in the future.
 *
 * @example
 *   const { key, secret } = await issueApiKey(store, { tenantId: 'default', name: 'ci', role: 'user' });
 */
export async function issueApiKey(
  store: ApiKeyStore,
  input: IssueApiKeyInput,
  options: IssueApiKeyOptions = {},
): Promise<IssuedApiKey> {
  const now = (options.now ?? (() => new Date()))();
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`name must be 1-${MAX_NAME_LENGTH} characters; got ${name.length}.`, {
      details: { field: 'name' },
    });
  }
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new ValidationError(`expiresAt (${expiresAt.toISOString()}) is not in the future.`, {
      details: { field: 'expiresAt' },
    });
  }
  const secret = (options.generateSecret ?? generateApiKeySecret)();
  const key = await store.createApiKey({
    id: (options.generateId ?? newApiKeyId)(),
    tenantId: checkTenantId(input.tenantId),
    name,
    role: checkRole(input.role),
    prefix: apiKeyPrefix(secret),
    hash: hashApiKeySecret(secret),
    createdAt: now,
    expiresAt,
    revokedAt: null,
    lastUsedAt: null,
  });
  return { key, secret };
}

export function apiKeyStatus(key: ApiKey, now: Date): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function toApiKeyView(key: ApiKey, now: Date): ApiKeyView {
  return {
    id: key.id,
    tenantId: key.tenantId,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    status: apiKeyStatus(key, now),
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    lastUsedAt: key.lastUsedAt,
  };
}

/**
 * The stored key for a presented secret, or AuthError (401) saying what is wrong: unknown, revoked or
 * expired. The message names the key's prefix and id at most, never the secret. Records the last use.
 */
export async function verifyApiKey(store: ApiKeyStore, secret: string, now: Date): Promise<ApiKey> {
  const hash = hashApiKeySecret(secret);
  const key = await store.findApiKeyByHash(hash);
  // The lookup is by hash already; the constant-time comparison guards adapters whose lookup is looser.
  if (!key || !hashesMatch(key.hash, hash)) {
    throw new AuthError(
      `Unknown API key (${apiKeyPrefix(secret)}…); check the key or create one with \`godwit keys create\`.`,
    );
  }
  const status = apiKeyStatus(key, now);
  if (status === 'revoked') {
    throw new AuthError(`API key ${key.id} (${key.prefix}…) was revoked at ${key.revokedAt?.toISOString()}.`);
  }
  if (status === 'expired') {
    throw new AuthError(`API key ${key.id} (${key.prefix}…) expired at ${key.expiresAt?.toISOString()}.`);
  }
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await store.touchApiKey(key.tenantId, key.id, now).catch(() => {});
  }
  return key;
}

/**
 * `godwit keys create|list|revoke`: API keys. Works on the storage directly, or through the running
 * `godwit serve` that holds the embedded database (sending GODWIT_API_KEY, which must be an admin key
 * when the server requires authentication).
 */

import { acquireDataDirLock, readLockOwner } from '../../config/data-dir-lock.ts';
import { createGodwit, type GodwitConfig } from '../../config/index.ts';
import type { AuditTrail } from '../../core/audit/index.ts';
import {
  type ApiKeyView,
  checkRole,
  checkTenantId,
  issueApiKey,
  parseExpiry,
  SECRET_WARNING,
  toApiKeyView,
} from '../../core/auth/index.ts';
import { ValidationError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { type RemoteApiKey, RemoteBackend } from '../remote-backend.ts';

export interface KeysCreateOptions extends GlobalOptions {
  name: string;
  role?: string;
  tenant?: string;
  expires?: string;
  json?: boolean;
}

export interface KeysListOptions extends GlobalOptions {
  tenant?: string;
  json?: boolean;
}

export interface KeysRevokeOptions extends GlobalOptions {
  tenant?: string;
  json?: boolean;
}

/** A key as the CLI shows it, whichever way it was reached. */
type KeyRow = RemoteApiKey;

/** Either the key store itself or the running server's /api/keys. */
type KeysAccess =
  | { mode: 'local'; store: ApiKeyStore; audit?: AuditTrail; close: () => Promise<void> }
  | { mode: 'remote'; server: RemoteBackend; close: () => Promise<void> };

async function openKeys(config: GodwitConfig, command: string): Promise<KeysAccess> {
  if (!config.database.url) {
    const owner = readLockOwner(config.dataDir);
    if (owner?.command === 'serve' && owner.serverUrl) {
      return { mode: 'remote', server: new RemoteBackend(owner.serverUrl), close: async () => {} };
    }
  }
  const lock = config.database.url ? null : acquireDataDirLock(config.dataDir, command);
  try {
    const services = await createGodwit(config);
    return {
      mode: 'local',
      store: services.apiKeys,
      ...(services.audit ? { audit: services.audit } : {}),
      close: async () => {
        await services.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

function toRow(view: ApiKeyView): KeyRow {
  return {
    ...view,
    createdAt: view.createdAt.toISOString(),
    expiresAt: view.expiresAt?.toISOString() ?? null,
    revokedAt: view.revokedAt?.toISOString() ?? null,
    lastUsedAt: view.lastUsedAt?.toISOString() ?? null,
  };
}

function describeKey(key: KeyRow): string {
  const expiry = key.expiresAt ? `expires ${key.expiresAt}` : 'never expires';
  const used = key.lastUsedAt ? `last used ${key.lastUsedAt}` : 'never used';
  return `${key.id}  ${key.prefix}…  ${key.name}  ${key.role}  ${key.status}  ${expiry}  ${used}`;
}

/** `godwit keys create --name N [--role admin|user] [--tenant T] [--expires 30d|DATE] [--json]`. */
export async function keysCreateCommand(options: KeysCreateOptions, output: Output): Promise<number> {
  const name = options.name.trim();
  if (name.length === 0 || name.length > 100) {
    throw new ValidationError(`--name must be 1-100 characters; got ${name.length}.`, {
      details: { field: 'name' },
    });
  }
  const role = checkRole(options.role ?? 'user', '--role');
  const tenant = options.tenant === undefined ? undefined : checkTenantId(options.tenant, '--tenant');
  const now = new Date();
  const expiresAt = options.expires === undefined ? null : parseExpiry(options.expires, now, '--expires');
  const access = await openKeys(readConfig(options), 'keys create');
  try {
    let key: KeyRow;
    let secret: string;
    if (access.mode === 'remote') {
      const created = await access.server.keys.create({
        name,
        role,
        ...(options.expires === undefined ? {} : { expires: options.expires }),
        ...(tenant === undefined ? {} : { tenant }),
      });
      key = created.key;
      secret = created.secret;
    } else {
      const issued = await issueApiKey(
        access.store,
        { tenantId: tenant ?? DEFAULT_TENANT, name, role, expiresAt },
        { now: () => now },
      );
      key = toRow(toApiKeyView(issued.key, now));
      secret = issued.secret;
      // Made on the server's own storage: the operator at the console is the actor.
      await access.audit?.record({
        tenantId: issued.key.tenantId,
        actor: 'cli',
        action: 'key.create',
        target: issued.key.id,
        details: { name, keyRole: role, expiresAt: expiresAt?.toISOString() ?? null },
      });
    }
    if (options.json) {
      output.json({ key, secret, warning: SECRET_WARNING });
    } else {
      output.line(`Created API key ${key.id} "${key.name}" (${key.role}, tenant ${key.tenantId}).`);
      output.line('');
      output.line(`  ${secret}`);
      output.line('');
      output.info(SECRET_WARNING);
      output.info(
        'Send it as the x-api-key header or as Authorization: Bearer <key>; the CLI reads GODWIT_API_KEY.',
      );
    }
    return 0;
  } finally {
    await access.close();
  }
}

/** `godwit keys list [--tenant T] [--json]`: every key of the tenant, never a secret. */
export async function keysListCommand(options: KeysListOptions, output: Output): Promise<number> {
  const tenant = options.tenant === undefined ? undefined : checkTenantId(options.tenant, '--tenant');
  const access = await openKeys(readConfig(options), 'keys list');
  try {
    let keys: KeyRow[];
    if (access.mode === 'remote') {
      keys = (await access.server.keys.list(tenant)).keys;
    } else {
      const now = new Date();
      keys = (await access.store.listApiKeys(tenant ?? DEFAULT_TENANT)).map((key) =>
        toRow(toApiKeyView(key, now)),
      );
    }
    if (options.json) output.json({ keys });
    else if (keys.length === 0)
      output.line('No API keys yet. Create one with: godwit keys create --name NAME');
    else for (const key of keys) output.line(describeKey(key));
    return 0;
  } finally {
    await access.close();
  }
}

/** `godwit keys revoke ID [--tenant T] [--json]`: the key stops working at once. */
export async function keysRevokeCommand(
  id: string,
  options: KeysRevokeOptions,
  output: Output,
): Promise<number> {
  const tenant = options.tenant === undefined ? undefined : checkTenantId(options.tenant, '--tenant');
  const access = await openKeys(readConfig(options), 'keys revoke');
  try {
    let key: KeyRow;
    if (access.mode === 'remote') {
      key = (await access.server.keys.revoke(id, tenant)).key;
    } else {
      const now = new Date();
      const revoked = await access.store.revokeApiKey(tenant ?? DEFAULT_TENANT, id, now);
      key = toRow(toApiKeyView(revoked, now));
      await access.audit?.record({
        tenantId: revoked.tenantId,
        actor: 'cli',
        action: 'key.revoke',
        target: revoked.id,
        details: { name: revoked.name },
      });
    }
    if (options.json) output.json({ key });
    else output.line(`Revoked API key ${key.id} "${key.name}" (revoked at ${key.revokedAt}).`);
    return 0;
  } finally {
    await access.close();
  }
}

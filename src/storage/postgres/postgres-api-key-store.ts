/** ApiKeyStore on the shared Postgres schema: one row per key, the secret's hash unique across tenants. */
import { GodwitError, NotFoundError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { ApiKey, Role } from '../../core/types.ts';
import type { SqlClient } from './sql-client.ts';

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  prefix: string;
  hash: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'id, tenant_id, name, role, prefix, hash, created_at, expires_at, revoked_at, last_used_at';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export class PostgresApiKeyStore implements ApiKeyStore {
  constructor(private readonly client: SqlClient) {}

  /** Throws ConflictError (from the primary key or the hash constraint) for a duplicate id or hash. */
  async createApiKey(key: ApiKey): Promise<ApiKey> {
    requireText(key.tenantId, 'tenant id');
    requireText(key.id, 'API key id');
    requireText(key.hash, 'API key hash');
    const [row] = await this.client.query<ApiKeyRow>(
      `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        key.id,
        key.tenantId,
        key.name,
        key.role,
        key.prefix,
        key.hash,
        key.createdAt,
        key.expiresAt,
        key.revokedAt,
        key.lastUsedAt,
      ],
    );
    if (!row) throw new GodwitError('internal', 'storing the API key returned no row');
    return toApiKey(row);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    const [row] = await this.client.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1`, [
      hash,
    ]);
    return row && toApiKey(row);
  }

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    const rows = await this.client.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`,
      [tenantId],
    );
    return rows.map(toApiKey);
  }

  async revokeApiKey(tenantId: string, keyId: string, at: Date): Promise<ApiKey> {
    const [row] = await this.client.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3)
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, keyId, at],
    );
    if (!row) throw new NotFoundError(`API key ${keyId} not found; list keys with \`godwit keys list\`.`);
    return toApiKey(row);
  }

  async touchApiKey(tenantId: string, keyId: string, at: Date): Promise<void> {
    await this.client.query('UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      keyId,
      at,
    ]);
  }
}

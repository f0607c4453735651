/**
 * The Postgres adapters on a real PostgreSQL server against the shared contracts. The server here has no
 * pgvector, so the vector contract checks for the clear DependencyError instead; where pgvector is
 * installed it runs the vector search tests.
 */
import { afterAll, expect, it } from 'vitest';
import {
  openPostgresStorage,
  PGVECTOR_MISSING,
  type PostgresStorage,
} from '../../src/storage/postgres/index.ts';
import {
  describeWithService,
  dropSchema,
  postgresHasPgvector,
  postgresUrl,
  uniqueSchemaName,
} from '../support/services.ts';
import {
  describeApiKeyStoreContract,
  describeAuditLogContract,
  describeConversationStoreContract,
  describeCounterStoreContract,
  describeHealthCheckContract,
  describeKnowledgeStoreContract,
  describeUsageLedgerContract,
  describeVectorIndexContract,
} from './index.ts';

const describeWithPostgres = await describeWithService('postgres');
const vectorOptions = (await postgresHasPgvector())
  ? { vectors: 'supported' as const }
  : { vectors: 'missing' as const, missingVectorsMessage: PGVECTOR_MISSING };
const schema = uniqueSchemaName('contract');

let opened: Promise<PostgresStorage> | undefined;
const shared = async () => {
  opened ??= openPostgresStorage({ url: postgresUrl(), schema });
  return { stores: await opened, cleanup: async () => {} };
};
afterAll(async () => {
  if (!opened) return;
  await (await opened).close();
  await dropSchema(postgresUrl(), schema);
});

describeWithPostgres('PostgreSQL', () => {
  describeKnowledgeStoreContract('PostgreSQL', shared, { upsertDocuments: true });
  describeVectorIndexContract('PostgreSQL', shared, { ...vectorOptions, replaceManyDocumentChunks: true });
  describeConversationStoreContract('PostgreSQL', shared);
  describeUsageLedgerContract('PostgreSQL', shared, { recordMany: true });
  describeAuditLogContract('PostgreSQL', shared);
  describeCounterStoreContract('PostgreSQL', shared);
  describeApiKeyStoreContract('PostgreSQL', shared);
  describeHealthCheckContract('PostgreSQL', shared);
});

describeWithPostgres('PostgreSQL audit log is append-only', () => {
  it('refuses UPDATE and DELETE of audit rows from any client, keeping the row', async () => {
    const { stores } = await shared();
    const tenantId = `tenant-append-only-${Date.now()}`;
    const event = {
      id: 'audit-append-only',
      tenantId,
      actor: 'key:admin',
      action: 'key.revoke',
      target: 'key_1',
      details: {},
      createdAt: new Date('2026-05-01T10:00:00Z'),
    };
    await stores.audit.record(event);
    await expect(
      stores.client.query('UPDATE audit_log SET action = $1 WHERE tenant_id = $2', ['key.create', tenantId]),
    ).rejects.toThrow(/append-only/);
    await expect(
      stores.client.query('DELETE FROM audit_log WHERE tenant_id = $1', [tenantId]),
    ).rejects.toThrow(/append-only/);
    expect(await stores.audit.list(tenantId)).toEqual([event]);
  });
});

/**
 * The Postgres adapters on a real PostgreSQL server against the shared contracts. The server here has no
 * pgvector, so the vector contract checks for the clear DependencyError instead; where pgvector is
 * installed it runs the vector search tests.
 */
import { afterAll } from 'vitest';
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
  describeKnowledgeStoreContract('PostgreSQL', shared);
  describeVectorIndexContract('PostgreSQL', shared, vectorOptions);
  describeConversationStoreContract('PostgreSQL', shared);
  describeUsageLedgerContract('PostgreSQL', shared);
  describeAuditLogContract('PostgreSQL', shared);
  describeApiKeyStoreContract('PostgreSQL', shared);
  describeHealthCheckContract('PostgreSQL', shared);
});

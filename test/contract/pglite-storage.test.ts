/** The Postgres adapters on PGlite (in memory, with pgvector) against the shared contracts. */
import { afterAll } from 'vitest';
import { openPostgresStorage, type PostgresStorage } from '../../src/storage/postgres/index.ts';
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

// One PGlite for the whole file: starting one costs about a second, and tests use their own tenants.
let opened: Promise<PostgresStorage> | undefined;
const shared = async () => {
  opened ??= openPostgresStorage({ pglite: {} });
  return { stores: await opened, cleanup: async () => {} };
};
afterAll(async () => {
  await (await opened)?.close();
});

describeKnowledgeStoreContract('PGlite', shared, { upsertDocuments: true });
describeVectorIndexContract('PGlite', shared, { vectors: 'supported', replaceManyDocumentChunks: true });
describeConversationStoreContract('PGlite', shared);
describeUsageLedgerContract('PGlite', shared, { recordMany: true });
describeAuditLogContract('PGlite', shared);
describeCounterStoreContract('PGlite', shared);
describeApiKeyStoreContract('PGlite', shared);
describeHealthCheckContract('PGlite', shared);

/** The Postgres adapters on PGlite (in memory, with pgvector) against the shared contracts. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FileBlobStore } from '../../src/storage/fs/index.ts';
import {
  openPostgresStorage,
  PostgresBlobTable,
  type PostgresStorage,
} from '../../src/storage/postgres/index.ts';
import { TieredBlobStore } from '../../src/storage/tiered-blob-store.ts';
import {
  describeApiKeyStoreContract,
  describeAuditLogContract,
  describeBlobStoreContract,
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

// The embedded database's table of small originals, emptied after each case (the contract's keys repeat).
describeBlobStoreContract('PGlite small_blobs table', async () => {
  const { stores: storage } = await shared();
  return {
    stores: { blobs: new PostgresBlobTable(storage.client) },
    cleanup: async () => {
      await storage.client.query('DELETE FROM small_blobs');
    },
  };
});

// Both tiers as the embedded default composes them, with a threshold low enough that the contract's blobs
// land in each tier and move between them.
describeBlobStoreContract('PGlite rows and files, tiered', async () => {
  const { stores: storage } = await shared();
  const root = await mkdtemp(join(tmpdir(), 'godwit-tiered-'));
  return {
    stores: {
      blobs: new TieredBlobStore({
        small: new PostgresBlobTable(storage.client),
        large: new FileBlobStore({ root }),
        smallBytes: 4,
      }),
    },
    cleanup: async () => {
      await storage.client.query('DELETE FROM small_blobs');
      await rm(root, { recursive: true, force: true });
    },
  };
});

/**
 * The OpenSearch VectorIndex against the wire-level emulator (test/support/opensearch-emulator.ts), with the
 * document catalogue on PGlite, through the same VectorIndex and KnowledgeStore contract suites as every
 * other adapter.
 */
import { afterAll } from 'vitest';
import { CataloguedKnowledgeStore } from '../../src/storage/catalogue/index.ts';
import { OpenSearchVectorIndex } from '../../src/storage/opensearch/opensearch-vector-index.ts';
import { SqlDocumentCatalogue } from '../../src/storage/postgres/index.ts';
import { migrateSchema } from '../../src/storage/postgres/migrate-schema.ts';
import { openPgliteClient } from '../../src/storage/postgres/pglite-client.ts';
import { PostgresKnowledgeStore } from '../../src/storage/postgres/postgres-knowledge-store.ts';
import type { SqlClient } from '../../src/storage/postgres/sql-client.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../support/opensearch-emulator.ts';
import {
  describeKnowledgeStoreContract,
  describeVectorIndexContract,
  type KnowledgeStores,
} from './index.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

let opened: Promise<{ client: SqlClient; emulator: OpenSearchEmulator; stores: KnowledgeStores }> | undefined;

async function open() {
  const client = await openPgliteClient();
  await migrateSchema(client, undefined);
  const emulator = await startOpenSearchEmulator({ service: 'aoss' });
  const catalogue = new SqlDocumentCatalogue(client);
  const index = new OpenSearchVectorIndex(catalogue, {
    endpoint: emulator.url,
    region: 'us-east-1',
    service: 'aoss',
    credentials: CREDENTIALS,
    bulkSize: 400,
  });
  const knowledge = new CataloguedKnowledgeStore(new PostgresKnowledgeStore(client), catalogue, index);
  return { client, emulator, stores: { knowledge, index } };
}

const shared = async () => {
  opened ??= open();
  return { stores: (await opened).stores, cleanup: async () => {} };
};

afterAll(async () => {
  const fixture = await opened;
  await fixture?.emulator.close();
  await fixture?.client.close();
});

// The catalogue wrapper and the OpenSearch index write one document at a time.
describeKnowledgeStoreContract('OpenSearch (emulated) + PGlite catalogue', shared, {
  upsertDocuments: false,
});
describeVectorIndexContract('OpenSearch (emulated) + PGlite catalogue', shared, {
  vectors: 'supported',
  replaceManyDocumentChunks: false,
});

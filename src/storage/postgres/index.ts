/**
 * Relational storage on one schema for PGlite and PostgreSQL: knowledge bases, documents, chunks (BM25 in
 * SQL on PostgreSQL, from an in-process index on PGlite; pgvector where installed), conversations, usage
 * and audit.
 */

// The RDS Data API client is imported from './data-api-client.ts' where needed, so that opening PGlite or
// PostgreSQL never loads the AWS SDK.
export type { DataApiClientOptions } from './data-api-client.ts';
export type { VectorSupport } from './migrate-schema.ts';
export { PGVECTOR_MISSING } from './migrate-schema.ts';
export {
  openPostgresStorage,
  type PostgresStorage,
  type PostgresStorageOptions,
} from './open-postgres-storage.ts';
export { PostgresBlobTable } from './postgres-blob-table.ts';
export type { SqlClient } from './sql-client.ts';
export { SqlDocumentCatalogue } from './sql-document-catalogue.ts';
export { redactDatabaseUrl } from './translate-postgres-error.ts';

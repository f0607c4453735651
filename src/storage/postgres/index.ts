/**
 * Relational storage on one schema for PGlite and PostgreSQL: knowledge bases, documents, chunks (BM25 in
 * SQL, pgvector where installed), conversations, usage and audit.
 */
export type { VectorSupport } from './migrate-schema.ts';
export { PGVECTOR_MISSING } from './migrate-schema.ts';
export {
  openPostgresStorage,
  type PostgresStorage,
  type PostgresStorageOptions,
} from './open-postgres-storage.ts';
export { redactDatabaseUrl } from './translate-postgres-error.ts';

/**
 * A PostgreSQL server with pgvector for suites that store embeddings through the `pg` driver. The test
 * PostgreSQL is used when it can load pgvector; otherwise (Debian 12's PostgreSQL 15 has no pgvector
 * package) PGlite — PostgreSQL compiled to WebAssembly with pgvector — is served over the PostgreSQL wire
 * protocol by `@electric-sql/pglite-socket`, so the client side is exactly what a pgvector server gets.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { postgresHasPgvector, postgresUrl } from './services.ts';

export interface PgvectorPostgres {
  url: string;
  /** `server` is the test PostgreSQL; `pglite` the wire-protocol PGlite. */
  kind: 'server' | 'pglite';
  close(): Promise<void>;
}

export async function startPgvectorPostgres(): Promise<PgvectorPostgres> {
  if (await postgresHasPgvector()) {
    return { url: postgresUrl(), kind: 'server', close: async () => {} };
  }
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    kind: 'pglite',
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

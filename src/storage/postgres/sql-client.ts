/**
 * The narrow SQL surface the Postgres adapters use. Two implementations (PGlite and node-postgres) sit
 * behind it; both translate vendor errors into GodwitErrors before they leave this folder.
 */

export type SqlEngine = 'pglite' | 'postgres';

export interface SqlQueryable {
  /** Runs one parameterised statement and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  execute(script: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  readonly engine: SqlEngine;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

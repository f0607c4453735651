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
  /**
   * Appends rows with one `COPY … FROM` from memory, all or none, where the engine can (PGlite): no
   * statement to parse per row, and about a third less work per row than an INSERT. Values are strings,
   * finite or non-finite numbers, booleans, Dates or null. Absent on engines without it: use INSERT.
   */
  copyRows?(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Connections to a user's own PostgreSQL database, the source of conversations and rows. */
import pg from 'pg';
import { DependencyError, ValidationError } from '../../core/errors.ts';

/** The URL with Godwit's own query parameters removed and the password hidden, for messages. */
export function describePostgresUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  shown.search = '';
  return shown.href;
}

export async function connectPostgres(url: URL, ownParameters: readonly string[]): Promise<pg.Client> {
  const connection = new URL(url.href);
  for (const name of ownParameters) connection.searchParams.delete(name);
  const client = new pg.Client({ connectionString: connection.href, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new DependencyError(
      `PostgreSQL at ${describePostgresUrl(url)} is not reachable: ${(error as Error).message}. Check the host, port, database and credentials in the URL.`,
      { cause: error, isRetryable: true },
    );
  }
  return client;
}

/** Runs a query, turning driver errors into messages that name the query's purpose. */
export async function queryRows<T extends pg.QueryResultRow>(
  client: pg.Client,
  purpose: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  try {
    return (await client.query<T>(text, values)).rows;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    // Class 42: syntax errors and unknown tables or columns — the mapping or the query is wrong.
    if (code.startsWith('42')) {
      throw new ValidationError(
        `Reading ${purpose} failed: ${(error as Error).message}. Fix the table and column names in the mapping file or the query.`,
        { cause: error },
      );
    }
    throw new DependencyError(`Reading ${purpose} failed: ${(error as Error).message}.`, { cause: error });
  }
}

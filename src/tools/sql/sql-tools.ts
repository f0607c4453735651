/**
 * SQL tools over a configured PostgreSQL/Aurora database: named, parameterised queries from config (the
 * model supplies parameters, never SQL) and `resolve_entity`, which finds an entity by name — exact match
 * first, then pg_trgm similarity — and asks back when several candidates are close. Every statement runs
 * in a READ ONLY transaction with a statement timeout, and results are cut at `maxRows`.
 */
import type pg from 'pg';
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { jsonSchemaInput } from '../../core/agent/json-schema-input.ts';
import { ToolError } from '../../core/agent/tool-error.ts';
import { ConfigError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';
import { resolveEntityTool, type SimilarityKind } from './resolve-entity.ts';
import type { ReadOnlyQuery, SqlSourceConfig } from './sql-types.ts';

export type { ReadOnlyQuery, SqlSourceConfig } from './sql-types.ts';

export interface SqlSource {
  tools: AgentTool[];
  /** How resolve_entity ranks near matches: pg_trgm when the database has it, else a lexical fallback. */
  similarity: SimilarityKind;
  close(): Promise<void>;
}

/** Runs one read-only statement; rows past `maxRows` are cut. Exported for resolve_entity. */
/**
 * Connects, checks the database answers and whether pg_trgm is installed, and builds the tools.
 * @throws ConfigError naming `tools.sql.<source>` when the database cannot be reached.
 */
export async function connectSqlSource(options: {
  source: string;
  settings: SqlSourceConfig;
  url: string;
}): Promise<SqlSource> {
  const { source, settings } = options;
  const key = `tools.sql.${source}`;
  checkQueries(settings, key);
  const { default: postgres } = await import('pg');
  const pool = new postgres.Pool({ connectionString: options.url, max: 4, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  let similarity: SimilarityKind;
  try {
    const { rows } = await pool.query<{ trigram: boolean }>(
      "SELECT to_regproc('similarity') IS NOT NULL AS trigram",
    );
    similarity = rows[0]?.trigram ? 'pg_trgm' : 'lexical';
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${key}: cannot reach the database: ${reason}. Check ${key}.url.`, {
      cause: error,
    });
  }
  const query = readOnlyQuery(pool, settings);
  const tools: AgentTool[] = Object.entries(settings.queries).map(([name, definition]) =>
    namedQueryTool(source, name, definition, query),
  );
  if (Object.keys(settings.entities).length > 0) {
    tools.push(
      resolveEntityTool({
        source,
        entities: settings.entities,
        minSimilarity: settings.minSimilarity,
        similarity,
        query,
      }),
    );
  }
  return { tools, similarity, close: () => pool.end() };
}

function readOnlyQuery(pool: pg.Pool, settings: SqlSourceConfig): ReadOnlyQuery {
  return async (sql, values, signal) => {
    const client = await pool.connect();
    // A cancelled call stops its statement too.
    const cancel = () => client.query('SELECT pg_cancel_backend(pg_backend_pid())').catch(() => {});
    signal.addEventListener('abort', cancel, { once: true });
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(settings.statementTimeoutMs)}`);
      const result = await client.query({ text: sql, values });
      await client.query('COMMIT');
      const rows = result.rows as Record<string, unknown>[];
      return { rows: rows.slice(0, settings.maxRows), truncated: rows.length > settings.maxRows };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new ToolError(describeDatabaseError(error, settings.statementTimeoutMs));
    } finally {
      signal.removeEventListener('abort', cancel);
      client.release();
    }
  };
}

function describeDatabaseError(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: string }).code;
  if (code === '57014') return `The query took longer than ${timeoutMs} ms and was stopped.`;
  if (code === '25006') return 'The query tried to change data; SQL tools only read.';
  const message = error instanceof Error ? error.message : String(error);
  return `The query failed: ${message}`;
}

function checkQueries(settings: SqlSourceConfig, key: string): void {
  for (const [name, definition] of Object.entries(settings.queries)) {
    const count = Object.keys(definition.parameters).length;
    const used = [...definition.sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]));
    const highest = Math.max(0, ...used);
    if (highest !== count) {
      throw new ConfigError(
        `${key}.queries.${name}: the SQL uses parameters up to $${highest} but ${count} are declared in parameters; declare one per $n, in order.`,
      );
    }
  }
}

function namedQueryTool(
  source: string,
  name: string,
  definition: SqlSourceConfig['queries'][string],
  query: ReadOnlyQuery,
): AgentTool {
  const parameterNames = Object.keys(definition.parameters);
  const properties = Object.fromEntries(
    Object.entries(definition.parameters).map(([parameter, spec]) => [
      parameter,
      { type: spec.type, ...(spec.description ? { description: spec.description } : {}) },
    ]),
  );
  return {
    name: `${source}__${name}`,
    description: definition.description,
    inputSchema: jsonSchemaInput({
      type: 'object',
      properties,
      required: parameterNames,
      additionalProperties: false,
    }),
    readOnly: true,
    kind: 'sql',
    async execute(input, context) {
      const values = parameterNames.map((parameter) => (input as Record<string, unknown>)[parameter]);
      const { rows, truncated } = await query(definition.sql, values, context.abortSignal);
      return { rows: rows as JsonValue, rowCount: rows.length, ...(truncated ? { truncated: true } : {}) };
    },
  };
}

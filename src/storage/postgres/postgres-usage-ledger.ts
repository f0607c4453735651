/** UsageLedger on the shared Postgres schema. A null cost means "no price known" and is never summed as 0. */
import { ConflictError } from '../../core/errors.ts';
import type { UsageLedger, UsageQuery } from '../../core/ports.ts';
import { requireText } from '../../core/storage-input.ts';
import type { UsageEntry, UsageSummaryRow } from '../../core/types.ts';
import type { SqlClient } from './sql-client.ts';

interface SummaryRow {
  day: string;
  model: string;
  api_key_id: string | null;
  user_id: string | null;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  unpriced_calls: number;
}

export class PostgresUsageLedger implements UsageLedger {
  constructor(private readonly client: SqlClient) {}

  /** Recording the same entry id twice keeps the first: retries do not double-count. */
  async record(entry: UsageEntry): Promise<void> {
    requireText(entry.tenantId, 'tenant id');
    requireText(entry.id, 'usage entry id');
    await this.client.query(
      `INSERT INTO usage_ledger (${USAGE_COLUMN_LIST})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT ON CONSTRAINT usage_ledger_pkey DO NOTHING`,
      usageValues(entry),
    );
  }

  /**
   * All rows or none. Where the engine can append rows from memory (PGlite), one COPY: the ledger's rows
   * are written in groups on the gateway's hot path, and COPY costs about a third less per row. A group
   * that repeats a recorded id is refused by COPY as a whole and then written with the INSERT below,
   * which keeps the first. Elsewhere one INSERT, its rows as one JSON parameter (one parameter instead of
   * twelve per row roughly halves the cost per row).
   */
  async recordMany(entries: UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) {
      requireText(entry.tenantId, 'tenant id');
      requireText(entry.id, 'usage entry id');
    }
    if (this.client.copyRows) {
      try {
        await this.client.copyRows('usage_ledger', USAGE_COLUMNS, entries.map(usageValues));
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    const rows = entries.map((entry) => ({
      tenant_id: entry.tenantId,
      id: entry.id,
      api_key_id: entry.apiKeyId,
      user_id: entry.userId ?? null,
      model: entry.model,
      operation: entry.operation,
      input_tokens: entry.inputTokens,
      output_tokens: entry.outputTokens,
      cached_tokens: entry.cachedTokens,
      cost_usd: entry.costUsd,
      latency_ms: entry.latencyMs,
      outcome: entry.outcome,
      created_at: entry.createdAt.toISOString(),
    }));
    await this.client.query(
      `INSERT INTO usage_ledger (${USAGE_COLUMN_LIST})
       SELECT ${USAGE_COLUMN_LIST} FROM json_populate_recordset(NULL::usage_ledger, $1::json)
       ON CONFLICT ON CONSTRAINT usage_ledger_pkey DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Rows by UTC day, model, API key and user (no key, no user first), oldest day first; `from` inclusive,
   * `to` exclusive; `userId` keeps that user's rows only.
   */
  async summarize(tenantId: string, query: UsageQuery = {}): Promise<UsageSummaryRow[]> {
    const rows = await this.client.query<SummaryRow>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model, api_key_id, user_id,
              count(*)::integer AS calls,
              sum(input_tokens)::float8 AS input_tokens,
              sum(output_tokens)::float8 AS output_tokens,
              sum(cost_usd) AS cost_usd,
              (count(*) FILTER (WHERE cost_usd IS NULL))::integer AS unpriced_calls
         FROM usage_ledger
        WHERE tenant_id = $1
          AND ($2::timestamptz IS NULL OR created_at >= $2::timestamptz)
          AND ($3::timestamptz IS NULL OR created_at < $3::timestamptz)
          AND ($4::text IS NULL OR user_id = $4::text)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3 NULLS FIRST, 4 NULLS FIRST`,
      [tenantId, query.from ?? null, query.to ?? null, query.userId ?? null],
    );
    return rows.map((row) => ({
      day: row.day,
      model: row.model,
      apiKeyId: row.api_key_id,
      userId: row.user_id,
      calls: row.calls,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      costUsd: row.cost_usd,
      unpricedCalls: row.unpriced_calls,
    }));
  }
}

/** In the order of `usageValues`. */
const USAGE_COLUMNS = [
  'tenant_id',
  'id',
  'api_key_id',
  'model',
  'operation',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cost_usd',
  'latency_ms',
  'outcome',
  'created_at',
  'user_id',
] as const;
const USAGE_COLUMN_LIST = USAGE_COLUMNS.join(', ');

function usageValues(entry: UsageEntry): unknown[] {
  return [
    entry.tenantId,
    entry.id,
    entry.apiKeyId,
    entry.model,
    entry.operation,
    entry.inputTokens,
    entry.outputTokens,
    entry.cachedTokens,
    entry.costUsd,
    entry.latencyMs,
    entry.outcome,
    entry.createdAt,
    entry.userId ?? null,
  ];
}

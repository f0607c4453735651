/**
 * CounterStore on the shared Postgres schema: one statement adds to every window of a call (upsert with
 * RETURNING), so instances sharing the database share limits. A window past its expiry counts from zero;
 * about one call in a hundred also deletes a batch of expired rows.
 */
import { checkIncrements } from '../../core/limits/check-increments.ts';
import type { CounterIncrement, CounterStore } from '../../core/ports.ts';
import type { SqlClient } from './sql-client.ts';

export class PostgresCounterStore implements CounterStore {
  constructor(
    private readonly client: SqlClient,
    private readonly random: () => number = Math.random,
  ) {}

  async increment(increments: readonly CounterIncrement[]): Promise<number[]> {
    checkIncrements(increments);
    if (increments.length === 0) return [];
    // Placeholders rather than array parameters: the RDS Data API has no array parameters.
    const tuples = increments.map(
      (_, index) => `($${index * 3 + 1}::text, $${index * 3 + 2}::bigint, $${index * 3 + 3}::timestamptz)`,
    );
    const rows = await this.client.query<{ key: string; value: string | number }>(
      `INSERT INTO rate_counters AS counter (key, value, expires_at) VALUES ${tuples.join(', ')}
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN counter.expires_at <= now() THEN excluded.value ELSE counter.value + excluded.value END,
         expires_at = CASE WHEN counter.expires_at <= now() THEN excluded.expires_at
                           ELSE greatest(counter.expires_at, excluded.expires_at) END
       RETURNING key, value`,
      increments.flatMap((increment) => [increment.key, increment.by, increment.expiresAt]),
    );
    if (this.random() < 0.01) await this.sweep();
    const values = new Map(rows.map((row) => [row.key, Number(row.value)]));
    return increments.map((increment) => values.get(increment.key) ?? 0);
  }

  private async sweep(): Promise<void> {
    await this.client.query(
      `DELETE FROM rate_counters WHERE key IN (
         SELECT key FROM rate_counters WHERE expires_at < now() - interval '1 minute' LIMIT 500)`,
    );
  }
}

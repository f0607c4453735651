/** Types the SQL tools share: a source's configuration and the read-only query they all run through. */
import type { ToolSourcesConfig } from '../tool-config.ts';

export type SqlSourceConfig = ToolSourcesConfig['sql'][string];

/** Runs one statement in a READ ONLY transaction; rows past the source's `maxRows` are cut. */
export type ReadOnlyQuery = (
  sql: string,
  values: unknown[],
  signal: AbortSignal,
) => Promise<{ rows: Record<string, unknown>[]; truncated: boolean }>;

/**
 * One line naming where Godwit keeps its data under a configuration, for the startup banner and `doctor`.
 * Follows the same choices as openComposedStorage: serverless (DynamoDB and an outside vector store),
 * Aurora through the Data API, PostgreSQL at a URL, or the embedded PGlite.
 */
import type { GodwitConfig } from './schema.ts';

/**
 * @example
 * describeStorage(config); // → 'DynamoDB (tables godwit-data), vectors in S3 Vectors'
 */
export function describeStorage(config: GodwitConfig): string {
  const { storage, database } = config;
  const vectors = storage.vectors === 'postgres' ? null : `vectors in ${vectorStoreName(storage.vectors)}`;
  const serverless =
    storage.conversations === 'dynamodb' && vectors !== null && !database.url && !database.dataApi;
  const dynamoDb = `DynamoDB (tables ${storage.dynamodb.tablePrefix}data)`;
  if (serverless) return `${dynamoDb}, ${vectors}`;
  const relational = database.dataApi
    ? `Aurora through the Data API (database ${database.dataApi.database})`
    : database.url
      ? `PostgreSQL ${redactPassword(database.url)}`
      : `PGlite in ${config.dataDir}`;
  const parts = [relational];
  if (vectors) parts.push(vectors);
  if (storage.conversations === 'dynamodb') parts.push(`conversations in ${dynamoDb}`);
  return parts.join(', ');
}

function vectorStoreName(store: string): string {
  const names: Record<string, string> = {
    opensearch: 'OpenSearch',
    chroma: 'Chroma',
    s3vectors: 'S3 Vectors',
  };
  return names[store] ?? store;
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Opens the DynamoDB adapters over one client: conversations, usage, audit, API keys and the knowledge
 * catalogue, with a health check. Creates the table first when asked to.
 */
import { DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/errors.ts';
import type {
  ApiKeyStore,
  AuditLog,
  ConversationStore,
  CounterStore,
  HealthReport,
  UsageLedger,
} from '../../core/ports.ts';
import { DynamoDbApiKeyStore } from './dynamodb-api-key-store.ts';
import { DynamoDbAuditLog } from './dynamodb-audit-log.ts';
import { DynamoDbConversationStore } from './dynamodb-conversation-store.ts';
import { DynamoDbCounterStore } from './dynamodb-counter-store.ts';
import { DynamoDbDocumentCatalogue } from './dynamodb-document-catalogue.ts';
import { DynamoDbKnowledgeStore } from './dynamodb-knowledge-store.ts';
import { DynamoDbTable } from './dynamodb-table.ts';
import { DynamoDbUsageLedger } from './dynamodb-usage-ledger.ts';
import { type EnsureTablesResult, ensureTables } from './ensure-tables.ts';
import { DEFAULT_TABLE_PREFIX, dataTableName } from './table-definitions.ts';
import { translateDynamoDbError } from './translate-dynamodb-error.ts';

export interface DynamoDbStorageOptions {
  /** Prefix of every table name. Default `godwit-` (table `godwit-data`). */
  tablePrefix?: string;
  /** Default: the AWS SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** A local or private endpoint, e.g. `http://127.0.0.1:4567`. */
  endpoint?: string;
  /** Create missing tables at open (CreateTable rights needed). Default false. */
  createTables?: boolean;
  /** Days after which usage and audit items expire through DynamoDB TTL. Default: kept. */
  retentionDays?: number;
  /** Extra client settings (credentials, request handler, retries); wins over the fields above. */
  client?: DynamoDBClientConfig;
  now?: () => Date;
  generateId?: () => string;
}

export interface DynamoDbStorage {
  readonly tableName: string;
  readonly conversations: ConversationStore;
  readonly usage: UsageLedger;
  readonly audit: AuditLog;
  /** Rate-limit and budget windows (atomic counters). */
  readonly counters: CounterStore;
  readonly apiKeys: ApiKeyStore;
  /** The knowledge catalogue (bases and documents; chunks live in an outside VectorIndex). */
  readonly knowledge: DynamoDbKnowledgeStore;
  /** What an outside VectorIndex reads from and reports to. */
  readonly catalogue: DynamoDbDocumentCatalogue;
  /** What `createTables` did at open; undefined when it was off. */
  readonly tables: EnsureTablesResult | undefined;
  /** DescribeTable: the table exists and is ACTIVE. Never throws. */
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/**
 * @example
 *   const storage = await openDynamoDbStorage({ region: 'eu-west-1', tablePrefix: 'prod-godwit-' });
 *   await storage.conversations.listConversations('default');
 */
export async function openDynamoDbStorage(options: DynamoDbStorageOptions = {}): Promise<DynamoDbStorage> {
  const tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const client = new DynamoDBClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...options.client,
  });
  const region = options.region ?? (await regionOf(client));
  if (!region) {
    client.destroy();
    throw new ConfigError(
      'DynamoDB needs an AWS region: set storage.dynamodb.region (GODWIT_STORAGE__DYNAMODB__REGION) or AWS_REGION.',
    );
  }
  const location = options.endpoint ?? `region ${region}`;
  const table = new DynamoDbTable(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    dataTableName(tablePrefix),
    location,
  );
  let tables: EnsureTablesResult | undefined;
  try {
    if (options.createTables) tables = await ensureTables(client, { tablePrefix, location });
  } catch (error) {
    client.destroy();
    throw error;
  }
  const now = options.now ?? (() => new Date());
  const knowledge = new DynamoDbKnowledgeStore(table, { now, generateId: options.generateId });
  const retention = options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays };
  return {
    tableName: table.tableName,
    conversations: new DynamoDbConversationStore(table, now),
    usage: new DynamoDbUsageLedger(table, retention),
    audit: new DynamoDbAuditLog(table, retention),
    counters: new DynamoDbCounterStore(table),
    apiKeys: new DynamoDbApiKeyStore(table),
    knowledge,
    catalogue: new DynamoDbDocumentCatalogue(knowledge),
    tables,
    health: () => checkHealth(client, table),
    close: async () => client.destroy(),
  };
}

async function checkHealth(client: DynamoDBClient, table: DynamoDbTable): Promise<HealthReport> {
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
    const status = described.Table?.TableStatus ?? 'unknown';
    return {
      name: 'dynamodb',
      ok: status === 'ACTIVE',
      detail: `table ${table.tableName} is ${status} (${table.location})`,
    };
  } catch (error) {
    return { name: 'dynamodb', ok: false, detail: translateDynamoDbError(error, table).message };
  }
}

/** The region the SDK resolved (options, AWS_REGION, profile), or undefined when there is none. */
async function regionOf(client: DynamoDBClient): Promise<string | undefined> {
  try {
    return (await client.config.region()) || undefined;
  } catch {
    return undefined;
  }
}

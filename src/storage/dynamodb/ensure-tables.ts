/**
 * Creates the tables Godwit needs when they are missing (`storage.dynamodb.createTables`, and tests), from
 * the same definitions the CDK stack uses, then turns on TTL and point-in-time recovery.
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DependencyError } from '../../core/errors.ts';
import {
  type DynamoDbTableDefinition,
  dynamoDbTableDefinitions,
  toCreateTableInput,
} from './table-definitions.ts';
import { translateDynamoDbError } from './translate-dynamodb-error.ts';

export interface EnsureTablesOptions {
  tablePrefix?: string;
  /** Where the tables live, for messages. */
  location?: string;
  /** How long to wait for a new table to become ACTIVE. Default 120 s. */
  timeoutMs?: number;
}

export interface EnsureTablesResult {
  created: string[];
  existing: string[];
  /** Settings the endpoint does not support (DynamoDB emulators lack TTL and backups): `table: setting`. */
  unsupported: string[];
}

/**
 * Idempotent: existing tables are left as they are.
 *
 * @example
 *   await ensureTables(new DynamoDBClient({ region: 'eu-west-1' }), { tablePrefix: 'godwit-' });
 */
export async function ensureTables(
  client: DynamoDBClient,
  options: EnsureTablesOptions = {},
): Promise<EnsureTablesResult> {
  const result: EnsureTablesResult = { created: [], existing: [], unsupported: [] };
  for (const definition of dynamoDbTableDefinitions(options.tablePrefix)) {
    const target = { tableName: definition.tableName, location: options.location ?? 'DynamoDB' };
    try {
      await client.send(new CreateTableCommand(toCreateTableInput(definition)));
      result.created.push(definition.tableName);
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') {
        throw translateDynamoDbError(error, target);
      }
      result.existing.push(definition.tableName);
    }
    await waitUntilActive(client, definition.tableName, options.timeoutMs ?? 120_000, target);
    if (result.created.includes(definition.tableName)) {
      result.unsupported.push(...(await applySettings(client, definition, target)));
    }
  }
  return result;
}

async function applySettings(
  client: DynamoDBClient,
  definition: DynamoDbTableDefinition,
  target: { tableName: string; location: string },
): Promise<string[]> {
  const unsupported: string[] = [];
  const attempt = async (setting: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'UnknownOperationException') unsupported.push(`${definition.tableName}: ${setting}`);
      else throw translateDynamoDbError(error, target);
    }
  };
  await attempt('timeToLive', () =>
    client.send(
      new UpdateTimeToLiveCommand({
        TableName: definition.tableName,
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      }),
    ),
  );
  await attempt('pointInTimeRecovery', () =>
    client.send(
      new UpdateContinuousBackupsCommand({
        TableName: definition.tableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: definition.pointInTimeRecovery },
      }),
    ),
  );
  return unsupported;
}

/**
 * The SDK's waiter: it polls DescribeTable with backoff until the table is ACTIVE, and keeps polling
 * through the ResourceNotFoundException DynamoDB may answer right after CreateTable (DescribeTable is
 * eventually consistent). Polls every 1 s at first, at most every 5 s.
 */
async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
  target: { tableName: string; location: string },
): Promise<void> {
  const maxWaitTime = Math.max(1, Math.ceil(timeoutMs / 1000));
  try {
    await waitUntilTableExists({ client, maxWaitTime, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  } catch (error) {
    const reason = (error as { result?: { reason?: unknown } }).result?.reason;
    if (reason instanceof Error && reason.name !== 'ResourceNotFoundException') {
      throw translateDynamoDbError(reason, target);
    }
    const status = (reason as { Table?: { TableStatus?: string } } | undefined)?.Table?.TableStatus;
    throw new DependencyError(
      `DynamoDB table "${tableName}" is still ${status ?? 'not found'} after ${maxWaitTime} s; check it in the AWS console and start again.`,
      { cause: error },
    );
  }
}

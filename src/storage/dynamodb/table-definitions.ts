/**
 * The DynamoDB table Godwit uses, as plain data: `ensureTables` creates it from this, and the CDK stack
 * builds the same table from the same definition, so the two cannot drift.
 * Key design: docs/decisions/2026-11-23-dynamodb-key-design.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const LIST_INDEX = 'gsi1';
export const LIST_PARTITION_KEY = 'gsi1pk';
export const LIST_SORT_KEY = 'gsi1sk';
/** Epoch seconds; DynamoDB deletes the item some time after it passes (usage and audit retention). */
export const EXPIRY_ATTRIBUTE = 'expiresAt';

export interface DynamoDbKeyAttribute {
  name: string;
  type: 'S';
}

export interface DynamoDbTableDefinition {
  /** The name without the configured prefix. */
  baseName: string;
  tableName: string;
  partitionKey: DynamoDbKeyAttribute;
  sortKey: DynamoDbKeyAttribute;
  globalSecondaryIndexes: Array<{
    indexName: string;
    partitionKey: DynamoDbKeyAttribute;
    sortKey: DynamoDbKeyAttribute;
    projection: 'ALL';
  }>;
  billingMode: 'PAY_PER_REQUEST';
  timeToLiveAttribute: string;
  pointInTimeRecovery: true;
}

/** The default table-name prefix (`godwit-data`). */
export const DEFAULT_TABLE_PREFIX = 'godwit-';

/**
 * Every table, named with `tablePrefix`.
 *
 * @example
 *   dynamoDbTableDefinitions('prod-godwit-') // [{ tableName: 'prod-godwit-data', … }]
 */
export function dynamoDbTableDefinitions(tablePrefix = DEFAULT_TABLE_PREFIX): DynamoDbTableDefinition[] {
  return [
    {
      baseName: 'data',
      tableName: `${tablePrefix}data`,
      partitionKey: { name: PARTITION_KEY, type: 'S' },
      sortKey: { name: SORT_KEY, type: 'S' },
      globalSecondaryIndexes: [
        {
          indexName: LIST_INDEX,
          partitionKey: { name: LIST_PARTITION_KEY, type: 'S' },
          sortKey: { name: LIST_SORT_KEY, type: 'S' },
          projection: 'ALL',
        },
      ],
      billingMode: 'PAY_PER_REQUEST',
      timeToLiveAttribute: EXPIRY_ATTRIBUTE,
      pointInTimeRecovery: true,
    },
  ];
}

/** The data table's name for a prefix. */
export function dataTableName(tablePrefix = DEFAULT_TABLE_PREFIX): string {
  return `${tablePrefix}data`;
}

/** The CreateTable request for a definition (TTL and point-in-time recovery are separate calls). */
export function toCreateTableInput(definition: DynamoDbTableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, 'S'>();
  const add = (attribute: DynamoDbKeyAttribute) => attributes.set(attribute.name, attribute.type);
  add(definition.partitionKey);
  add(definition.sortKey);
  for (const index of definition.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return {
    TableName: definition.tableName,
    BillingMode: definition.billingMode,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

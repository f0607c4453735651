/**
 * DynamoDB adapters for the AWS serverless profile: conversations and messages, usage, audit, API keys
 * and the knowledge catalogue in one on-demand table. Key design: docs/decisions/2026-11-23-dynamodb-key-design.md.
 */
export { DynamoDbApiKeyStore } from './dynamodb-api-key-store.ts';
export { DynamoDbDocumentCatalogue } from './dynamodb-document-catalogue.ts';
export { DynamoDbKnowledgeStore, type DynamoDbKnowledgeStoreOptions } from './dynamodb-knowledge-store.ts';
export { DynamoDbTable } from './dynamodb-table.ts';
export { type EnsureTablesOptions, type EnsureTablesResult, ensureTables } from './ensure-tables.ts';
export {
  type DynamoDbStorage,
  type DynamoDbStorageOptions,
  openDynamoDbStorage,
} from './open-dynamodb-storage.ts';
export {
  DEFAULT_TABLE_PREFIX,
  type DynamoDbTableDefinition,
  dataTableName,
  dynamoDbTableDefinitions,
  toCreateTableInput,
} from './table-definitions.ts';

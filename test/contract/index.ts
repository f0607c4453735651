/** Contract suites, one per port: call them from a test file with a factory for the adapter under test. */
export { type ApiKeyStores, describeApiKeyStoreContract } from './api-key-store-contract.ts';
export { type AuditStores, describeAuditLogContract } from './audit-log-contract.ts';
export { type BlobStores, describeBlobStoreContract, UNSAFE_BLOB_KEYS } from './blob-store-contract.ts';
export { type CacheCapabilities, type CacheStores, describeCacheContract } from './cache-contract.ts';
export type { Capabilities, ContractFixture, FixtureFactory } from './contract-fixture.ts';
export { type ConversationStores, describeConversationStoreContract } from './conversation-store-contract.ts';
export { type CounterStores, describeCounterStoreContract } from './counter-store-contract.ts';
export { describeHealthCheckContract } from './health-check-contract.ts';
export type { KnowledgeStores } from './knowledge-fixtures.ts';
export {
  describeKnowledgeStoreContract,
  type KnowledgeStoreCapabilities,
} from './knowledge-store-contract.ts';
export {
  describeUsageLedgerContract,
  type UsageLedgerCapabilities,
  type UsageStores,
} from './usage-ledger-contract.ts';
export { describeVectorIndexContract, type VectorIndexContractOptions } from './vector-index-contract.ts';

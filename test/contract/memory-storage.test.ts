/** Every memory adapter against the shared contracts. */
import { createMemoryStorage, MemoryCache } from '../../src/storage/memory/index.ts';
import {
  describeApiKeyStoreContract,
  describeAuditLogContract,
  describeCacheContract,
  describeConversationStoreContract,
  describeCounterStoreContract,
  describeHealthCheckContract,
  describeKnowledgeStoreContract,
  describeUsageLedgerContract,
  describeVectorIndexContract,
} from './index.ts';

const memory = async () => ({ stores: createMemoryStorage(), cleanup: async () => {} });

describeKnowledgeStoreContract('memory', memory, { upsertDocuments: true });
describeVectorIndexContract('memory', memory, { vectors: 'supported', replaceManyDocumentChunks: true });
describeConversationStoreContract('memory', memory);
describeUsageLedgerContract('memory', memory, { recordMany: true });
describeAuditLogContract('memory', memory);
describeCounterStoreContract('memory', memory);
describeApiKeyStoreContract('memory', memory);
describeHealthCheckContract('memory', memory);
describeCacheContract(
  'memory',
  async () => {
    let now = Date.UTC(2026, 0, 1);
    const cache = new MemoryCache({ now: () => now });
    return {
      stores: {
        cache,
        advanceSeconds: (seconds: number) => {
          now += seconds * 1000;
        },
      },
      cleanup: async () => {},
    };
  },
  { expiry: true },
);

/**
 * The DynamoDB adapters on dynalite against the shared contracts. Chunks are not DynamoDB's job: the
 * knowledge catalogue runs with the memory VectorIndex composed as an outside index would be
 * (CataloguedKnowledgeStore + the catalogue view), so the whole KnowledgeStore contract applies.
 */
import { afterAll } from 'vitest';
import { NotFoundError } from '../../src/core/errors.ts';
import type {
  KeywordSearchQuery,
  KnowledgeStore,
  VectorIndex,
  VectorSearchQuery,
} from '../../src/core/ports.ts';
import type { Chunk } from '../../src/core/types.ts';
import {
  CataloguedKnowledgeStore,
  type ChunkRemover,
  type DocumentCatalogue,
} from '../../src/storage/catalogue/index.ts';
import {
  type DynamoDbKnowledgeStore,
  type DynamoDbStorage,
  openDynamoDbStorage,
} from '../../src/storage/dynamodb/index.ts';
import { MemoryKnowledgeState } from '../../src/storage/memory/memory-knowledge-state.ts';
import { MemoryVectorIndex } from '../../src/storage/memory/memory-vector-index.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';
import {
  describeApiKeyStoreContract,
  describeAuditLogContract,
  describeConversationStoreContract,
  describeCounterStoreContract,
  describeHealthCheckContract,
  describeKnowledgeStoreContract,
  describeUsageLedgerContract,
} from './index.ts';

/**
 * The memory VectorIndex behind the DynamoDB catalogue, the way an outside index (OpenSearch) uses it:
 * it checks ownership in the catalogue, reports ready documents to it, and offers chunk removal.
 */
class CatalogueBackedMemoryIndex implements VectorIndex, ChunkRemover {
  private readonly state = new MemoryKnowledgeState();
  private readonly inner = new MemoryVectorIndex(this.state);

  constructor(
    private readonly knowledge: DynamoDbKnowledgeStore,
    private readonly catalogue: DocumentCatalogue,
  ) {}

  async replaceDocumentChunks(
    tenantId: string,
    target: { id: string; knowledgeBaseId: string; sha256: string },
    chunks: Chunk[],
  ): Promise<void> {
    if (!(await this.catalogue.document(tenantId, target.id, target.knowledgeBaseId))) {
      throw new NotFoundError(`Document "${target.id}" does not exist in "${target.knowledgeBaseId}".`);
    }
    // The memory index keeps its own copy of the base and document it serves chunks for.
    const base = await this.knowledge.getKnowledgeBaseById(tenantId, target.knowledgeBaseId);
    const document = await this.knowledge.getDocument(tenantId, target.id);
    this.state.knowledgeBases.set(base!.id, base!);
    if (!this.state.documents.has(document!.id)) this.state.documents.set(document!.id, document!);
    await this.inner.replaceDocumentChunks(tenantId, target, chunks);
    await this.catalogue.markReady(tenantId, target, chunks.length);
  }

  async deleteDocumentChunks(tenantId: string, _knowledgeBaseId: string, documentId: string): Promise<void> {
    const known = this.state.document(tenantId, documentId);
    if (known) this.state.removeDocument(tenantId, known);
  }

  async deleteKnowledgeBaseChunks(tenantId: string, knowledgeBaseId: string): Promise<void> {
    for (const document of [...this.state.documents.values()]) {
      if (document.tenantId === tenantId && document.knowledgeBaseId === knowledgeBaseId) {
        this.state.removeDocument(tenantId, document);
      }
    }
    this.state.keywordIndexes.delete(knowledgeBaseId);
  }

  keywordSearch = (tenantId: string, query: KeywordSearchQuery) => this.inner.keywordSearch(tenantId, query);
  vectorSearch = (tenantId: string, query: VectorSearchQuery) => this.inner.vectorSearch(tenantId, query);
  getChunks = (tenantId: string, ids: string[]) => this.inner.getChunks(tenantId, ids);
  scan = (tenantId: string, knowledgeBaseId: string, options?: { batchSize?: number }) =>
    this.inner.scan(tenantId, knowledgeBaseId, options);
  countChunks = (tenantId: string, knowledgeBaseId: string) =>
    this.inner.countChunks(tenantId, knowledgeBaseId);
}

export const LOCAL_CREDENTIALS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

let server: Promise<DynaliteServer> | undefined;
type Opened = Omit<DynamoDbStorage, 'knowledge'> & { knowledge: KnowledgeStore; index: VectorIndex };
let opened: Promise<Opened> | undefined;

async function open(): Promise<Opened> {
  server ??= startDynalite();
  const { endpoint } = await server;
  const storage = await openDynamoDbStorage({
    endpoint,
    tablePrefix: 'contract-',
    createTables: true,
    client: LOCAL_CREDENTIALS,
  });
  // A compile-time check that the DynamoDB catalogue fits what outside indexes expect.
  const catalogue: DocumentCatalogue = storage.catalogue satisfies DocumentCatalogue;
  const index = new CatalogueBackedMemoryIndex(storage.knowledge, catalogue);
  return { ...storage, knowledge: new CataloguedKnowledgeStore(storage.knowledge, catalogue, index), index };
}

const shared = async () => {
  opened ??= open();
  return { stores: await opened, cleanup: async () => {} };
};

afterAll(async () => {
  await (await opened?.catch(() => undefined))?.close();
  await (await server?.catch(() => undefined))?.stop();
});

// The batch methods are all or none, and DynamoDB writes here have no multi-item transaction: one at a time.
describeKnowledgeStoreContract('DynamoDB (dynalite) catalogue', shared, { upsertDocuments: false });
describeConversationStoreContract('DynamoDB (dynalite)', shared);
describeUsageLedgerContract('DynamoDB (dynalite)', shared, { recordMany: false });
describeAuditLogContract('DynamoDB (dynalite)', shared);
describeCounterStoreContract('DynamoDB (dynalite)', shared);
describeApiKeyStoreContract('DynamoDB (dynalite)', shared);
describeHealthCheckContract('DynamoDB (dynalite)', shared);

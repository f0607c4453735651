/**
 * OpenSearch (Serverless collections or managed domains) as the VectorIndex, and the catalogue glue every
 * outside vector store shares: documents stay in the relational store, chunks live in the outside index.
 */
export {
  type CataloguedDocument,
  CataloguedKnowledgeStore,
  type ChunkRemover,
  type DocumentCatalogue,
  SqlDocumentCatalogue,
} from './document-catalogue.ts';
export type { OpenSearchService } from './opensearch-http.ts';
export { OpenSearchVectorIndex, type OpenSearchVectorIndexOptions } from './opensearch-vector-index.ts';

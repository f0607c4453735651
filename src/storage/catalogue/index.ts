/**
 * What the outside vector stores share: the document catalogue (documents stay in the relational store or
 * DynamoDB, chunks live in the outside index), the knowledge store on top of it, and how indexes and
 * metadata terms are named.
 */

export {
  CatalogueVectorIndex,
  type ChunkReplacement,
  compareScanOrder,
  type DocumentReference,
  inRequestedOrder,
  type StoredChunkOwner,
  VectorOnlyIndex,
} from './catalogue-vector-index.ts';
export {
  type CataloguedDocument,
  CataloguedKnowledgeStore,
  type ChunkRemover,
  type DocumentCatalogue,
  documentNotFound,
  KeyedSerialiser,
} from './document-catalogue.ts';
export { canonicalJson, indexName, metadataTerm, metadataTerms } from './vector-store-names.ts';

/**
 * OpenSearch (Serverless collections or managed domains) as the VectorIndex; documents stay in the
 * catalogue (src/storage/catalogue/), chunks live in OpenSearch.
 */
export type { OpenSearchService } from './opensearch-http.ts';
export { OpenSearchVectorIndex, type OpenSearchVectorIndexOptions } from './opensearch-vector-index.ts';

/** A Chroma server as the VectorIndex: vector search only, with the catalogue in the relational store. */
export type { ChromaConnectionOptions } from './chroma-http.ts';
export {
  CHROMA_VECTOR_ONLY_MESSAGE,
  ChromaVectorIndex,
  type ChromaVectorIndexOptions,
} from './chroma-vector-index.ts';

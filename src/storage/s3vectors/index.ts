/** Amazon S3 Vectors as the VectorIndex: vector search only, with the catalogue in the relational store. */
export {
  S3_VECTORS_LIMITS,
  type S3VectorsIndexOptions,
  S3VectorsVectorIndex,
  VECTOR_ONLY_MESSAGE,
} from './s3vectors-vector-index.ts';

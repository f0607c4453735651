/**
 * Deterministic stand-in embeddings: each lower-cased word is hashed into a signed bucket (feature
 * hashing), so texts that share words point in similar directions, and the same text always gets the same
 * unit-length vector. Good enough to exercise retrieval code without a real model.
 */
import { createHash } from 'node:crypto';

export function hashEmbedding(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features = words.length > 0 ? words : [text];
  for (const feature of features) {
    const digest = createHash('sha256').update(feature).digest();
    // Two buckets per feature soften collisions in small dimensions.
    for (const offset of [0, 8]) {
      const bucket = digest.readUInt32BE(offset) % dimension;
      const sign = digest[offset + 4]! & 1 ? 1 : -1;
      vector[bucket] = vector[bucket]! + sign;
    }
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** Little-endian float32 bytes in base64, as OpenAI returns for `encoding_format: "base64"`. */
export function toBase64Float32(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => {
    bytes.writeFloatLE(value, index * 4);
  });
  return bytes.toString('base64');
}

/** Dimensions per embedding model, as the real services answer by default. */
export const EMBEDDING_DIMENSIONS: Record<string, number> = {
  'amazon.titan-embed-text-v1': 1536,
  'amazon.titan-embed-text-v2:0': 1024,
  'cohere.embed-english-v3': 1024,
  'cohere.embed-multilingual-v3': 1024,
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'text-embedding-004': 768,
  'gemini-embedding-001': 3072,
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
};

export function defaultDimension(model: string): number {
  return EMBEDDING_DIMENSIONS[model] ?? EMBEDDING_DIMENSIONS[model.replace(/:latest$/, '')] ?? 768;
}

/**
 * `local:lexical` — hashed character n-gram vectors computed in-process (no model, no network). Fused
 * with BM25 it adds a little recall on word-form variants; see docs/decisions/2026-11-23-keyword-retrieval.md.
 */
import type { Embedder } from '../../core/models.ts';
import { LEXICAL_EMBEDDING, lexicalEmbedding } from '../../core/retrieval/lexical-embedding.ts';

export function createLexicalEmbedder(): Embedder {
  return {
    model: LEXICAL_EMBEDDING.model,
    version: LEXICAL_EMBEDDING.version,
    dimension: LEXICAL_EMBEDDING.dimension,
    embed: async (texts) => texts.map((text) => lexicalEmbedding(text, LEXICAL_EMBEDDING.dimension)),
  };
}

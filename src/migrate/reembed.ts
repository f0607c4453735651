/**
 * Re-embedding during a migration: texts go to the embedder in batches, several batches at a time, through
 * the provider layer (its retries, rate limits and embedding cache). Empty texts get no vector.
 */
import type { Embedder } from '../core/models.ts';
import { estimateTokens } from '../core/text/tokens.ts';
import type { KnowledgeRecord } from './records.ts';

export interface ReembedOptions {
  embedder: Embedder;
  /** Texts per call. Default 64. */
  batchSize?: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
}

export function createReembedder(options: ReembedOptions) {
  const batchSize = options.batchSize ?? 64;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let inputTokens = 0;
  return {
    get inputTokens() {
      return inputTokens;
    },
    async apply(records: KnowledgeRecord[]): Promise<KnowledgeRecord[]> {
      const indexes = records.flatMap((record, index) => (record.text.trim() === '' ? [] : [index]));
      const groups: number[][] = [];
      for (let start = 0; start < indexes.length; start += batchSize)
        groups.push(indexes.slice(start, start + batchSize));
      const vectors = new Map<number, number[]>();
      let next = 0;
      const worker = async () => {
        while (next < groups.length) {
          const group = groups[next++]!;
          const texts = group.map((index) => records[index]!.text);
          const embedded = await options.embedder.embed(texts);
          for (const [position, index] of group.entries()) vectors.set(index, embedded[position]!);
          inputTokens += texts.reduce((sum, text) => sum + estimateTokens(text), 0);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));
      return records.map((record, index) => ({ ...record, embedding: directional(vectors.get(index)) }));
    },
  };
}

/** A zero vector has no direction (cosine is undefined): store none, as ingestion does. */
function directional(vector: number[] | undefined): number[] | null {
  return vector?.some((value) => value !== 0) ? vector : null;
}

import type { Citation, SearchHit } from '../types.ts';

/**
 * Passages the tools of one turn showed the model, numbered in order of first appearance. The same chunk
 * keeps its number when a later search finds it again, so "[2]" means one passage for the whole turn.
 */
export class CitationCollector {
  private readonly byChunk = new Map<string, Citation>();

  /** Numbers the hits (new ones continue the sequence) and returns them as citations, in hit order. */
  add(hits: readonly SearchHit[]): Citation[] {
    return hits.map((hit) => {
      const known = this.byChunk.get(hit.chunkId);
      if (known) return known;
      const citation: Citation = {
        index: this.byChunk.size + 1,
        chunkId: hit.chunkId,
        documentId: hit.documentId,
        source: hit.source,
        location: hit.location,
        text: hit.text,
        score: hit.score,
      };
      this.byChunk.set(hit.chunkId, citation);
      return citation;
    });
  }

  /** Takes back the numbering of an earlier part of the same turn (a turn resumed after an approval). */
  restore(citations: readonly Citation[]): void {
    for (const citation of citations) this.byChunk.set(citation.chunkId, citation);
  }

  /** Every passage shown so far, by number. */
  all(): Citation[] {
    return [...this.byChunk.values()];
  }
}

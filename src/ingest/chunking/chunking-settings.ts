/** Sizes every chunker works to, resolved once by the parser from its options. */
export interface ChunkingSettings {
  /** Largest estimated token count of one chunk, heading line and overlap included. */
  maxChunkTokens: number;
  /** Tokens of the previous chunk's end repeated at the start of the next one in the same section. */
  chunkOverlapTokens: number;
}

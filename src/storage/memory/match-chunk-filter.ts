/** ChunkFilter semantics shared with the SQL adapters: lists match by membership (an empty list matches
 * nothing); metadata matches by JSON equality per key. */
import type { ChunkFilter } from '../../core/ports.ts';
import type { Chunk, JsonValue, KnowledgeDocument } from '../../core/types.ts';

export function matchesChunkFilter(
  chunk: Chunk,
  document: KnowledgeDocument | undefined,
  filter: ChunkFilter | undefined,
): boolean {
  if (!filter) return true;
  if (filter.documentIds && !filter.documentIds.includes(chunk.documentId)) return false;
  if (filter.sources && (!document || !filter.sources.includes(document.source))) return false;
  for (const [key, expected] of Object.entries(filter.metadata ?? {})) {
    if (!Object.hasOwn(chunk.metadata, key)) return false;
    if (!jsonEquals(chunk.metadata[key] as JsonValue, expected)) return false;
  }
  return true;
}

/** Structural equality of JSON values; object key order does not matter (as with jsonb). */
export function jsonEquals(left: JsonValue, right: JsonValue): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((value, index) => jsonEquals(value, right[index] as JsonValue));
  }
  const leftKeys = Object.keys(left);
  if (leftKeys.length !== Object.keys(right).length) return false;
  return leftKeys.every(
    (key) => Object.hasOwn(right, key) && jsonEquals(left[key] as JsonValue, right[key] as JsonValue),
  );
}

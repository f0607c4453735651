/** What the parser pool and its worker threads say to each other. */
import type { ChunkDraft, ParsedDocument } from '../core/ports.ts';
import type { SerializedParseError } from './parse-errors.ts';

export interface ParseRequest {
  id: number;
  input: { source: string; bytes: Uint8Array; mimeType?: string };
}

/** Asks the worker for the next part of request `id`'s chunks, once the last part has been read. */
export interface NextPartRequest {
  id: number;
  next: true;
}

/**
 * A worker answers a request with its chunks in parts of at most `REPLY_CHUNKS` (`chunks`), each sent
 * when the pool asks for it (`NextPartRequest`), then the document with the last part (`document`); or
 * with an error. Each part is read in a turn of the event loop of its own, with other requests served in
 * between, so the chunks of a 50 MiB file never hold the server's thread in one long turn.
 */
export type ParseReply =
  | { id: number; chunks: ChunkDraft[]; document?: undefined; error?: undefined }
  | { id: number; document: ParsedDocument; chunks?: undefined; error?: undefined }
  | { id: number; error: SerializedParseError; chunks?: undefined; document?: undefined };

/** Chunks per reply message: well under a millisecond or two to read. */
export const REPLY_CHUNKS = 1_000;

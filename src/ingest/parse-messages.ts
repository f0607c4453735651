/** What the parser pool and its worker threads say to each other. */
import type { ParsedDocument } from '../core/ports.ts';
import type { SerializedParseError } from './parse-errors.ts';

export interface ParseRequest {
  id: number;
  input: { source: string; bytes: Uint8Array; mimeType?: string };
}

export type ParseReply =
  | { id: number; document: ParsedDocument; error?: undefined }
  | { id: number; error: SerializedParseError; document?: undefined };

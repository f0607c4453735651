/** What every format loader receives and returns; the parser adds the media type and the empty check. */
import type { ChunkDraft } from '../../core/ports.ts';
import type { Metadata } from '../../core/types.ts';
import type { ChunkingSettings } from '../chunking/chunking-settings.ts';

export interface LoaderSettings extends ChunkingSettings {
  /** Most bytes a zip container (DOCX, XLSX) may expand to. */
  maxUncompressedBytes: number;
}

export interface LoaderContext {
  source: string;
  bytes: Uint8Array;
  settings: LoaderSettings;
}

export interface LoadedDocument {
  chunks: ChunkDraft[];
  metadata: Metadata;
}

export type Loader = (context: LoaderContext) => Promise<LoadedDocument>;

/**
 * The DocumentParser: checks size and emptiness, decides the format, runs the format's loader (loaded on
 * first use, so a process that never sees a PDF never loads pdf.js), and refuses documents without text.
 */
import { unshared } from '../core/bytes-in-pieces.ts';
import { ConfigError, GodwitError, IngestError } from '../core/errors.ts';
import type { DocumentParser, ParsedDocument } from '../core/ports.ts';
import { formatBytes } from './format-bytes.ts';
import type { Loader, LoaderSettings } from './loaders/loader.ts';
import { type FormatId, type FormatSpec, resolveFormat, SUPPORTED_EXTENSIONS } from './media-types.ts';

export interface DocumentParserOptions {
  /** Largest file accepted, in bytes. Default 50 MiB. */
  maxFileBytes?: number;
  /** Largest chunk, in estimated tokens, heading line included. Default 512. */
  maxChunkTokens?: number;
  /** Tokens repeated from the end of one chunk at the start of the next in the same section. Default 64. */
  chunkOverlapTokens?: number;
  /** Most bytes a DOCX or XLSX may expand to when unzipped. Default 200 MiB. */
  maxUncompressedBytes?: number;
}

const MiB = 1024 * 1024;

const LOADERS: Record<FormatId, Loader> = {
  markdown: lazyLoader(async () => (await import('./loaders/markdown-loader.ts')).loadMarkdown),
  text: lazyLoader(async () => (await import('./loaders/text-loader.ts')).loadText),
  html: lazyLoader(async () => (await import('./loaders/html-loader.ts')).loadHtml),
  pdf: lazyLoader(async () => (await import('./loaders/pdf-loader.ts')).loadPdf),
  docx: lazyLoader(async () => (await import('./loaders/docx-loader.ts')).loadDocx),
  xlsx: lazyLoader(async () => (await import('./loaders/xlsx-loader.ts')).loadXlsx),
  csv: lazyLoader(async () => (await import('./loaders/csv-loader.ts')).createDelimitedLoader('csv')),
  tsv: lazyLoader(async () => (await import('./loaders/csv-loader.ts')).createDelimitedLoader('tsv')),
  json: lazyLoader(async () => (await import('./loaders/json-loader.ts')).loadJson),
  jsonl: lazyLoader(async () => (await import('./loaders/json-loader.ts')).loadJsonLines),
};

/**
 * A loader whose module is imported on its first file and kept: a dynamic import of a module already
 * loaded still costs a trip through the module loader (and its hooks, under tsx) for every file. An import
 * that fails is tried again on the next file.
 */
function lazyLoader(load: () => Promise<Loader>): Loader {
  let loading: Promise<Loader> | undefined;
  return async (context) => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return (await loading)(context);
  };
}

/**
 * Creates the parser for every supported format.
 * Defaults: 50 MiB per file, 512-token chunks with 64 tokens of overlap, 200 MiB unzipped per DOCX/XLSX.
 * @example
 * const parser = createDocumentParser({ maxChunkTokens: 384 });
 * const { chunks } = await parser.parse({ source: 'leave-policy.md', bytes });
 */
export function createDocumentParser(options: DocumentParserOptions = {}): DocumentParser {
  const maxFileBytes = positiveInteger('maxFileBytes', options.maxFileBytes ?? 50 * MiB);
  const settings = resolveSettings(options);
  return {
    supportedExtensions: SUPPORTED_EXTENSIONS,
    async parse({ source, bytes: given, mimeType }): Promise<ParsedDocument> {
      assertSize(source, given, maxFileBytes);
      // An upload read into shared memory (for the parsing thread) is copied here, on that thread.
      const bytes = unshared(given);
      const format = resolveFormat(source, bytes, mimeType);
      const loaded = await runLoader(format, { source, bytes, settings });
      if (loaded.chunks.length === 0) {
        throw new IngestError(
          `${source} has no text to index. Check that it is the file you meant and that it is not blank.`,
          {
            details: { source, reason: 'no_text' },
          },
        );
      }
      return { mimeType: format.mimeType, chunks: loaded.chunks, metadata: loaded.metadata };
    },
  };
}

function resolveSettings(options: DocumentParserOptions): LoaderSettings {
  const maxChunkTokens = positiveInteger('maxChunkTokens', options.maxChunkTokens ?? 512);
  if (maxChunkTokens < 32)
    throw new ConfigError(`maxChunkTokens must be at least 32 (got ${maxChunkTokens}).`);
  const chunkOverlapTokens = options.chunkOverlapTokens ?? 64;
  if (
    !Number.isInteger(chunkOverlapTokens) ||
    chunkOverlapTokens < 0 ||
    chunkOverlapTokens > maxChunkTokens / 2
  ) {
    throw new ConfigError(
      `chunkOverlapTokens must be a whole number from 0 to half of maxChunkTokens (${maxChunkTokens / 2}); got ${chunkOverlapTokens}.`,
    );
  }
  return {
    maxChunkTokens,
    chunkOverlapTokens,
    maxUncompressedBytes: positiveInteger('maxUncompressedBytes', options.maxUncompressedBytes ?? 200 * MiB),
  };
}

function assertSize(source: string, bytes: Uint8Array, maxFileBytes: number): void {
  if (bytes.byteLength === 0) {
    throw new IngestError(
      `${source} is empty (0 bytes) and has no text. Check that the upload or copy completed.`,
      {
        details: { source, reason: 'empty' },
      },
    );
  }
  if (bytes.byteLength > maxFileBytes) {
    throw new IngestError(
      `${source} is ${formatBytes(bytes.byteLength)}, over the ${formatBytes(maxFileBytes)} limit for one file. ` +
        'Split it into smaller files or raise maxFileBytes.',
      { details: { source, reason: 'too_large', bytes: bytes.byteLength, limit: maxFileBytes } },
    );
  }
}

/** Loaders translate the errors they expect; anything else still reaches the caller as an IngestError. */
async function runLoader(format: FormatSpec, context: Parameters<Loader>[0]) {
  try {
    return await LOADERS[format.id](context);
  } catch (error) {
    if (GodwitError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
    throw new IngestError(
      `${context.source} could not be read as ${format.extensions[0]} (${reason}). Check that the file opens in ` +
        'its usual application, save it again, and try again.',
      { cause: error, details: { source: context.source, reason: 'unreadable' } },
    );
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number; got ${value}.`);
  }
  return value;
}

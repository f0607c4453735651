/**
 * Refuses zip containers (DOCX, XLSX) that would expand to far more than they weigh, before any library
 * inflates them: first from the sizes the central directory declares, then by inflating each entry with a
 * hard cap, because a crafted file can declare small sizes and still expand without bound.
 */
import { Inflate } from 'fflate';
import { IngestError } from '../core/errors.ts';
import { formatBytes } from './format-bytes.ts';
import { entryDataOffset, readZipDirectory, type ZipEntry, ZipFormatError } from './zip-directory.ts';

export interface ZipLimits {
  maxUncompressedBytes: number;
}

/** No real office document comes near this compression ratio on a large part; zeros do (≈1000:1). */
const SUSPICIOUS_RATIO = 200;
const RATIO_CHECK_FROM_BYTES = 8 * 1024 * 1024;
const MAX_ENTRIES = 20_000;
const INFLATE_STEP_BYTES = 16 * 1024;

/**
 * Throws IngestError naming `source` when the container is damaged or looks like a zip bomb.
 * `label` is the format shown to the user (".docx"); `application` is what can re-save it ("Word").
 */
export function assertSafeZip(
  source: string,
  bytes: Uint8Array,
  limits: ZipLimits,
  format: { label: string; application: string },
): ZipEntry[] {
  const entries = readEntries(source, bytes, format);
  checkDeclaredSizes(source, entries, limits);
  let inflatedTotal = 0;
  for (const entry of entries) {
    inflatedTotal += measureEntry(source, bytes, entry, format);
    if (inflatedTotal > limits.maxUncompressedBytes) throw tooLarge(source, inflatedTotal, limits);
  }
  return entries;
}

function readEntries(
  source: string,
  bytes: Uint8Array,
  format: { label: string; application: string },
): ZipEntry[] {
  try {
    return readZipDirectory(bytes);
  } catch (error) {
    const reason = error instanceof ZipFormatError ? error.message : 'the zip structure could not be read';
    throw corrupt(source, reason, format, error);
  }
}

function checkDeclaredSizes(source: string, entries: readonly ZipEntry[], limits: ZipLimits): void {
  if (entries.length > MAX_ENTRIES) {
    throw new IngestError(
      `${source} holds ${entries.length} files inside its zip container (limit ${MAX_ENTRIES}); it was not opened ` +
        'because it looks like a zip bomb. If the document is genuine, split it into smaller files.',
      { details: { source, reason: 'zip_bomb', entries: entries.length } },
    );
  }
  let declaredTotal = 0;
  for (const entry of entries) {
    declaredTotal += entry.uncompressedSize;
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize >= RATIO_CHECK_FROM_BYTES && ratio > SUSPICIOUS_RATIO) {
      throw new IngestError(
        `${source} contains a part (${entry.name}) that expands ${Math.round(ratio)} times, to ` +
          `${formatBytes(entry.uncompressedSize)}; it was not opened because it looks like a zip bomb. ` +
          'If the document is genuine, open it and save it again, or split it.',
        { details: { source, reason: 'zip_bomb', entry: entry.name, ratio: Math.round(ratio) } },
      );
    }
  }
  if (declaredTotal > limits.maxUncompressedBytes) throw tooLarge(source, declaredTotal, limits);
}

/** Inflates one entry into nothing, counting bytes, and stops as soon as it exceeds its declared size. */
function measureEntry(
  source: string,
  bytes: Uint8Array,
  entry: ZipEntry,
  format: { label: string; application: string },
): number {
  let start: number;
  try {
    start = entryDataOffset(bytes, entry);
  } catch (error) {
    throw corrupt(source, error instanceof Error ? error.message : String(error), format, error);
  }
  if (entry.method === 0) return entry.compressedSize;
  if (entry.method !== 8) {
    throw new IngestError(
      `${source} uses a zip compression method (${entry.method}) that is not supported in ${entry.name}. ` +
        `Open it in ${format.application} and save it again as ${format.label}.`,
      { details: { source, reason: 'unsupported_compression' } },
    );
  }
  let produced = 0;
  const inflater = new Inflate((chunk) => {
    produced += chunk.length;
    if (produced > entry.uncompressedSize) {
      throw new IngestError(
        `${source} contains a part (${entry.name}) that expands beyond the size it declares; it was not ` +
          'opened because it looks like a zip bomb. If the document is genuine, open it and save it again.',
        { details: { source, reason: 'zip_bomb', entry: entry.name } },
      );
    }
  });
  const end = start + entry.compressedSize;
  try {
    for (let offset = start; offset < end; offset += INFLATE_STEP_BYTES) {
      const stop = Math.min(end, offset + INFLATE_STEP_BYTES);
      inflater.push(bytes.subarray(offset, stop), stop === end);
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw corrupt(source, `the compressed part ${entry.name} is damaged`, format, error);
  }
  return produced;
}

function corrupt(
  source: string,
  reason: string,
  format: { label: string; application: string },
  cause: unknown,
): IngestError {
  return new IngestError(
    `${source} is not a valid ${format.label} file (${reason}). It may be corrupt or truncated: ` +
      `open it in ${format.application}, save it again as ${format.label}, and upload the new file.`,
    { cause, details: { source, reason: 'corrupt' } },
  );
}

function tooLarge(source: string, bytes: number, limits: ZipLimits): IngestError {
  return new IngestError(
    `${source} expands to ${formatBytes(bytes)} when unzipped, over the ${formatBytes(limits.maxUncompressedBytes)} ` +
      'limit; it was not opened because it looks like a zip bomb. If the document is genuine, split it into ' +
      'smaller files or raise maxUncompressedBytes.',
    { details: { source, reason: 'zip_bomb', uncompressedBytes: bytes, limit: limits.maxUncompressedBytes } },
  );
}

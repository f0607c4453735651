/**
 * Work over a large byte array in pieces, with a turn of the event loop between two pieces, so one 50 MiB
 * upload never holds the thread that answers `/healthz` and every other request for more than a few
 * milliseconds at a time.
 */
import { createHash } from 'node:crypto';

/** Bytes handled between two turns of the event loop: a few milliseconds of hashing or copying. */
export const PIECE_BYTES = 4 * 1024 * 1024;

/** Lets other requests run. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The SHA-256 of `bytes` as lowercase hex, hashed a piece at a time.
 *
 * @example
 * const sha256 = await sha256InPieces(file.bytes);
 */
export async function sha256InPieces(bytes: Uint8Array, pieceBytes = PIECE_BYTES): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.byteLength; offset += pieceBytes) {
    if (offset > 0) await yieldToEventLoop();
    hash.update(bytes.subarray(offset, offset + pieceBytes));
  }
  return hash.digest('hex');
}

/**
 * Reads a Blob (an uploaded multipart file) into memory a piece at a time. A file of `shareAbove` bytes or
 * more lands in a SharedArrayBuffer, which a worker thread (the document parser's) reads without a copy;
 * a smaller one in an ordinary buffer. Either way the result holds exactly `blob.size` bytes.
 *
 * @example
 * const bytes = await readBlobInPieces(entry);
 */
export async function readBlobInPieces(
  blob: Blob,
  options: { shareAbove?: number; pieceBytes?: number } = {},
): Promise<Uint8Array> {
  const shareAbove = options.shareAbove ?? 1024 * 1024;
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  if (blob.size < shareAbove) return new Uint8Array(await blob.arrayBuffer());
  const out = new Uint8Array(new SharedArrayBuffer(blob.size));
  const reader = blob.stream().getReader();
  let written = 0;
  let sinceYield = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (written + value.byteLength > out.byteLength) {
      await reader.cancel();
      throw new Error(`the file holds more bytes than its declared size (${blob.size})`);
    }
    out.set(value, written);
    written += value.byteLength;
    sinceYield += value.byteLength;
    if (sinceYield >= pieceBytes) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  if (written !== out.byteLength) throw new Error(`the file ended after ${written} of ${blob.size} bytes`);
  return out;
}

/** `bytes` in an ordinary (unshared) buffer: copied when it sits in shared memory, as parsers expect. */
export function unshared(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
}

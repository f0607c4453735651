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
 * Joins the pieces of a file that arrived in parts (a multipart upload) into one byte array, copying 4 MiB
 * between two turns of the event loop. A file of `shareAbove` bytes or more lands in a SharedArrayBuffer,
 * which a worker thread (the document parser's) reads without a copy; a smaller one in an ordinary buffer.
 *
 * @example
 * const bytes = await joinInPieces(received);
 */
export async function joinInPieces(
  pieces: readonly Uint8Array[],
  options: { shareAbove?: number; pieceBytes?: number } = {},
): Promise<Uint8Array> {
  const shareAbove = options.shareAbove ?? 1024 * 1024;
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const total = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
  if (total < shareAbove) {
    const out = new Uint8Array(total);
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece, offset);
      offset += piece.byteLength;
    }
    return out;
  }
  const out = new Uint8Array(new SharedArrayBuffer(total));
  let offset = 0;
  let sinceYield = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
    sinceYield += piece.byteLength;
    if (sinceYield >= pieceBytes) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  return out;
}

/** `bytes` in an ordinary (unshared) buffer: copied when it sits in shared memory, as parsers expect. */
export function unshared(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
}

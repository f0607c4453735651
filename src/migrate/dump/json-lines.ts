/** Streaming JSON Lines: one record per line, read without holding a whole file in memory. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Yields each line of a file (without its newline) and, at the end, the file's SHA-256 and byte count.
 * A final line without a newline is yielded too.
 */
export async function* readLines(path: string): AsyncGenerator<string, { sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let pending = '';
  const decoder = new TextDecoder();
  for await (const piece of createReadStream(path)) {
    const buffer = piece as Buffer;
    hash.update(buffer);
    bytes += buffer.byteLength;
    pending += decoder.decode(buffer, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending;
  return { sha256: hash.digest('hex'), bytes };
}

/** The byte offset just after the `lines`-th complete line, or the offset after the last complete line. */
export async function offsetAfterLines(
  path: string,
  lines: number,
): Promise<{ offset: number; lines: number }> {
  let offset = 0;
  let seen = 0;
  if (lines === 0) return { offset: 0, lines: 0 };
  for await (const piece of createReadStream(path)) {
    const buffer = piece as Buffer;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(0x0a, start);
      if (newline < 0) break;
      seen += 1;
      if (seen === lines) return { offset: offset + newline + 1, lines: seen };
      start = newline + 1;
    }
    offset += buffer.byteLength;
  }
  // Fewer complete lines than asked: keep every complete one (a torn last line is dropped by the caller).
  return { offset: await lastNewlineOffset(path), lines: seen };
}

async function lastNewlineOffset(path: string): Promise<number> {
  let offset = 0;
  let last = 0;
  for await (const piece of createReadStream(path)) {
    const buffer = piece as Buffer;
    const newline = buffer.lastIndexOf(0x0a);
    if (newline >= 0) last = offset + newline + 1;
    offset += buffer.byteLength;
  }
  return last;
}

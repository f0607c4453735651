import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { joinInPieces, sha256InPieces, unshared } from './bytes-in-pieces.ts';

function bytesOf(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + 7) % 251;
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sha256InPieces', () => {
  it.each([0, 1, 15, 16, 17, 64, 1000])('hashes %i bytes as one hash of the whole would', async (length) => {
    const bytes = bytesOf(length);
    expect(await sha256InPieces(bytes, 16)).toBe(sha256(bytes));
  });

  it('lets other work run between two pieces, and hashes a one-piece input without waiting', async () => {
    const order = async (bytes: Uint8Array) => {
      const events: string[] = [];
      setImmediate(() => events.push('other work'));
      await sha256InPieces(bytes, 1024);
      events.push('hashed');
      return events;
    };
    expect(await order(bytesOf(8 * 1024))).toEqual(['other work', 'hashed']);
    expect(await order(bytesOf(1024))).toEqual(['hashed']);
  });
});

describe('joinInPieces', () => {
  it('joins a small file into an ordinary buffer', async () => {
    const bytes = bytesOf(1000);
    const joined = await joinInPieces([bytes.subarray(0, 10), bytes.subarray(10)], { shareAbove: 4096 });
    expect(joined.buffer).toBeInstanceOf(ArrayBuffer);
    expect(joined).toEqual(bytes);
    expect(await joinInPieces([])).toEqual(new Uint8Array(0));
  });

  it('joins a large file into shared memory, byte for byte, letting other work run while it copies', async () => {
    const bytes = bytesOf(300_000);
    const pieces = Array.from({ length: 30 }, (_, index) =>
      bytes.subarray(index * 10_000, (index + 1) * 10_000),
    );
    const events: string[] = [];
    setImmediate(() => events.push('other work'));
    const joined = await joinInPieces(pieces, { shareAbove: 4096, pieceBytes: 50_000 });
    events.push('joined');
    expect(events).toEqual(['other work', 'joined']);
    expect(joined.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sha256(unshared(joined))).toBe(sha256(bytes));
  });
});

describe('unshared', () => {
  it('copies bytes out of shared memory and leaves ordinary ones as they are', () => {
    const ordinary = bytesOf(10);
    expect(unshared(ordinary)).toBe(ordinary);
    const shared = new Uint8Array(new SharedArrayBuffer(10));
    shared.set(ordinary);
    const copy = unshared(shared);
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    expect(copy).toEqual(ordinary);
  });
});

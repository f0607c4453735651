import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readBlobInPieces, sha256InPieces, unshared } from './bytes-in-pieces.ts';

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

describe('readBlobInPieces', () => {
  it('reads a small file into an ordinary buffer', async () => {
    const bytes = bytesOf(1000);
    const read = await readBlobInPieces(new Blob([bytes]), { shareAbove: 4096 });
    expect(read.buffer).toBeInstanceOf(ArrayBuffer);
    expect(read).toEqual(bytes);
  });

  it('reads a large file into shared memory, byte for byte', async () => {
    const bytes = bytesOf(300_000);
    const read = await readBlobInPieces(new Blob([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), {
      shareAbove: 4096,
      pieceBytes: 8192,
    });
    expect(read.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(read.byteLength).toBe(bytes.byteLength);
    expect(sha256(unshared(read))).toBe(sha256(bytes));
  });

  it('refuses a stream that holds more or fewer bytes than the file declares', async () => {
    const lying = (size: number, content: Uint8Array<ArrayBuffer>) =>
      ({ size, stream: () => new Blob([content]).stream() }) as unknown as Blob;
    await expect(readBlobInPieces(lying(10, bytesOf(20)), { shareAbove: 1 })).rejects.toThrow(
      'the file holds more bytes than its declared size (10)',
    );
    await expect(readBlobInPieces(lying(30, bytesOf(20)), { shareAbove: 1 })).rejects.toThrow(
      'the file ended after 20 of 30 bytes',
    );
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

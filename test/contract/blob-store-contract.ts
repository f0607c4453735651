/** The BlobStore contract: exact bytes and content type back, safe keys only. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { BlobStore } from '../../src/core/ports.ts';
import { type FixtureFactory, newId, useContractFixture } from './contract-fixture.ts';

export interface BlobStores {
  blobs: BlobStore;
}

export const UNSAFE_BLOB_KEYS = [
  '',
  '../outside',
  'a/../../b',
  '/etc/passwd',
  'a//b',
  'a/./b',
  'C:/windows',
  'a\\b',
];

export function describeBlobStoreContract(name: string, factory: FixtureFactory<BlobStores>): void {
  describe(`BlobStore contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    it('returns exactly the bytes and content type stored', async () => {
      const { blobs } = stores();
      const key = `${newId('tenant')}/kb/report.pdf`;
      const bytes = new Uint8Array([0, 1, 2, 255, 0, 37, 80, 68, 70]);
      await blobs.put(key, bytes, 'application/pdf');
      const stored = await blobs.get(key);
      expect(stored?.contentType).toBe('application/pdf');
      expect(Array.from(stored!.bytes)).toEqual(Array.from(bytes));
    });

    it('stores an empty blob', async () => {
      const { blobs } = stores();
      const key = newId('empty');
      await blobs.put(key, new Uint8Array(), 'text/plain');
      expect(Array.from((await blobs.get(key))!.bytes)).toEqual([]);
    });

    it('overwrites bytes and content type', async () => {
      const { blobs } = stores();
      const key = `${newId('tenant')}/notes.txt`;
      await blobs.put(key, new TextEncoder().encode('first version, longer'), 'text/plain');
      await blobs.put(key, new TextEncoder().encode('second'), 'text/markdown');
      const stored = await blobs.get(key);
      expect(new TextDecoder().decode(stored!.bytes)).toBe('second');
      expect(stored!.contentType).toBe('text/markdown');
    });

    it('answers undefined for a missing key and deletes idempotently', async () => {
      const { blobs } = stores();
      const key = `${newId('tenant')}/gone.bin`;
      expect(await blobs.get(key)).toBeUndefined();
      await blobs.put(key, new Uint8Array([1]), 'application/octet-stream');
      await blobs.delete(key);
      expect(await blobs.get(key)).toBeUndefined();
      await expect(blobs.delete(key)).resolves.toBeUndefined();
    });

    it('rejects keys that could escape the store', async () => {
      const { blobs } = stores();
      for (const key of UNSAFE_BLOB_KEYS) {
        await expect(blobs.put(key, new Uint8Array([1]), 'text/plain'), key).rejects.toBeInstanceOf(
          ValidationError,
        );
        await expect(blobs.get(key), key).rejects.toBeInstanceOf(ValidationError);
        await expect(blobs.delete(key), key).rejects.toBeInstanceOf(ValidationError);
      }
    });
  });
}

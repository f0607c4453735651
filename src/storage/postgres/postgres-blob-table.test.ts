import { describe, expect, it } from 'vitest';
import { useEmbeddedStorage } from '../../../test/support/small-blobs.ts';
import type { SqlClient } from './index.ts';
import { PostgresBlobTable } from './index.ts';

/** The client, counting the statements that write small_blobs. */
function countingClient(client: SqlClient): { client: SqlClient; writes: () => number } {
  let writes = 0;
  const counted: SqlClient = Object.create(client);
  counted.query = (text, params) => {
    if (/INSERT INTO small_blobs/.test(text)) writes++;
    return client.query(text, params);
  };
  return { client: counted, writes: () => writes };
}

describe('PostgresBlobTable (the embedded database)', () => {
  const embedded = useEmbeddedStorage();
  const encoder = new TextEncoder();

  it('writes the puts of one turn of the event loop in one statement, each caller told when it is in', async () => {
    const { client, writes } = countingClient(embedded().client);
    const blobs = new PostgresBlobTable(client);
    const keys = Array.from({ length: 50 }, (_, index) => `acme/kb/note-${index}.md`);
    await Promise.all(keys.map((key) => blobs.put(key, encoder.encode(`# ${key}`), 'text/markdown')));
    expect(writes()).toBe(1);
    for (const key of keys) {
      expect(await blobs.get(key)).toEqual({
        bytes: encoder.encode(`# ${key}`),
        contentType: 'text/markdown',
      });
    }
  });

  it('keeps the last bytes of a key put twice in one group, and bytes of every value', async () => {
    const blobs = new PostgresBlobTable(embedded().client);
    const binary = new Uint8Array(256).map((_, index) => index);
    await Promise.all([
      blobs.put('acme/kb/a.bin', encoder.encode('first'), 'text/plain'),
      blobs.put('acme/kb/a.bin', binary, 'application/octet-stream'),
      blobs.put('acme/kb/empty.txt', new Uint8Array(0), 'text/plain'),
    ]);
    expect(await blobs.get('acme/kb/a.bin')).toEqual({
      bytes: binary,
      contentType: 'application/octet-stream',
    });
    expect(await blobs.get('acme/kb/empty.txt')).toEqual({
      bytes: new Uint8Array(0),
      contentType: 'text/plain',
    });
  });

  it('fails a refused put alone: the rest of its group is written', async () => {
    const blobs = new PostgresBlobTable(embedded().client);
    // A content type with a NUL byte is refused by PostgreSQL's text type.
    const outcomes = await Promise.allSettled([
      blobs.put('acme/kb/good-1.md', encoder.encode('one'), 'text/markdown'),
      blobs.put('acme/kb/bad.md', encoder.encode('two'), 'text/mark\u0000down'),
      blobs.put('acme/kb/good-2.md', encoder.encode('three'), 'text/markdown'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await blobs.get('acme/kb/good-2.md'))?.bytes).toEqual(encoder.encode('three'));
    expect(await blobs.get('acme/kb/bad.md')).toBeUndefined();
  });

  it('reads and deletes after the puts made before them', async () => {
    const blobs = new PostgresBlobTable(embedded().client);
    const put = blobs.put('acme/kb/late.md', encoder.encode('late'), 'text/markdown');
    expect((await blobs.get('acme/kb/late.md'))?.bytes).toEqual(encoder.encode('late'));
    await put;
    const again = blobs.put('acme/kb/gone.md', encoder.encode('gone'), 'text/markdown');
    await blobs.delete('acme/kb/gone.md');
    await again;
    expect(await blobs.get('acme/kb/gone.md')).toBeUndefined();
  });

  it('refuses an unsafe key or an empty content type before writing anything', async () => {
    const { client, writes } = countingClient(embedded().client);
    const blobs = new PostgresBlobTable(client);
    await expect(blobs.put('../outside', encoder.encode('x'), 'text/plain')).rejects.toThrow(/key/i);
    await expect(blobs.put('acme/kb/x.md', encoder.encode('x'), '')).rejects.toThrow(
      /Content type for blob "acme\/kb\/x.md" is empty/,
    );
    await blobs.flush();
    expect(writes()).toBe(0);
  });
});

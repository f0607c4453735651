/**
 * The embedded default, as `createGodwit` composes it from a configuration: originals that no document
 * names (left by a process killed between keeping a batch's originals and committing its documents) stay
 * while a process only reads, and are gone once it keeps its first original, of either size: rows of
 * `small_blobs` for originals up to 64 KiB, files under `blobs/` for larger ones (with the partial writes
 * of `blobs/.partial/`). The documents' own originals stay.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit, loadConfig } from '../../src/config/index.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { openPostgresStorage } from '../../src/storage/postgres/open-postgres-storage.ts';
import { smallBlobKeys } from '../support/small-blobs.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'godwit-unnamed-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const open = () => {
  const { config } = loadConfig({
    cwd: root,
    env: { GODWIT_DATA_DIR: join(root, 'data'), GODWIT_SAMPLE: 'false' },
  });
  return createGodwit(config, { env: {} });
};
const file = (source: string) => ({
  source,
  bytes: new TextEncoder().encode(`# ${source}\n\nLeave policy.\n`),
});
const smallOriginals = async () => {
  const storage = await openPostgresStorage({ pglite: { dataDir: join(root, 'data', 'db') } });
  try {
    return await smallBlobKeys(storage.client);
  } finally {
    await storage.client.close();
  }
};

describe('small originals no document names, on the embedded default', () => {
  it('are kept while a process only reads, and deleted before it keeps its first original', async () => {
    const first = await open();
    let keptId: string;
    try {
      const base = await first.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'handbook' });
      await first.knowledge.ingest(DEFAULT_TENANT, base, file('kept.md'));
      keptId = (await first.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id))[0]!.id;
    } finally {
      await first.close();
    }
    const [keptKey] = await smallOriginals();
    expect(keptKey).toBeDefined();
    // What a kill between keeping an original and committing its document leaves behind.
    const storage = await openPostgresStorage({ pglite: { dataDir: join(root, 'data', 'db') } });
    try {
      await storage.client.query(
        "INSERT INTO small_blobs (key, content_type, bytes) VALUES ('default/handbook/lost.md', 'text/markdown', '\\x00')",
      );
    } finally {
      await storage.client.close();
    }

    const second = await open();
    try {
      const original = await second.knowledge.originalFile(DEFAULT_TENANT, 'handbook', keptId);
      expect(new TextDecoder().decode(original.bytes)).toContain('# kept.md');
    } finally {
      await second.close();
    }
    expect(await smallOriginals()).toEqual([keptKey, 'default/handbook/lost.md'].sort());

    const third = await open();
    try {
      const base = await third.knowledge.requireKnowledgeBase(DEFAULT_TENANT, 'handbook');
      await third.knowledge.ingest(DEFAULT_TENANT, base, file('next.md'));
      const documents = await third.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id);
      expect(documents.map((document) => document.source).sort()).toEqual(['kept.md', 'next.md']);
      const original = await third.knowledge.originalFile(DEFAULT_TENANT, 'handbook', keptId);
      expect(new TextDecoder().decode(original.bytes)).toContain('# kept.md');
    } finally {
      await third.close();
    }
    const left = await smallOriginals();
    expect(left).toHaveLength(2);
    expect(left).toContain(keptKey);
    expect(left).not.toContain('default/handbook/lost.md');
  }, 60_000);

  it('larger originals: files no document names, and partial writes, go before the first original of any size is kept', async () => {
    const large = (source: string) => ({
      source,
      bytes: new TextEncoder().encode(
        `# ${source}\n\n${'Leave policy applies to every employee. '.repeat(2_000)}\n`,
      ),
    });
    let objects = '';
    const partial = join(root, 'data', 'blobs', '.partial');
    const first = await open();
    let keptId: string;
    try {
      const base = await first.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'manuals' });
      objects = join(root, 'data', 'blobs', 'objects', DEFAULT_TENANT, base.id);
      await first.knowledge.ingest(DEFAULT_TENANT, base, large('kept.md'));
      keptId = (await first.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id))[0]!.id;
    } finally {
      await first.close();
    }
    const [keptFile] = await readdir(objects);
    expect(keptFile).toMatch(/\.md$/);
    // What a kill between keeping a large original and committing its document leaves behind.
    const leaveBehind = async (name: string) => {
      await writeFile(join(objects, name), large(name).bytes);
      await mkdir(partial, { recursive: true });
      await writeFile(join(partial, `${name}.data`), 'half a file');
    };
    await leaveBehind('lost.md');

    const second = await open();
    try {
      // Reading does not walk the files.
      const original = await second.knowledge.originalFile(DEFAULT_TENANT, 'manuals', keptId);
      expect(new TextDecoder().decode(original.bytes)).toContain('# kept.md');
    } finally {
      await second.close();
    }
    expect((await readdir(objects)).sort()).toEqual([keptFile, 'lost.md'].sort());
    expect(await readdir(partial)).toEqual(['lost.md.data']);

    // A process that keeps only small originals collects the large tier's leftovers too.
    const third = await open();
    try {
      const base = await third.knowledge.requireKnowledgeBase(DEFAULT_TENANT, 'manuals');
      await third.knowledge.ingest(DEFAULT_TENANT, base, file('small.md'));
    } finally {
      await third.close();
    }
    expect(await readdir(objects)).toEqual([keptFile]);
    expect(await readdir(partial).catch(() => [])).toEqual([]);

    await leaveBehind('lost-again.md');
    const fourth = await open();
    try {
      const base = await fourth.knowledge.requireKnowledgeBase(DEFAULT_TENANT, 'manuals');
      await fourth.knowledge.ingest(DEFAULT_TENANT, base, large('next.md'));
      const documents = await fourth.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id);
      expect(documents.map((document) => document.source).sort()).toEqual(['kept.md', 'next.md', 'small.md']);
      for (const document of documents) {
        const original = await fourth.knowledge.originalFile(DEFAULT_TENANT, 'manuals', document.id);
        expect(new TextDecoder().decode(original.bytes)).toContain(`# ${document.source}`);
      }
    } finally {
      await fourth.close();
    }
    const left = await readdir(objects);
    expect(left).toHaveLength(2);
    expect(left).toContain(keptFile);
    expect(left).not.toContain('lost-again.md');
    expect(await readdir(partial).catch(() => [])).toEqual([]);
  }, 60_000);
});

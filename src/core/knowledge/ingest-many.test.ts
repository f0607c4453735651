/**
 * `KnowledgeService.ingestMany` on the embedded storage (PGlite) with the real parser and a file blob
 * store: folders written in batches keep every guarantee of one-file ingestion.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentParser } from '../../ingest/index.ts';
import { FileBlobStore } from '../../storage/fs/index.ts';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { openPostgresStorage, type PostgresStorage } from '../../storage/postgres/index.ts';
import { ValidationError } from '../errors.ts';
import type { KnowledgeStore, VectorIndex } from '../ports.ts';
import { type IngestOutcome, KnowledgeService } from './knowledge-service.ts';

const TENANT = 'tenant-a';
const encode = (text: string) => new TextEncoder().encode(text);
const page = (topic: string) => ({
  source: `${topic}.md`,
  bytes: encode(`# ${topic}\n\nThe ${topic} policy says employees get ${topic.length} days.\n`),
});
const TOPICS = ['vacation', 'parental', 'sick', 'travel', 'remote', 'training', 'expenses'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function embedded(): Promise<{ storage: PostgresStorage; service: KnowledgeService; root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-ingest-many-'));
  const storage = await openPostgresStorage({ pglite: { dataDir: join(root, 'db') } });
  cleanups.push(async () => {
    await storage.close();
    rmSync(root, { recursive: true, force: true });
  });
  let ids = 0;
  const service = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    blobs: new FileBlobStore({ root: join(root, 'blobs') }),
    generateId: () => `id-${++ids}`,
  });
  return { storage, service, root };
}

/** Every file under a folder, as paths relative to it ([] when the folder does not exist). */
function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)));
}

describe('KnowledgeService.ingestMany', () => {
  it('ingests a folder with a bad file among good ones: the bad one fails alone, the others are searchable', async () => {
    const { storage, service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const files = [
      page('vacation'),
      page('parental'),
      { source: 'broken.pdf', bytes: encode('this is not a PDF') },
      page('sick'),
      page('travel'),
    ];
    const heard: IngestOutcome[] = [];
    const outcomes = await service.ingestMany(TENANT, base, files, {
      batchFiles: 3,
      onOutcome: (outcome) => heard.push(outcome),
    });
    expect(outcomes.map((outcome) => [outcome.source, outcome.status])).toEqual([
      ['vacation.md', 'created'],
      ['parental.md', 'created'],
      ['broken.pdf', 'failed'],
      ['sick.md', 'created'],
      ['travel.md', 'created'],
    ]);
    expect(heard).toEqual(outcomes);
    const broken = outcomes[2]!;
    expect(broken.error).toMatch(/broken\.pdf/);
    expect(broken.errorCode).toBe('ingest_failed');
    const documents = await storage.knowledge.listDocuments(TENANT, base.id);
    expect(documents.map((document) => [document.source, document.status])).toEqual([
      ['parental.md', 'ready'],
      ['sick.md', 'ready'],
      ['travel.md', 'ready'],
      ['vacation.md', 'ready'],
    ]);
    for (const topic of ['vacation', 'parental', 'sick', 'travel']) {
      const hits = await storage.index.keywordSearch(TENANT, { knowledgeBaseId: base.id, text: topic, k: 5 });
      expect(hits.map((hit) => hit.source)).toContain(`${topic}.md`);
    }
  });

  it('skips every file of a folder ingested twice, and replaces the chunks of a changed file', async () => {
    const { storage, service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const files = TOPICS.map(page);
    const first = await service.ingestMany(TENANT, base, files, { batchFiles: 4 });
    expect(first.every((outcome) => outcome.status === 'created')).toBe(true);

    const second = await service.ingestMany(TENANT, base, files, { batchFiles: 4 });
    expect(second.map((outcome) => outcome.status)).toEqual(TOPICS.map(() => 'unchanged'));
    expect(second.map((outcome) => outcome.documentId)).toEqual(first.map((outcome) => outcome.documentId));

    const changed = files.map((file) =>
      file.source === 'sick.md'
        ? {
            source: 'sick.md',
            bytes: encode('# Sick\n\nIllness leave is now handled by occupational health.\n'),
          }
        : file,
    );
    const third = await service.ingestMany(TENANT, base, changed, { batchFiles: 4 });
    expect(third.map((outcome) => outcome.status)).toEqual(
      TOPICS.map((topic) => (topic === 'sick' ? 'updated' : 'unchanged')),
    );
    const search = (text: string) =>
      storage.index.keywordSearch(TENANT, { knowledgeBaseId: base.id, text, k: 5 });
    expect((await search('occupational')).map((hit) => hit.source)).toEqual(['sick.md']);
    // The old version's chunks are gone: "sick" now matches only the new text.
    const sick = await search('sick');
    expect(sick).toHaveLength(1);
    expect(sick[0]!.text).toMatch(/occupational health/);
    const documents = await storage.knowledge.listDocuments(TENANT, base.id);
    expect(documents).toHaveLength(TOPICS.length);
    expect(documents.every((document) => document.status === 'ready')).toBe(true);
  });

  it('writes a source given twice in one call in order, so the later file stands', async () => {
    const { storage, service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const outcomes = await service.ingestMany(TENANT, base, [
      page('vacation'),
      { source: 'vacation.md', bytes: encode('# Vacation\n\nVacation requests go through the portal.\n') },
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['created', 'updated']);
    const hits = await storage.index.keywordSearch(TENANT, {
      knowledgeBaseId: base.id,
      text: 'portal',
      k: 5,
    });
    expect(hits.map((hit) => hit.source)).toEqual(['vacation.md']);
    expect(await storage.knowledge.listDocuments(TENANT, base.id)).toHaveLength(1);
  });

  it('refuses a batch size that is not a whole number of at least 1, or a byte bound below 1, naming it', async () => {
    const { service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const ingesting = service.ingestMany(TENANT, base, [page('vacation')], { batchFiles: 0 });
    await expect(ingesting).rejects.toThrow(ValidationError);
    await expect(service.ingestMany(TENANT, base, [page('vacation')], { batchFiles: 0.5 })).rejects.toThrow(
      /batchFiles must be a whole number of at least 1; got 0\.5/,
    );
    for (const batchBytes of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(service.ingestMany(TENANT, base, [page('vacation')], { batchBytes })).rejects.toThrow(
        `batchBytes must be a number of bytes of at least 1; got ${batchBytes}.`,
      );
    }
    expect(await service.ingestMany(TENANT, base, [page('vacation')], { batchBytes: 1 })).toMatchObject([
      { status: 'created' },
    ]);
  });

  it('refuses a knowledge base kept in Bedrock, saying where it lives, and reads no file', async () => {
    const { storage, service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const external = {
      ...base,
      external: { provider: 'bedrock' as const, id: 'KB123', region: 'eu-west-1' },
    };
    let read = 0;
    const files = (function* () {
      read++;
      yield page('vacation');
    })();
    await expect(service.ingestMany(TENANT, external, files)).rejects.toThrow(
      /Bedrock Knowledge Base KB123 \(eu-west-1\) and is read-only/,
    );
    expect(read).toBe(0);
    expect(await storage.knowledge.listDocuments(TENANT, base.id)).toEqual([]);
  });

  it('writes one file at a time where the storage has no batch writes', async () => {
    const memory = createMemoryStorage();
    const knowledge: KnowledgeStore = Object.create(memory.knowledge);
    const index: VectorIndex = Object.create(memory.index);
    Object.defineProperty(knowledge, 'upsertDocuments', { value: undefined });
    Object.defineProperty(index, 'replaceManyDocumentChunks', { value: undefined });
    let ids = 0;
    const service = new KnowledgeService({
      knowledge,
      index,
      parser: createDocumentParser(),
      generateId: () => `id-${++ids}`,
    });
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const outcomes = await service.ingestMany(TENANT, base, [
      page('vacation'),
      { source: 'broken.pdf', bytes: encode('this is not a PDF') },
      page('sick'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['created', 'failed', 'created']);
    const documents = await memory.knowledge.listDocuments(TENANT, base.id);
    expect(documents.map((document) => [document.source, document.status])).toEqual([
      ['sick.md', 'ready'],
      ['vacation.md', 'ready'],
    ]);
  });

  it('writes the files of a batch the storage refuses one at a time, so only the refused file fails', async () => {
    const { storage } = await embedded();
    // The storage refuses any write holding a chunk that mentions "forbidden": as one batch, the whole
    // batch is refused; one at a time, only that file is.
    const refuse = (texts: string[]) => {
      if (texts.some((text) => text.includes('forbidden'))) {
        throw new ValidationError('A chunk mentions "forbidden"; remove the word and ingest the file again.');
      }
    };
    const index: VectorIndex = Object.create(storage.index);
    index.replaceDocumentChunks = async (tenantId, document, chunks) => {
      refuse(chunks.map((chunk) => chunk.text));
      return storage.index.replaceDocumentChunks(tenantId, document, chunks);
    };
    index.replaceManyDocumentChunks = async (tenantId, items) => {
      refuse(items.flatMap((item) => item.chunks.map((chunk) => chunk.text)));
      return storage.index.replaceManyDocumentChunks!(tenantId, items);
    };
    let ids = 0;
    const service = new KnowledgeService({
      knowledge: storage.knowledge,
      index,
      parser: createDocumentParser(),
      generateId: () => `batch-${++ids}`,
    });
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const outcomes = await service.ingestMany(TENANT, base, [
      page('vacation'),
      { source: 'secret.md', bytes: encode('# Secret\n\nThis forbidden text is refused.\n') },
      page('sick'),
    ]);
    expect(outcomes.map((outcome) => [outcome.source, outcome.status])).toEqual([
      ['vacation.md', 'created'],
      ['secret.md', 'failed'],
      ['sick.md', 'created'],
    ]);
    expect(outcomes[1]!.error).toMatch(/mentions "forbidden"/);
    const documents = await storage.knowledge.listDocuments(TENANT, base.id);
    expect(documents.map((document) => [document.source, document.status, document.error])).toEqual([
      ['secret.md', 'failed', expect.stringMatching(/mentions "forbidden"/)],
      ['sick.md', 'ready', null],
      ['vacation.md', 'ready', null],
    ]);
  });

  it('keeps each original as one file named with its extension, downloadable with its media type', async () => {
    const { service, root } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    const files = [
      page('vacation'),
      page('sick'),
      {
        source: 'https://intranet.example/travel',
        bytes: encode('Travel is booked through the portal.'),
        mimeType: 'text/plain',
      },
      {
        source: 'Notes.TXT',
        bytes: encode('# Notes\n\nA Markdown file named .TXT.'),
        mimeType: 'text/markdown',
      },
    ];
    const outcomes = await service.ingestMany(TENANT, base, files, { batchFiles: 2 });
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['created', 'created', 'created', 'created']);
    const objects = filesUnder(join(root, 'blobs', 'objects'));
    expect(objects).toHaveLength(4);
    expect(objects.filter((path) => path.endsWith('.md'))).toHaveLength(2);
    expect(objects.filter((path) => path.endsWith('.txt'))).toHaveLength(1);
    // Only the original whose media type its key's extension does not give has a types/ file: the one
    // with no extension (a .TXT file is parsed as plain text, which `.txt` gives).
    expect(filesUnder(join(root, 'blobs', 'types'))).toHaveLength(1);
    expect(filesUnder(join(root, 'blobs', '.partial'))).toEqual([]);
    const originals = await Promise.all(
      outcomes.map((outcome) => service.originalFile(TENANT, 'handbook', outcome.documentId!)),
    );
    expect(originals.map((original) => original.contentType)).toEqual([
      'text/markdown',
      'text/markdown',
      'text/plain',
      'text/plain',
    ]);
    originals.forEach((original, position) => {
      expect(new TextDecoder().decode(original.bytes)).toBe(new TextDecoder().decode(files[position]!.bytes));
    });
  });

  it('stops before writing any document when an original cannot be kept', async () => {
    const { storage, service, root } = await embedded();
    // The blob store's root is a file, so no original can be written under it.
    writeFileSync(join(root, 'blobs'), 'not a folder');
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: null });
    await expect(service.ingestMany(TENANT, base, TOPICS.map(page), { batchFiles: 4 })).rejects.toThrow(
      /Blob key/,
    );
    expect(await storage.knowledge.listDocuments(TENANT, base.id)).toEqual([]);
  });

  it('writes 200 files a batch by default: each outcome is heard once its whole batch is stored', async () => {
    const { storage, service } = await embedded();
    const base = await service.createKnowledgeBase(TENANT, { name: 'notes', embeddingModel: null });
    const files = Array.from({ length: 201 }, (_, index) => ({
      source: `note-${index}.md`,
      bytes: encode(`# Note ${index}\n\nThe code word is word${index}.\n`),
    }));
    const storedWhenHeard: number[] = [];
    const listening: Promise<void>[] = [];
    await service.ingestMany(TENANT, base, files, {
      onOutcome: (outcome) => {
        if (outcome.source !== 'note-0.md' && outcome.source !== 'note-200.md') return;
        listening.push(
          storage.knowledge.listDocuments(TENANT, base.id).then((documents) => {
            storedWhenHeard.push(documents.filter((document) => document.status === 'ready').length);
          }),
        );
      },
    });
    await Promise.all(listening);
    // The first file is heard with the first 200 stored (and not the 201st); the last after its own batch.
    expect(storedWhenHeard[0]).toBe(200);
    expect(storedWhenHeard[1]).toBe(201);
  });
});

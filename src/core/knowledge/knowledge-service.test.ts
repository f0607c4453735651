import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentParser } from '../../ingest/index.ts';
import { createLexicalEmbedder } from '../../providers/index.ts';
import { FileBlobStore } from '../../storage/fs/index.ts';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { ConfigError, NotFoundError, ValidationError } from '../errors.ts';
import type { Embedder } from '../models.ts';
import type { Chunk } from '../types.ts';
import { KnowledgeService, type KnowledgeServiceOptions } from './knowledge-service.ts';

const TENANT = 'tenant-a';
const POLICY = '# Leave\n\nNew employees get 20 vacation days a year.\n';
const file = (source: string, text: string) => ({ source, bytes: new TextEncoder().encode(text) });

const blobRoots: string[] = [];
afterEach(() => {
  for (const root of blobRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function knowledgeService(options: Partial<KnowledgeServiceOptions> = {}) {
  const storage = createMemoryStorage();
  const blobRoot = mkdtempSync(join(tmpdir(), 'godwit-knowledge-'));
  blobRoots.push(blobRoot);
  const lexical = createLexicalEmbedder();
  let ids = 0;
  const blobs = new FileBlobStore({ root: blobRoot });
  const service = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    blobs,
    embedders: new Map([[lexical.model, lexical]]),
    generateId: () => `id-${++ids}`,
    ...options,
  });
  // Original files: FileBlobStore keeps each one's bytes under objects/ (its media type in types/ when
  // the key's extension does not give it).
  const blobFiles = () => {
    const objects = join(blobRoot, 'objects');
    if (!existsSync(objects)) return [];
    return readdirSync(objects, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  };
  const chunksOf = async (knowledgeBaseId: string) => {
    const chunks: Chunk[] = [];
    for await (const batch of storage.index.scan(TENANT, knowledgeBaseId)) chunks.push(...batch);
    return chunks;
  };
  return { service, storage, blobs, blobFiles, chunksOf };
}

describe('KnowledgeService', () => {
  it('refuses a knowledge base name it cannot use, naming the rule, and stores nothing', async () => {
    const { service, storage } = knowledgeService();
    await expect(service.createKnowledgeBase(TENANT, { name: 'Team Docs' })).rejects.toThrow(ValidationError);
    await expect(service.createKnowledgeBase(TENANT, { name: 'Team Docs' })).rejects.toThrow(
      /lower-case letters/,
    );
    expect(await storage.knowledge.listKnowledgeBases(TENANT)).toEqual([]);
  });

  it('records the embedding model, version and dimension a knowledge base is created with', async () => {
    const { service } = knowledgeService({ defaultEmbeddingModel: 'local:lexical' });
    const embedded = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    const lexical = createLexicalEmbedder();
    expect(embedded).toMatchObject({
      embeddingModel: lexical.model,
      embeddingVersion: lexical.version,
      embeddingDimension: lexical.dimension,
    });
    const keywordOnly = await service.createKnowledgeBase(TENANT, { name: 'notes', embeddingModel: null });
    expect(keywordOnly).toMatchObject({ embeddingModel: null, embeddingDimension: null });
  });

  it('refuses an embedding model that is not configured, listing those that are, and creates nothing', async () => {
    const { service, storage } = knowledgeService();
    const creating = service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: 'openai:nope' });
    await expect(creating).rejects.toThrow(ConfigError);
    await expect(
      service.createKnowledgeBase(TENANT, { name: 'handbook', embeddingModel: 'openai:nope' }),
    ).rejects.toThrow(/"openai:nope" is not configured.*local:lexical/);
    expect(await storage.knowledge.listKnowledgeBases(TENANT)).toEqual([]);
  });

  it('creates a missing knowledge base on ensure, and returns the same one the next time', async () => {
    const { service } = knowledgeService();
    const first = await service.ensureKnowledgeBase(TENANT, 'handbook');
    const second = await service.ensureKnowledgeBase(TENANT, 'handbook');
    expect(second.id).toBe(first.id);
  });

  it('names the knowledge base and how to create it when it does not exist', async () => {
    const { service } = knowledgeService();
    await expect(service.requireKnowledgeBase(TENANT, 'missing')).rejects.toThrow(NotFoundError);
    await expect(service.requireKnowledgeBase(TENANT, 'missing')).rejects.toThrow(/"missing".*--kb missing/);
  });

  it('ingests a file once, skips it unchanged, and replaces its chunks when it changes', async () => {
    const { service, chunksOf } = knowledgeService();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    const created = await service.ingest(TENANT, base, file('leave.md', POLICY));
    expect(created).toMatchObject({ status: 'created', error: null });
    expect(created.chunks).toBeGreaterThan(0);
    expect(await service.ingest(TENANT, base, file('leave.md', POLICY))).toMatchObject({
      status: 'unchanged',
      documentId: created.documentId,
    });
    const updated = await service.ingest(
      TENANT,
      base,
      file('leave.md', '# Leave\n\nEveryone gets 30 days.\n'),
    );
    expect(updated).toMatchObject({ status: 'updated', documentId: created.documentId });
    const texts = (await chunksOf(base.id)).map((chunk) => chunk.text).join('\n');
    expect(texts).toContain('30 days');
    expect(texts).not.toContain('20 vacation days');
  });

  it('embeds the chunks of a knowledge base that has an embedding model', async () => {
    const { service, chunksOf } = knowledgeService({ defaultEmbeddingModel: 'local:lexical' });
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    await service.ingest(TENANT, base, file('leave.md', POLICY));
    const chunks = await chunksOf(base.id);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk.embedding).toHaveLength(createLexicalEmbedder().dimension);
  });

  it('reports a file it cannot read as a failed outcome and stores nothing of it', async () => {
    const { service, storage, blobFiles } = knowledgeService();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    const outcome = await service.ingest(TENANT, base, file('virus.exe', 'MZ\u0000\u0001'));
    expect(outcome).toMatchObject({ status: 'failed', documentId: null, chunks: 0 });
    expect(outcome.errorCode).toBe('unsupported_media_type');
    expect(outcome.error).toMatch(/virus\.exe|\.exe/);
    expect(await storage.knowledge.listDocuments(TENANT, base.id)).toEqual([]);
    expect(blobFiles()).toEqual([]);
  });

  it('marks the document failed with a public reason when the embedding provider fails, and throws', async () => {
    const failing: Embedder = {
      model: 'test:failing',
      version: '1',
      dimension: 3,
      embed: async () => {
        throw Object.assign(new Error('upstream said: {"secret":"sk-live-123"}'), { statusCode: 500 });
      },
    };
    const { service, storage } = knowledgeService({ embedders: new Map([[failing.model, failing]]) });
    const base = await service.createKnowledgeBase(TENANT, {
      name: 'handbook',
      embeddingModel: failing.model,
    });
    await expect(service.ingest(TENANT, base, file('leave.md', POLICY))).rejects.toThrow('upstream said');
    const [document] = await storage.knowledge.listDocuments(TENANT, base.id);
    expect(document).toMatchObject({ status: 'failed', error: 'The model provider answered with HTTP 500.' });
    expect(document?.error).not.toContain('sk-live');
  });

  it('keeps the original file, serves it back and re-indexes a document from it', async () => {
    const { service } = knowledgeService();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    const { documentId } = await service.ingest(TENANT, base, file('leave.md', POLICY));
    const original = await service.originalFile(TENANT, 'handbook', documentId!);
    expect(new TextDecoder().decode(original.bytes)).toBe(POLICY);
    expect(original.contentType).toMatch(/markdown/);
    expect(await service.reindexDocument(TENANT, 'handbook', documentId!)).toMatchObject({
      status: 'updated',
      documentId,
    });
  });

  it('says the original was not kept when there is no blob store', async () => {
    const { service } = knowledgeService({ blobs: undefined });
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    const { documentId } = await service.ingest(TENANT, base, file('leave.md', POLICY));
    await expect(service.originalFile(TENANT, 'handbook', documentId!)).rejects.toThrow(/was not kept/);
  });

  it('deletes a document only through its own knowledge base, and its original file with it', async () => {
    const { service, storage, blobFiles } = knowledgeService();
    const handbook = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    await service.createKnowledgeBase(TENANT, { name: 'other' });
    const { documentId } = await service.ingest(TENANT, handbook, file('leave.md', POLICY));
    await expect(service.deleteDocument(TENANT, 'other', documentId!)).rejects.toThrow(NotFoundError);
    expect(await storage.knowledge.getDocument(TENANT, documentId!)).toBeDefined();
    expect(blobFiles()).toHaveLength(1);
    await service.deleteDocument(TENANT, 'handbook', documentId!);
    expect(await storage.knowledge.getDocument(TENANT, documentId!)).toBeUndefined();
    expect(blobFiles()).toEqual([]);
  });

  it("deletes a replaced version's original file once the new version is indexed", async () => {
    const { service, storage, blobs, blobFiles } = knowledgeService();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    await service.ingest(TENANT, base, file('leave.md', POLICY));
    expect(blobFiles()).toHaveLength(1);
    const changed = `${POLICY}\nCarry-over is capped at five days.\n`;
    const outcome = await service.ingest(TENANT, base, file('leave.md', changed));
    expect(outcome.status).toBe('updated');
    expect(blobFiles()).toHaveLength(1);
    const original = await service.originalFile(TENANT, 'handbook', outcome.documentId!);
    expect(new TextDecoder().decode(original.bytes)).toBe(changed);
    // A file already in the store under its own key (a direct upload) replaces the same way.
    const third = new TextEncoder().encode(`${changed}\nAsk HR for exceptions.\n`);
    await blobs.put('incoming/t/handbook/u2/leave.md', third, 'text/markdown');
    await service.ingest(TENANT, base, {
      source: 'leave.md',
      bytes: third,
      storedBlobKey: 'incoming/t/handbook/u2/leave.md',
    });
    expect(blobFiles()).toHaveLength(1);
    const [document] = await storage.knowledge.listDocuments(TENANT, base.id);
    expect(document?.blobKey).toBe('incoming/t/handbook/u2/leave.md');
  });

  it('deletes a knowledge base with its documents and their original files', async () => {
    const { service, storage, blobFiles } = knowledgeService();
    const base = await service.createKnowledgeBase(TENANT, { name: 'handbook' });
    await service.ingest(TENANT, base, file('leave.md', POLICY));
    await service.ingest(TENANT, base, file('travel.md', '# Travel\n\nBook trains over flights.\n'));
    expect(blobFiles()).toHaveLength(2);
    await service.deleteKnowledgeBase(TENANT, 'handbook');
    expect(await storage.knowledge.getKnowledgeBase(TENANT, 'handbook')).toBeUndefined();
    expect(blobFiles()).toEqual([]);
  });
});

/** A document's original file (download) and re-indexing it from that file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { createApp } from '../../src/server/index.ts';
import { contentDisposition } from '../../src/server/routes/document-file-routes.ts';
import { FileBlobStore } from '../../src/storage/fs/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { multipart, postJson, upload } from './http-helpers.ts';

let services: TestServices;
let app: ReturnType<typeof createApp>;
let blobRoot: string;
let blobs: FileBlobStore;
let documentId: string;

const HANDBOOK = '# Leave\n\nEmployees get 25 vacation days a year.\n';

beforeAll(async () => {
  services = await createTestServices();
  blobRoot = mkdtempSync(join(tmpdir(), 'godwit-blobs-'));
  blobs = new FileBlobStore({ root: blobRoot });
  services.knowledge = new KnowledgeService({
    knowledge: services.knowledgeStore,
    index: services.index,
    parser: createDocumentParser(),
    blobs,
    generateId: () => crypto.randomUUID(),
  });
  app = createApp({ services, options: { logger: () => {} } });
  await postJson(app, '/api/knowledge-bases', { name: 'handbook' });
  await postJson(app, '/api/knowledge-bases', { name: 'other' });
  const uploaded = await upload(app, 'handbook', multipart([{ name: 'leave policy.md', content: HANDBOOK }]));
  const body = (await uploaded.json()) as { results: Array<{ documentId: string }> };
  documentId = body.results[0]!.documentId;
});

afterAll(async () => {
  rmSync(blobRoot, { recursive: true, force: true });
  await services?.close();
});

describe('GET /api/knowledge-bases/{name}/documents/{id}/file', () => {
  it('returns the original bytes with their type and name, sandboxed', async () => {
    const response = await app.request(`/api/knowledge-bases/handbook/documents/${documentId}/file`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(HANDBOOK);
    expect(response.headers.get('content-type')).toContain('text/markdown');
    expect(response.headers.get('content-disposition')).toBe(
      `inline; filename="leave policy.md"; filename*=UTF-8''leave%20policy.md`,
    );
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 404 for an unknown document, a document of another base, or an unknown base', async () => {
    for (const path of [
      '/api/knowledge-bases/handbook/documents/nope/file',
      `/api/knowledge-bases/other/documents/${documentId}/file`,
      `/api/knowledge-bases/missing/documents/${documentId}/file`,
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('answers 404 with the fix when the original file was not kept', async () => {
    const document = await services.knowledgeStore.getDocument('default', documentId);
    await blobs.delete(document!.blobKey!);
    const response = await app.request(`/api/knowledge-bases/handbook/documents/${documentId}/file`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'Upload it again',
    );
    await upload(app, 'handbook', multipart([{ name: 'leave policy.md', content: `${HANDBOOK}\n` }]));
  });

  it('keeps non-ASCII names readable in the header', () => {
    expect(contentDisposition('reports/Überblick "Q1".pdf')).toBe(
      `inline; filename="_berblick _Q1_.pdf"; filename*=UTF-8''%C3%9Cberblick%20%22Q1%22.pdf`,
    );
  });
});

describe('POST /api/knowledge-bases/{name}/documents/{id}/reindex', () => {
  it('indexes the document again from its original file', async () => {
    const response = await app.request(`/api/knowledge-bases/handbook/documents/${documentId}/reindex`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'updated', documentId, chunks: 1, error: null });
    const list = (await (await app.request('/api/knowledge-bases/handbook/documents')).json()) as {
      documents: Array<{ id: string; status: string; chunkCount: number }>;
    };
    expect(list.documents).toEqual([
      expect.objectContaining({ id: documentId, status: 'ready', chunkCount: 1 }),
    ]);
  });

  it('answers 404 for an unknown document', async () => {
    const response = await app.request('/api/knowledge-bases/handbook/documents/nope/reindex', {
      method: 'POST',
    });
    expect(response.status).toBe(404);
  });
});

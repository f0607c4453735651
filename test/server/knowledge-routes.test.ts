import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { errorOf, multipart, postJson, upload } from './http-helpers.ts';

let services: TestServices;
let app: ReturnType<typeof createApp>;

const LEAVE =
  '# Leave\n\nEmployees get 25 vacation days a year.\n\n## Parental leave\n\nParents get 16 weeks of paid leave.\n';
const TRAVEL =
  'Travel policy\n\nBook economy class for flights under six hours. Receipts are due within 30 days.\n';
const CORRUPT_PDF = new TextEncoder().encode('%PDF-1.7 this is not really a pdf');

interface DocumentsBody {
  documents: Array<{ id: string; source: string; status: string; chunkCount: number }>;
}

async function documentsOf(name: string): Promise<DocumentsBody['documents']> {
  return ((await (await app.request(`/api/knowledge-bases/${name}/documents`)).json()) as DocumentsBody)
    .documents;
}

beforeAll(async () => {
  services = await createTestServices();
  app = createApp({ services, options: { logger: () => {} } });
});

afterAll(async () => {
  await services?.close();
});

describe('knowledge bases', () => {
  it('creates, lists with stats, reads and deletes a knowledge base', async () => {
    const created = await postJson(app, '/api/knowledge-bases', {
      name: 'policies',
      description: 'HR policies',
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      name: 'policies',
      description: 'HR policies',
      embeddingModel: null,
      stats: { documents: 0, chunks: 0, failed: 0 },
    });

    const uploaded = await upload(app, 'policies', multipart([{ name: 'leave.md', content: LEAVE }]));
    expect(uploaded.status).toBe(201);

    const list = (await (await app.request('/api/knowledge-bases')).json()) as {
      knowledgeBases: Array<{ name: string; stats: { documents: number; chunks: number } }>;
    };
    const policies = list.knowledgeBases.find((base) => base.name === 'policies');
    expect(policies?.stats.documents).toBe(1);
    expect(policies?.stats.chunks).toBeGreaterThan(0);

    const one = await app.request('/api/knowledge-bases/policies');
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ name: 'policies', stats: { documents: 1 } });

    expect((await app.request('/api/knowledge-bases/policies', { method: 'DELETE' })).status).toBe(204);
    expect((await app.request('/api/knowledge-bases/policies')).status).toBe(404);
  });

  it('refuses a duplicate, an invalid name and an unconfigured embedding model', async () => {
    expect((await postJson(app, '/api/knowledge-bases', { name: 'twice' })).status).toBe(201);
    const duplicate = await postJson(app, '/api/knowledge-bases', { name: 'twice' });
    expect(duplicate.status).toBe(409);
    expect((await errorOf(duplicate)).code).toBe('conflict');

    const badName = await postJson(app, '/api/knowledge-bases', { name: 'Has Spaces' });
    expect(badName.status).toBe(400);
    expect((await errorOf(badName)).message).toContain('"Has Spaces" is not valid');

    const badModel = await postJson(app, '/api/knowledge-bases', {
      name: 'vectors',
      embeddingModel: 'openai:nope',
    });
    expect(badModel.status).toBe(400);
    const error = await errorOf(badModel);
    expect(error).toMatchObject({ code: 'validation_failed', details: { field: 'embeddingModel' } });
    expect(error.message).toContain('openai:nope');
    expect((await app.request('/api/knowledge-bases/vectors')).status).toBe(404);
  });

  it('answers 404 for every route under an unknown knowledge base', async () => {
    const responses = [
      await app.request('/api/knowledge-bases/missing'),
      await app.request('/api/knowledge-bases/missing', { method: 'DELETE' }),
      await app.request('/api/knowledge-bases/missing/documents'),
      await upload(app, 'missing', multipart([{ name: 'a.md', content: LEAVE }])),
      await app.request('/api/knowledge-bases/missing/documents/some-id', { method: 'DELETE' }),
      await postJson(app, '/api/search', { query: 'leave', knowledgeBase: 'missing' }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      const error = await errorOf(response);
      expect(error.code).toBe('not_found');
      expect(error.message).toContain('"missing"');
    }
  });
});

describe('documents', () => {
  beforeAll(async () => {
    await postJson(app, '/api/knowledge-bases', { name: 'docs' });
  });

  it('ingests several files, reports each outcome, and treats a re-upload as unchanged', async () => {
    const first = await upload(
      app,
      'docs',
      multipart([
        { name: 'leave.md', content: LEAVE },
        { name: 'travel.txt', content: TRAVEL, type: 'application/octet-stream' },
      ]),
    );
    expect(first.status).toBe(201);
    const outcomes = (
      (await first.json()) as { results: Array<{ source: string; status: string; chunks: number }> }
    ).results;
    expect(outcomes.map((outcome) => [outcome.source, outcome.status])).toEqual([
      ['leave.md', 'created'],
      ['travel.txt', 'created'],
    ]);
    expect(outcomes.every((outcome) => outcome.chunks > 0)).toBe(true);

    const again = await upload(app, 'docs', multipart([{ name: 'leave.md', content: LEAVE }]));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { results: Array<{ status: string }> }).results[0]?.status).toBe(
      'unchanged',
    );

    const documents = await documentsOf('docs');
    expect(documents.map((document) => [document.source, document.status]).sort()).toEqual([
      ['leave.md', 'ready'],
      ['travel.txt', 'ready'],
    ]);
  });

  it('stores the good files of a mixed upload and explains the bad one', async () => {
    const response = await upload(
      app,
      'docs',
      multipart([
        { name: 'expenses.md', content: '# Expenses\n\nSubmit receipts monthly.\n' },
        { name: 'scan.pdf', content: CORRUPT_PDF },
      ]),
    );
    expect(response.status).toBe(201);
    const results = (
      (await response.json()) as {
        results: Array<{ source: string; status: string; errorCode: string | null }>;
      }
    ).results;
    expect(results).toEqual([
      expect.objectContaining({ source: 'expenses.md', status: 'created' }),
      expect.objectContaining({ source: 'scan.pdf', status: 'failed', errorCode: 'ingest_failed' }),
    ]);
    expect((await documentsOf('docs')).map((document) => document.source)).not.toContain('scan.pdf');
  });

  it('answers 422 and stores nothing when every file is corrupt', async () => {
    const before = await documentsOf('docs');
    const response = await upload(app, 'docs', multipart([{ name: 'broken.pdf', content: CORRUPT_PDF }]));
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe('ingest_failed');
    expect(error.message).toContain('broken.pdf is not a readable PDF');
    expect(error.details?.results).toEqual([
      expect.objectContaining({ source: 'broken.pdf', status: 'failed' }),
    ]);
    expect(await documentsOf('docs')).toEqual(before);
  });

  it('rejects an empty form, a text field, duplicate names, unknown fields and non-multipart bodies', async () => {
    const textField = new FormData();
    textField.append('file', 'just some text');
    const unknownField = multipart([{ name: 'a.md', content: LEAVE }]);
    unknownField.append('title', 'x');
    const cases: Array<[() => Response | Promise<Response>, number, string]> = [
      [() => upload(app, 'docs', new FormData()), 400, 'file: is required'],
      [() => upload(app, 'docs', textField), 400, 'file[0]: expected a file'],
      [
        () =>
          upload(
            app,
            'docs',
            multipart([
              { name: 'same.md', content: LEAVE },
              { name: 'same.md', content: TRAVEL },
            ]),
          ),
        400,
        '"same.md" is sent twice',
      ],
      [() => upload(app, 'docs', unknownField), 400, 'unknown field "title"'],
      [
        () => postJson(app, '/api/knowledge-bases/docs/documents', { file: 'leave.md' }),
        415,
        'multipart/form-data',
      ],
      [
        () =>
          app.request('/api/knowledge-bases/docs/documents', {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
            body: 'this is not multipart',
          }),
        400,
        'not valid multipart/form-data',
      ],
      [
        () =>
          app.request('/api/knowledge-bases/docs/documents', {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data' },
            body: 'no boundary was declared',
          }),
        400,
        'not valid multipart/form-data',
      ],
      [
        // A file whose body stops before the closing boundary (a client cut off mid-upload).
        () =>
          app.request('/api/knowledge-bases/docs/documents', {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
            body:
              '--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.md"\r\n' +
              'Content-Type: text/markdown\r\n\r\n# Cut\n\nHalf of a file',
          }),
        400,
        'not valid multipart/form-data',
      ],
    ];
    const before = await documentsOf('docs');
    for (const [send, status, fragment] of cases) {
      const response = await send();
      expect(response.status).toBe(status);
      expect((await errorOf(response)).message).toContain(fragment);
      expect((await app.request('/api/knowledge-bases/docs/documents')).status).toBe(200);
    }
    expect(await documentsOf('docs')).toEqual(before);
  });

  it('keeps a file name as the browser sent it: quotes, non-ASCII letters and folders', async () => {
    const names = ['Urlaub "Sommer" – Übersicht.md', 'policies/leave 2026.md'];
    const response = await upload(app, 'docs', multipart(names.map((name) => ({ name, content: LEAVE }))));
    expect(response.status).toBe(201);
    const { results } = (await response.json()) as { results: Array<{ source: string }> };
    expect(results.map((result) => result.source)).toEqual(names);
    const sources = (await documentsOf('docs')).map((document) => document.source);
    for (const name of names) expect(sources).toContain(name);
  });

  it('refuses an upload over the limit with 413, by Content-Length or by counting', async () => {
    const small = createApp({ services, options: { maxUploadBytes: 1024, logger: () => {} } });
    const big = multipart([{ name: 'big.md', content: `# Big\n\n${'word '.repeat(1000)}` }]);
    const counted = await upload(small, 'docs', big);
    expect(counted.status).toBe(413);
    expect(await errorOf(counted)).toMatchObject({
      code: 'payload_too_large',
      details: { limitBytes: 1024 },
    });

    const declared = await small.request('/api/knowledge-bases/docs/documents', {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=xyz',
        'content-length': String(10 * 1024 * 1024),
      },
      body: 'x',
    });
    expect(declared.status).toBe(413);
    expect((await documentsOf('docs')).map((document) => document.source)).not.toContain('big.md');
    expect(
      (await upload(small, 'docs', multipart([{ name: 'tiny.md', content: '# Tiny\n\nSmall file.\n' }])))
        .status,
    ).toBe(201);
  });

  it('deletes a document and its chunks', async () => {
    const [document] = (await documentsOf('docs')).filter((entry) => entry.source === 'travel.txt');
    const deleted = await app.request(`/api/knowledge-bases/docs/documents/${document!.id}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    expect((await documentsOf('docs')).map((entry) => entry.source)).not.toContain('travel.txt');
    const search = await postJson(app, '/api/search', { query: 'economy flights', knowledgeBase: 'docs' });
    expect(
      ((await search.json()) as { results: Array<{ source: string }> }).results.map((hit) => hit.source),
    ).not.toContain('travel.txt');
    const again = await app.request(`/api/knowledge-bases/docs/documents/${document!.id}`, {
      method: 'DELETE',
    });
    expect(again.status).toBe(404);
  });
});

describe('POST /api/search', () => {
  beforeAll(async () => {
    await postJson(app, '/api/knowledge-bases', { name: 'search' });
    await upload(
      app,
      'search',
      multipart([
        { name: 'leave.md', content: LEAVE },
        { name: 'travel.txt', content: TRAVEL },
      ]),
    );
  });

  it('returns ranked passages with source, location, score and ids', async () => {
    const response = await postJson(app, '/api/search', {
      query: 'paid parental leave weeks',
      knowledgeBase: 'search',
    });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as {
      results: Array<{
        source: string;
        location: { headings?: string[] };
        score: number;
        text: string;
        documentId: string;
        chunkId: string;
      }>;
    };
    expect(results[0]).toMatchObject({
      source: 'leave.md',
      text: expect.stringContaining('16 weeks'),
      documentId: expect.any(String),
      chunkId: expect.any(String),
    });
    expect(results[0]?.location.headings).toContain('Parental leave');
    expect(results[0]?.score).toBeGreaterThan(0);
  });

  it('honours k and source filters', async () => {
    const one = await postJson(app, '/api/search', { query: 'days', knowledgeBase: 'search', k: 1 });
    expect(((await one.json()) as { results: unknown[] }).results).toHaveLength(1);
    const filtered = await postJson(app, '/api/search', {
      query: 'days',
      knowledgeBase: 'search',
      filter: { sources: ['travel.txt'] },
    });
    const sources = ((await filtered.json()) as { results: Array<{ source: string }> }).results.map(
      (hit) => hit.source,
    );
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources)).toEqual(new Set(['travel.txt']));
  });

  async function documentIdOf(knowledgeBase: string, source: string): Promise<string> {
    const response = await app.request(`/api/knowledge-bases/${knowledgeBase}/documents`);
    const { documents } = (await response.json()) as { documents: Array<{ id: string; source: string }> };
    const found = documents.find((document) => document.source === source);
    if (!found) throw new Error(`no document ${source} in ${knowledgeBase}`);
    return found.id;
  }

  it('searches only the documents named in documentIds', async () => {
    const travel = await documentIdOf('search', 'travel.txt');
    const response = await postJson(app, '/api/search', {
      query: 'days',
      knowledgeBase: 'search',
      documentIds: [travel],
    });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Array<{ documentId: string }> };
    expect(results.length).toBeGreaterThan(0);
    expect(new Set(results.map((hit) => hit.documentId))).toEqual(new Set([travel]));
  });

  it('refuses documentIds that are not documents of the knowledge base, naming them', async () => {
    const travel = await documentIdOf('search', 'travel.txt');
    await postJson(app, '/api/knowledge-bases', { name: 'search-other' });
    await upload(app, 'search-other', multipart([{ name: 'other.md', content: LEAVE }]));
    const elsewhere = await documentIdOf('search-other', 'other.md');
    const response = await postJson(app, '/api/search', {
      query: 'days',
      knowledgeBase: 'search',
      documentIds: [travel, 'no-such-document', elsewhere],
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(
      `"no-such-document", "${elsewhere}" are not documents of knowledge base "search"`,
    );
    expect(error.message).not.toContain(travel);
  });

  it('refuses documentIds together with filter.documentIds', async () => {
    const travel = await documentIdOf('search', 'travel.txt');
    const response = await postJson(app, '/api/search', {
      query: 'days',
      knowledgeBase: 'search',
      documentIds: [travel],
      filter: { documentIds: [travel] },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/documentIds or filter\.documentIds, not both/);
  });

  it.each([
    [{ knowledgeBase: 'search' }, 'query: is required'],
    [{ query: '', knowledgeBase: 'search' }, 'query: expected a non-empty string'],
    [{ query: 'leave', knowledgeBase: 'search', k: 101 }, 'k: expected a whole number from 1 to 100'],
    [{ query: 'leave', knowledgeBase: 'search', k: 2.5 }, 'k: expected a whole number from 1 to 100'],
    [
      { query: 'leave', knowledgeBase: 'search', mode: 'fuzzy' },
      'mode: expected "keyword", "vector" or "hybrid"',
    ],
    [
      { query: 'leave', knowledgeBase: 'search', documentIds: [] },
      'documentIds: expected at least one document id; omit documentIds to use every document',
    ],
    [
      { query: 'leave', knowledgeBase: 'search', documentIds: 'abc' },
      'documentIds: expected an array of document ids',
    ],
    [
      { query: 'leave', knowledgeBase: 'search', filter: { sources: 'leave.md' } },
      'filter.sources: expected an array, got a string',
    ],
    [
      { query: 'leave', knowledgeBase: 'search', filter: { metadata: { team: { a: 1 } } } },
      'filter.metadata.team: expected a string, number, boolean or null',
    ],
    [{ query: 'leave', knowledgeBase: 'search', mode: 'vector' }, 'no usable embedding model'],
  ])('rejects %j', async (body, fragment) => {
    const response = await postJson(app, '/api/search', body);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(fragment);
    expect((await postJson(app, '/api/search', { query: 'leave', knowledgeBase: 'search' })).status).toBe(
      200,
    );
  });
});

describe('GET /api/usage', () => {
  it('summarises chat calls by day and model, within a date range', async () => {
    await postJson(app, '/api/chat', { message: 'Count this call' });
    const today = new Date().toISOString().slice(0, 10);
    const response = await app.request(`/api/usage?from=${today}&to=${today}`);
    expect(response.status).toBe(200);
    const { rows } = (await response.json()) as {
      rows: Array<{ day: string; model: string; calls: number; costUsd: number }>;
    };
    expect(rows).toEqual([
      expect.objectContaining({ day: today, model: 'mock:answer', calls: 1, costUsd: expect.any(Number) }),
    ]);

    const past = await app.request('/api/usage?from=2000-01-01&to=2000-01-31');
    expect(((await past.json()) as { rows: unknown[] }).rows).toEqual([]);
  });

  it('rejects dates that are not ISO 8601 and a reversed range', async () => {
    const bad = await app.request('/api/usage?from=yesterday');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('from: expected an ISO 8601 date');
    const reversed = await app.request('/api/usage?from=2026-02-01&to=2026-01-01');
    expect(reversed.status).toBe(400);
    expect((await errorOf(reversed)).message).toContain('is after');
  });
});

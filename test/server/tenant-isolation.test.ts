/**
 * Two tenants, one key each, on one server: tenant B can neither read nor change anything of tenant A's —
 * conversations, knowledge bases, documents, search results, usage, API keys — on memory storage and on
 * the Postgres adapters (PGlite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { createApp } from '../../src/server/index.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { multipart, postJson } from './http-helpers.ts';

const HANDBOOK = '# Leave\n\nEmployees of Acme get 25 vacation days a year.\n';

describe.each(['memory', 'pglite'] as const)('tenant isolation on %s storage', (storage) => {
  let services: TestServices & { apiKeys: MemoryApiKeyStore };
  let app: ReturnType<typeof createApp>;
  let acme: Record<string, string>;
  let globex: Record<string, string>;
  let acmeConversation: string;
  let acmeDocument: string;
  let acmeKeyId: string;

  const get = (path: string, headers: Record<string, string>) => app.request(path, { headers });
  const json = async <T>(response: Response) => (await response.json()) as T;

  beforeAll(async () => {
    services = { ...(await createTestServices({ storage })), apiKeys: new MemoryApiKeyStore() };
    app = createApp({
      services,
      options: { logger: () => {}, auth: { mode: 'required', apiKeys: true, jwt: null } },
    });
    const acmeKey = await issueApiKey(services.apiKeys, {
      tenantId: 'acme',
      name: 'acme admin',
      role: 'admin',
    });
    const globexKey = await issueApiKey(services.apiKeys, {
      tenantId: 'globex',
      name: 'globex admin',
      role: 'admin',
    });
    acme = { 'x-api-key': acmeKey.secret };
    globex = { 'x-api-key': globexKey.secret };
    acmeKeyId = acmeKey.key.id;

    expect((await postJson(app, '/api/knowledge-bases', { name: 'handbook' }, acme)).status).toBe(201);
    const uploaded = await app.request('/api/knowledge-bases/handbook/documents', {
      method: 'POST',
      headers: acme,
      body: multipart([{ name: 'leave.md', content: HANDBOOK }]),
    });
    expect(uploaded.status).toBe(201);
    acmeDocument = (await json<{ results: Array<{ documentId: string }> }>(uploaded)).results[0]!.documentId;
    const chat = await postJson(
      app,
      '/api/chat',
      { message: 'Vacation days?', knowledgeBase: 'handbook' },
      acme,
    );
    expect(chat.status).toBe(200);
    acmeConversation = (await json<{ conversationId: string }>(chat)).conversationId;
  });

  afterAll(async () => {
    await services?.close();
  });

  it('shows tenant B none of A’s conversations, and B cannot read, rename, delete or continue one', async () => {
    const listed = await json<{ conversations: unknown[] }>(await get('/api/conversations', globex));
    expect(listed.conversations).toEqual([]);
    expect((await get(`/api/conversations/${acmeConversation}`, globex)).status).toBe(404);
    const rename = await app.request(`/api/conversations/${acmeConversation}`, {
      method: 'PATCH',
      headers: { ...globex, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'taken over' }),
    });
    expect(rename.status).toBe(404);
    const remove = await app.request(`/api/conversations/${acmeConversation}`, {
      method: 'DELETE',
      headers: globex,
    });
    expect(remove.status).toBe(404);
    const continued = await postJson(
      app,
      '/api/chat',
      { message: 'And sick days?', conversationId: acmeConversation },
      globex,
    );
    expect(continued.status).toBe(404);

    const own = await json<{ title: string; messages: unknown[] }>(
      await get(`/api/conversations/${acmeConversation}`, acme),
    );
    expect(own.title).not.toBe('taken over');
    expect(own.messages).toHaveLength(2);
  });

  it('shows tenant B none of A’s knowledge bases or documents, and B cannot delete them', async () => {
    const listed = await json<{ knowledgeBases: unknown[] }>(await get('/api/knowledge-bases', globex));
    expect(listed.knowledgeBases).toEqual([]);
    expect((await get('/api/knowledge-bases/handbook', globex)).status).toBe(404);
    expect((await get('/api/knowledge-bases/handbook/documents', globex)).status).toBe(404);
    expect((await get(`/api/knowledge-bases/handbook/documents/${acmeDocument}/file`, globex)).status).toBe(
      404,
    );
    const removeDocument = await app.request(`/api/knowledge-bases/handbook/documents/${acmeDocument}`, {
      method: 'DELETE',
      headers: globex,
    });
    expect(removeDocument.status).toBe(404);
    const removeBase = await app.request('/api/knowledge-bases/handbook', {
      method: 'DELETE',
      headers: globex,
    });
    expect(removeBase.status).toBe(404);

    const documents = await json<{ documents: unknown[] }>(
      await get('/api/knowledge-bases/handbook/documents', acme),
    );
    expect(documents.documents).toHaveLength(1);
  });

  it('lets tenant B use the same knowledge base name without seeing A’s documents', async () => {
    expect((await postJson(app, '/api/knowledge-bases', { name: 'handbook' }, globex)).status).toBe(201);
    const search = await postJson(
      app,
      '/api/search',
      { knowledgeBase: 'handbook', query: 'vacation days' },
      globex,
    );
    expect(search.status).toBe(200);
    expect((await json<{ results: unknown[] }>(search)).results).toEqual([]);
    const own = await postJson(
      app,
      '/api/search',
      { knowledgeBase: 'handbook', query: 'vacation days' },
      acme,
    );
    expect((await json<{ results: Array<{ source: string }> }>(own)).results[0]?.source).toBe('leave.md');
    const stats = await json<{ stats: { documents: number } }>(
      await get('/api/knowledge-bases/handbook', acme),
    );
    expect(stats.stats.documents).toBe(1);
  });

  it('keeps usage per tenant', async () => {
    const globexRows = await json<{ rows: unknown[] }>(await get('/api/usage', globex));
    expect(globexRows.rows).toEqual([]);
    const acmeRows = await json<{ rows: Array<{ apiKeyId: string | null }> }>(await get('/api/usage', acme));
    expect(acmeRows.rows.map((row) => row.apiKeyId)).toEqual([acmeKeyId]);
  });

  it('keeps API keys per tenant: B neither lists nor revokes A’s keys', async () => {
    const listed = await json<{ keys: Array<{ tenantId: string }> }>(await get('/api/keys', globex));
    expect(listed.keys.map((key) => key.tenantId)).toEqual(['globex']);
    const revoke = await app.request(`/api/keys/${acmeKeyId}`, { method: 'DELETE', headers: globex });
    expect(revoke.status).toBe(404);
    expect((await get('/api/usage', acme)).status).toBe(200);
  });

  it('lists only the tenant’s own knowledge-base assistants under /v1/models', async () => {
    expect(
      (await app.request('/api/knowledge-bases/handbook', { method: 'DELETE', headers: globex })).status,
    ).toBe(204);
    const models = await json<{ data: Array<{ id: string }> }>(await get('/v1/models', globex));
    expect(models.data.map((model) => model.id)).not.toContain('kb:handbook');
    const own = await json<{ data: Array<{ id: string }> }>(await get('/v1/models', acme));
    expect(own.data.map((model) => model.id)).toContain('kb:handbook');
  });
});

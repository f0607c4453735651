/**
 * A knowledge base backed by a Bedrock Knowledge Base (`knowledgeBases.<name>.bedrock`), as users run it:
 * listed and searched through the HTTP API, answering grounded chat with its passages cited like local
 * ones, read-only in Godwit. The AWS SDK's Agent Runtime client talks to the Retrieve wire emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BedrockManagedServices,
  startBedrockManagedServices,
} from '../support/bedrock-managed-services.ts';

let godwit: BedrockManagedServices;

beforeAll(async () => {
  godwit = await startBedrockManagedServices({
    region: 'eu-west-1',
    prepare(managed) {
      managed.knowledgeBase('KB12345678', [
        {
          uri: 's3://policies/leave.pdf',
          text: 'New employees get 20 vacation days a year.',
          metadata: { team: 'hr', 'x-amz-bedrock-kb-document-page-number': 3 },
        },
        {
          uri: 's3://policies/travel.pdf',
          text: 'Travel days do not count as vacation days.',
          metadata: { team: 'finance' },
        },
        {
          uri: 's3://policies/archive.pdf',
          text: 'Old vacation rules: 15 days.',
          metadata: { team: 'hr', archived: true },
        },
      ]);
    },
    config: () => `sample: false
models:
  default: openai:gpt-4.1-mini
knowledgeBases:
  policies:
    description: Company policies (Bedrock)
    bedrock:
      knowledgeBaseId: KB12345678
      filter: { notEquals: { key: archived, value: true } }
  missing:
    bedrock: { knowledgeBaseId: KBMISSING1 }
`,
  });
}, 60_000);

afterAll(async () => {
  await godwit?.close();
});

const call = (method: string, path: string, body?: unknown) => godwit.call(method, path, body);

describe('a Bedrock Knowledge Base in Godwit', () => {
  it('is listed as read-only with its source', async () => {
    const { status, body } = await call('GET', '/api/knowledge-bases');
    expect(status).toBe(200);
    expect(body.knowledgeBases).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'policies',
          description: 'Company policies (Bedrock)',
          source: 'bedrock',
          readOnly: true,
          externalId: 'KB12345678',
          stats: { documents: 0, chunks: 0, failed: 0 },
        }),
      ]),
    );
  });

  it('searches through Retrieve with k as numberOfResults and the filters combined', async () => {
    const { status, body } = await call('POST', '/api/search', {
      knowledgeBase: 'policies',
      query: 'vacation days',
      k: 1,
      filter: { metadata: { team: 'hr' } },
    });
    expect(status).toBe(200);
    expect(body.results).toEqual([
      expect.objectContaining({
        source: 's3://policies/leave.pdf',
        text: 'New employees get 20 vacation days a year.',
      }),
    ]);
    expect(godwit.managed.requests.at(-1)).toMatchObject({
      operation: 'Retrieve',
      path: '/knowledgebases/KB12345678/retrieve',
      body: {
        retrievalQuery: { text: 'vacation days' },
        retrievalConfiguration: {
          vectorSearchConfiguration: {
            numberOfResults: 1,
            filter: {
              andAll: [
                { notEquals: { key: 'archived', value: true } },
                { equals: { key: 'team', value: 'hr' } },
              ],
            },
          },
        },
      },
    });
  });

  it('grounds a chat answer in its passages, cited like local ones', async () => {
    godwit.models.script({ match: { dialect: 'openai' }, text: 'New employees get 20 days [1].' });
    const { status, body } = await call('POST', '/api/chat', {
      knowledgeBase: 'policies',
      message: 'How many vacation days do new employees get?',
    });
    expect(status).toBe(200);
    expect(body.citations).toEqual([
      expect.objectContaining({
        index: 1,
        source: 's3://policies/leave.pdf',
        location: { page: 3 },
        text: 'New employees get 20 vacation days a year.',
      }),
    ]);
    const prompt = JSON.stringify(godwit.models.requests.at(-1)?.body);
    expect(prompt).toContain('New employees get 20 vacation days a year.');
    expect(prompt).not.toContain('Old vacation rules');
  });

  it('refuses uploads with 409, saying where its documents live', async () => {
    const form = new FormData();
    form.append('file', new File(['# Leave\n\nMore days.'], 'leave.md', { type: 'text/markdown' }));
    const { status, body } = await call('POST', '/api/knowledge-bases/policies/documents', form);
    expect(status).toBe(409);
    expect(body.error.message).toBe(
      'Knowledge base "policies" is Bedrock Knowledge Base KB12345678 (eu-west-1) and is read-only in Godwit: it cannot be changed (add documents to its data source in Bedrock and sync it there).',
    );
  });

  it('refuses deleting the base or a document with 409', async () => {
    const base = await call('DELETE', '/api/knowledge-bases/policies');
    expect(base.status).toBe(409);
    expect(base.body.error.message).toMatch(/read-only in Godwit: it cannot be deleted\.$/);
    const document = await call('DELETE', '/api/knowledge-bases/policies/documents/any-id');
    expect(document.status).toBe(409);
    expect(document.body.error.message).toMatch(/documents are removed from its data source in Bedrock/);
  });

  it('refuses creating a local base under its name with 409', async () => {
    const { status, body } = await call('POST', '/api/knowledge-bases', { name: 'policies' });
    expect(status).toBe(409);
    expect(body.error.message).toMatch(/configured as a Bedrock Knowledge Base \(knowledgeBases\.policies\)/);
  });

  it('refuses keyword mode with a 400 that names the modes it has', async () => {
    const { status, body } = await call('POST', '/api/search', {
      knowledgeBase: 'policies',
      query: 'vacation',
      mode: 'keyword',
    });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/searches by meaning: use mode "vector" or "hybrid"/);
  });

  it('names the config key when the Bedrock Knowledge Base does not exist', async () => {
    const { status, body } = await call('POST', '/api/search', {
      knowledgeBase: 'missing',
      query: 'vacation',
    });
    expect(status).toBe(502);
    expect(body.error.message).toBe(
      'Bedrock Knowledge Base KBMISSING1 in eu-west-1 does not exist (or this account cannot see it): check knowledgeBases.missing.bedrock (ids and region).',
    );
  });
});

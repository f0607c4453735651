/**
 * A knowledge base backed by a Bedrock Knowledge Base (`knowledgeBases.<name>.bedrock`), as users run it:
 * listed and searched through the HTTP API, answering grounded chat with its passages cited like local
 * ones, read-only in Godwit. The AWS SDK's Agent Runtime client talks to the Retrieve wire emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import {
  type BedrockManagedServices,
  startBedrockManagedServices,
} from '../support/bedrock-managed-services.ts';

const MODEL_ARN = 'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0';

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
  answers:
    description: Company policies, answered by Bedrock
    bedrock:
      knowledgeBaseId: KB12345678
      filter: { notEquals: { key: archived, value: true } }
      mode: retrieveAndGenerate
      modelArn: ${MODEL_ARN}
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

describe('a Bedrock Knowledge Base in retrieveAndGenerate mode', () => {
  const QUESTION = 'How many vacation days do new employees get?';
  const generations = () =>
    godwit.managed.requests.filter((request) => request.operation === 'RetrieveAndGenerateStream');

  it('answers grounded chat with Bedrock, its citations numbered as sources with their location', async () => {
    const modelCalls = godwit.models.requests.length;
    const { status, body } = await call('POST', '/api/chat', { knowledgeBase: 'answers', message: QUESTION });
    expect(status).toBe(200);
    expect(body.answer).toBe(
      'New employees get 20 vacation days a year. [1] Travel days do not count as vacation days. [2]',
    );
    expect(body.citations).toEqual([
      expect.objectContaining({
        index: 1,
        source: 's3://policies/leave.pdf',
        location: { page: 3 },
        text: 'New employees get 20 vacation days a year.',
      }),
      expect.objectContaining({ index: 2, source: 's3://policies/travel.pdf' }),
    ]);
    expect(body.message).toMatchObject({ status: 'complete', model: 'bedrock-knowledge-base:KB12345678' });
    expect(godwit.models.requests.length).toBe(modelCalls);
    expect(generations().at(-1)?.body).toEqual({
      input: { text: QUESTION },
      retrieveAndGenerateConfiguration: {
        type: 'KNOWLEDGE_BASE',
        knowledgeBaseConfiguration: {
          knowledgeBaseId: 'KB12345678',
          modelArn: MODEL_ARN,
          retrievalConfiguration: {
            vectorSearchConfiguration: { filter: { notEquals: { key: 'archived', value: true } } },
          },
        },
      },
    });
  });

  it("continues the conversation's Bedrock session on the next turn", async () => {
    const first = await call('POST', '/api/chat', { knowledgeBase: 'answers', message: QUESTION });
    const [stored] = (await godwit.services.conversations.listMessages('default', first.body.conversationId))
      .filter((message) => message.role === 'assistant')
      .flatMap((message) => message.parts.filter((part) => part.type === 'session'));
    expect(stored).toMatchObject({ service: 'bedrock-knowledge-base', id: expect.any(String) });
    const next = await call('POST', '/api/chat', {
      conversationId: first.body.conversationId,
      message: 'And travel days?',
    });
    expect(next.status).toBe(200);
    expect(generations().at(-1)?.body).toMatchObject({
      sessionId: stored?.type === 'session' ? stored.id : 'missing',
      input: { text: 'And travel days?' },
    });
  });

  it('starts a new session when Bedrock no longer knows the stored one', async () => {
    const first = await call('POST', '/api/chat', { knowledgeBase: 'answers', message: QUESTION });
    const before = generations().length;
    const stale = (
      await godwit.services.conversations.listMessages('default', first.body.conversationId)
    ).flatMap((entry) => entry.parts.flatMap((part) => (part.type === 'session' ? [part.id] : [])))[0]!;
    godwit.managed.endKnowledgeBaseSession(stale);
    const next = await call('POST', '/api/chat', {
      conversationId: first.body.conversationId,
      message: QUESTION,
    });
    expect(next.status).toBe(200);
    expect(next.body.answer).toMatch(/^New employees get 20 vacation days a year\. \[1\]/);
    const [refused, retried] = generations().slice(before);
    expect(refused?.body.sessionId).toBe(stale);
    expect(retried?.body.sessionId).toBeUndefined();
  });

  it('streams the answer and its sources as server-sent events', async () => {
    const text = await godwit.stream('/api/chat', { knowledgeBase: 'answers', message: QUESTION });
    expect(text).toContain('event: citations');
    expect(text).toContain('"source":"s3://policies/leave.pdf"');
    expect(text.indexOf('New employees get 20')).toBeLessThan(text.indexOf('Travel days'));
    expect(text).toContain('event: done');
  });

  it('is listed with its answer mode, and search still goes through Retrieve', async () => {
    const listed = await call('GET', '/api/knowledge-bases');
    expect(listed.body.knowledgeBases).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'answers', answerMode: 'retrieveAndGenerate', readOnly: true }),
        expect.objectContaining({ name: 'policies', answerMode: 'retrieve' }),
      ]),
    );
    const { status } = await call('POST', '/api/search', { knowledgeBase: 'answers', query: 'vacation' });
    expect(status).toBe(200);
    expect(godwit.managed.requests.at(-1)?.operation).toBe('Retrieve');
  });

  it('refuses retrieveAndGenerate without a model at startup, naming the key and the fix', () => {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-bedrock-rag-bad-'));
    writeFileSync(
      join(directory, 'godwit.config.yaml'),
      'knowledgeBases:\n  answers:\n    bedrock: { knowledgeBaseId: KB12345678, mode: retrieveAndGenerate }\n',
    );
    expect(() =>
      loadConfig({ configPath: join(directory, 'godwit.config.yaml'), env: {}, cwd: directory }),
    ).toThrow(
      /knowledgeBases\.answers\.bedrock\.modelArn: mode retrieveAndGenerate needs the model that answers/,
    );
  });
});

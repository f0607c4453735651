/**
 * Bedrock Guardrails on chat turns, as configured by users: Converse `guardrailConfig` for Bedrock models
 * (the Bedrock wire emulator intervenes as the service does) and `ApplyGuardrail` (the managed-services
 * emulator, through the AWS SDK) on the question and the streamed answer of other providers. Every
 * intervention is a stored outcome naming the guardrail and the policy.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BedrockManagedServices,
  startBedrockManagedServices,
} from '../support/bedrock-managed-services.ts';

const CLAUDE = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';

let godwit: BedrockManagedServices;

beforeAll(async () => {
  godwit = await startBedrockManagedServices({
    prepare(managed) {
      managed.guardrail('gr-global', '1', {
        deniedTopics: [{ name: 'Investment advice', words: ['stocks'] }],
        blockedWords: ['confidential'],
        blockedInputMessaging: 'I cannot give investment advice.',
        blockedOutputsMessaging: 'Part of this answer is withheld.',
      });
      managed.guardrail('gr-hr', '2', { deniedTopics: [{ name: 'Salaries', words: ['salary'] }] });
    },
    config: ({ managed }) => `sample: false
models:
  default: openai:gpt-4.1-mini
guardrail: { id: gr-global, version: '1', endpoint: ${managed}, outputCheckChars: 50 }
assistants:
  hr:
    model: openai:gpt-4.1-mini
    tools: [calculator]
    guardrail: { id: gr-hr, version: '2', endpoint: ${managed} }
  unknown:
    model: openai:gpt-4.1-mini
    tools: [calculator]
    guardrail: { id: gr-missing, version: '1', endpoint: ${managed} }
`,
  });
}, 60_000);

afterAll(async () => {
  await godwit?.close();
});

const chat = (body: Record<string, unknown>) => godwit.chat(body);

async function stored(conversationId: string) {
  return (await godwit.services.conversations.listMessages('default', conversationId)).at(-1);
}

function guardrailCalls() {
  return godwit.managed.requests.filter((request) => request.operation === 'ApplyGuardrail');
}

describe('ApplyGuardrail around a model of another provider', () => {
  it('checks the question and the answer and lets a harmless turn through', async () => {
    const before = guardrailCalls().length;
    godwit.models.script({
      match: { dialect: 'openai' },
      text: 'Vacation requests go through the HR portal.',
    });
    const { status, body } = await chat({ message: 'How do I request vacation?' });
    expect(status).toBe(200);
    expect(body.answer).toBe('Vacation requests go through the HR portal.');
    const calls = guardrailCalls().slice(before);
    expect(calls.map((call) => call.body.source)).toEqual(['INPUT', 'OUTPUT']);
    expect(calls[0]?.path).toBe('/guardrail/gr-global/version/1/apply');
  });

  it('blocks a question before the model is called, naming the guardrail and the policy', async () => {
    const modelCalls = godwit.models.requests.length;
    const { status, body } = await chat({ message: 'Which stocks should I buy?' });
    expect(status).toBe(422);
    expect(body.error).toMatchObject({
      code: 'guardrail_intervened',
      message: 'Guardrail gr-global (version 1) blocked the question (denied topic "Investment advice").',
    });
    expect(godwit.models.requests.length).toBe(modelCalls);
    expect(await stored(body.error.details.conversationId)).toMatchObject({
      status: 'failed',
      content: '',
      error: body.error.message,
    });
  });

  it('stops a streamed answer when a later part is blocked, releasing only checked text', async () => {
    godwit.models.script({
      match: { dialect: 'openai' },
      chunks: [
        'The quarterly report covers revenue, hiring and the new office. ',
        'The confidential figures are 12.4 million.',
      ],
    });
    const text = await godwit.stream('/api/chat', { message: 'Summarise the report.' });
    expect(text).toContain('The quarterly report covers revenue');
    expect(text).not.toContain('12.4 million');
    expect(text).toContain('"code":"guardrail_intervened"');
    const conversationId = /"conversationId":"([^"]+)"/.exec(text)?.[1];
    expect(await stored(conversationId!)).toMatchObject({
      status: 'incomplete',
      content: 'The quarterly report covers revenue, hiring and the new office. ',
      error: 'Guardrail gr-global (version 1) blocked the answer (blocked word "confidential").',
    });
  });

  it('applies an assistant its own guardrail instead of the global one', async () => {
    const { status, body } = await chat({ assistant: 'hr', message: 'What is the CEO salary?' });
    expect(status).toBe(422);
    expect(body.error.message).toBe(
      'Guardrail gr-hr (version 2) blocked the question (denied topic "Salaries").',
    );
    expect(guardrailCalls().at(-1)?.path).toBe('/guardrail/gr-hr/version/2/apply');
  });

  it('names the config key when the guardrail does not exist', async () => {
    const { status, body } = await chat({ assistant: 'unknown', message: 'Hello' });
    expect(status).toBe(502);
    expect(body.error.message).toBe(
      'Bedrock guardrail gr-missing (version 1) in us-east-1 does not exist (or this account cannot see it): check assistants.unknown.guardrail (ids and region).',
    );
  });
});

describe('Converse guardrailConfig for Bedrock models', () => {
  it('sends the guardrail with the request and stores an input intervention with its message', async () => {
    godwit.models.script({
      match: { dialect: 'bedrock' },
      text: 'unused',
      guardrail: { source: 'input', topics: ['Investment advice'] },
    });
    const { status, body } = await chat({ model: CLAUDE, message: 'Which stocks?' });
    expect(status).toBe(422);
    expect(body.error.message).toBe(
      'Guardrail gr-global (version 1) blocked the question (denied topic "Investment advice").',
    );
    const request = godwit.models.requests.at(-1)!;
    expect(request.body).toMatchObject({
      guardrailConfig: {
        guardrailIdentifier: 'gr-global',
        guardrailVersion: '1',
        trace: 'enabled',
        streamProcessingMode: 'sync',
      },
    });
    expect(await stored(body.error.details.conversationId)).toMatchObject({
      status: 'incomplete',
      content: 'Sorry, the model cannot answer this question.',
      error: body.error.message,
    });
  });

  it('handles an intervention in the middle of a streamed answer', async () => {
    godwit.models.script({
      match: { dialect: 'bedrock' },
      chunks: ['First part. ', 'Second part. ', 'Blocked part.'],
      guardrail: { source: 'output', afterChunks: 2, topics: ['Internal numbers'] },
    });
    const text = await godwit.stream('/api/chat', { model: CLAUDE, message: 'Tell me everything.' });
    expect(text).not.toContain('Blocked part.');
    const conversationId = /"conversationId":"([^"]+)"/.exec(text)?.[1];
    expect(await stored(conversationId!)).toMatchObject({
      status: 'incomplete',
      content: 'First part. Second part. ',
      error: 'Guardrail gr-global (version 1) blocked the answer (denied topic "Internal numbers").',
    });
  });
});

describe('/v1/chat/completions: a block is a content_filter finish, as OpenAI reports one', () => {
  const client = () =>
    new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://localhost/v1',
      maxRetries: 0,
      fetch: async (url, init) => godwit.app.request(String(url), init as RequestInit),
    });

  async function streamed(model: string, content: string) {
    const stream = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content }],
      stream: true,
    });
    let text = '';
    const finishReasons: Array<string | null | undefined> = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finishReasons.push(chunk.choices[0]?.finish_reason);
    }
    return { text, finishReason: finishReasons.filter(Boolean) };
  }

  it('answers a blocked question with the guardrail message (ApplyGuardrail)', async () => {
    const modelCalls = godwit.models.requests.length;
    const completion = await client().chat.completions.create({
      model: 'openai:gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Which stocks should I buy?' }],
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { role: 'assistant', content: 'I cannot give investment advice.' },
    });
    expect(godwit.models.requests.length).toBe(modelCalls);
    const { text, finishReason } = await streamed('openai:gpt-4.1-mini', 'Which stocks should I buy?');
    expect(text).toBe('I cannot give investment advice.');
    expect(finishReason).toEqual(['content_filter']);
  });

  it('ends a stream blocked midway with the checked text, the guardrail message and content_filter', async () => {
    godwit.models.script({
      match: { dialect: 'openai' },
      chunks: [
        'The quarterly report covers revenue, hiring and the new office. ',
        'The confidential figures are 12.4 million.',
      ],
    });
    const { text, finishReason } = await streamed('openai:gpt-4.1-mini', 'Summarise the report.');
    expect(text).toBe(
      'The quarterly report covers revenue, hiring and the new office. \n\nPart of this answer is withheld.',
    );
    expect(finishReason).toEqual(['content_filter']);
  });

  it('keeps the Converse guardrail text as the content, streamed or not', async () => {
    const script = {
      match: { dialect: 'bedrock' as const },
      text: 'unused',
      guardrail: { source: 'input' as const, topics: ['Investment advice'] },
    };
    godwit.models.script(script);
    const completion = await client().chat.completions.create({
      model: CLAUDE,
      messages: [{ role: 'user', content: 'Which stocks?' }],
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: 'Sorry, the model cannot answer this question.' },
    });
    godwit.models.script(script);
    const { text, finishReason } = await streamed(CLAUDE, 'Which stocks?');
    expect(text).toBe('Sorry, the model cannot answer this question.');
    expect(finishReason).toEqual(['content_filter']);
  });

  it('reports an assistant turn its guardrail blocked as content_filter, and stores the block', async () => {
    const completion = await client().chat.completions.create({
      model: 'assistant:hr',
      messages: [{ role: 'user', content: 'Salary of the CEO, please?' }],
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: 'Sorry, the model cannot answer this question.' },
    });
    const { text, finishReason } = await streamed('assistant:hr', 'Salary of the CEO, please?');
    expect(text).toBe('Sorry, the model cannot answer this question.');
    expect(finishReason).toEqual(['content_filter']);
    const { conversations } = await godwit.services.conversations.listConversations('default', {
      query: 'Salary of the CEO, please?',
    });
    expect(conversations.length).toBe(2);
    for (const conversation of conversations) {
      expect(await stored(conversation.id)).toMatchObject({
        status: 'failed',
        error: 'Guardrail gr-hr (version 2) blocked the question (denied topic "Salaries").',
      });
    }
  });

  it('still answers other failures as errors', async () => {
    await expect(
      client().chat.completions.create({
        model: 'assistant:unknown',
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    ).rejects.toMatchObject({ status: 502 });
  });
});

/**
 * LangChain's `ChatOpenAI` and `OpenAIEmbeddings` pointed at Godwit with `configuration.baseURL`: the
 * zero-code migration path for prototypes built on LangChain.
 */
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_MODEL,
  EMBEDDING_MODEL,
  type Gateway,
  KNOWLEDGE_BASE,
  startGateway,
} from '../support/openai-gateway-harness.ts';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
});

function chatModel(model: string) {
  return new ChatOpenAI({
    model,
    apiKey: 'sk-godwit-local',
    maxRetries: 0,
    configuration: { baseURL: `${gateway.url}/v1` },
  });
}

describe('LangChain ChatOpenAI against Godwit', () => {
  it('invokes a provider model and reads the token usage', async () => {
    gateway.emulator.script({ text: 'Bonjour !', usage: { inputTokens: 11, outputTokens: 3 } });
    const reply = await chatModel(CHAT_MODEL).invoke([
      new SystemMessage('Translate to French.'),
      new HumanMessage('Hello!'),
    ]);
    expect(reply.content).toBe('Bonjour !');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 11, output_tokens: 3, total_tokens: 14 });
    expect(gateway.emulator.requests.at(-1)?.path).toBe('/v1/chat/completions');
  });

  it('streams a provider model', async () => {
    gateway.emulator.script({ chunks: ['One, ', 'two, ', 'three.'] });
    const pieces: string[] = [];
    for await (const chunk of await chatModel(CHAT_MODEL).stream('Count to three.')) {
      pieces.push(typeof chunk.content === 'string' ? chunk.content : '');
    }
    expect(pieces.join('')).toBe('One, two, three.');
  });

  it('binds tools, receives tool calls, and sends the tool result back', async () => {
    gateway.emulator.script({
      toolCalls: [{ id: 'call_lookup_1', name: 'lookup_user', input: { email: 'ana@example.com' } }],
    });
    const model = chatModel(CHAT_MODEL).bindTools([
      {
        type: 'function',
        function: {
          name: 'lookup_user',
          description: 'Find a user by e-mail',
          parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
        },
      },
    ]);
    const question = new HumanMessage('Who is ana@example.com?');
    const call = await model.invoke([question]);
    expect(call.tool_calls).toEqual([
      expect.objectContaining({
        id: 'call_lookup_1',
        name: 'lookup_user',
        args: { email: 'ana@example.com' },
      }),
    ]);

    gateway.emulator.script({ text: 'Ana is in the finance team.' });
    const answer = await model.invoke([
      question,
      new AIMessage({ content: '', tool_calls: call.tool_calls }),
      new ToolMessage({ tool_call_id: 'call_lookup_1', content: '{"team":"finance"}' }),
    ]);
    expect(answer.content).toBe('Ana is in the finance team.');
  });

  it('asks a kb: assistant and gets a grounded answer', async () => {
    gateway.emulator.script({ text: 'After five years it rises to 25 days [1].' });
    const reply = await chatModel(`kb:${KNOWLEDGE_BASE}`).invoke('How many vacation days after five years?');
    expect(reply.content).toBe('After five years it rises to 25 days [1].');
  });

  it('embeds documents and a query with OpenAIEmbeddings', async () => {
    const embeddings = new OpenAIEmbeddings({
      model: EMBEDDING_MODEL,
      apiKey: 'sk-godwit-local',
      configuration: { baseURL: `${gateway.url}/v1` },
    });
    const vectors = await embeddings.embedDocuments(['vacation', 'sick leave']);
    expect(vectors.map((vector) => vector.length)).toEqual([1536, 1536]);
    expect(await embeddings.embedQuery('vacation')).toEqual(vectors[0]);
  });
});

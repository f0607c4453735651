/**
 * `POST /api/ui/chat` driven by the AI SDK's own client pieces: `DefaultChatTransport` sends the request and
 * parses the stream, `readUIMessageStream` assembles the message `useChat` would show.
 */
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UIChatMetadata } from '../../src/server/chat-turn/index.ts';
import { createApp } from '../../src/server/index.ts';
import {
  ANSWER_PIECES,
  createTestServices,
  PROVIDER_FAILURE,
  type TestServices,
} from '../support/test-services.ts';
import { multipart, postJson, upload } from './http-helpers.ts';

type Message = UIMessage<UIChatMetadata>;

let services: TestServices;
let app: ReturnType<typeof createApp>;

const HANDBOOK = '# Leave\n\nEmployees get 25 vacation days a year. Unused days carry over until March.\n';

beforeAll(async () => {
  services = await createTestServices();
  app = createApp({ services, options: { logger: () => {} } });
  await postJson(app, '/api/knowledge-bases', { name: 'handbook' });
  const uploaded = await upload(app, 'handbook', multipart([{ name: 'leave.md', content: HANDBOOK }]));
  expect(uploaded.status).toBe(201);
});

afterAll(async () => {
  await services?.close();
});

function userMessage(text: string): Message {
  return { id: `user-${text.length}`, role: 'user', parts: [{ type: 'text', text }] };
}

const transport = () =>
  new DefaultChatTransport<Message>({
    api: 'http://localhost/api/ui/chat',
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      app.request(String(input), init)) as typeof fetch,
  });

async function send(text: string, body: Record<string, unknown>) {
  const stream = await transport().sendMessages({
    trigger: 'submit-message',
    chatId: 'chat-1',
    messageId: undefined,
    messages: [userMessage(text)],
    abortSignal: undefined,
    body,
  });
  const chunks: UIMessageChunk[] = [];
  const [forChunks, forMessage] = stream.tee();
  const reading = (async () => {
    const reader = forChunks.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  })();
  let message: Message | undefined;
  for await (const snapshot of readUIMessageStream<Message>({ stream: forMessage, onError: () => {} })) {
    message = snapshot;
  }
  await reading;
  return { chunks, message: message as Message };
}

describe('POST /api/ui/chat', () => {
  it('streams the answer with its citations and the conversation id', async () => {
    const { chunks, message } = await send('How many vacation days?', { knowledgeBase: 'handbook' });
    const text = message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    expect(text).toBe(ANSWER_PIECES.join(''));
    expect(chunks.filter((chunk) => chunk.type === 'text-delta')).toHaveLength(ANSWER_PIECES.length);
    expect(message.metadata).toMatchObject({
      status: 'complete',
      model: 'mock:answer',
      knowledgeBase: 'handbook',
    });
    const conversationId = message.metadata?.conversationId;
    expect(conversationId).toEqual(expect.any(String));

    const citations = message.parts.find((part) => part.type === 'data-citations');
    expect(citations).toMatchObject({
      data: {
        final: true,
        citations: [
          expect.objectContaining({
            index: 1,
            source: 'leave.md',
            knowledgeBase: 'handbook',
            location: expect.objectContaining({ headings: ['Leave'] }),
          }),
        ],
      },
    });
    const sources = message.parts.filter((part) => part.type === 'source-document');
    expect(sources).toEqual([expect.objectContaining({ sourceId: '1', title: 'leave.md' })]);

    const stored = (await (await app.request(`/api/conversations/${conversationId}`)).json()) as {
      messages: Array<{ id: string; role: string; content: string; status: string }>;
    };
    expect(stored.messages.map((entry) => [entry.role, entry.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(stored.messages[1]?.id).toBe(message.id);
  });

  it('continues a conversation when the client sends its id', async () => {
    const first = await send('Vacation days?', { knowledgeBase: 'handbook' });
    const conversationId = first.message.metadata?.conversationId;
    const second = await send('And carry-over?', { conversationId });
    expect(second.message.metadata?.conversationId).toBe(conversationId);
    const stored = (await (await app.request(`/api/conversations/${conversationId}`)).json()) as {
      messages: unknown[];
    };
    expect(stored.messages).toHaveLength(4);
  });

  it('reports a provider failure as an error chunk and keeps the user message', async () => {
    const { chunks, message } = await send('Will this fail?', { model: 'mock:fail' });
    expect(chunks.at(-1)).toEqual({ type: 'error', errorText: PROVIDER_FAILURE });
    expect(message.metadata).toMatchObject({
      status: 'failed',
      error: { code: 'provider_error', message: PROVIDER_FAILURE },
    });
    const stored = (await (
      await app.request(`/api/conversations/${message.metadata?.conversationId}`)
    ).json()) as { messages: Array<{ role: string; content: string; status: string }> };
    expect(stored.messages[0]).toMatchObject({ role: 'user', content: 'Will this fail?' });
    expect(stored.messages[1]).toMatchObject({ role: 'assistant', status: 'failed' });
  });

  it('speaks the UI message stream protocol on the wire', async () => {
    const response = await postJson(app, '/api/ui/chat', {
      id: 'chat-2',
      messages: [userMessage('Hello?')],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = await response.text();
    expect(body.trim().split('\n\n').at(-1)).toBe('data: [DONE]');
  });

  it('answers a bad request as a JSON error before streaming', async () => {
    const noMessages = await postJson(app, '/api/ui/chat', { id: 'x', messages: [] });
    expect(noMessages.status).toBe(400);
    const lastIsAssistant = await postJson(app, '/api/ui/chat', {
      messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }],
    });
    expect(lastIsAssistant.status).toBe(400);
    expect(((await lastIsAssistant.json()) as { error: { message: string } }).error.message).toContain(
      'last message must be the user message',
    );
    const empty = await postJson(app, '/api/ui/chat', { messages: [userMessage('   ')] });
    expect(empty.status).toBe(400);
    const unknownBase = await postJson(app, '/api/ui/chat', {
      messages: [userMessage('hi')],
      knowledgeBase: 'nope',
    });
    expect(unknownBase.status).toBe(404);
    expect(await unknownBase.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('rejects the request through the transport with the JSON error as the message', async () => {
    // useChat puts the response text in `error.message`; the web app parses the `{ error }` body out of it.
    await expect(send('hi', { conversationId: 'missing' })).rejects.toThrow(
      /"code":"not_found".*does not exist/,
    );
  });
});

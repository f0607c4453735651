/**
 * Approvals end to end: an assistant's write call stops the turn with a stored, signed approval request;
 * POST /api/conversations/:id/tool-approvals (and /api/ui/chat with `useChat`'s approval responses)
 * approves or denies and continues the same answer. Real config loader and composition root, the model
 * scripted on the OpenAI wire emulator, and a real HTTP API behind the tool.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { ToolCallEvent } from '../../src/core/agent/tool-call-event.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const DOCUMENT = join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml');
const BOOK = {
  name: 'scheduling__createAppointment',
  input: { body: { providerId: 'dr-lee', start: '09:00' } },
};

let emulator: Emulator;
let api: Server;
const booked: string[] = [];
let services: GodwitServices;
let server: ServerType;
let baseUrl: string;
const toolEvents: ToolCallEvent[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  api = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.method === 'POST') booked.push(body);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ booked: true }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const directory = mkdtempSync(join(tmpdir(), 'godwit-approvals-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `dataDir: ${join(directory, 'data')}
models:
  default: openai:gpt-4.1-mini
tools:
  approvalSecret: approval-secret-for-tests-0123456789
  rateLimit: { tools: { calculator: 1 } }
  openapi:
    scheduling:
      document: ${DOCUMENT}
      baseUrl: http://127.0.0.1:${(api.address() as AddressInfo).port}
assistants:
  scheduler:
    instructions: You book appointments for patients.
    tools: [calculator, scheduling]
`,
  );
  const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
  const { config } = loadConfig({ configPath: path, env, cwd: directory });
  services = await createGodwit(config, { env, onToolCall: (event) => toolEvents.push(event) });
  server = serve({ fetch: createApp({ services }).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await services?.close();
  await emulator?.close();
  api?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Body = Record<string, any>;

async function post(path: string, body: unknown, accept = 'application/json') {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: (accept === 'application/json' ? JSON.parse(text) : {}) as Body,
  };
}

/** A turn whose model asks to book: returns the conversation and the waiting call. */
async function waitingBooking(calls = [BOOK]) {
  emulator.script({ match: { dialect: 'openai' }, toolCalls: calls });
  const { status, body } = await post('/api/chat', { assistant: 'scheduler', message: 'Book me at 09:00.' });
  expect(status).toBe(200);
  expect(body.message.toolCalls.map((call: Body) => call.state)).toEqual(
    calls.map(() => 'awaiting-approval'),
  );
  return { conversationId: body.conversationId as string, calls: body.message.toolCalls as Body[] };
}

function decide(conversationId: string, approvals: unknown[], accept?: string) {
  return post(`/api/conversations/${conversationId}/tool-approvals`, { approvals }, accept);
}

describe('POST /api/conversations/:id/tool-approvals', () => {
  it('runs an approved call and continues the same answer', async () => {
    const { conversationId, calls } = await waitingBooking();
    const before = booked.length;
    emulator.script({ match: { dialect: 'openai' }, text: 'Booked with Dr Lee at 09:00.' });
    const { status, body } = await decide(conversationId, [
      { approvalId: calls[0]!.approval.id, approved: true },
    ]);
    expect(status).toBe(200);
    expect(booked.slice(before).map((body) => JSON.parse(body))).toEqual([
      { providerId: 'dr-lee', start: '09:00' },
    ]);
    expect(body.answer).toBe('Booked with Dr Lee at 09:00.');
    expect(body.message.status).toBe('complete');
    expect(body.message.toolCalls).toEqual([
      expect.objectContaining({
        state: 'complete',
        output: { booked: true },
        approval: expect.objectContaining({ state: 'approved' }),
      }),
    ]);
    const stored = await services.conversations.listMessages('default', conversationId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored[1]?.id).toBe(body.message.id);
    expect(toolEvents.at(-1)).toMatchObject({
      conversationId,
      assistant: 'scheduler',
      kind: 'openapi',
      call: { toolName: BOOK.name, state: 'complete' },
    });
  });

  it('reports a denied call to the model with the reason and does not run it', async () => {
    const { conversationId, calls } = await waitingBooking();
    const before = booked.length;
    emulator.script({ match: { dialect: 'openai' }, text: 'I did not book it.' });
    const { body } = await decide(conversationId, [
      { approvalId: calls[0]!.approval.id, approved: false, reason: 'I am away that day' },
    ]);
    expect(booked.length).toBe(before);
    expect(body.answer).toBe('I did not book it.');
    expect(body.message.toolCalls[0]).toMatchObject({
      state: 'denied',
      error: 'The user denied this tool call: I am away that day',
      approval: { state: 'denied', reason: 'I am away that day' },
    });
    const sentToModel = JSON.stringify(emulator.requests.at(-1)?.body);
    expect(sentToModel).toContain('I am away that day');
  });

  it('continues as server-sent events when asked', async () => {
    const { conversationId, calls } = await waitingBooking();
    emulator.script({ match: { dialect: 'openai' }, text: 'Done.' });
    const { status, text } = await decide(
      conversationId,
      [{ approvalId: calls[0]!.approval.id, approved: true }],
      'text/event-stream',
    );
    expect(status).toBe(200);
    expect(text).toContain('event: tool\ndata: {"toolCallId"');
    expect(text).toContain('"state":"complete"');
    expect(text).toContain('event: done');
  });

  it('refuses a replayed decision with 409 once the call was decided', async () => {
    const { conversationId, calls } = await waitingBooking();
    emulator.script({ match: { dialect: 'openai' }, text: 'Booked.' });
    const decision = [{ approvalId: calls[0]!.approval.id, approved: true }];
    expect((await decide(conversationId, decision)).status).toBe(200);
    const before = booked.length;
    const replay = await decide(conversationId, decision);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('approval_already_decided');
    expect(replay.body.error.message).toMatch(/was already approved; this decision changed nothing/);
    expect(booked.length).toBe(before);
  });

  it('refuses an unknown approval id, a duplicate and no decision with 400, changing nothing', async () => {
    const second = { ...BOOK, input: { body: { providerId: 'dr-lee', start: '10:30' } } };
    const { conversationId, calls } = await waitingBooking([BOOK, second]);
    const [first] = calls.map((call) => call.approval.id as string);
    const unknown = await decide(conversationId, [{ approvalId: 'nope', approved: true }]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(
      /approvals\[0\]\.approvalId "nope" is not a call waiting for approval\. Waiting: /,
    );
    const twice = await decide(conversationId, [
      { approvalId: first, approved: true },
      { approvalId: first, approved: false },
    ]);
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toMatch(/decides ".*" a second time/);
    const empty = await decide(conversationId, []);
    expect(empty.status).toBe(400);
    const stored = await services.conversations.listMessages('default', conversationId);
    expect(stored.at(-1)?.parts.filter((part) => part.type === 'tool-result')).toEqual([]);
    expect(stored.at(-1)?.status).toBe('complete');
    expect(
      stored.at(-1)?.parts.flatMap((part) => (part.type === 'tool-call' ? [part.approval?.state] : [])),
    ).toEqual(['requested', 'requested']);
  });

  it('stores a decision on one of two waiting calls (202) and continues when the other is decided', async () => {
    const second = { ...BOOK, input: { body: { providerId: 'dr-lee', start: '10:30' } } };
    const { conversationId, calls } = await waitingBooking([BOOK, second]);
    const [first, other] = calls.map((call) => call.approval.id as string);
    const before = booked.length;
    const partial = await decide(conversationId, [{ approvalId: first, approved: true }]);
    expect(partial.status).toBe(202);
    expect(partial.body.message.toolCalls[0].approval.state).toBe('approved');
    expect(partial.body.message.toolCalls[1].state).toBe('awaiting-approval');
    expect(booked.length).toBe(before);
    emulator.script({ match: { dialect: 'openai' }, text: 'Booked 09:00, skipped 10:30.' });
    const last = await decide(conversationId, [{ approvalId: other, approved: false }]);
    expect(last.status).toBe(200);
    expect(last.body.message.toolCalls.map((call: Body) => call.state)).toEqual(['complete', 'denied']);
    expect(booked.length).toBe(before + 1);
  });

  it('answers 404 for a conversation that does not exist', async () => {
    const { status, body } = await decide('missing-conversation', [{ approvalId: 'x', approved: true }]);
    expect(status).toBe(404);
    expect(body.error.message).toMatch(/Conversation "missing-conversation" does not exist/);
  });

  it('does not run a call whose stored input was changed after it was signed', async () => {
    const { conversationId, calls } = await waitingBooking();
    const stored = await services.conversations.listMessages('default', conversationId);
    const answer = stored.at(-1)!;
    await services.conversations.updateMessage('default', answer.id, {
      parts: answer.parts.map((part) =>
        part.type === 'tool-call'
          ? { ...part, input: { body: { providerId: 'dr-evil', start: '09:00' } } }
          : part,
      ),
    });
    const before = booked.length;
    const { status, body } = await decide(conversationId, [
      { approvalId: calls[0]!.approval.id, approved: true },
    ]);
    expect(status).toBe(409);
    expect(body.error.message).toMatch(/^The approval does not match the tool call as it was requested/);
    expect(booked.length).toBe(before);
    const [, ended] = await services.conversations.listMessages('default', conversationId);
    expect(ended?.status).toBe('failed');
    expect(ended?.parts.find((part) => part.type === 'tool-result')).toMatchObject({ isError: true });
  });
});

describe('per-tool rate limit', () => {
  it('fails a call over the limit without running it, and tells the model when to retry', async () => {
    emulator.script(
      {
        match: { dialect: 'openai' },
        toolCalls: [
          { name: 'calculator', input: { expression: '1+1' } },
          { name: 'calculator', input: { expression: '2+2' } },
        ],
      },
      { match: { dialect: 'openai' }, text: 'Two, and the second must wait.' },
    );
    const { body } = await post('/api/chat', { assistant: 'scheduler', message: 'Add twice.' });
    expect(body.message.toolCalls.map((call: Body) => call.state)).toEqual(['complete', 'failed']);
    expect(body.message.toolCalls[1].error).toMatch(
      /^Tool "calculator" reached its limit of 1 calls per minute; it did not run\. Try again in \d+ s\.$/,
    );
    expect(JSON.stringify(emulator.requests.at(-1)?.body)).toContain('reached its limit');
  });
});

describe('approvals over /api/ui/chat (useChat)', () => {
  function chunks(text: string): Body[] {
    return text
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Body);
  }

  it('streams the approval request, then continues the answer from the approval response', async () => {
    emulator.script({ match: { dialect: 'openai' }, toolCalls: [BOOK] });
    const first = await post(
      '/api/ui/chat',
      {
        assistant: 'scheduler',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Book me.' }] }],
      },
      'text/event-stream',
    );
    expect(first.status).toBe(200);
    const sent = chunks(first.text);
    const start = sent.find((chunk) => chunk.type === 'start')!;
    const input = sent.find((chunk) => chunk.type === 'tool-input-available')!;
    const request = sent.find((chunk) => chunk.type === 'tool-approval-request')!;
    expect(input).toMatchObject({ toolName: BOOK.name, input: BOOK.input, dynamic: true });
    expect(request.toolCallId).toBe(input.toolCallId);
    const before = booked.length;
    emulator.script({ match: { dialect: 'openai' }, text: 'Booked.' });
    const second = await post(
      '/api/ui/chat',
      {
        conversationId: start.messageMetadata.conversationId,
        assistant: 'scheduler',
        messages: [
          { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Book me.' }] },
          {
            id: start.messageId,
            role: 'assistant',
            parts: [
              {
                type: 'dynamic-tool',
                toolName: BOOK.name,
                toolCallId: input.toolCallId,
                state: 'approval-responded',
                input: BOOK.input,
                approval: { id: request.approvalId, approved: true },
              },
            ],
          },
        ],
      },
      'text/event-stream',
    );
    expect(second.status).toBe(200);
    const resumed = chunks(second.text);
    expect(resumed[0]).toMatchObject({ type: 'start', messageId: start.messageId });
    expect(resumed).toContainEqual(
      expect.objectContaining({
        type: 'tool-output-available',
        toolCallId: input.toolCallId,
        output: { booked: true },
      }),
    );
    expect(resumed).toContainEqual(expect.objectContaining({ type: 'text-delta', delta: 'Booked.' }));
    expect(booked.length).toBe(before + 1);
  });

  it('refuses approval responses without a conversationId', async () => {
    const { status, body } = await post('/api/ui/chat', {
      messages: [
        {
          role: 'assistant',
          parts: [
            { type: 'dynamic-tool', state: 'approval-responded', approval: { id: 'a', approved: true } },
          ],
        },
      ],
    });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^conversationId: approval responses continue a stored conversation/);
  });
});

describe('the text of a continued answer', () => {
  const AVAILABILITY = {
    name: 'scheduling__getAvailability',
    input: { providerId: 'dr-lee', date: '2026-12-08' },
  };

  function sseDeltas(text: string): string {
    return text
      .split('\n\n')
      .filter((block) => block.startsWith('event: delta\n'))
      .map((block) => (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { text: string }).text)
      .join('');
  }

  async function waitingWithText() {
    emulator.script({ match: { dialect: 'openai' }, text: 'Booking it now.', toolCalls: [BOOK] });
    const { body } = await post('/api/chat', { assistant: 'scheduler', message: 'Book me at 09:00.' });
    expect(body.answer).toBe('Booking it now.');
    return {
      conversationId: body.conversationId as string,
      approvalId: body.message.toolCalls[0].approval.id,
    };
  }

  it('starts after a blank line in the JSON answer and the stored message', async () => {
    const { conversationId, approvalId } = await waitingWithText();
    emulator.script({ match: { dialect: 'openai' }, text: 'You are booked.' });
    const { body } = await decide(conversationId, [{ approvalId, approved: true }]);
    expect(body.answer).toBe('Booking it now.\n\nYou are booked.');
    const stored = await services.conversations.listMessages('default', conversationId);
    expect(stored.at(-1)?.content).toBe('Booking it now.\n\nYou are booked.');
  });

  it('starts after a blank line in server-sent events, sent once', async () => {
    const { conversationId, approvalId } = await waitingWithText();
    emulator.script({ match: { dialect: 'openai' }, chunks: ['You are ', 'booked.'] });
    const { text } = await decide(conversationId, [{ approvalId, approved: true }], 'text/event-stream');
    expect(sseDeltas(text)).toBe('\n\nYou are booked.');
  });

  it('starts after a blank line in the useChat stream', async () => {
    const { conversationId, approvalId } = await waitingWithText();
    const [answer] = (await services.conversations.listMessages('default', conversationId)).slice(-1);
    const call = answer!.parts.find((part) => part.type === 'tool-call')!;
    emulator.script({ match: { dialect: 'openai' }, text: 'You are booked.' });
    const { text } = await post(
      '/api/ui/chat',
      {
        conversationId,
        assistant: 'scheduler',
        messages: [
          { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Book me at 09:00.' }] },
          {
            id: answer!.id,
            role: 'assistant',
            parts: [
              { type: 'text', text: 'Booking it now.' },
              {
                type: 'dynamic-tool',
                toolName: BOOK.name,
                toolCallId: call.type === 'tool-call' ? call.toolCallId : '',
                state: 'approval-responded',
                input: BOOK.input,
                approval: { id: approvalId, approved: true },
              },
            ],
          },
        ],
      },
      'text/event-stream',
    );
    const deltas = text
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Body)
      .filter((chunk) => chunk.type === 'text-delta')
      .map((chunk) => chunk.delta as string);
    expect(deltas.join('')).toBe('\n\nYou are booked.');
    const stored = await services.conversations.listMessages('default', conversationId);
    expect(stored.at(-1)?.content).toBe('Booking it now.\n\nYou are booked.');
  });

  it('separates the text of two steps in OpenAI chunks on /v1', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, text: 'Let me look.', toolCalls: [AVAILABILITY] },
      { match: { dialect: 'openai' }, text: 'Dr Lee is free at 09:00.' },
    );
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'assistant:scheduler',
        stream: true,
        messages: [{ role: 'user', content: 'When is Dr Lee free?' }],
      }),
    });
    const content = (await response.text())
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Body)
      .map((chunk) => chunk.choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(content).toBe('Let me look.\n\nDr Lee is free at 09:00.');
  });
});

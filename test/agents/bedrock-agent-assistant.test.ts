/**
 * Assistants answered by a managed Bedrock Agent, as users run them: a godwit.config.yaml with
 * `bedrockAgent`, the real config loader and composition root, the AWS SDK's Agent Runtime client against
 * the InvokeAgent wire emulator, and a real HTTP API behind the Godwit tool that runs returned calls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import {
  type BedrockManagedServices,
  type ResponseBody,
  startBedrockManagedServices,
} from '../support/bedrock-managed-services.ts';
import { type AgentRuntimeEmulator, agentEvents } from '../support/emulators/index.ts';

const DOCUMENT = join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml');
const MODEL = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';

let godwit: BedrockManagedServices;
let managed: AgentRuntimeEmulator;
let services: GodwitServices;
let app: BedrockManagedServices['app'];
let api: Server;
const apiRequests: string[] = [];

beforeAll(async () => {
  api = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    apiRequests.push(`${request.method} ${request.url}${body ? ` ${body}` : ''}`);
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify(request.method === 'POST' ? { booked: true } : [{ start: '2026-12-08T09:00' }]),
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  godwit = await startBedrockManagedServices({
    prepare: (emulator) => emulator.agent('AGENT12345', ['ALIAS12345']),
    config: () => `sample: false
tools:
  approvalSecret: approval-secret-for-tests-0123456789
  openapi:
    scheduling: { document: ${DOCUMENT}, baseUrl: ${apiUrl} }
assistants:
  support:
    bedrockAgent:
      agentId: AGENT12345
      aliasId: ALIAS12345
      model: ${MODEL}
      actionGroups: { SchedulingActions: scheduling }
    tools: [scheduling, calculator]
    maxSteps: 3
  ghost:
    bedrockAgent: { agentId: NOAGENT123, aliasId: ALIAS12345 }
  wrongalias:
    bedrockAgent: { agentId: AGENT12345, aliasId: NOALIAS123 }
`,
  });
  ({ managed, services, app } = godwit);
}, 60_000);

afterAll(async () => {
  await godwit?.close();
  api?.close();
});

const chat = (body: Record<string, unknown>) => godwit.chat(body);

const leave = { uri: 's3://handbook/leave.md', text: 'New employees get 20 vacation days a year.' };

describe('an assistant backed by a Bedrock Agent', () => {
  it('answers with the agent, its steps as tool calls, its attributions as sources, and its usage priced', async () => {
    managed.scriptAgent({
      events: [
        agentEvents.knowledgeBaseLookup('t-0', 'KB12345678', 'vacation days'),
        agentEvents.knowledgeBaseResult('t-0', [leave]),
        agentEvents.actionGroupCall({
          traceId: 't-1',
          actionGroup: 'Leave',
          verb: 'get',
          apiPath: '/balance/{employee}',
          parameters: [{ name: 'employee', type: 'string', value: 'ana' }],
        }),
        agentEvents.actionGroupResult('t-1', '{"days":12}'),
        agentEvents.usage('t-1', 900, 60),
        agentEvents.chunk('New employees get 20 days.', [
          { text: 'New employees get 20 days.', references: [leave] },
        ]),
        agentEvents.chunk(' Ana has 12 left.'),
      ],
    });
    const { status, body } = await chat({
      assistant: 'support',
      message: 'How many vacation days do I have?',
    });
    expect(status).toBe(200);
    expect(body.answer).toBe('New employees get 20 days. [1] Ana has 12 left.');
    expect(body.citations).toEqual([
      expect.objectContaining({ index: 1, source: 's3://handbook/leave.md', text: leave.text }),
    ]);
    expect(
      body.message.toolCalls.map(
        (call: { toolName: string; state: string; input: unknown; output: unknown }) => [
          call.toolName,
          call.state,
          call.input,
          call.output,
        ],
      ),
    ).toEqual([
      [
        'knowledge base KB12345678',
        'complete',
        { query: 'vacation days' },
        [{ source: leave.uri, text: leave.text }],
      ],
      ['Leave: GET /balance/{employee}', 'complete', { employee: 'ana' }, { days: 12 }],
    ]);
    expect(body.message.model).toBe(MODEL);
    expect(body.message.usage).toEqual({ inputTokens: 900, outputTokens: 60, totalTokens: 960 });
    expect(body.message.costUsd).toBeGreaterThan(0);
    const invocation = managed.requests.at(-1)!;
    expect(invocation.sessionId).toBe(body.conversationId);
    expect(invocation.body).toMatchObject({
      inputText: 'How many vacation days do I have?',
      enableTrace: true,
      sessionState: { sessionAttributes: { tenantId: 'default', userId: expect.any(String) } },
    });
    const usage = await services.usage.summarize('default');
    expect(usage.some((row) => row.model === MODEL && row.inputTokens >= 900)).toBe(true);
  });

  it('runs a returned call on the Godwit tool and sends the result back to the agent', async () => {
    managed.scriptAgent(
      {
        events: [
          agentEvents.returnControl('inv-1', [
            {
              actionGroup: 'SchedulingActions',
              apiPath: '/availability/{providerId}',
              httpMethod: 'GET',
              parameters: [
                { name: 'providerId', type: 'string', value: 'dr-lee' },
                { name: 'date', type: 'string', value: '2026-12-08' },
              ],
            },
          ]),
        ],
      },
      { events: [agentEvents.chunk('Dr Lee is free at 09:00.')] },
    );
    const { status, body } = await chat({ assistant: 'support', message: 'When is Dr Lee free?' });
    expect(status).toBe(200);
    expect(body.answer).toBe('Dr Lee is free at 09:00.');
    expect(body.message.toolCalls).toEqual([
      expect.objectContaining({
        toolName: 'scheduling__getAvailability',
        state: 'complete',
        input: { providerId: 'dr-lee', date: '2026-12-08' },
        output: [{ start: '2026-12-08T09:00' }],
      }),
    ]);
    expect(apiRequests.at(-1)).toBe('GET /availability/dr-lee?date=2026-12-08');
    expect(managed.requests.at(-1)?.body).toMatchObject({
      sessionState: {
        invocationId: 'inv-1',
        returnControlInvocationResults: [
          {
            apiResult: {
              actionGroup: 'SchedulingActions',
              apiPath: '/availability/{providerId}',
              httpMethod: 'GET',
              httpStatusCode: 200,
              responseBody: { 'application/json': { body: '[{"start":"2026-12-08T09:00"}]' } },
            },
          },
        ],
      },
    });
  });

  it('holds a returned write call for approval, as the assistant policy says, and calls nothing', async () => {
    const before = apiRequests.length;
    const calls = managed.requests.length;
    managed.scriptAgent({
      events: [
        agentEvents.returnControl('inv-2', [
          {
            actionGroup: 'SchedulingActions',
            apiPath: '/appointments',
            httpMethod: 'POST',
            body: [
              { name: 'providerId', type: 'string', value: 'dr-lee' },
              { name: 'start', type: 'string', value: '2026-12-08T09:00' },
            ],
          },
        ]),
      ],
    });
    const { status, body } = await chat({ assistant: 'support', message: 'Book Dr Lee at 09:00.' });
    expect(status).toBe(200);
    expect(body.message.toolCalls).toEqual([
      expect.objectContaining({ toolName: 'scheduling__createAppointment', state: 'awaiting-approval' }),
    ]);
    expect(apiRequests.length).toBe(before);
    expect(managed.requests.length).toBe(calls + 1);
  });

  it('stores a returned call for a tool Godwit lacks as a clear failure and tells the agent', async () => {
    managed.scriptAgent(
      { events: [agentEvents.returnControl('inv-3', [{ actionGroup: 'Payroll', function: 'raiseSalary' }])] },
      { events: [agentEvents.chunk('I cannot change salaries.')] },
    );
    const { status, body } = await chat({ assistant: 'support', message: 'Give me a raise.' });
    expect(status).toBe(200);
    const [call] = body.message.toolCalls;
    expect(call).toMatchObject({ toolName: 'Payroll: raiseSalary', state: 'failed' });
    expect(call.error).toBe(
      "The agent asked Godwit to run Payroll: raiseSalary, but this assistant has no such tool. This assistant's tools: calculator, scheduling__getAvailability, scheduling__createAppointment. Add the action group's OpenAPI or Lambda source to tools and to assistants.support.tools.",
    );
    expect(managed.requests.at(-1)?.body).toMatchObject({
      sessionState: {
        returnControlInvocationResults: [
          { functionResult: { actionGroup: 'Payroll', function: 'raiseSalary', responseState: 'REPROMPT' } },
        ],
      },
    });
    expect(body.answer).toBe('I cannot change salaries.');
  });

  it('stops at the step limit when the agent keeps handing calls back', async () => {
    const handBack = (id: string) => ({
      events: [agentEvents.returnControl(id, [{ actionGroup: 'Payroll', function: 'raiseSalary' }])],
    });
    managed.scriptAgent(handBack('a'), handBack('b'), handBack('c'));
    const { body } = await chat({ assistant: 'support', message: 'Loop.' });
    expect(body.message.status).toBe('incomplete');
    expect(body.message.error).toBe(
      'The assistant stopped after 3 steps (its step limit) before it finished.',
    );
  });

  it('stores the agent guardrail blocking the answer as a clear outcome naming the policy', async () => {
    managed.scriptAgent({
      events: [
        agentEvents.chunk('Sorry, I cannot discuss that.'),
        agentEvents.guardrailIntervened('g-1', 'input', ['Investment advice']),
      ],
    });
    const { status, body } = await chat({ assistant: 'support', message: 'Which stocks?' });
    expect(status).toBe(422);
    expect(body.error).toMatchObject({
      code: 'guardrail_intervened',
      message: 'Guardrail attached to the agent blocked the question (denied topic "Investment advice").',
    });
    const stored = await services.conversations.listMessages('default', body.error.details.conversationId);
    expect(stored.at(-1)).toMatchObject({
      status: 'incomplete',
      content: 'Sorry, I cannot discuss that.',
      error: 'Guardrail attached to the agent blocked the question (denied topic "Investment advice").',
    });
  });

  it('is assistant:support on /v1 for the official OpenAI client, streamed too', async () => {
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://localhost/v1',
      fetch: async (url, init) => app.request(String(url), init as RequestInit),
    });
    managed.scriptAgent(
      { events: [agentEvents.chunk('Hello from the agent.')] },
      { events: [agentEvents.chunk('Streamed '), agentEvents.chunk('answer.')] },
    );
    const completion = await client.chat.completions.create({
      model: 'assistant:support',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from the agent.');
    const stream = await client.chat.completions.create({
      model: 'assistant:support',
      messages: [{ role: 'user', content: 'Hi again' }],
      stream: true,
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Streamed answer.');
  });

  it('streams the agent text and steps as server-sent events', async () => {
    managed.scriptAgent({
      events: [
        agentEvents.actionGroupCall({ traceId: 't-9', actionGroup: 'Leave', function: 'balance' }),
        agentEvents.actionGroupResult('t-9', '12'),
        agentEvents.chunk('You have '),
        agentEvents.chunk('12 days.'),
      ],
    });
    const response = await app.request('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ assistant: 'support', message: 'Balance?' }),
    });
    const text = await response.text();
    expect(text).toContain('"toolName":"Leave: balance","input":{},"state":"complete","output":12');
    expect(text.indexOf('You have ')).toBeLessThan(text.indexOf('12 days.'));
    expect(text).toContain('event: done');
  });
});

const BOOKING = {
  actionGroup: 'SchedulingActions',
  apiPath: '/appointments',
  httpMethod: 'POST',
  body: [
    { name: 'providerId', type: 'string', value: 'dr-lee' },
    { name: 'start', type: 'string', value: '2026-12-08T09:00' },
  ],
};
const AVAILABILITY = {
  actionGroup: 'SchedulingActions',
  apiPath: '/availability/{providerId}',
  httpMethod: 'GET',
  parameters: [
    { name: 'providerId', type: 'string', value: 'dr-lee' },
    { name: 'date', type: 'string', value: '2026-12-08' },
  ],
};

/** A turn whose agent hands back `inputs`, the write among them waiting for approval. */
async function waitingTurn(invocationId: string, inputs: Parameters<typeof agentEvents.returnControl>[1]) {
  managed.scriptAgent({ events: [agentEvents.returnControl(invocationId, inputs)] });
  const { status, body } = await chat({ assistant: 'support', message: 'Book Dr Lee at 09:00.' });
  expect(status).toBe(200);
  const waiting = body.message.toolCalls.find(
    (call: ResponseBody) => call.state === 'awaiting-approval',
  ) as ResponseBody;
  expect(waiting.approval).toMatchObject({ state: 'requested', signature: expect.stringMatching(/^v1\./) });
  return { conversationId: body.conversationId as string, approvalId: waiting.approval.id as string };
}

function decide(conversationId: string, approvals: unknown[]) {
  return godwit.call('POST', `/api/conversations/${conversationId}/tool-approvals`, { approvals });
}

function bookings(): string[] {
  return apiRequests.filter((request) => request.startsWith('POST /appointments'));
}

describe('approving a call the Bedrock Agent handed back', () => {
  it('runs the approved call and sends its result back to the agent under the invocation id', async () => {
    const { conversationId, approvalId } = await waitingTurn('inv-approve', [BOOKING]);
    const before = bookings().length;
    managed.scriptAgent({ events: [agentEvents.chunk('Booked with Dr Lee at 09:00.')] });
    const { status, body } = await decide(conversationId, [{ approvalId, approved: true }]);
    expect(status).toBe(200);
    expect(bookings().slice(before)).toEqual([
      'POST /appointments {"providerId":"dr-lee","start":"2026-12-08T09:00"}',
    ]);
    expect(body.answer).toBe('Booked with Dr Lee at 09:00.');
    expect(body.message).toMatchObject({ id: expect.any(String), status: 'complete' });
    expect(body.message.toolCalls).toEqual([
      expect.objectContaining({
        toolName: 'scheduling__createAppointment',
        state: 'complete',
        output: { booked: true },
        approval: expect.objectContaining({ state: 'approved' }),
      }),
    ]);
    const sent = managed.requests.at(-1)!;
    expect(sent.sessionId).toBe(conversationId);
    expect(sent.body.inputText).toBeUndefined();
    expect(sent.body.sessionState).toMatchObject({
      invocationId: 'inv-approve',
      returnControlInvocationResults: [
        {
          apiResult: {
            actionGroup: 'SchedulingActions',
            apiPath: '/appointments',
            httpMethod: 'POST',
            httpStatusCode: 200,
            confirmationState: 'CONFIRM',
            responseBody: { 'application/json': { body: '{"booked":true}' } },
          },
        },
      ],
    });
    const stored = await services.conversations.listMessages('default', conversationId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    const replay = await decide(conversationId, [{ approvalId, approved: true }]);
    expect(replay.status).toBe(409);
    expect(bookings().length).toBe(before + 1);
  });

  it('tells the agent about a denial, with the reason, and books nothing', async () => {
    const { conversationId, approvalId } = await waitingTurn('inv-deny', [BOOKING]);
    const before = bookings().length;
    managed.scriptAgent({ events: [agentEvents.chunk('Understood, I did not book it.')] });
    const { status, body } = await decide(conversationId, [
      { approvalId, approved: false, reason: 'I am away that day' },
    ]);
    expect(status).toBe(200);
    expect(bookings().length).toBe(before);
    expect(body.answer).toBe('Understood, I did not book it.');
    expect(body.message.toolCalls[0]).toMatchObject({
      state: 'denied',
      error: 'The user denied this tool call: I am away that day',
      approval: { state: 'denied', reason: 'I am away that day' },
    });
    expect(managed.requests.at(-1)?.body.sessionState).toMatchObject({
      invocationId: 'inv-deny',
      returnControlInvocationResults: [
        {
          apiResult: {
            apiPath: '/appointments',
            confirmationState: 'DENY',
            responseState: 'REPROMPT',
            responseBody: {
              'application/json': { body: 'The user denied this tool call: I am away that day' },
            },
          },
        },
      ],
    });
  });

  it('sends back every result of the invocation: the call that ran at once and the approved one', async () => {
    const { conversationId, approvalId } = await waitingTurn('inv-both', [AVAILABILITY, BOOKING]);
    managed.scriptAgent({ events: [agentEvents.chunk('Dr Lee is free and booked.')] });
    const { status, body } = await decide(conversationId, [{ approvalId, approved: true }]);
    expect(status).toBe(200);
    expect(body.message.toolCalls.map((call: ResponseBody) => [call.toolName, call.state])).toEqual([
      ['scheduling__getAvailability', 'complete'],
      ['scheduling__createAppointment', 'complete'],
    ]);
    const results = managed.requests.at(-1)?.body.sessionState as ResponseBody;
    expect(
      results.returnControlInvocationResults.map((result: ResponseBody) => result.apiResult.apiPath),
    ).toEqual(['/availability/{providerId}', '/appointments']);
  });

  it('refuses an approval whose call was changed after it was signed, running nothing', async () => {
    const { conversationId, approvalId } = await waitingTurn('inv-tampered', [BOOKING]);
    const stored = await services.conversations.listMessages('default', conversationId);
    const answer = stored.at(-1)!;
    await services.conversations.updateMessage('default', answer.id, {
      parts: answer.parts.map((part) =>
        part.type === 'tool-call' ? { ...part, input: { body: { providerId: 'dr-evil' } } } : part,
      ),
    });
    const before = { bookings: bookings().length, invocations: managed.requests.length };
    const { status, body } = await decide(conversationId, [{ approvalId, approved: true }]);
    expect(status).toBe(409);
    expect(body.error.message).toMatch(/^The approval does not match the tool call as it was requested/);
    expect(bookings().length).toBe(before.bookings);
    expect(managed.requests.length).toBe(before.invocations);
    const [, ended] = await services.conversations.listMessages('default', conversationId);
    expect(ended?.status).toBe('failed');
    expect(ended?.parts.find((part) => part.type === 'tool-result')).toMatchObject({ isError: true });
  });

  it('says clearly when the agent session ended before the decision', async () => {
    const { conversationId, approvalId } = await waitingTurn('inv-stale', [BOOKING]);
    managed.endSession(conversationId);
    const { status, body } = await decide(conversationId, [{ approvalId, approved: false }]);
    expect(status).toBe(409);
    expect(body.error.message).toBe(
      'Bedrock agent AGENT12345 (alias ALIAS12345) in us-east-1 no longer waits for the results of invocation inv-stale: its session ended (it was idle too long) or the results were sent already. Ask again to start a new turn.',
    );
    const [, ended] = await services.conversations.listMessages('default', conversationId);
    expect(ended).toMatchObject({ status: 'failed', error: body.error.message });
  });
});

describe('Bedrock Agent failures, each a clear error and a stored failed turn', () => {
  it('names the config key when the agent does not exist', async () => {
    const { status, body } = await chat({ assistant: 'ghost', message: 'Hi' });
    expect(status).toBe(502);
    expect(body.error.message).toBe(
      'Bedrock agent NOAGENT123 (alias ALIAS12345) in us-east-1 does not exist (or this account cannot see it): check assistants.ghost.bedrockAgent (ids and region).',
    );
    const stored = await services.conversations.listMessages('default', body.error.details.conversationId);
    expect(stored.at(-1)).toMatchObject({ status: 'failed', error: body.error.message });
  });

  it('names the alias when the alias does not exist', async () => {
    const { status, body } = await chat({ assistant: 'wrongalias', message: 'Hi' });
    expect(status).toBe(502);
    expect(body.error.message).toMatch(
      /^Bedrock agent AGENT12345 \(alias NOALIAS123\) in us-east-1 does not exist/,
    );
  });

  it('names the IAM permission when access is denied', async () => {
    managed.scriptAgent({
      error: {
        status: 403,
        type: 'AccessDeniedException',
        message: 'not authorized to perform bedrock:InvokeAgent',
      },
    });
    const { status, body } = await chat({ assistant: 'support', message: 'Hi' });
    expect(status).toBe(502);
    expect(body.error.message).toBe(
      'Bedrock agent AGENT12345 (alias ALIAS12345) in us-east-1 refused the call: the AWS credentials need bedrock:InvokeAgent on arn:aws:bedrock:us-east-1:<account>:agent-alias/AGENT12345/ALIAS12345.',
    );
  });

  it('answers 429 when Bedrock keeps throttling, after the SDK retries', async () => {
    const throttled = { error: { status: 429, type: 'ThrottlingException', message: 'Rate exceeded' } };
    managed.scriptAgent(throttled, throttled, throttled);
    const { status, body } = await chat({ assistant: 'support', message: 'Hi' });
    expect(status).toBe(429);
    expect(body.error).toMatchObject({
      code: 'rate_limited',
      message:
        'Bedrock agent AGENT12345 (alias ALIAS12345) in us-east-1 is throttling requests; try again shortly.',
    });
    expect(managed.pending).toBe(0);
  });

  it('keeps the text so far when the stream is throttled midway', async () => {
    managed.scriptAgent({
      events: [
        agentEvents.chunk('Partial'),
        { exception: { type: 'throttlingException', message: 'Too many tokens' } },
      ],
    });
    const { status, body } = await chat({ assistant: 'support', message: 'Hi' });
    expect(status).toBe(429);
    const stored = await services.conversations.listMessages('default', body.error.details.conversationId);
    expect(stored.at(-1)).toMatchObject({ status: 'incomplete', content: 'Partial' });
  });

  it('refuses model and fallbacks on a Bedrock agent assistant at startup, naming the key', () => {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-bedrock-agent-bad-'));
    writeFileSync(
      join(directory, 'godwit.config.yaml'),
      `assistants:\n  support:\n    model: openai:gpt-4.1-mini\n    bedrockAgent: { agentId: AGENT12345, aliasId: ALIAS12345 }\n`,
    );
    expect(() =>
      loadConfig({ configPath: join(directory, 'godwit.config.yaml'), env: {}, cwd: directory }),
    ).toThrow(/assistants\.support\.model: a Bedrock agent answers with its own model/);
  });
});

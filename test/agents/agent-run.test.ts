import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentRun,
  type AgentRunInput,
  type AgentRunSettings,
  type AssistantDefinition,
} from '../../src/core/agent/agent-run.ts';
import type { AgentTool } from '../../src/core/agent/agent-tool.ts';
import { jsonSchemaInput } from '../../src/core/agent/json-schema-input.ts';
import { resumeMessages } from '../../src/core/agent/resume-messages.ts';
import type { ToolCallEvent } from '../../src/core/agent/tool-call-event.ts';
import { toolCallViews } from '../../src/core/agent/tool-call-view.ts';
import { GodwitError } from '../../src/core/errors.ts';
import { KnowledgeService } from '../../src/core/knowledge/knowledge-service.ts';
import type { Embedder } from '../../src/core/models.ts';
import { Retriever } from '../../src/core/retrieval/retriever.ts';
import type { MessagePart } from '../../src/core/types.ts';
import { createDocumentParser } from '../../src/ingest/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';
import { calculatorTool, currentTimeTool } from '../../src/tools/builtin/basic-tools.ts';
import { knowledgeTools } from '../../src/tools/builtin/knowledge-tools.ts';
import { type ScriptedStep, scriptedModel } from './scripted-model.ts';

const TENANT = 'tenant-a';
const SECRET = 'approval-secret-for-tests-0123456789';
const API_KEY = 'sk-live-very-secret-value';

const POLICY = `# Leave policy

## Vacation
New employees get 20 days of paid vacation in their first year. After five years it rises to 25 days.

## Parking
Parking permits are issued by the facilities desk on the ground floor.
`;

let knowledge: KnowledgeService;
let retriever: Retriever;

beforeAll(async () => {
  const storage = createMemoryStorage();
  retriever = new Retriever({ index: storage.index, fuse: (lists, k) => lists.flat().slice(0, k) });
  knowledge = new KnowledgeService({
    knowledge: storage.knowledge,
    index: storage.index,
    parser: createDocumentParser(),
    generateId: () => crypto.randomUUID(),
  });
  const base = await knowledge.createKnowledgeBase(TENANT, { name: 'handbook' });
  await knowledge.ingest(TENANT, base, {
    source: 'leave-policy.md',
    bytes: new TextEncoder().encode(POLICY),
  });
});

const assistant: AssistantDefinition = {
  name: 'helper',
  instructions: 'You help employees.',
  model: 'mock:scripted',
  knowledgeBases: ['handbook'],
  maxSteps: 6,
  approval: { mode: 'auto', tools: {} },
};

const executed: string[] = [];

/** A write tool: the default policy asks before it runs. */
const bookRoom: AgentTool = {
  name: 'book_room',
  description: 'Books a meeting room.',
  inputSchema: jsonSchemaInput({
    type: 'object',
    properties: { room: { type: 'string' } },
    required: ['room'],
    additionalProperties: false,
  }),
  readOnly: false,
  kind: 'openapi',
  async execute(input, context) {
    executed.push(`${context.tenantId}:${(input as { room: string }).room}`);
    return { booked: (input as { room: string }).room };
  },
};

function readOnlyTool(name: string, execute: AgentTool['execute'], timeoutMs?: number): AgentTool {
  return {
    name,
    description: name,
    inputSchema: jsonSchemaInput({ type: 'object', properties: {} }),
    readOnly: true,
    kind: 'builtin',
    ...(timeoutMs ? { timeoutMs } : {}),
    execute,
  };
}

function run(
  steps: ScriptedStep[],
  tools: AgentTool[],
  overrides: Partial<AgentRunInput> = {},
  onToolCall?: AgentRunSettings['onToolCall'],
) {
  const model = scriptedModel(steps);
  const agentRun = new AgentRun(
    {
      assistant,
      model,
      tools: [...knowledgeTools({ knowledge, retriever, knowledgeBases: ['handbook'] }), ...tools],
      messages: [{ role: 'user', content: 'How many vacation days do I get?' }],
      context: { tenantId: TENANT, userId: 'ann', conversationId: 'c1' },
      ...overrides,
    },
    {
      limits: { timeoutMs: 2_000, maxOutputBytes: 4_096, secrets: [API_KEY] },
      approvalSecret: SECRET,
      ...(onToolCall ? { onToolCall } : {}),
    },
  );
  return { model, agentRun };
}

async function drain(agentRun: AgentRun) {
  const events = [];
  for await (const event of agentRun.events()) events.push(event);
  return events;
}

function promptText(model: ReturnType<typeof scriptedModel>, call: number): string {
  return JSON.stringify(model.calls[call]?.prompt);
}

describe('AgentRun on ToolLoopAgent', () => {
  it('searches, calculates and answers, keeping the passages as numbered sources', async () => {
    const { model, agentRun } = run(
      [
        { toolCalls: [{ name: 'search_knowledge_base', input: { query: 'vacation days first year' } }] },
        { toolCalls: [{ name: 'calculator', input: { expression: '20 + 5' } }] },
        { text: 'You get 20 days, rising to 25 after five years [1].' },
      ],
      [calculatorTool(), currentTimeTool()],
    );
    const events = await drain(agentRun);
    expect(agentRun.text).toBe('You get 20 days, rising to 25 after five years [1].');
    const calls = toolCallViews(agentRun.parts);
    expect(calls.map((call) => [call.toolName, call.state])).toEqual([
      ['search_knowledge_base', 'complete'],
      ['calculator', 'complete'],
    ]);
    expect(calls[1]?.output).toEqual({ expression: '20 + 5', result: 25 });
    expect(calls[0]?.durationMs).toBeGreaterThanOrEqual(0);
    const [first] = agentRun.citations.all();
    expect(first).toMatchObject({ index: 1, source: 'leave-policy.md' });
    expect(promptText(model, 1)).toContain('Source 1');
    expect(promptText(model, 1)).toContain('20 days of paid vacation');
    expect(events.some((event) => event.type === 'citations')).toBe(true);
    expect(agentRun.usage?.inputTokens).toBe(60);
  });

  it('tells the tool-call listener about every executed call, with its state and redacted error', async () => {
    const failing = readOnlyTool('lookup', async () => {
      throw new Error(`upstream refused key ${API_KEY}`);
    });
    const calls: ToolCallEvent[] = [];
    const { agentRun } = run(
      [
        { toolCalls: [{ name: 'calculator', input: { expression: '2 + 2' } }] },
        { toolCalls: [{ name: 'lookup', input: {} }] },
        { text: 'Done.' },
      ],
      [calculatorTool(), failing],
      {},
      (call) => calls.push(call),
    );
    await drain(agentRun);
    expect(calls.map((event) => [event.call.toolName, event.call.state, event.call.error])).toEqual([
      ['calculator', 'complete', undefined],
      ['lookup', 'failed', 'Tool "lookup" failed: upstream refused key [redacted]'],
    ]);
    expect(calls[0]).toMatchObject({
      tenantId: TENANT,
      userId: 'ann',
      conversationId: 'c1',
      assistant: assistant.name,
    });
    expect(calls[0]!.call.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps a source number when a later search finds the same passage', async () => {
    const { agentRun } = run(
      [
        { toolCalls: [{ name: 'search_knowledge_base', input: { query: 'vacation' } }] },
        { toolCalls: [{ name: 'get_document', input: { source: 'leave-policy.md', query: 'vacation' } }] },
        { text: 'See [1].' },
      ],
      [],
    );
    await drain(agentRun);
    const numbers = agentRun.citations.all().map((citation) => citation.index);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(toolCallViews(agentRun.parts)[1]?.state).toBe('complete');
  });

  it('stores a tool that throws as a failed call and lets the model answer', async () => {
    const failing = readOnlyTool('lookup', async () => {
      throw new Error(`upstream refused key ${API_KEY}`);
    });
    const { model, agentRun } = run(
      [{ toolCalls: [{ name: 'lookup', input: {} }] }, { text: 'Sorry.' }],
      [failing],
    );
    await drain(agentRun);
    const [call] = toolCallViews(agentRun.parts);
    expect(call?.state).toBe('failed');
    expect(call?.error).toBe('Tool "lookup" failed: upstream refused key [redacted]');
    expect(promptText(model, 1)).not.toContain(API_KEY);
    expect(agentRun.text).toBe('Sorry.');
  });

  it('stops a tool that does not answer in time', async () => {
    const slow = readOnlyTool('slow', () => new Promise(() => {}), 50);
    const { agentRun } = run([{ toolCalls: [{ name: 'slow', input: {} }] }, { text: 'Timed out.' }], [slow]);
    await drain(agentRun);
    expect(toolCallViews(agentRun.parts)[0]).toMatchObject({
      state: 'failed',
      error: 'Tool "slow" did not answer within 50 ms and was stopped.',
    });
  });

  it('cuts a huge result to the size cap and says so', async () => {
    const huge = readOnlyTool('dump', async () => 'x'.repeat(50 * 1024 * 1024));
    const { model, agentRun } = run(
      [{ toolCalls: [{ name: 'dump', input: {} }] }, { text: 'Done.' }],
      [huge],
    );
    await drain(agentRun);
    const [call] = toolCallViews(agentRun.parts);
    expect(call?.state).toBe('complete');
    expect(call?.output).toMatchObject({ truncated: true, bytes: 50 * 1024 * 1024 });
    expect(promptText(model, 1).length).toBeLessThan(20_000);
  });

  it('fails a result that is not JSON', async () => {
    const malformed = readOnlyTool('weird', async () => ({ count: 10n }) as never);
    const { agentRun } = run([{ toolCalls: [{ name: 'weird', input: {} }] }, { text: 'Hm.' }], [malformed]);
    await drain(agentRun);
    expect(toolCallViews(agentRun.parts)[0]?.error).toMatch(
      /^Tool "weird" returned a value that is not JSON/,
    );
  });

  it('tells the model a called tool does not exist', async () => {
    const { model, agentRun } = run(
      [{ toolCalls: [{ name: 'delete_everything', input: {} }] }, { text: 'Ok.' }],
      [],
    );
    await drain(agentRun);
    const [call] = toolCallViews(agentRun.parts);
    expect(call?.state).toBe('failed');
    expect(call?.error).toBe(
      'There is no tool named "delete_everything". This assistant\'s tools: search_knowledge_base, get_document.',
    );
    expect(promptText(model, 1)).toContain("unavailable tool 'delete_everything'");
  });

  it('refuses arguments that fail the input schema, without running the tool', async () => {
    executed.length = 0;
    const { agentRun } = run(
      [{ toolCalls: [{ name: 'book_room', input: { room: 42 } }] }, { text: 'Ok.' }],
      [bookRoom],
      { assistant: { ...assistant, approval: { mode: 'never', tools: {} } } },
    );
    await drain(agentRun);
    expect(toolCallViews(agentRun.parts)[0]?.error).toMatch(/^The arguments for "book_room" do not match/);
    expect(executed).toEqual([]);
  });

  it('stops at the step limit and says so', async () => {
    const { agentRun } = run(
      [{ toolCalls: [{ name: 'calculator', input: { expression: '1+1' } }] }],
      [calculatorTool()],
      { assistant: { ...assistant, maxSteps: 3 } },
    );
    await drain(agentRun);
    expect(toolCallViews(agentRun.parts)).toHaveLength(3);
    expect(agentRun.stepLimitReached).toBe(true);
  });

  it('asks before a write tool runs, then runs it once approved', async () => {
    executed.length = 0;
    const first = run(
      [{ toolCalls: [{ name: 'book_room', input: { room: 'Blue' }, id: 'call_book' }] }],
      [bookRoom],
    );
    await drain(first.agentRun);
    const [pending] = toolCallViews(first.agentRun.parts);
    expect(pending?.state).toBe('awaiting-approval');
    expect(pending?.approval?.signature).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(first.agentRun.awaitingApproval).toBe(true);
    expect(executed).toEqual([]);

    const resumed = await resume(first.agentRun.parts, 'approved', 'Booked room Blue.');
    expect(executed).toEqual([`${TENANT}:Blue`]);
    expect(toolCallViews(resumed.parts)[0]).toMatchObject({ state: 'complete', output: { booked: 'Blue' } });
    expect(resumed.text).toBe('Booked room Blue.');
  });

  it('stores a denied approval as a denied call the model is told about', async () => {
    executed.length = 0;
    const first = run([{ toolCalls: [{ name: 'book_room', input: { room: 'Red' } }] }], [bookRoom]);
    await drain(first.agentRun);
    const resumed = await resume(first.agentRun.parts, 'denied', 'I did not book it.');
    expect(executed).toEqual([]);
    expect(toolCallViews(resumed.parts)[0]).toMatchObject({ state: 'denied', approval: { state: 'denied' } });
  });

  it('refuses an approval whose signature was forged', async () => {
    executed.length = 0;
    const first = run([{ toolCalls: [{ name: 'book_room', input: { room: 'Green' } }] }], [bookRoom]);
    await drain(first.agentRun);
    const forged = first.agentRun.parts.map((part) =>
      part.type === 'tool-call' && part.approval
        ? { ...part, input: { room: 'Boardroom' }, approval: { ...part.approval } }
        : part,
    );
    await expect(resume(forged, 'approved', 'x')).rejects.toThrow(/signature/i);
    expect(executed).toEqual([]);
  });

  it('ends with an abort when the client goes away mid-loop, keeping the calls so far', async () => {
    const controller = new AbortController();
    const hanging = readOnlyTool('wait', (_input, context) => {
      controller.abort();
      return new Promise((_resolve, reject) =>
        context.abortSignal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    });
    const { agentRun } = run([{ toolCalls: [{ name: 'wait', input: {} }] }, { text: 'never' }], [hanging], {
      abortSignal: controller.signal,
    });
    await expect(drain(agentRun)).rejects.toThrow();
    expect(toolCallViews(agentRun.parts)[0]?.toolName).toBe('wait');
    expect(agentRun.text).toBe('');
  });
});

describe('AgentRun with the embedding provider down', () => {
  it('searches by keyword alone and records why the answer is degraded', async () => {
    let down = false;
    const embedder: Embedder = {
      model: 'mock:embed',
      version: '1',
      dimension: 2,
      embed: async (texts) => {
        if (down) throw new GodwitError('provider_unavailable', 'The embedding service is unreachable.');
        return texts.map((text) => [text.length, 1]);
      },
    };
    const embedders = new Map([[embedder.model, embedder]]);
    const storage = createMemoryStorage();
    const embeddedRetriever = new Retriever({
      index: storage.index,
      embedders,
      fuse: (lists, k) => lists.flat().slice(0, k),
    });
    const embeddedKnowledge = new KnowledgeService({
      knowledge: storage.knowledge,
      index: storage.index,
      parser: createDocumentParser(),
      generateId: () => crypto.randomUUID(),
      embedders,
    });
    const base = await embeddedKnowledge.createKnowledgeBase(TENANT, {
      name: 'handbook',
      embeddingModel: 'mock:embed',
    });
    await embeddedKnowledge.ingest(TENANT, base, {
      source: 'leave-policy.md',
      bytes: new TextEncoder().encode(POLICY),
    });
    down = true;
    const agentRun = new AgentRun(
      {
        assistant,
        model: scriptedModel([
          { toolCalls: [{ name: 'search_knowledge_base', input: { query: 'vacation days first year' } }] },
          { text: 'You get 20 days [1].' },
        ]),
        tools: knowledgeTools({
          knowledge: embeddedKnowledge,
          retriever: embeddedRetriever,
          knowledgeBases: ['handbook'],
        }),
        messages: [{ role: 'user', content: 'How many vacation days do I get?' }],
        context: { tenantId: TENANT, userId: 'ann', conversationId: 'c1' },
      },
      { limits: { timeoutMs: 2_000, maxOutputBytes: 4_096, secrets: [] }, approvalSecret: SECRET },
    );
    await drain(agentRun);
    expect(toolCallViews(agentRun.parts).map((call) => call.state)).toEqual(['complete']);
    expect(agentRun.citations.all()[0]).toMatchObject({ source: 'leave-policy.md' });
    expect(agentRun.degraded).toBe(
      'The embedding model mock:embed is unavailable, so knowledge base "handbook" was searched by keyword only.',
    );
  });
});

async function resume(parts: MessagePart[], decision: 'approved' | 'denied', answer: string) {
  const decided = parts.map((part) =>
    part.type === 'tool-call' && part.approval?.state === 'requested'
      ? { ...part, approval: { ...part.approval, state: decision } }
      : part,
  );
  const { agentRun } = run([{ text: answer }], [bookRoom], {
    messages: [{ role: 'user', content: 'Book a room.' }, ...resumeMessages(decided)],
    resumeParts: decided,
  });
  await drain(agentRun);
  return agentRun;
}

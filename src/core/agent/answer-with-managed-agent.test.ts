import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentRunSettings, AssistantDefinition } from './agent-run.ts';
import type { AgentTool } from './agent-tool.ts';
import type { AnswerProgress, AssistantEvent } from './answer-with-assistant.ts';
import { answerWithManagedAgent } from './answer-with-managed-agent.ts';
import type { ManagedAgent, ManagedAgentEvent, ManagedAgentInvocation } from './managed-agent.ts';

const settings: AgentRunSettings = {
  limits: { timeoutMs: 1000, maxOutputBytes: 4096, secrets: ['s3cr3t-token'] },
  approvalSecret: 'unused-for-managed-agents',
};

const definition: AssistantDefinition = {
  name: 'support',
  instructions: 'unused',
  model: 'bedrock-agent:AGENT12345/ALIAS12345',
  knowledgeBases: [],
  maxSteps: 4,
  approval: { mode: 'never', tools: {} },
};

/** An agent that plays one scripted list of events per invocation and keeps what it was sent. */
function scriptedAgent(
  rounds: ManagedAgentEvent[][],
): ManagedAgent & { invocations: ManagedAgentInvocation[] } {
  const invocations: ManagedAgentInvocation[] = [];
  return {
    label: 'bedrock-agent:AGENT12345/ALIAS12345',
    invocations,
    async *invoke(invocation) {
      invocations.push(invocation);
      for (const event of rounds.shift() ?? []) {
        if (invocation.abortSignal.aborted) throw new Error('aborted');
        yield event;
      }
    },
  };
}

const multiply: AgentTool = {
  name: 'Math__multiply',
  description: 'Multiplies two numbers.',
  inputSchema: z.object({ left: z.number(), right: z.number() }),
  readOnly: false,
  kind: 'openapi',
  async execute(input) {
    const { left, right } = input as { left: number; right: number };
    return { product: left * right };
  },
};

const leaky: AgentTool = {
  name: 'Math__leak',
  description: 'Fails with a secret in its message.',
  inputSchema: z.object({}),
  readOnly: true,
  kind: 'openapi',
  async execute() {
    throw new Error('upstream said s3cr3t-token is wrong');
  },
};

function freshProgress(): AnswerProgress {
  return {
    text: '',
    citations: [],
    parts: null,
    usage: null,
    answeredBy: '',
    ending: { status: 'complete', note: null },
  };
}

async function run(agent: ManagedAgent, tools: AgentTool[], abort = new AbortController()) {
  const progress = freshProgress();
  const events: AssistantEvent[] = [];
  for await (const event of answerWithManagedAgent(
    {
      definition,
      binding: {
        agent,
        resolveTool: (call) =>
          tools.find(
            (tool) => call.operation.kind === 'function' && tool.name === `Math__${call.operation.name}`,
          ),
      },
      tools,
      message: 'What is 6 times 7?',
      context: { tenantId: 't1', userId: 'u1', conversationId: 'c1' },
      abortSignal: abort.signal,
    },
    settings,
    progress,
  )) {
    events.push(event);
  }
  return { progress, events };
}

const call = (name: string, input: Record<string, unknown>) => ({
  type: 'return-control' as const,
  invocationId: 'inv-1',
  calls: [
    {
      id: 'inv-1:0',
      actionGroup: 'Math',
      operation: { kind: 'function' as const, name },
      input: input as Record<string, never>,
    },
  ],
});

describe('answerWithManagedAgent', () => {
  it('runs a returned call under the "never ask" policy and sends the typed result back', async () => {
    const agent = scriptedAgent([
      [call('multiply', { left: 6, right: 7 })],
      [{ type: 'text', delta: '42.', citations: [] }],
    ]);
    const { progress } = await run(agent, [multiply]);
    expect(progress.text).toBe('42.');
    expect(agent.invocations[0]).toMatchObject({ sessionId: 'c1', inputText: 'What is 6 times 7?' });
    expect(agent.invocations[1]?.results).toEqual({
      invocationId: 'inv-1',
      results: [expect.objectContaining({ output: { product: 42 }, failed: false })],
    });
  });

  it('refuses arguments that do not match the tool schema, runs nothing, and tells the agent', async () => {
    const agent = scriptedAgent([[call('multiply', { left: 'six', right: 7 })], []]);
    const { progress } = await run(agent, [multiply]);
    const result = progress.parts?.find((part) => part.type === 'tool-result');
    expect(result).toMatchObject({ isError: true, toolName: 'Math__multiply' });
    expect(String(result?.type === 'tool-result' && result.output)).toMatch(
      /^The arguments for "Math__multiply" do not match its input schema: /,
    );
    expect(agent.invocations[1]?.results?.results[0]?.failed).toBe(true);
  });

  it('stores a failing tool with its secret redacted', async () => {
    const agent = scriptedAgent([[call('leak', {})], []]);
    const { progress } = await run(agent, [leaky]);
    const result = progress.parts?.find((part) => part.type === 'tool-result');
    expect(result).toMatchObject({
      isError: true,
      output: 'Tool "Math__leak" failed: upstream said [redacted] is wrong',
    });
  });

  it('keeps the text and the steps so far when the caller goes away mid-answer', async () => {
    const abort = new AbortController();
    const agent: ManagedAgent = {
      label: 'bedrock-agent:AGENT12345/ALIAS12345',
      async *invoke() {
        yield { type: 'step-start', id: 't-1', name: 'Leave: balance', input: {} };
        yield { type: 'text', delta: 'You have ', citations: [] };
        abort.abort();
        throw new Error('The request was aborted');
      },
    };
    const progress = freshProgress();
    const iterate = async () => {
      for await (const _ of answerWithManagedAgent(
        {
          definition,
          binding: { agent, resolveTool: () => undefined },
          tools: [],
          message: 'Balance?',
          context: { tenantId: 't1', userId: 'u1', conversationId: 'c1' },
          abortSignal: abort.signal,
        },
        settings,
        progress,
      ));
    };
    await expect(iterate()).rejects.toThrow('The request was aborted');
    expect(progress.text).toBe('You have ');
    expect(progress.parts).toEqual([
      { type: 'tool-call', toolCallId: 't-1', toolName: 'Leave: balance', input: {}, step: 0 },
      { type: 'text', text: 'You have ', step: 0 },
    ]);
  });
});

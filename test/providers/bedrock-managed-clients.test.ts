/**
 * The official AWS SDK clients (Bedrock Agent Runtime, Bedrock Runtime) against the managed-services
 * emulator and the Converse guardrail emulation: if they decode its answers, the emulator speaks the real
 * wire formats and the adapter tests built on it mean something.
 */
import {
  AccessDeniedException,
  BedrockAgentRuntimeClient,
  InvokeAgentCommand,
  ResourceNotFoundException,
  RetrieveCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-agent-runtime';
import {
  ApplyGuardrailCommand,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentRuntimeEmulator,
  agentEvents,
  type Emulator,
  startAgentRuntimeEmulator,
  startEmulator,
} from '../support/emulators/index.ts';

let managed: AgentRuntimeEmulator;
let models: Emulator;

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' };

function agentClient(accessKeyId = 'AKIDEXAMPLE') {
  return new BedrockAgentRuntimeClient({
    region: 'us-east-1',
    endpoint: managed.url,
    credentials: { ...credentials, accessKeyId },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

function runtimeClient(endpoint: string) {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint,
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  managed = await startAgentRuntimeEmulator();
  models = await startEmulator();
  managed.agent('AGENT12345', ['ALIAS12345']);
  managed.knowledgeBase('KB12345678', [
    {
      uri: 's3://docs/leave.md',
      text: 'New employees get 20 vacation days.',
      metadata: { team: 'hr', year: 2026 },
    },
    {
      uri: 's3://docs/it.md',
      text: 'Vacation requests go through the HR portal.',
      metadata: { team: 'it', year: 2025 },
    },
  ]);
  managed.guardrail('gr-1', '1', { deniedTopics: [{ name: 'Investment advice', words: ['stocks'] }] });
});
afterAll(async () => {
  await managed.close();
  await models.close();
});

async function collect(client: BedrockAgentRuntimeClient, sessionId = 'conv-1') {
  const response = await client.send(
    new InvokeAgentCommand({
      agentId: 'AGENT12345',
      agentAliasId: 'ALIAS12345',
      sessionId,
      inputText: 'How many vacation days?',
      enableTrace: true,
    }),
  );
  const events: Array<Record<string, unknown>> = [];
  for await (const event of response.completion ?? [])
    events.push(event as unknown as Record<string, unknown>);
  return events;
}

describe('InvokeAgent through @aws-sdk/client-bedrock-agent-runtime', () => {
  it('decodes chunks with attributions, traces and a return of control', async () => {
    managed.scriptAgent({
      events: [
        agentEvents.actionGroupCall({
          traceId: 't-1',
          actionGroup: 'Leave',
          verb: 'get',
          apiPath: '/balance',
        }),
        agentEvents.actionGroupResult('t-1', '{"days":20}'),
        agentEvents.usage('t-1', 120, 30),
        agentEvents.chunk('You get 20 days.', [
          { text: 'You get 20 days.', references: [{ uri: 's3://docs/leave.md', text: '20 vacation days' }] },
        ]),
        agentEvents.returnControl('inv-1', [{ actionGroup: 'Booking', function: 'book', parameters: [] }]),
      ],
    });
    const client = agentClient();
    const events = await collect(client);
    client.destroy();
    const chunk = events.find((event) => event.chunk)?.chunk as {
      bytes: Uint8Array;
      attribution: {
        citations: Array<{ retrievedReferences: Array<{ location: { s3Location: { uri: string } } }> }>;
      };
    };
    expect(new TextDecoder().decode(chunk.bytes)).toBe('You get 20 days.');
    expect(chunk.attribution.citations[0]?.retrievedReferences[0]?.location.s3Location.uri).toBe(
      's3://docs/leave.md',
    );
    const traces = events
      .filter((event) => event.trace)
      .map((event) => event.trace as { trace: Record<string, unknown> });
    expect(traces[0]?.trace.orchestrationTrace).toMatchObject({
      invocationInput: { actionGroupInvocationInput: { actionGroupName: 'Leave', apiPath: '/balance' } },
    });
    expect(events.at(-1)?.returnControl).toMatchObject({
      invocationId: 'inv-1',
      invocationInputs: [{ functionInvocationInput: { actionGroup: 'Booking', function: 'book' } }],
    });
    expect(managed.requests.at(-1)).toMatchObject({ operation: 'InvokeAgent', sessionId: 'conv-1' });
  });

  it('refuses an unknown agent and an unknown alias with ResourceNotFoundException', async () => {
    const client = agentClient();
    const send = (agentId: string, agentAliasId: string) =>
      client.send(new InvokeAgentCommand({ agentId, agentAliasId, sessionId: 's', inputText: 'hi' }));
    await expect(send('NOAGENT123', 'ALIAS12345')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(send('AGENT12345', 'NOALIAS123')).rejects.toThrow(/alias NOALIAS123/);
    client.destroy();
  });

  it('refuses a caller without permission with AccessDeniedException', async () => {
    managed.denyAccessKey('AKIDDENIED');
    const client = agentClient('AKIDDENIED');
    await expect(collect(client)).rejects.toBeInstanceOf(AccessDeniedException);
    client.destroy();
  });

  it('throttles before the stream and inside it', async () => {
    managed.scriptAgent(
      { error: { status: 429, type: 'ThrottlingException', message: 'Rate exceeded' } },
      {
        events: [
          agentEvents.chunk('Partial'),
          { exception: { type: 'throttlingException', message: 'Too many tokens' } },
        ],
      },
    );
    const client = agentClient();
    await expect(collect(client)).rejects.toBeInstanceOf(ThrottlingException);
    await expect(collect(client)).rejects.toThrow(/Too many tokens/);
    client.destroy();
  });
});

describe('Retrieve through @aws-sdk/client-bedrock-agent-runtime', () => {
  it('returns passages with location, score and metadata, filtered and capped', async () => {
    const client = agentClient();
    const all = await client.send(
      new RetrieveCommand({ knowledgeBaseId: 'KB12345678', retrievalQuery: { text: 'vacation days' } }),
    );
    expect(all.retrievalResults?.map((result) => result.location?.s3Location?.uri)).toEqual([
      's3://docs/leave.md',
      's3://docs/it.md',
    ]);
    const filtered = await client.send(
      new RetrieveCommand({
        knowledgeBaseId: 'KB12345678',
        retrievalQuery: { text: 'vacation' },
        retrievalConfiguration: {
          vectorSearchConfiguration: { numberOfResults: 1, filter: { equals: { key: 'team', value: 'it' } } },
        },
      }),
    );
    expect(filtered.retrievalResults).toHaveLength(1);
    expect(filtered.retrievalResults?.[0]?.metadata).toMatchObject({ team: 'it' });
    await expect(
      client.send(new RetrieveCommand({ knowledgeBaseId: 'KBMISSING1', retrievalQuery: { text: 'x' } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    client.destroy();
  });
});

describe('Guardrails through @aws-sdk/client-bedrock-runtime', () => {
  it('ApplyGuardrail passes harmless text and blocks a denied topic, naming the policy', async () => {
    const client = runtimeClient(managed.url);
    const apply = (text: string) =>
      client.send(
        new ApplyGuardrailCommand({
          guardrailIdentifier: 'gr-1',
          guardrailVersion: '1',
          source: 'INPUT',
          content: [{ text: { text } }],
        }),
      );
    expect((await apply('How many vacation days?')).action).toBe('NONE');
    const blocked = await apply('Which stocks should I buy?');
    expect(blocked.action).toBe('GUARDRAIL_INTERVENED');
    expect(blocked.outputs?.[0]?.text).toMatch(/cannot answer/);
    expect(blocked.assessments?.[0]?.topicPolicy?.topics?.[0]?.name).toBe('Investment advice');
    client.destroy();
  });

  it('Converse reports guardrail_intervened with the trace, and a stream stops mid-answer', async () => {
    const client = runtimeClient(models.url);
    const guardrailConfig = { guardrailIdentifier: 'gr-1', guardrailVersion: '1', trace: 'enabled' as const };
    models.script({ text: 'anything', guardrail: { source: 'input', topics: ['Investment advice'] } });
    const converse = await client.send(
      new ConverseCommand({
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: [{ text: 'stocks?' }] }],
        guardrailConfig,
      }),
    );
    expect(converse.stopReason).toBe('guardrail_intervened');
    expect(converse.trace?.guardrail?.inputAssessment?.['gr-1']?.topicPolicy?.topics?.[0]?.name).toBe(
      'Investment advice',
    );
    models.script({ chunks: ['One ', 'two ', 'three'], guardrail: { source: 'output', afterChunks: 2 } });
    const stream = await client.send(
      new ConverseStreamCommand({
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: [{ text: 'count' }] }],
        guardrailConfig: { ...guardrailConfig, streamProcessingMode: 'sync' },
      }),
    );
    let text = '';
    let stopReason: string | undefined;
    for await (const event of stream.stream ?? []) {
      text += event.contentBlockDelta?.delta?.text ?? '';
      stopReason = event.messageStop?.stopReason ?? stopReason;
    }
    expect(text).toBe('One two ');
    expect(stopReason).toBe('guardrail_intervened');
    client.destroy();
  });
});

/**
 * The official clients (the `openai` npm package and the AWS SDK's Bedrock Runtime client) against the
 * same emulator: if they parse its responses, the emulator speaks the real wire formats, and the adapter
 * tests that rely on it mean something.
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, hashEmbedding, startEmulator } from '../support/emulators/index.ts';

let emulator: Emulator;
let openai: OpenAI;
let bedrock: BedrockRuntimeClient;

beforeAll(async () => {
  emulator = await startEmulator();
  openai = new OpenAI({ apiKey: 'sk-test-key', baseURL: emulator.baseURLs.openai, maxRetries: 0 });
  bedrock = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
    // The SDK defaults to HTTP/2 for Bedrock; the emulator is plain HTTP/1.1.
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
});
afterAll(async () => {
  bedrock?.destroy();
  await emulator.close();
});

describe('the openai npm client', () => {
  it('reads a chat completion with tool calls and usage', async () => {
    emulator.script({
      text: 'Checking.',
      toolCalls: [{ name: 'lookup', input: { id: 7 } }],
      usage: { inputTokens: 5, outputTokens: 2 },
    });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Look up 7' }],
    });
    const choice = completion.choices[0]!;
    expect(choice.message.content).toBe('Checking.');
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ id: 7 });
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('streams chat completion chunks and the final usage chunk', async () => {
    emulator.script({ chunks: ['Hel', 'lo'], usage: { inputTokens: 3, outputTokens: 2 } });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello');
    expect(usage?.total_tokens).toBe(5);
  });

  it('reads a Responses API result and its event stream', async () => {
    emulator.script({ text: 'From responses.' }, { chunks: ['Stream', 'ed.'] });
    const response = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Say something' });
    expect(response.output_text).toBe('From responses.');
    const stream = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Stream it', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Streamed.');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('decodes embeddings it requested as base64 float32', async () => {
    const start = emulator.requests.length;
    const result = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['godwit', 'tide'],
    });
    expect(emulator.requests[start]?.body).toMatchObject({ encoding_format: 'base64' });
    expect(result.data).toHaveLength(2);
    const expected = hashEmbedding('godwit', 1536);
    expect(result.data[0]!.embedding).toHaveLength(1536);
    expect(result.data[0]!.embedding[3]).toBeCloseTo(expected[3]!, 6);
  });

  it('raises RateLimitError with the Retry-After header on a scripted 429', async () => {
    emulator.script({ error: { status: 429, retryAfter: 3 } });
    const failure = await openai.chat.completions
      .create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');
  });
});

describe('the AWS SDK Bedrock Runtime client', () => {
  const modelId = 'anthropic.claude-3-5-haiku-20241022-v1:0';

  it('reads a Converse result', async () => {
    emulator.script({ text: 'Converse works.', usage: { inputTokens: 8, outputTokens: 3 } });
    const result = await bedrock.send(
      new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Hello' }] }] }),
    );
    expect(result.output?.message?.content?.[0]?.text).toBe('Converse works.');
    expect(result.stopReason).toBe('end_turn');
    expect(result.usage).toEqual({ inputTokens: 8, outputTokens: 3, totalTokens: 11 });
  });

  it('decodes ConverseStream event-stream frames, tool use included', async () => {
    emulator.script({
      chunks: ['Let me ', 'check.'],
      toolCalls: [{ id: 'tool-1', name: 'lookup', input: { id: 7 } }],
    });
    const result = await bedrock.send(
      new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Look up 7' }] }] }),
    );
    let text = '';
    let toolInput = '';
    let stopReason: string | undefined;
    let outputTokens: number | undefined;
    for await (const event of result.stream!) {
      text += event.contentBlockDelta?.delta?.text ?? '';
      toolInput += event.contentBlockDelta?.delta?.toolUse?.input ?? '';
      stopReason = event.messageStop?.stopReason ?? stopReason;
      outputTokens = event.metadata?.usage?.outputTokens ?? outputTokens;
    }
    expect(text).toBe('Let me check.');
    expect(JSON.parse(toolInput)).toEqual({ id: 7 });
    expect(stopReason).toBe('tool_use');
    expect(outputTokens).toBeGreaterThan(0);
  });

  it('invokes Titan Text Embeddings v2 with dimensions', async () => {
    const result = await bedrock.send(
      new InvokeModelCommand({
        modelId: 'amazon.titan-embed-text-v2:0',
        contentType: 'application/json',
        body: JSON.stringify({ inputText: 'godwit', dimensions: 256, normalize: true }),
      }),
    );
    const body = JSON.parse(new TextDecoder().decode(result.body)) as {
      embedding: number[];
      inputTextTokenCount: number;
    };
    expect(body.embedding).toEqual(hashEmbedding('godwit', 256));
    expect(body.inputTextTokenCount).toBe(1);
  });

  it('maps a scripted 429 to ThrottlingException', async () => {
    emulator.script({
      error: { status: 429, message: 'Too many requests, please wait before trying again.' },
    });
    const failure = await bedrock
      .send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'x' }] }] }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ThrottlingException);
    expect((failure as ThrottlingException).$metadata.httpStatusCode).toBe(429);
  });

  it('rejects a request without a SigV4 signature, as Bedrock does', async () => {
    const response = await fetch(`${emulator.url}/model/${encodeURIComponent(modelId)}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [] }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^UnrecognizedClientException/);
  });
});

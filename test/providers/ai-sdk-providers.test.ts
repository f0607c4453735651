/**
 * Every provider adapter, driven through the AI SDK (generateText, streamText, tool calls, embeddings)
 * against the wire-format emulator.
 */
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, hashEmbedding, startEmulator } from '../support/emulators/index.ts';
import { type ProviderCase, providerCases, requestsSince } from './provider-cases.ts';

let emulator: Emulator;
let cases: ProviderCase[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  cases = providerCases(emulator);
});
afterAll(() => emulator.close());

const weather = tool({
  description: 'Current weather in a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
});

const labels = [
  'bedrock (Converse)',
  'openai (Chat Completions)',
  'openai (Responses)',
  'google (Gemini)',
  'ollama',
];

describe.each(labels)('%s through the AI SDK', (label) => {
  const current = () => cases.find((candidate) => candidate.label === label)!;

  it('generates the scripted text and reports its usage', async () => {
    const { dialect, chatPath, model } = current();
    const start = emulator.requests.length;
    emulator.script({
      match: { dialect },
      text: 'Godwits fly far.',
      usage: { inputTokens: 21, outputTokens: 4 },
    });
    const result = await generateText({ model: model(), prompt: 'Tell me about godwits.', maxRetries: 0 });
    expect(result.text).toBe('Godwits fly far.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(21);
    expect(result.usage.outputTokens).toBe(4);
    const [request] = requestsSince(emulator, start);
    expect(request?.path).toMatch(chatPath);
    expect(JSON.stringify(request?.body)).toContain('Tell me about godwits.');
  });

  it('streams the text in order and finishes with usage', async () => {
    const { dialect, model } = current();
    const start = emulator.requests.length;
    emulator.script({
      match: { dialect },
      chunks: ['Bar-', 'tailed ', 'godwit'],
      usage: { inputTokens: 9, outputTokens: 3 },
    });
    const result = streamText({ model: model(), prompt: 'Name a bird.', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.join('')).toBe('Bar-tailed godwit');
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(3);
    expect(requestsSince(emulator, start)[0]?.stream).toBe(true);
  });

  it('returns tool calls with parsed input, in both modes', async () => {
    const { dialect, model } = current();
    emulator.script(
      { match: { dialect }, toolCalls: [{ name: 'weather', input: { city: 'Oslo' } }] },
      { match: { dialect }, toolCalls: [{ name: 'weather', input: { city: 'Lima' } }] },
    );
    const generated = await generateText({
      model: model(),
      prompt: 'Weather?',
      tools: { weather },
      maxRetries: 0,
    });
    expect(generated.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['weather', { city: 'Oslo' }],
    ]);
    expect(generated.finishReason).toBe('tool-calls');
    const streamed = streamText({ model: model(), prompt: 'Weather?', tools: { weather }, maxRetries: 0 });
    expect((await streamed.toolCalls).map((call) => [call.toolName, call.input])).toEqual([
      ['weather', { city: 'Lima' }],
    ]);
    expect(await streamed.finishReason).toBe('tool-calls');
  });

  it('embeds a batch with the declared dimension and a stable version', async () => {
    const { embedder, dimension } = current();
    const instance = embedder();
    const vectors = await instance.embed(['godwit migration', 'tide tables']);
    expect(instance.dimension).toBe(dimension);
    expect(instance.version).toContain(`dimensions=${dimension}`);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(dimension);
    // The emulator's vectors are deterministic, so the adapter must hand them over unchanged.
    const expected = hashEmbedding('godwit migration', dimension);
    expect(vectors[0]![7]).toBeCloseTo(expected[7]!, 5);
    expect(await instance.embed([])).toEqual([]);
  });
});

describe('wire details', () => {
  it('signs Bedrock requests with SigV4 for service bedrock in the configured region', async () => {
    const bedrock = cases[0]!;
    const start = emulator.requests.length;
    await generateText({ model: bedrock.model(), prompt: 'hi', maxRetries: 0 });
    const authorization = String(requestsSince(emulator, start)[0]?.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/,
    );
    expect(authorization).not.toContain('wJalrXUtnFEMI');
  });

  it('sends Titan v2 dimensions and normalize, and nothing extra to Titan v1', async () => {
    const { createBedrockProvider } = await import('../../src/providers/bedrock/index.ts');
    const { emulatorEnv } = await import('./provider-cases.ts');
    const bedrock = createBedrockProvider({ env: emulatorEnv(emulator) });
    const start = emulator.requests.length;
    const version2 = bedrock.embedder('amazon.titan-embed-text-v2:0', { dimensions: 512, normalize: false });
    const [vector] = await version2.embed(['one']);
    expect(requestsSince(emulator, start)[0]?.body).toEqual({
      inputText: 'one',
      dimensions: 512,
      normalize: false,
    });
    expect(version2.version).toBe('1;dimensions=512;normalize=false');
    expect(Math.hypot(...vector!)).toBeGreaterThan(1.5);
    const version1 = bedrock.embedder('amazon.titan-embed-text-v1');
    expect((await version1.embed(['two']))[0]).toHaveLength(1536);
  });

  it('embeds with Cohere on Bedrock in one call per batch, as documents', async () => {
    const { createBedrockProvider } = await import('../../src/providers/bedrock/index.ts');
    const { emulatorEnv } = await import('./provider-cases.ts');
    const cohere = createBedrockProvider({ env: emulatorEnv(emulator) }).embedder('cohere.embed-english-v3');
    const start = emulator.requests.length;
    const vectors = await cohere.embed(['a', 'b', 'c']);
    expect(vectors.map((vector) => vector.length)).toEqual([1024, 1024, 1024]);
    const requests = requestsSince(emulator, start);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toMatchObject({ texts: ['a', 'b', 'c'], input_type: 'search_document' });
  });

  it('sends the OpenAI key as a bearer token and asks for shortened vectors', async () => {
    const openai = cases[1]!;
    const start = emulator.requests.length;
    await openai.embedder().embed(['hello']);
    const [request] = requestsSince(emulator, start);
    expect(request?.headers.authorization).toBe('Bearer sk-test-key');
    expect(request?.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['hello'],
      dimensions: 512,
    });
  });
});

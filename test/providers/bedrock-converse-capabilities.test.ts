/**
 * Each Bedrock model is sent only what it accepts in Converse. The emulator refuses, per model family, what
 * Bedrock refuses (checked here through the official @aws-sdk/client-bedrock-runtime), and Godwit's Bedrock
 * provider, through the AI SDK, never triggers those refusals: tools to a model without tool use fail
 * early with the fix, a model that calls tools only without streaming is asked through Converse, and
 * documents and images go only where they are accepted.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import {
  converseCapabilities,
  converseCapabilityTable,
  createBedrockProvider,
} from '../../src/providers/bedrock/index.ts';
import { createApp } from '../../src/server/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const TITAN = 'amazon.titan-text-express-v1';
const PREMIER = 'amazon.titan-text-premier-v1:0';
const LLAMA = 'meta.llama3-1-8b-instruct-v1:0';
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function provider() {
  return createBedrockProvider({
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    },
  });
}

function client() {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

const weather = {
  get_weather: tool({
    description: 'Current weather for a city.',
    inputSchema: jsonSchema<{ city: string }>({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    }),
  }),
};
const toolConfig = {
  tools: [
    {
      toolSpec: {
        name: 'get_weather',
        inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    },
  ],
};
const PDF = new TextEncoder().encode('%PDF-1.4 leave policy');

describe('the Bedrock emulator refuses what Bedrock refuses', () => {
  it('answers a toolConfig for Titan, and tools on ConverseStream for Llama 3.1, with a ValidationException', async () => {
    const bedrock = client();
    const messages = [{ role: 'user' as const, content: [{ text: 'Weather in Oslo?' }] }];
    const titan = bedrock.send(new ConverseCommand({ modelId: TITAN, messages, toolConfig }));
    await expect(titan).rejects.toBeInstanceOf(ValidationException);
    await expect(titan).rejects.toThrow("This model doesn't support tool use.");
    const stream = bedrock.send(new ConverseStreamCommand({ modelId: LLAMA, messages, toolConfig }));
    await expect(stream).rejects.toThrow("This model doesn't support tool use in streaming mode.");
    emulator.script({ toolCalls: [{ name: 'get_weather', input: { city: 'Oslo' } }] });
    const converse = await bedrock.send(new ConverseCommand({ modelId: LLAMA, messages, toolConfig }));
    expect(converse.output?.message?.content?.[0]?.toolUse?.name).toBe('get_weather');
    const document = bedrock.send(
      new ConverseCommand({
        modelId: PREMIER,
        messages: [
          {
            role: 'user',
            content: [
              { text: 'Summarise' },
              { document: { name: 'leave', format: 'pdf', source: { bytes: PDF } } },
            ],
          },
        ],
      }),
    );
    await expect(document).rejects.toThrow("This model doesn't support documents.");
    bedrock.destroy();
  });
});

describe('Godwit sends each model what it accepts', () => {
  it('refuses tools for a model without tool use before calling Bedrock, naming the model and the fix', async () => {
    const before = emulator.requests.length;
    const call = generateText({
      model: provider().languageModel(TITAN),
      prompt: 'Weather in Oslo?',
      tools: weather,
      maxRetries: 0,
    });
    await expect(call).rejects.toThrow(
      /bedrock:amazon\.titan-text-express-v1, but Amazon Titan models cannot call tools in Bedrock Converse\. Choose a Bedrock model with tool use/,
    );
    expect(emulator.requests.length).toBe(before);
  });

  it('asks a model that cannot stream tool use through Converse, and streams it without tools', async () => {
    emulator.script(
      { toolCalls: [{ name: 'get_weather', input: { city: 'Oslo' } }] },
      { text: 'Streaming works without tools.' },
    );
    const before = emulator.requests.length;
    const withTools = streamText({
      model: provider().languageModel(LLAMA),
      prompt: 'Weather in Oslo?',
      tools: weather,
      maxRetries: 0,
    });
    const calls = await withTools.toolCalls;
    expect(calls.map((call) => [call.toolName, call.input])).toEqual([['get_weather', { city: 'Oslo' }]]);
    const plain = streamText({ model: provider().languageModel(LLAMA), prompt: 'Hello', maxRetries: 0 });
    expect(await plain.text).toBe('Streaming works without tools.');
    expect(
      emulator.requests.slice(before).map((request) => [request.path.split('/').at(-1), request.stream]),
    ).toEqual([
      ['converse', false],
      ['converse-stream', true],
    ]);
  });

  it('keeps streaming tool use for models that support it', async () => {
    emulator.script({ toolCalls: [{ name: 'get_weather', input: { city: 'Oslo' } }] });
    const result = streamText({
      model: provider().languageModel(NOVA),
      prompt: 'Weather in Oslo?',
      tools: weather,
      maxRetries: 0,
    });
    expect((await result.toolCalls).map((call) => call.toolName)).toEqual(['get_weather']);
    expect(emulator.requests.at(-1)?.stream).toBe(true);
  });

  it('sends documents and images only to models that accept them', async () => {
    const before = emulator.requests.length;
    const pdf = { type: 'file' as const, data: PDF, mediaType: 'application/pdf' };
    const png = { type: 'file' as const, data: new Uint8Array([137, 80, 78, 71]), mediaType: 'image/png' };
    const ask = (modelId: string, file: typeof pdf | typeof png) =>
      generateText({
        model: provider().languageModel(modelId),
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, file] }],
        maxRetries: 0,
      });
    await expect(ask(PREMIER, pdf)).rejects.toThrow(
      /bedrock:amazon\.titan-text-premier-v1:0 does not accept documents in Bedrock Converse \(Amazon Titan Text Premier models\)/,
    );
    await expect(ask(HAIKU, png)).rejects.toThrow(/does not accept images.*bedrock:amazon\.nova-lite-v1:0/);
    expect(emulator.requests.length).toBe(before);
    emulator.script({ text: 'A leave policy.' });
    expect((await ask(HAIKU, pdf)).text).toBe('A leave policy.');
    // biome-ignore lint/suspicious/noExplicitAny: the Converse body is read field by field
    const content = (emulator.requests.at(-1)!.body as any).messages[0].content;
    expect(content.some((block: Record<string, unknown>) => 'document' in block)).toBe(true);
  });

  it('refuses an assistant with tools on a model without tool use at its first turn, and runs one on Llama 3.1 through Converse', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-bedrock-capabilities-'));
    const configPath = join(directory, 'godwit.config.yaml');
    writeFileSync(
      configPath,
      `dataDir: ${join(directory, 'data')}
sample: false
models:
  default: bedrock:${HAIKU}
assistants:
  support:
    model: bedrock:${TITAN}
    tools: [calculator]
  summariser:
    model: bedrock:${TITAN}
  calculating:
    model: bedrock:${LLAMA}
    tools: [calculator]
`,
    );
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    const { config } = loadConfig({ configPath, env, cwd: directory });
    const services = await createGodwit(config, { env });
    try {
      const app = createApp({ services, options: { logger: () => {} } });
      const chat = (assistant: string) =>
        app.request('/api/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ assistant, message: 'What is 2+2?' }),
        });
      const before = emulator.requests.length;
      const refused = await chat('support');
      expect(refused.status).toBe(400);
      const body = (await refused.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(
        /Assistant "support" uses bedrock:amazon\.titan-text-express-v1, but Amazon Titan models cannot call tools.*Set assistants\.support\.model to a Bedrock model with tool use/,
      );
      expect(emulator.requests.length).toBe(before);
      // An assistant without tools on the same model answers, its instructions folded into the message.
      emulator.script({ text: 'Four.' });
      expect((await chat('summariser')).status).toBe(200);
      // A streamed assistant turn on a model that cannot stream tool use: every step goes through Converse.
      emulator.script(
        { toolCalls: [{ name: 'calculator', input: { expression: '2+2' } }] },
        { text: 'It is 4.' },
      );
      const streamedFrom = emulator.requests.length;
      const streamed = await app.request('/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ assistant: 'calculating', message: 'What is 2+2?' }),
      });
      const events = await streamed.text();
      expect(events).toContain('"result":4');
      expect(events).toContain('It is 4.');
      expect(emulator.requests.slice(streamedFrom).map((request) => request.stream)).toEqual([false, false]);
    } finally {
      await services.close();
    }
  });
});

describe('the capability table', () => {
  it('reads cross-region ids and leaves unknown models unrestricted', () => {
    expect(converseCapabilities(`us.${LLAMA}`)).toMatchObject({
      family: 'Meta Llama 3.1',
      toolUse: true,
      streamingToolUse: false,
    });
    expect(converseCapabilities('amazon.titan-text-premier-v1:0')).toMatchObject({
      systemPrompt: false,
      documents: false,
    });
    expect(converseCapabilities('amazon.titan-text-lite-v1')).toMatchObject({
      systemPrompt: false,
      documents: true,
    });
    expect(converseCapabilities('vendor.future-model-v9')).toMatchObject({
      toolUse: true,
      streamingToolUse: true,
    });
    // A narrower prefix always comes before a wider one that would shadow it.
    const prefixes = converseCapabilityTable().map((row) => row.prefix);
    prefixes.forEach((prefix, index) => {
      expect(
        prefixes.slice(0, index).some((earlier) => prefix.startsWith(earlier)),
        prefix,
      ).toBe(false);
    });
  });
});

/**
 * Instructions reach every Bedrock model in a form it accepts: Titan text models take no system block in
 * Converse (the emulator refuses one, as Bedrock does), so Godwit sends their instructions in the first
 * user message; Claude keeps its system block.
 */
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bedrockAcceptsSystemPrompt,
  createBedrockProvider,
  foldSystemIntoUserMessage,
} from '../../src/providers/bedrock/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const TITAN = 'amazon.titan-text-express-v1';
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

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

// biome-ignore lint/suspicious/noExplicitAny: the Converse request body is read field by field
function lastBody(): any {
  return emulator.requests.at(-1)?.body;
}

describe('Bedrock instructions for models without a system prompt', () => {
  it('sends a Titan model its instructions at the head of the first user message', async () => {
    emulator.script({ text: 'Twenty days.' });
    const result = await generateText({
      model: provider().languageModel(TITAN),
      system: 'Answer only from the sources.',
      prompt: 'How many vacation days?',
      maxRetries: 0,
    });
    expect(result.text).toBe('Twenty days.');
    const body = lastBody();
    expect(body.system ?? []).toEqual([]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [{ text: 'Instructions:\nAnswer only from the sources.\n\nHow many vacation days?' }],
      },
    ]);
  });

  it('streams from a Titan model through ConverseStream with the instructions folded in', async () => {
    emulator.script({ text: 'Streamed answer.' });
    const result = streamText({
      model: provider().languageModel(TITAN),
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'First question' },
        { role: 'assistant', content: 'First answer' },
        { role: 'user', content: 'Second question' },
      ],
      maxRetries: 0,
    });
    expect(await result.text).toBe('Streamed answer.');
    const body = lastBody();
    expect(emulator.requests.at(-1)?.stream).toBe(true);
    expect(body.system ?? []).toEqual([]);
    expect(body.messages[0].content[0].text).toBe('Instructions:\nBe brief.\n\nFirst question');
    expect(body.messages[2].content[0].text).toBe('Second question');
  });

  it('keeps the system block for Claude, which accepts it', async () => {
    emulator.script({ text: 'ok' });
    await generateText({
      model: provider().languageModel(HAIKU),
      system: 'Answer only from the sources.',
      prompt: 'Hi',
      maxRetries: 0,
    });
    const body = lastBody();
    expect(body.system).toEqual([{ text: 'Answer only from the sources.' }]);
    expect(body.messages[0].content).toEqual([{ text: 'Hi' }]);
  });

  it('is what Bedrock refuses: a system block sent straight to Titan fails with a validation error', async () => {
    const response = await fetch(`${emulator.url}/model/${TITAN}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer key' },
      body: JSON.stringify({
        system: [{ text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /doesn't support system messages/,
    );
  });
});

describe('which Bedrock models take a system prompt', () => {
  it.each([
    ['amazon.titan-text-express-v1', false],
    ['amazon.titan-text-lite-v1', false],
    ['amazon.titan-text-premier-v1:0', false],
    ['us.amazon.titan-text-premier-v1:0', false],
    ['mistral.mixtral-8x7b-instruct-v0:1', false],
    ['cohere.command-text-v14', false],
    ['anthropic.claude-3-5-haiku-20241022-v1:0', true],
    ['us.anthropic.claude-3-5-haiku-20241022-v1:0', true],
    ['amazon.nova-lite-v1:0', true],
    ['mistral.mistral-large-2407-v1:0', true],
    ['meta.llama3-1-8b-instruct-v1:0', true],
  ])('%s → %s', (modelId, accepts) => {
    expect(bedrockAcceptsSystemPrompt(modelId)).toBe(accepts);
  });

  it('adds a user message for instructions when the prompt has none', () => {
    expect(foldSystemIntoUserMessage([{ role: 'system', content: 'Rules.' }])).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Instructions:\nRules.' }] },
    ]);
  });

  it('leaves a prompt without system messages untouched', () => {
    const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi' }] }];
    expect(foldSystemIntoUserMessage(prompt)).toBe(prompt);
  });
});

/**
 * `godwit ask` with a generative provider: OPENAI_API_KEY / OPENAI_BASE_URL pointed at the OpenAI
 * wire-format emulator. The model sees the numbered sources and its citations map back to them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { configSchema } from '../../src/config/schema.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

let emulator: Emulator;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator();
  process.env.OPENAI_API_KEY = 'sk-emulated';
  process.env.OPENAI_BASE_URL = emulator.baseURLs.openai;
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

async function ask(dataDir: string, question: string) {
  const captured = captureOutput();
  const code = await main(['--data-dir', dataDir, 'ask', question, '--json'], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('godwit ask with an OpenAI-compatible provider', () => {
  it('answers with the generated text and the sources the answer cites', async () => {
    emulator.script({
      match: { dialect: 'openai' },
      text: 'New employees get 20 days of paid vacation in their first year [1].',
      usage: { inputTokens: 900, outputTokens: 20 },
    });
    const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-gen-')), 'data');
    const result = await ask(dataDir, 'How many vacation days do new employees get?');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as {
      answer: string;
      citations: Array<{ source: string; text: string }>;
      model: string;
      usage: { inputTokens: number; outputTokens: number };
    };
    expect(body.model).toBe('openai:gpt-4.1-mini');
    expect(body.answer).toBe('New employees get 20 days of paid vacation in their first year [1].');
    expect(body.usage).toMatchObject({ inputTokens: 900, outputTokens: 20 });
    expect(body.citations).toHaveLength(1);
    const request = emulator.requests.find(
      (entry) => entry.dialect === 'openai' && entry.operation === 'chat',
    );
    const sent = JSON.stringify(request?.body);
    expect(sent).toContain('<source id=\\"1\\"');
    expect(sent).toContain(body.citations[0]!.source);
  });

  it('answers through Bedrock when only AWS credentials and AWS_ENDPOINT_URL_BEDROCK_RUNTIME are set', async () => {
    const openaiKey = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAEMULATED',
      AWS_SECRET_ACCESS_KEY: 'emulated-secret',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.baseURLs.bedrock,
    });
    try {
      emulator.script({
        match: { dialect: 'bedrock' },
        text: 'New employees get 20 days of paid vacation [1].',
        usage: { inputTokens: 800, outputTokens: 12 },
      });
      const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-gen-')), 'data');
      const result = await ask(dataDir, 'How many vacation days do new employees get?');
      expect(result.code).toBe(0);
      const body = JSON.parse(result.stdout) as { answer: string; model: string; citations: unknown[] };
      expect(body.model).toBe('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0');
      expect(body.answer).toBe('New employees get 20 days of paid vacation [1].');
      expect(body.citations).toHaveLength(1);
      const request = emulator.requests.findLast((entry) => entry.dialect === 'bedrock');
      expect(String(request?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEMULATED\//);
    } finally {
      for (const name of [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_REGION',
        'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
      ]) {
        delete process.env[name];
      }
      process.env.OPENAI_API_KEY = openaiKey;
    }
  });

  it('exits 1 and keeps the question when the provider rejects the request', async () => {
    emulator.script({
      match: { dialect: 'openai' },
      error: { status: 400, message: 'bad request from provider: secret-detail' },
    });
    const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-gen-')), 'data');
    const result = await ask(dataDir, 'How many vacation days do new employees get?');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/could not answer.*saved/);
    expect(result.stderr).not.toContain('secret-detail');

    const services = await createGodwit(configSchema.parse({ dataDir, sample: false }), { env: process.env });
    try {
      const { conversations } = await services.conversations.listConversations(DEFAULT_TENANT);
      const messages = await services.conversations.listMessages(DEFAULT_TENANT, conversations[0]!.id);
      expect(messages.map((message) => [message.role, message.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'failed'],
      ]);
      expect(messages[0]!.content).toBe('How many vacation days do new employees get?');
    } finally {
      await services.close();
    }
  });
});

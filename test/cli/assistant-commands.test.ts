/**
 * `godwit ask --assistant`: a configured assistant answers on the command line, its tool calls listed,
 * with the model scripted on the OpenAI wire emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

let emulator: Emulator;
let configPath: string;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator();
  process.env.OPENAI_API_KEY = 'sk-emulated';
  process.env.OPENAI_BASE_URL = emulator.baseURLs.openai;
  const directory = mkdtempSync(join(tmpdir(), 'godwit-cli-assistant-'));
  configPath = join(directory, 'godwit.config.yaml');
  writeFileSync(
    configPath,
    `dataDir: ${join(directory, 'data')}
sample: false
models:
  default: openai:gpt-4.1-mini
assistants:
  helper:
    tools: [calculator]
`,
  );
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--config', configPath, ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('godwit ask --assistant', () => {
  it('answers with the tool calls the assistant made (--json)', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '12*12' } }] },
      { match: { dialect: 'openai' }, text: 'It is 144.' },
    );
    const result = await run(['ask', 'What is 12*12?', '--assistant', 'helper', '--json']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      answer: 'It is 144.',
      model: 'openai:gpt-4.1-mini',
      toolCalls: [{ toolName: 'calculator', state: 'complete' }],
    });
    expect(body.conversationId).toEqual(expect.any(String));
  });

  it('prints the tool calls before the answer', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '2+' } }] },
      { match: { dialect: 'openai' }, text: 'That expression is incomplete.' },
    );
    const result = await run(['ask', 'What is 2+?', '--assistant', 'helper']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}\[tool\] calculator failed: .+\nThat expression is incomplete\.\n/);
  });

  it('exits 1 with the reason for an unknown assistant', async () => {
    const result = await run(['ask', 'Hi', '--assistant', 'nobody']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('There is no assistant "nobody". Assistants: helper.');
  });
});

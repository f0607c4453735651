/**
 * `godwit ask --assistant` and `godwit chat --assistant`: a configured assistant answers on the command line,
 * its tool calls listed, waiting calls approved with /approve; the model scripted on the OpenAI wire emulator.
 */
import { spawn } from 'node:child_process';
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
  careful:
    tools: [calculator]
    approval: { mode: always }
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
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('There is no assistant "nobody". Assistants: helper, careful.');
  });
});

/** The shipped command (`node bin/godwit.js`, the compiled build) with `input` piped to its stdin. */
function shippedChat(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/godwit.js', '--config', configPath, ...args], {
      env: { ...process.env, OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('godwit chat --assistant', () => {
  it('shows a waiting tool call, runs it on /approve and prints the continued answer', async () => {
    emulator.script(
      { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }] },
      { match: { dialect: 'openai' }, text: 'Six times seven is 42.' },
    );
    const result = await shippedChat(['chat', '--assistant', 'careful'], 'What is 6*7?\n/approve\n/exit\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Chatting with assistant "careful".');
    expect(result.stdout).toContain('  [tool] calculator awaiting-approval (waits for your approval)');
    expect(result.stdout).toContain('  [tool] calculator complete\nSix times seven is 42.');
  }, 120_000);

  it('says so when /approve has nothing to decide', async () => {
    const result = await shippedChat(['chat', '--assistant', 'careful'], '/approve\n/exit\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('No tool call waits for approval.');
  }, 120_000);
});

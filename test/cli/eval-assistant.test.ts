/**
 * `godwit eval answers --assistant`: a golden set through an assistant's tool loop, with the real CLI, the
 * real config loader (a godwit.config.yaml with two assistants) and the OpenAI wire emulator scripting the
 * model's tool calls. The tools really run (the built-in calculator); an assistant that skips the tool the
 * set expects must lose on tool recall, locally and through a running server by URL.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import type { AnswerReport } from '../../src/eval/index.ts';
import { type NodeServer, startNodeServer } from '../../src/runtime/node.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const GOLDEN_SET = [
  { id: 'product', question: 'What is 6 times 7?', facts: ['42'], expected_tools: ['calculator'] },
  { id: 'sum', question: 'What is 19 plus 23?', facts: ['42'], expected_tools: ['calculator'] },
  { id: 'greeting', question: 'Hello there!', facts: ['hello'], expected_tools: [] },
];

let emulator: Emulator;
let root: string;
let configPath: string;
let setPath: string;
const saved = { ...process.env };

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--config', configPath, ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** The careful assistant: the calculator for both sums, then the answer; no tool for a greeting. */
function scriptCareful(): void {
  emulator.script(
    { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }] },
    { match: { dialect: 'openai' }, text: '6 times 7 is 42.' },
    { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '19+23' } }] },
    { match: { dialect: 'openai' }, text: '19 plus 23 is 42.' },
    { match: { dialect: 'openai' }, text: 'Hello! How can I help?' },
  );
}

/** The hasty assistant: guesses the first sum, and calls the calculator for a greeting. */
function scriptHasty(): void {
  emulator.script(
    { match: { dialect: 'openai' }, text: '6 times 7 is 42.' },
    { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '19+23' } }] },
    { match: { dialect: 'openai' }, text: '19 plus 23 is 42.' },
    { match: { dialect: 'openai' }, toolCalls: [{ name: 'calculator', input: { expression: '1+1' } }] },
    { match: { dialect: 'openai' }, text: 'Hello!' },
  );
}

beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai });
  root = mkdtempSync(join(tmpdir(), 'godwit-eval-assistant-'));
  configPath = join(root, 'godwit.config.yaml');
  writeFileSync(
    configPath,
    `dataDir: ${join(root, 'data')}
sample: false
models:
  default: openai:gpt-4.1-mini
assistants:
  careful:
    instructions: Use the calculator for every sum.
    tools: [calculator]
  hasty:
    instructions: Answer quickly.
    tools: [calculator]
`,
  );
  setPath = join(root, 'golden.jsonl');
  writeFileSync(setPath, GOLDEN_SET.map((item) => JSON.stringify(item)).join('\n'));
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

describe('godwit eval answers with assistants', () => {
  it('runs the set through the tool loop and records every tool call with its tool recall', async () => {
    scriptCareful();
    const result = await run(['eval', 'answers', '--set', setPath, '--assistant', 'careful', '--no-warm-up']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| expected tools called \| 1\.000 \|/);
    expect(result.stdout).toMatch(/\| tool calls per answer \| 0\.67 \|/);
    expect(result.stdout).toContain('| product | calculator | calculator |');
    expect(result.stdout).toContain('| greeting | (none) | (none) |');
    const sent = JSON.stringify(emulator.requests.map((request) => request.body));
    expect(sent).toContain('Use the calculator for every sum.');
    // The tool really ran: its result went back to the model.
    expect(sent).toContain('\\"result\\":42');
  });

  it('makes the assistant that skips the expected tool lose, and fails its threshold', async () => {
    scriptCareful();
    scriptHasty();
    const result = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--compare',
      'assistant:careful,assistant:hasty',
      '--fail-below',
      'tool_recall=0.9',
      '--no-warm-up',
      '--json',
      '--report',
      join(root, 'report'),
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as AnswerReport;
    expect(report.variants.map((variant) => variant.name)).toEqual(['assistant:careful', 'assistant:hasty']);
    expect(report.variants.map((variant) => variant.summary.tool_recall)).toEqual([1, 0.3333]);
    expect(report.variants.map((variant) => variant.summary.fact_recall)).toEqual([1, 1]);
    const hasty = report.variants[1]!.answers;
    expect(hasty.map((answer) => answer.tool_calls.map((call) => call.name))).toEqual([
      [],
      ['calculator'],
      ['calculator'],
    ]);
    expect(hasty[1]!.tool_calls[0]!.state).toBe('complete');
    expect(report.comparisons[0]!.metrics.tool_recall).toMatchObject({ pairs: 3, mean_difference: -0.6667 });
    expect(report.comparisons[0]!.changed.map((change) => change.id)).toEqual(['product', 'greeting']);
    expect(result.stderr).toContain('assistant:hasty: tool_recall is 0.333, below the minimum 0.9');
    const html = readFileSync(join(root, 'report', 'report.html'), 'utf8');
    expect(html).toContain(
      '<tr><td>product</td><td>calculator</td><td>calculator <small>complete</small></td><td>(none)</td></tr>',
    );
  });

  it('asks an assistant of a running server by URL', async () => {
    const serverDir = mkdtempSync(join(tmpdir(), 'godwit-eval-assistant-server-'));
    const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
    const { config } = loadConfig({ configPath, env, cwd: serverDir });
    const services: GodwitServices = await createGodwit(
      { ...config, dataDir: join(serverDir, 'data') },
      { env },
    );
    const app = createApp({ services, options: { logger: () => {} } });
    let server: NodeServer | undefined;
    try {
      server = await startNodeServer({ fetch: app.fetch, host: '127.0.0.1', port: 0 });
      scriptCareful();
      scriptHasty();
      const result = await run([
        'eval',
        'answers',
        '--set',
        setPath,
        '--compare',
        `assistant:careful,assistant:hasty@${server.url}`,
        '--no-warm-up',
        '--json',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as AnswerReport;
      expect(report.variants.map((variant) => variant.name)).toEqual([
        'assistant:careful',
        `assistant:hasty@${server.url}`,
      ]);
      expect(report.variants[1]!.summary).toMatchObject({
        tool_recall: 0.3333,
        tool_calls_per_answer: 0.6667,
      });
    } finally {
      await server?.close();
      await services.close();
    }
  });

  it('names the fix when --model is combined with --assistant, or the assistant does not exist', async () => {
    const combined = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--assistant',
      'careful',
      '--model',
      'openai:gpt-4.1',
    ]);
    expect(combined.code).toBe(2);
    expect(combined.stderr).toMatch(
      /assistant "careful" answers with its own model; change assistants\.careful\.model/,
    );
    const unknown = await run(['eval', 'answers', '--set', setPath, '--assistant', 'nobody', '--no-warm-up']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/nobody/);
    const tools = mkdtempSync(join(tmpdir(), 'godwit-eval-set-'));
    const plain = join(tools, 'plain.jsonl');
    writeFileSync(plain, '{"question":"Hi","facts":["hello"]}\n');
    const threshold = await run([
      'eval',
      'answers',
      '--set',
      plain,
      '--assistant',
      'careful',
      '--fail-below',
      'tool_recall=1',
    ]);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('the set cannot measure tool_recall: no item has "expected_tools"');
  });
});

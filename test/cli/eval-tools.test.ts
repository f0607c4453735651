/**
 * `godwit eval tools` as a user runs it: the real CLI and config loading, the built-in tool-calling set
 * offered through the AI SDK to an OpenAI model and a Bedrock model on the wire emulators (the official
 * wire formats, SigV4 for Bedrock), with scripted calls: the OpenAI model calls right everywhere, the
 * Bedrock one makes one call where two are needed and calls a function where none applies, so its
 * parallel and irrelevance accuracy must be 0 and the comparison must show the loss.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadToolCallingSet, type ToolCallingItem, type ToolCallingReport } from '../../src/eval/index.ts';
import { firstAcceptableCalls } from '../../src/eval/tool-calling-fixtures.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, type ScriptedReply, startEmulator } from '../support/emulators/index.ts';

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

let emulator: Emulator;
let root: string;
let items: ToolCallingItem[];
const saved = { ...process.env };

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--data-dir', join(root, 'data'), ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

function rightReply(item: ToolCallingItem, dialect: 'openai' | 'bedrock'): ScriptedReply {
  const calls = firstAcceptableCalls(item);
  if (calls.length === 0) return { match: { dialect }, text: 'None of my tools can answer that.' };
  return { match: { dialect }, toolCalls: calls.map((call) => ({ name: call.name, input: call.arguments })) };
}

/** Right on simple and multiple items; one call only for parallel ones; a call where none applies. */
function hastyReply(item: ToolCallingItem): ScriptedReply {
  if (item.category === 'irrelevance') {
    const [offered] = item.functions;
    return { match: { dialect: 'bedrock' }, toolCalls: [{ name: offered!.name, input: {} }] };
  }
  const reply = rightReply(item, 'bedrock');
  return { ...reply, toolCalls: reply.toolCalls?.slice(0, 1) };
}

beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret-example',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
  });
  root = mkdtempSync(join(tmpdir(), 'godwit-eval-tools-'));
  items = await loadToolCallingSet();
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

describe('godwit eval tools', () => {
  it('scores two models per category on the built-in set, and compares them paired', async () => {
    for (const item of items) emulator.script(rightReply(item, 'openai'));
    for (const item of items) emulator.script(hastyReply(item));
    const before = emulator.requests.length;
    const reportDir = join(root, 'report');
    const result = await run([
      'eval',
      'tools',
      '--model',
      'openai:gpt-4.1-mini',
      '--model',
      `bedrock:${HAIKU}`,
      '--json',
      '--report',
      reportDir,
      '--fail-below',
      '0.8',
    ]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as ToolCallingReport;
    const [openai, bedrock] = report.models;
    expect(openai).toMatchObject({ name: 'openai:gpt-4.1-mini', accuracy: 1, failed: 0 });
    expect(bedrock!.categories).toEqual({
      simple: { items: 10, correct: 10, accuracy: 1 },
      multiple: { items: 8, correct: 8, accuracy: 1 },
      parallel: { items: 6, correct: 0, accuracy: 0 },
      irrelevance: { items: 6, correct: 0, accuracy: 0 },
    });
    expect(bedrock!.accuracy).toBe(0.6);
    expect(bedrock!.results.find((entry) => entry.id === 'parallel-1')!.reason).toBe(
      'made 1 call(s), expected 2',
    );
    expect(report.comparisons[0]).toMatchObject({ pairs: 30, mean_difference: -0.4 });
    expect(report.comparisons[0]!.p_value).toBeLessThan(0.05);
    expect(report.comparisons[0]!.changed).toHaveLength(12);
    expect(result.stderr).toContain(
      `bedrock:${HAIKU}: tool-calling accuracy is 0.600, below the minimum 0.8.`,
    );
    // One request per item and model: the functions offered, nothing executed, no second step.
    const sent = emulator.requests.slice(before);
    expect(sent).toHaveLength(60);
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are read field by field
    const converse = sent.find((request) => request.dialect === 'bedrock')!.body as any;
    expect(converse.toolConfig.tools[0].toolSpec.name).toBe('get_weather');
    const markdown = readFileSync(join(reportDir, 'tools-report.md'), 'utf8');
    expect(markdown).toContain(`| parallel | 1.000 (6/6) | 0.000 (0/6) |`);
    expect(markdown).toContain('- irrelevance-1 (irrelevance): called get_weather where no function applies');
  });

  it('reads a set of its own and says what is wrong with a bad one', async () => {
    const path = join(root, 'mine.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify({
        id: 'weather',
        category: 'simple',
        question: 'Weather in Oslo?',
        functions: [
          {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        ground_truth: [{ get_weather: { city: ['Oslo'] } }],
      })}\n`,
    );
    emulator.script({
      match: { dialect: 'openai' },
      toolCalls: [{ name: 'get_weather', input: { city: 'oslo' } }],
    });
    const good = await run(['eval', 'tools', '--model', 'openai:gpt-4.1-mini', '--set', path]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('| simple | 1.000 (1/1) |');
    writeFileSync(path, '{"id":"x","category":"simple"}\n');
    const bad = await run(['eval', 'tools', '--model', 'openai:gpt-4.1-mini', '--set', path]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/mine\.jsonl is not a valid tool-calling set:\n {2}line 1, field "question"/);
  });

  it('stops with the reason when a Bedrock model cannot call tools in Converse', async () => {
    const before = emulator.requests.length;
    const result = await run(['eval', 'tools', '--model', 'bedrock:amazon.titan-text-express-v1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /error: bedrock:amazon\.titan-text-express-v1, but Amazon Titan models cannot call tools in Bedrock Converse\. Choose a Bedrock model with tool use/,
    );
    expect(emulator.requests.length).toBe(before);
  });

  it('refuses no model, the extractive model and a bad threshold before asking anything', async () => {
    const before = emulator.requests.length;
    expect((await run(['eval', 'tools'])).stderr).toContain('Name at least one model');
    expect((await run(['eval', 'tools', '--model', 'local:extractive'])).stderr).toContain(
      'local:extractive cannot call tools',
    );
    const threshold = await run(['eval', 'tools', '--model', 'openai:gpt-4.1-mini', '--fail-below', '80']);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('--fail-below must be an accuracy from 0 to 1');
    expect(emulator.requests.length).toBe(before);
  });
});

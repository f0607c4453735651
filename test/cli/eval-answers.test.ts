/**
 * `godwit eval answers` as a user runs it: the real CLI, the real config loading (OPENAI_API_KEY and
 * OPENAI_BASE_URL pointing at the OpenAI wire emulator), the chat turn of `godwit ask`, and scripted
 * answers whose scores are known — a variant that drops facts must lose, and a regression must fail.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { type AnswerReport, parseGoldenSet } from '../../src/eval/index.ts';
import { type NodeServer, startNodeServer } from '../../src/runtime/node.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const DOCUMENTS = {
  'leave.md': '# Leave\n\nNew employees get 20 days of paid vacation in their first year.\n',
  'travel.md':
    '# Travel\n\nHotels in Lisbon are covered up to EUR 180 a night.\n\nThe meal per diem in Europe is EUR 60 a day.\n',
};

const GOLDEN_SET = [
  {
    id: 'vacation',
    question: 'How many vacation days do new employees get?',
    facts: ['20 days'],
    sources: ['leave.md'],
  },
  {
    id: 'hotel',
    question: 'What is the hotel limit in Lisbon?',
    facts: ['EUR 180'],
    reference: 'Hotels in Lisbon are covered up to EUR 180 a night.',
    sources: ['travel.md'],
  },
  {
    id: 'per-diem',
    question: 'What is the meal per diem in Europe?',
    facts: ['EUR 60'],
    sources: ['travel.md'],
  },
  { id: 'mars', question: 'What is the address of the office on Mars?', unanswerable: true },
];

/** Good answers, in golden-set order. */
const GOOD = [
  'New employees get 20 days of paid vacation [1].',
  'Hotels in Lisbon are covered up to EUR 180 a night [1].',
  'The meal per diem in Europe is EUR 60 a day [1].',
  'I could not find an office on Mars in the knowledge base.',
];
/** The same answers with two facts dropped and the refusal lost. */
const WORSE = [
  'New employees get 20 days of paid vacation [1].',
  'Hotels in Lisbon are covered [1].',
  'Meals are covered by a per diem [1].',
  'The office on Mars is at 1 Crater Road [1].',
];

let emulator: Emulator;
let root: string;
let dataDir: string;
let setPath: string;
const saved = { ...process.env };

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--data-dir', dataDir, ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Queues `answers` for `model`, after the reply to the untimed warm-up turn. */
function script(model: string, answers: readonly string[]): void {
  for (const text of ['Warm-up answer.', ...answers]) {
    emulator.script({
      match: { dialect: 'openai', model },
      text,
      usage: { inputTokens: 1000, outputTokens: 40 },
    });
  }
}

function chatRequests(): number {
  return emulator.requests.filter((request) => request.operation === 'chat').length;
}

/** A Godwit HTTP server on a free loopback port, as `godwit serve` would run it. */
function startServer(services: GodwitServices): Promise<NodeServer> {
  const app = createApp({ services, options: { logger: () => {} } });
  return startNodeServer({ fetch: app.fetch, host: '127.0.0.1', port: 0 });
}

beforeAll(async () => {
  emulator = await startEmulator();
  process.env.OPENAI_API_KEY = 'sk-emulated';
  process.env.OPENAI_BASE_URL = emulator.baseURLs.openai;
  root = mkdtempSync(join(tmpdir(), 'godwit-eval-answers-'));
  dataDir = join(root, 'data');
  const documents = join(root, 'documents');
  mkdirSync(documents);
  for (const [name, text] of Object.entries(DOCUMENTS)) writeFileSync(join(documents, name), text);
  setPath = join(root, 'golden.jsonl');
  writeFileSync(setPath, GOLDEN_SET.map((item) => JSON.stringify(item)).join('\n'));
  const ingested = await run(['ingest', documents, '--kb', 'policies']);
  expect(ingested.code, ingested.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

describe('godwit eval answers', () => {
  it('scores a model through the chat turn and passes its thresholds', async () => {
    script('gpt-4.1-mini', GOOD);
    const before = chatRequests();
    const result = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--kb',
      'policies',
      '--no-sample',
      '--json',
      '--fail-below',
      'fact_recall=0.9,citation_hit=1,refusal_rate=1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AnswerReport;
    expect(report.passed).toBe(true);
    expect(report.variants).toHaveLength(1);
    const [variant] = report.variants;
    expect(variant!.name).toBe('openai:gpt-4.1-mini');
    expect(variant!.summary).toMatchObject({
      questions: 4,
      failed: 0,
      fact_recall: 1,
      citation_hit: 1,
      citation_validity: 1,
      refusal_rate: 1,
      false_refusal_rate: 0,
      unpriced: 0,
    });
    // gpt-4.1-mini's price table entry times 1000 input and 40 output tokens, never zero.
    expect(variant!.summary.cost_usd_per_answer).toBeGreaterThan(0);
    expect(variant!.answers.find((answer) => answer.id === 'hotel')?.metrics.token_f1).toBe(1);
    // Each question went through the grounded chat turn: four chat calls, sources in the prompt.
    // One untimed warm-up turn, then one grounded turn per question.
    expect(chatRequests() - before).toBe(5);
    const sent = emulator.requests
      .filter((request) => request.operation === 'chat')
      .slice(before + 1)
      .map((request) => JSON.stringify(request.body));
    expect(sent[0]).toContain('How many vacation days do new employees get?');
    expect(sent[0]).toMatch(/<source id=\\"1\\" name=\\"leave\.md\\"/);
    expect(sent[3]).toContain('What is the address of the office on Mars?');
  });

  it('makes the variant that drops facts lose, exits 1 on the regression, and writes the reports', async () => {
    script('gpt-4.1-mini', GOOD);
    script('gpt-4o-mini', WORSE);
    const reportDir = join(root, 'report-ab');
    const result = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--kb',
      'policies',
      '--no-sample',
      '--json',
      '--compare',
      'openai:gpt-4.1-mini,openai:gpt-4o-mini',
      '--fail-below',
      'fact_recall=0.9',
      '--report',
      reportDir,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/openai:gpt-4o-mini: fact_recall is 0\.333, below the minimum 0\.9/);
    const report = JSON.parse(result.stdout) as AnswerReport;
    expect(report.passed).toBe(false);
    const [baseline, candidate] = report.variants;
    expect(baseline!.summary.fact_recall).toBe(1);
    expect(candidate!.summary.fact_recall).toBe(0.3333);
    expect(candidate!.summary.refusal_rate).toBe(0);
    expect(candidate!.answers.find((answer) => answer.id === 'hotel')?.missing_facts).toEqual(['EUR 180']);
    expect(report.thresholds.map((outcome) => [outcome.variant, outcome.passed])).toEqual([
      ['openai:gpt-4.1-mini', true],
      ['openai:gpt-4o-mini', false],
    ]);
    const [comparison] = report.comparisons;
    expect(comparison).toMatchObject({ baseline: 'openai:gpt-4.1-mini', candidate: 'openai:gpt-4o-mini' });
    expect(comparison!.metrics.fact_recall).toMatchObject({ pairs: 3, mean_difference: -0.6667 });
    expect(comparison!.metrics.fact_recall.high).toBeLessThanOrEqual(0);
    expect(comparison!.changed.map((change) => change.id).sort()).toEqual(['hotel', 'mars', 'per-diem']);
    expect(comparison!.changed.find((change) => change.id === 'mars')?.deltas).toMatchObject({
      refusal_rate: -1,
    });

    const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Crater Road');
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(/i);
    const markdown = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| fact recall \| 1\.000 \| 0\.333 \|/);
    expect(markdown).toMatch(/## openai:gpt-4o-mini against openai:gpt-4\.1-mini/);
    expect(JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'))).toEqual(report);
  });

  it('compares the embedded data with a running server by URL, as after a migration', async () => {
    const serverDir = join(root, 'server-data');
    const services: GodwitServices = await createGodwit(
      configSchema.parse({ dataDir: serverDir, sample: false }),
      {
        env: process.env,
      },
    );
    const server = await startServer(services);
    try {
      const knowledgeBase = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, 'policies');
      // The migrated copy lost travel.md: its answers cannot cite it.
      await services.knowledge.ingest(DEFAULT_TENANT, knowledgeBase, {
        source: 'leave.md',
        bytes: new TextEncoder().encode(DOCUMENTS['leave.md']),
      });
      script('gpt-4.1-mini', GOOD);
      script('gpt-4.1-mini', GOOD);
      const result = await run([
        'eval',
        'answers',
        '--set',
        setPath,
        '--kb',
        'policies',
        '--no-sample',
        '--json',
        '--compare',
        `openai:gpt-4.1-mini,${server.url}`,
        '--fail-below',
        'citation_hit=1',
      ]);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as AnswerReport;
      expect(report.variants.map((variant) => variant.summary.citation_hit)).toEqual([1, 0.3333]);
      expect(report.variants[1]!.name).toBe(server.url);
      expect(result.stderr).toContain(`${server.url}: citation_hit is 0.333, below the minimum 1`);
    } finally {
      await server.close();
      await services.close();
    }
  });

  it('keeps the judge prompt, raw verdicts and ratings with --judge, and checks them against fact recall', async () => {
    script('gpt-4.1-mini', GOOD);
    const verdicts = [
      '{"faithfulness": 1, "relevance": 1, "reason": "supported"}',
      '{"faithfulness": 0.2, "relevance": 1, "reason": "the limit is not in the source"}',
      'Not sure.',
      '{"faithfulness": 1, "relevance": 0.9}',
    ];
    for (const text of verdicts) emulator.script({ match: { dialect: 'openai', model: 'gpt-4.1' }, text });
    const result = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--kb',
      'policies',
      '--no-sample',
      '--json',
      '--judge',
      'openai:gpt-4.1',
      '--fail-below',
      'judge_faithfulness=0.8',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as AnswerReport;
    const [variant] = report.variants;
    expect(variant!.summary).toMatchObject({
      judge_faithfulness: 0.7333,
      judge_relevance: 0.9667,
      judge_agreement: 0.5,
      fact_recall: 1,
    });
    const hotel = variant!.answers.find((answer) => answer.id === 'hotel')!;
    expect(hotel.judge).toMatchObject({ faithfulness: 0.2, raw: verdicts[1], error: null });
    expect(hotel.judge!.prompt).toContain(
      '<answer>\nHotels in Lisbon are covered up to EUR 180 a night [1].\n</answer>',
    );
    expect(hotel.judge!.prompt).toMatch(/<source id="1">\n[^<]*EUR 180/);
    const perDiem = variant!.answers.find((answer) => answer.id === 'per-diem')!;
    expect(perDiem.judge).toMatchObject({
      raw: 'Not sure.',
      faithfulness: null,
      error: 'the reply holds no JSON object',
    });
    expect(result.stderr).toMatch(/judge_faithfulness is 0\.733, below the minimum 0\.8/);
    const judged = emulator.requests.filter((request) => request.model === 'gpt-4.1');
    expect(JSON.stringify(judged.at(-1)?.body)).toContain('You grade one answer');
  });

  it('names the line and field of a bad golden set, exits 2 and asks nothing', async () => {
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(GOLDEN_SET[0])}\n{"question":"Hotel?","facts":"EUR 180"}\n`);
    const before = chatRequests();
    const result = await run(['eval', 'answers', '--set', bad, '--kb', 'policies', '--no-sample', '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/bad\.jsonl is not a valid golden set:\n\s+line 2, field "facts": .*array/);
    expect(chatRequests()).toBe(before);
  });

  it.each([
    [['--fail-below', 'accuracy=0.9'], /unknown metric "accuracy"; use one of fact_recall/],
    [['--fail-below', 'fact_recall=90'], /fact_recall must be a number from 0 to 1/],
    [['--compare', 'openai:gpt-4.1-mini'], /--compare needs two or more/],
    [
      ['--model', 'openai:gpt-4.1-mini', '--compare', 'openai:gpt-4.1-mini,openai:gpt-4o-mini'],
      /cannot be combined/,
    ],
    [['--seed', 'abc'], /--seed must be a whole number/],
    [['--fail-below', 'judge_faithfulness=0.8'], /judge metrics need --judge MODEL/],
  ])('exits 2 on bad usage %j', async (extra, message) => {
    const before = chatRequests();
    const result = await run([
      'eval',
      'answers',
      '--set',
      setPath,
      '--kb',
      'policies',
      '--no-sample',
      ...extra,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(chatRequests()).toBe(before);
  });

  it('exits 2 when the golden set file does not exist', async () => {
    const result = await run(['eval', 'answers', '--set', join(root, 'missing.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot read the golden set .*missing\.jsonl: no such file/);
    expect(existsSync(join(root, 'missing.jsonl'))).toBe(false);
  });
});

describe('godwit eval draft', () => {
  it('writes the questions the model drafted from sampled passages, skipping unusable replies', async () => {
    emulator.script({
      match: { dialect: 'openai', model: 'gpt-4.1-mini' },
      text: '```json\n{"question":"What is the hotel limit in Lisbon?","facts":["EUR 180"],"reference":"Up to EUR 180 a night."}\n```',
    });
    emulator.script({
      match: { dialect: 'openai', model: 'gpt-4.1-mini' },
      text: 'Sorry, I cannot do that.',
    });
    const out = join(root, 'draft.jsonl');
    const before = chatRequests();
    const result = await run(['eval', 'draft', '--kb', 'policies', '--count', '5', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/skipped a passage of (leave|travel)\.md: the reply holds no JSON object/);
    expect(result.stderr).toMatch(/Drafted 1 questions into .*draft\.jsonl; review them before use/);
    const items = parseGoldenSet(readFileSync(out, 'utf8'), out);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: 'draft-1',
      question: 'What is the hotel limit in Lisbon?',
      tags: ['draft'],
    });
    expect(['leave.md', 'travel.md']).toContain(items[0]!.sources[0]);
    expect(readFileSync(out, 'utf8')).toMatch(
      /^\/\/ Drafted by openai:gpt-4\.1-mini from knowledge base "policies"/,
    );
    // Both passages of the knowledge base went to the model, each as data in its own request.
    const sent = emulator.requests.filter((request) => request.operation === 'chat').slice(before);
    expect(sent).toHaveLength(2);
    expect(JSON.stringify(sent.map((request) => request.body))).toContain('<passage source=\\"');
  });

  it('refuses to draft with the extractive model and never overwrites a file', async () => {
    const extractive = await run(['eval', 'draft', '--kb', 'policies', '--model', 'local:extractive']);
    expect(extractive.code).toBe(2);
    expect(extractive.stderr).toMatch(/needs a generative model/);
    const existing = join(root, 'kept.jsonl');
    writeFileSync(existing, 'keep me');
    const overwrite = await run(['eval', 'draft', '--kb', 'policies', '--out', existing]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(/already exists/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });
});

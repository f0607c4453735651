/**
 * The rag-titan example as shipped: examples/rag-titan/godwit.yaml loaded by the real config loader, with only
 * endpoints overridden through the environment (the Bedrock and OpenAI wire emulators, a PostgreSQL with
 * pgvector), the docs ingested and the golden set evaluated by the real CLI, questions answered over HTTP.
 * Seed 001's flow: Titan embeddings v2, Titan generation with instructions it accepts, cached query
 * expansion, OpenAI as the fallback, and an answer-quality A/B between the old and new models.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import type { AnswerReport } from '../../src/eval/index.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../../test/support/capture-output.ts';
import { type Emulator, type EmulatorRequest, startEmulator } from '../../test/support/emulators/index.ts';
import { type PgvectorPostgres, startPgvectorPostgres } from '../../test/support/pgvector-postgres.ts';
import {
  describeWithService,
  dropSchema,
  postgresHasPgvector,
  postgresUrl,
  uniqueSchemaName,
} from '../../test/support/services.ts';

const describeWithPostgres = await describeWithService('postgres');

const EXAMPLE = import.meta.dirname;
const CONFIG = join(EXAMPLE, 'godwit.yaml');
const TITAN_EXPRESS = 'amazon.titan-text-express-v1';
const TITAN_LITE = 'amazon.titan-text-lite-v1';
const TITAN_EMBED = 'amazon.titan-embed-text-v2:0';

let emulator: Emulator;
let postgres: PgvectorPostgres;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;
let root: string;
const saved = { ...process.env };

async function cli(args: string[]) {
  const captured = captureOutput();
  const code = await main(['--config', CONFIG, ...args], captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function ask(message: string) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ knowledgeBase: 'docs', message }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
  return { status: response.status, body: (await response.json()) as any };
}

function requestsTo(model: string, since = 0): EmulatorRequest[] {
  return emulator.requests.slice(since).filter((request) => request.model === model);
}

/** The text of a Converse request's first user message. */
function firstUserText(request: EmulatorRequest | undefined): string {
  // biome-ignore lint/suspicious/noExplicitAny: the Converse body is read field by field
  const body = request?.body as any;
  return body.messages[0].content.map((block: { text?: string }) => block.text ?? '').join('');
}

beforeAll(async () => {
  emulator = await startEmulator();
  postgres = await startPgvectorPostgres();
  root = mkdtempSync(join(tmpdir(), 'godwit-rag-titan-'));
  // What a user sets: credentials, regions and endpoints. Everything else comes from godwit.yaml.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'emulated-secret',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    GODWIT_DATABASE_URL: postgres.url,
    GODWIT_DATA_DIR: join(root, 'data'),
  });
  const ingested = await cli(['ingest', join(EXAMPLE, 'docs'), '--kb', 'docs']);
  expect(ingested.code, ingested.stderr).toBe(0);
  const { config } = loadConfig({ configPath: CONFIG, env: process.env });
  services = await createGodwit(config, { env: process.env });
  app = createApp({ services, options: { logger: () => {} } });
}, 120_000);

afterAll(async () => {
  await services?.close();
  process.env = saved;
  await postgres?.close();
  await emulator?.close();
});

describe('examples/rag-titan (seed 001)', () => {
  it('ships a config that moves embeddings, generation and expansion to Titan with OpenAI as fallback', () => {
    const { config } = loadConfig({ configPath: CONFIG, env: process.env });
    expect(config.models).toEqual({
      default: `bedrock:${TITAN_EXPRESS}`,
      fallback: ['openai:gpt-4.1-mini'],
      embedding: `bedrock:${TITAN_EMBED}`,
    });
    expect(config.retrieval.expansion.model).toBe(`bedrock:${TITAN_LITE}`);
    expect(config.database).toMatchObject({ url: postgres.url, schema: 'rag_titan' });
  });

  it('embedded every document with Titan Text Embeddings V2 into PostgreSQL', async () => {
    const knowledgeBase = await services.knowledge.requireKnowledgeBase('default', 'docs');
    expect(knowledgeBase.embeddingModel).toBe(`bedrock:${TITAN_EMBED}`);
    const response = await app.request('/api/knowledge-bases/docs/documents');
    const { documents } = (await response.json()) as { documents: Array<{ source: string }> };
    expect(documents.map((document) => document.source).sort()).toEqual([
      'accounts-and-security.md',
      'invoices.md',
      'payments.md',
      'plans-and-limits.md',
      'taxes.md',
    ]);
    const embeds = requestsTo(TITAN_EMBED);
    expect(embeds.length).toBeGreaterThanOrEqual(5);
    expect(embeds[0]?.path).toBe(`/model/${encodeURIComponent(TITAN_EMBED)}/invoke`);
  });

  it('answers from Titan with its instructions in the user message and an expanded, cited search', async () => {
    const since = emulator.requests.length;
    emulator.script(
      { match: { model: TITAN_LITE }, text: 'card refund duration\nrefund processing time' },
      {
        match: { model: TITAN_EXPRESS },
        text: 'A refund reaches the original card within 5 to 10 business days [1].',
      },
    );
    const { status, body } = await ask('How long does a refund take?');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.answer).toBe('A refund reaches the original card within 5 to 10 business days [1].');
    expect(body.message).toMatchObject({ model: `bedrock:${TITAN_EXPRESS}`, status: 'complete' });
    expect(body.message.costUsd).toBeGreaterThan(0);
    expect(body.citations[0]).toMatchObject({ source: 'payments.md' });

    const [expansion] = requestsTo(TITAN_LITE, since);
    const [answer] = requestsTo(TITAN_EXPRESS, since);
    // Titan takes no system block in Converse: both prompts carry their instructions in the user turn.
    for (const request of [expansion, answer]) {
      expect((request?.body as { system?: unknown[] } | undefined)?.system ?? []).toEqual([]);
      expect(firstUserText(request)).toMatch(/^Instructions:\n/);
    }
    expect(firstUserText(expansion)).toContain('How long does a refund take?');
    expect(firstUserText(answer)).toContain('name="payments.md"');
    expect(firstUserText(answer)).toContain('How long does a refund take?');
    // The question was embedded by Titan for the vector half of the hybrid search.
    expect(requestsTo(TITAN_EMBED, since)).toHaveLength(1);
  });

  it('serves a repeated question from the expansion cache without asking the model again', async () => {
    const since = emulator.requests.length;
    emulator.script({ match: { model: TITAN_EXPRESS }, text: 'Within 5 to 10 business days [1].' });
    const { status, body } = await ask('How long does a refund take?');
    expect(status).toBe(200);
    expect(body.citations[0]).toMatchObject({ source: 'payments.md' });
    expect(requestsTo(TITAN_LITE, since)).toHaveLength(0);
    expect(requestsTo(TITAN_EXPRESS, since)).toHaveLength(1);
  });

  it('answers from OpenAI when Bedrock keeps failing, and records which model answered', async () => {
    const since = emulator.requests.length;
    emulator.script(
      { match: { model: TITAN_LITE }, text: 'Team plan price\nTeam subscription cost' },
      // resilience.retries is 1: two attempts, then the fallback.
      { match: { model: TITAN_EXPRESS }, error: { status: 503, message: 'Service unavailable' } },
      { match: { model: TITAN_EXPRESS }, error: { status: 503, message: 'Service unavailable' } },
      { match: { model: 'gpt-4.1-mini' }, text: 'The Team plan costs USD 39 a month [1].' },
    );
    const { status, body } = await ask('How much is the Team plan?');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(emulator.pending).toBe(0);
    expect(body.answer).toBe('The Team plan costs USD 39 a month [1].');
    expect(body.message.model).toBe('openai:gpt-4.1-mini');
    expect(requestsTo(TITAN_EXPRESS, since)).toHaveLength(2);
    expect(requestsTo('gpt-4.1-mini', since)).toHaveLength(1);
  });

  it('compares the old OpenAI answers with the new Titan answers on the golden set', async () => {
    const reportDir = join(root, 'ab-report');
    // Golden-set order; the warm-up turn comes first for each variant.
    const openai = [
      'Warm-up.',
      'Invoices are due 30 days after the issue date [1].',
      'A card payment costs 2.9% plus 30 cents [1].',
      'Refunds take 5 to 10 business days [1].',
      'It shows 0% VAT with the reverse charge note [1].',
      'The account is locked for 15 minutes [1].',
      'The Team plan costs USD 39 a month [1].',
      'The API allows 600 requests per minute per workspace [1].',
      'The documents do not mention a support phone number.',
    ];
    const titan = [...openai];
    titan[2] = 'A card payment costs 2.9% of the amount [1].';
    for (const text of openai) emulator.script({ match: { model: 'gpt-4.1-mini' }, text });
    for (const text of titan) emulator.script({ match: { model: TITAN_EXPRESS }, text });
    const result = await cli([
      'eval',
      'answers',
      '--set',
      join(EXAMPLE, 'golden.jsonl'),
      '--kb',
      'docs',
      '--json',
      '--compare',
      `openai:gpt-4.1-mini,bedrock:${TITAN_EXPRESS}`,
      '--fail-below',
      'fact_recall=0.9,refusal_rate=1',
      '--report',
      reportDir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AnswerReport;
    const [old, candidate] = report.variants;
    expect(old!.name).toBe('openai:gpt-4.1-mini');
    expect(candidate!.name).toBe(`bedrock:${TITAN_EXPRESS}`);
    expect(old!.summary).toMatchObject({ questions: 8, failed: 0, fact_recall: 1, refusal_rate: 1 });
    expect(candidate!.summary).toMatchObject({ questions: 8, failed: 0, refusal_rate: 1 });
    expect(candidate!.summary.fact_recall).toBeLessThan(1);
    expect(candidate!.answers.find((answer) => answer.id === 'card-fee')?.missing_facts).toEqual([
      '30 cents',
    ]);
    const [comparison] = report.comparisons;
    expect(comparison).toMatchObject({
      baseline: 'openai:gpt-4.1-mini',
      candidate: `bedrock:${TITAN_EXPRESS}`,
    });
    expect(comparison!.changed.map((change) => change.id)).toContain('card-fee');
    // Titan costs less per answer than gpt-4.1-mini at the price table's rates.
    expect(candidate!.summary.cost_usd_per_answer).toBeLessThan(old!.summary.cost_usd_per_answer!);
    expect(existsSync(join(reportDir, 'report.html'))).toBe(true);
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8')).toContain(
      `## bedrock:${TITAN_EXPRESS} against openai:gpt-4.1-mini`,
    );
  });
});

describeWithPostgres('examples/rag-titan on the local PostgreSQL server', () => {
  const schema = uniqueSchemaName('rag_titan');
  afterAll(() => dropSchema(postgresUrl(), schema));

  it('ingests with Titan embeddings where pgvector is installed, and otherwise says pgvector is missing', async () => {
    const previous = { url: process.env.GODWIT_DATABASE_URL, schema: process.env.GODWIT_DATABASE__SCHEMA };
    Object.assign(process.env, { GODWIT_DATABASE_URL: postgresUrl(), GODWIT_DATABASE__SCHEMA: schema });
    try {
      const result = await cli(['ingest', join(EXAMPLE, 'docs', 'payments.md'), '--kb', 'docs']);
      if (await postgresHasPgvector()) {
        expect(result.code, result.stderr).toBe(0);
      } else {
        // Debian 12's PostgreSQL 15 has no pgvector: the file is refused with the reason and the fix.
        expect(result.code).toBe(1);
        expect(result.stderr + result.stdout).toMatch(/pgvector is not installed on this PostgreSQL server/);
      }
    } finally {
      for (const [key, value] of [
        ['GODWIT_DATABASE_URL', previous.url],
        ['GODWIT_DATABASE__SCHEMA', previous.schema],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

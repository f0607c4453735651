/**
 * Re-embedding during a migration, through the provider layer against the OpenAI wire emulator: the
 * dry run prices it from the price table, the run batches the texts, the target records the new model,
 * and verification reports recall on a golden set.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { PRICES } from '../../src/providers/pricing.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { freshDir, runCli, runMigrate, seedKnowledgeBase, withDataDir } from './migrate-helpers.ts';

const MODEL = 'openai:text-embedding-3-small';
const TOPICS = ['vacation leave', 'expense reports', 'laptop security', 'parental leave', 'travel booking'];

describe('re-embedding while migrating', () => {
  const dataDir = join(freshDir('reembed'), 'data');
  let emulator: Emulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator();
    env = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: emulator.baseURLs.openai };
    await withDataDir(dataDir, (services) =>
      seedKnowledgeBase(
        services,
        'handbook',
        Array.from({ length: 100 }, (_, index) => ({
          source: `policy-${index}.md`,
          chunks: [
            {
              text: `Policy ${index} on ${TOPICS[index % TOPICS.length]}.`,
              metadata: { index },
              embedding: null,
            },
            ...(index % 10 === 0 ? [{ text: '', metadata: { index }, embedding: null }] : []),
          ],
        })),
        null,
      ),
    );
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('estimates the cost on --dry-run without calling the model', async () => {
    const before = emulator.requests.length;
    const result = await runMigrate(
      dataDir,
      ['godwit://handbook', 'godwit://handbook-v2', '--reembed', MODEL, '--dry-run'],
      { env },
    );
    expect(result.code).toBe(0);
    const reembed = result.report.plan.reembed;
    expect(reembed).toMatchObject({ model: MODEL, texts: 110 });
    expect(reembed.estimatedTokens).toBeGreaterThan(0);
    const price = PRICES[MODEL]!;
    expect(reembed.estimatedCostUsd).toBeCloseTo((reembed.estimatedTokens / 1000) * price.inputPer1k, 10);
    expect(result.report.plan.vectors).toBe('reembedded');
    expect(emulator.requests.length).toBe(before);
  });

  it('re-embeds in batches, records the new model, and reports recall on a golden set', async () => {
    const golden = join(freshDir('golden'), 'golden.jsonl');
    writeFileSync(
      golden,
      `${JSON.stringify({ query: 'Policy 3 on parental leave.', relevant: ['policy-3.md'] })}\n${JSON.stringify({ query: 'Policy 7 on laptop security.', relevant: ['policy-7.md'] })}\n`,
    );
    const before = emulator.requests.length;
    const result = await runMigrate(
      dataDir,
      [
        'godwit://handbook',
        'godwit://handbook-v2',
        '--reembed',
        MODEL,
        '--verify',
        '--golden',
        golden,
        '--batch-size',
        '40',
      ],
      { env },
    );
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(result.report.verification).toMatchObject({
      ok: true,
      counts: { source: 110, target: 110 },
      vectors: null,
      retrieval: null,
    });
    expect(result.report.verification.golden).toMatchObject({ queries: 2, k: 10, recall: 1 });

    const calls = emulator.requests.slice(before).filter((request) => request.path.endsWith('/embeddings'));
    const embedded = calls.flatMap((request) => (request.body as { input: string[] }).input);
    // Empty texts get no vector and are not sent; every other text is sent once for the migration.
    expect(embedded.filter((text) => text.startsWith('Policy'))).toHaveLength(100);
    expect(embedded.filter((text) => text === '')).toHaveLength(0);

    await withDataDir(dataDir, async (services) => {
      const knowledgeBase = await services.knowledgeStore.getKnowledgeBase(DEFAULT_TENANT, 'handbook-v2');
      expect(knowledgeBase).toMatchObject({ embeddingModel: MODEL, embeddingDimension: 1536 });
      let withVectors = 0;
      for await (const batch of services.index.scan(DEFAULT_TENANT, knowledgeBase!.id)) {
        for (const chunk of batch) if (chunk.embedding) withVectors += 1;
      }
      expect(withVectors).toBe(100);
    });
  });

  it('refuses vectors of a model the target knowledge base does not use, and an unknown model', async () => {
    await withDataDir(dataDir, (services) =>
      services.knowledgeStore.createKnowledgeBase(DEFAULT_TENANT, {
        name: 'titan',
        embeddingModel: 'bedrock:amazon.titan-embed-text-v2:0',
        embeddingVersion: null,
        embeddingDimension: 1024,
      }),
    );
    const mismatch = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      'godwit://handbook',
      'godwit://titan',
      '--reembed',
      'local:lexical',
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(
      /uses embedding model bedrock:amazon\.titan-embed-text-v2:0.*--reembed bedrock:amazon\.titan-embed-text-v2:0/,
    );
    const noVectors = await runCli(['--data-dir', dataDir, 'migrate', 'godwit://handbook', 'godwit://titan']);
    expect(noVectors.code).toBe(2);
    expect(noVectors.stderr).toMatch(/the records have no vectors/);
    const unknown = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      'godwit://handbook',
      'godwit://x',
      '--reembed',
      'nope:model',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Cannot re-embed with "nope:model"/);
  });
});

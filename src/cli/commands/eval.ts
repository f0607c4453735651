import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGodwit } from '../../config/index.ts';
import { ValidationError } from '../../core/errors.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import { evaluateRetrieval, loadBeirDataset } from '../../eval/index.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { createProgress } from '../progress.ts';

export interface EvalRetrievalOptions extends GlobalOptions {
  dataset: string;
  split: string;
  limit?: string;
  json?: boolean;
}

const SUFFIX = '.txt';

/**
 * `godwit eval retrieval`: ingests the corpus through the real pipeline into a throwaway data directory
 * (the user's data is never touched), then runs every judged query of the split.
 */
export async function evalRetrievalCommand(options: EvalRetrievalOptions, output: Output): Promise<number> {
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new ValidationError(`--limit must be a positive integer; got "${options.limit}".`);
  }
  const dataset = await loadBeirDataset(options.dataset, options.split);
  if (limit !== undefined) dataset.queries = dataset.queries.slice(0, limit);
  const scratch = mkdtempSync(join(tmpdir(), 'godwit-eval-'));
  const base = readConfig(options);
  const services = await createGodwit({
    ...base,
    dataDir: scratch,
    database: { ...base.database, url: null, schema: null, dataApi: undefined },
    sample: false,
  });
  try {
    const knowledgeBase = await services.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'eval' });
    const quiet = options.json === true && !output.interactive;
    output.info(`Indexing ${dataset.corpus.length} documents…`);
    const indexing = createProgress(output, dataset.corpus.length, quiet || !output.interactive);
    // Written in batches, as `godwit ingest` writes a folder; a document that fails (no text) is skipped.
    // Each is encoded as its batch is read, so only one batch's bytes are held at a time.
    const files = function* () {
      for (const document of dataset.corpus) {
        const text = document.title ? `${document.title}\n\n${document.text}` : document.text;
        yield {
          source: `${document.id}${SUFFIX}`,
          bytes: new TextEncoder().encode(text),
          mimeType: 'text/plain',
        };
      }
    };
    await services.knowledge.ingestMany(DEFAULT_TENANT, knowledgeBase, files(), {
      onOutcome: (outcome) => indexing.tick(outcome.source.slice(0, -SUFFIX.length)),
    });
    indexing.stop();
    output.info(`Running ${dataset.queries.length} queries…`);
    const report = await evaluateRetrieval({
      dataset,
      search: async (query) => {
        const hits = await services.retriever.search(DEFAULT_TENANT, { knowledgeBase, query, k: 100 });
        return hits.map((hit) => ({ documentId: hit.source.slice(0, -SUFFIX.length), score: hit.score }));
      },
    });
    if (options.json) output.json(report);
    else {
      output.line(`queries        ${report.queries}`);
      output.line(`nDCG@10        ${report.ndcg_at_10.toFixed(4)}`);
      output.line(`Recall@100     ${report.recall_at_100.toFixed(4)}`);
      output.line(`MRR@10         ${report.mrr_at_10.toFixed(4)}`);
      output.line(`latency p50    ${report.latency_ms_p50.toFixed(1)} ms`);
      output.line(`latency p95    ${report.latency_ms_p95.toFixed(1)} ms`);
    }
    return 0;
  } finally {
    await services.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

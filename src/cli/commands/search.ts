import { ValidationError } from '../../core/errors.ts';
import type { SearchMode } from '../../core/retrieval/retriever.ts';
import { openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface SearchCommandOptions extends GlobalOptions {
  kb?: string;
  k: string;
  mode?: string;
  json?: boolean;
  sample: boolean;
}

/** `godwit search "<query>"`: ranked passages with their source and location. */
export async function searchCommand(
  query: string,
  options: SearchCommandOptions,
  output: Output,
): Promise<number> {
  const k = Number(options.k);
  if (!Number.isInteger(k) || k < 1 || k > 100)
    throw new ValidationError(`--k must be an integer from 1 to 100; got "${options.k}".`);
  const mode = parseMode(options.mode);
  const backend = await openBackend({
    config: readConfig(options),
    command: 'search',
    output,
    sample: options.sample,
  });
  try {
    const knowledgeBase = await backend.resolveKnowledgeBase(options.kb);
    const results = await backend.search({ knowledgeBase, query, k, ...(mode ? { mode } : {}) });
    if (options.json) {
      output.json({ results });
      return 0;
    }
    if (results.length === 0) output.line(`No passages in "${knowledgeBase}" match "${query}".`);
    results.forEach((result, position) => {
      const where = result.location ? ` (${result.location})` : '';
      output.line(`${position + 1}. ${result.source}${where}  score ${result.score.toFixed(3)}`);
      output.line(`   ${result.text.replace(/\s+/g, ' ').slice(0, 240)}`);
    });
    return 0;
  } finally {
    await backend.close();
  }
}

export function parseMode(mode: string | undefined): SearchMode | undefined {
  if (mode === undefined) return undefined;
  if (mode === 'keyword' || mode === 'vector' || mode === 'hybrid') return mode;
  throw new ValidationError(`--mode must be keyword, vector or hybrid; got "${mode}".`);
}

/**
 * `godwit eval draft`: golden-set questions drafted by the configured model from passages sampled out of a
 * knowledge base, written as JSON Lines for a person to review before the set is used.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { generateText } from 'ai';
import { acquireDataDirLock } from '../../config/data-dir-lock.ts';
import { createGodwit } from '../../config/index.ts';
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import { type DraftPassage, draftGoldenSet, formatDraft } from '../../eval/index.ts';
import { pickDefault } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface EvalDraftOptions extends GlobalOptions {
  kb?: string;
  count: string;
  model?: string;
  seed: string;
  out?: string;
}

/** Passages shorter than this many words rarely answer a question on their own. */
const MIN_WORDS = 8;

export async function evalDraftCommand(options: EvalDraftOptions, output: Output): Promise<number> {
  const count = wholeNumber(options.count, '--count', 1, 500);
  const seed = wholeNumber(options.seed, '--seed', 0, 0xffff_ffff);
  if (options.out && existsSync(options.out)) {
    throw new ValidationError(
      `${options.out} already exists; choose another --out file (drafts never overwrite).`,
    );
  }
  const config = readConfig(options);
  const lock = config.database.url ? null : acquireDataDirLock(config.dataDir, 'eval draft');
  try {
    const services = await createGodwit(config);
    try {
      const modelName = options.model ?? services.models.defaultModel;
      if (modelName.startsWith('local:')) {
        throw new ConfigError(
          `Drafting questions needs a generative model, and ${modelName} only quotes passages. Configure a provider (OPENAI_API_KEY, AWS credentials, …) or pass --model provider:model-id.`,
        );
      }
      const model = services.models.languageModel(modelName);
      const { name, passages } = await readPassages(services, options.kb);
      output.info(
        `Drafting up to ${count} questions with ${modelName} from ${passages.length} passages of "${name}"…`,
      );
      const items = await draftGoldenSet({
        passages,
        count,
        seed,
        generate: async ({ system, user }) => (await generateText({ model, system, prompt: user })).text,
        onSkip: (passage, reason) => output.info(`skipped a passage of ${passage.source}: ${reason}`),
      });
      const header = `Drafted by ${modelName} from knowledge base "${name}" (seed ${seed}). Review every line: keep, fix or delete it.`;
      const text = formatDraft(items, header);
      if (options.out) writeFileSync(options.out, text, { flag: 'wx' });
      else output.line(text.trimEnd());
      output.info(
        `Drafted ${items.length} questions${options.out ? ` into ${options.out}` : ''}; review them before use.`,
      );
      return items.length === 0 ? 1 : 0;
    } finally {
      await services.close();
    }
  } finally {
    lock?.release();
  }
}

async function readPassages(
  services: GodwitServices,
  kbName: string | undefined,
): Promise<{ name: string; passages: DraftPassage[] }> {
  const names = (await services.knowledgeStore.listKnowledgeBases(DEFAULT_TENANT)).map((kb) => kb.name);
  const knowledgeBase = await services.knowledge.requireKnowledgeBase(
    DEFAULT_TENANT,
    kbName ?? pickDefault(names),
  );
  const documents = await services.knowledgeStore.listDocuments(DEFAULT_TENANT, knowledgeBase.id);
  const sources = new Map(documents.map((document) => [document.id, document.source]));
  const passages: DraftPassage[] = [];
  for await (const batch of services.index.scan(DEFAULT_TENANT, knowledgeBase.id)) {
    for (const chunk of batch) {
      if (chunk.text.split(/\s+/).length < MIN_WORDS) continue;
      passages.push({ source: sources.get(chunk.documentId) ?? chunk.documentId, text: chunk.text });
    }
  }
  if (passages.length === 0) {
    throw new ValidationError(
      `Knowledge base "${knowledgeBase.name}" has no passages to draft from; ingest documents first.`,
    );
  }
  return { name: knowledgeBase.name, passages };
}

function wholeNumber(text: string, flag: string, minimum: number, maximum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new ValidationError(`${flag} must be a whole number from ${minimum} to ${maximum}; got "${text}".`);
  }
  return value;
}

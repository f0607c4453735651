/** The offline provider: models that run in-process with no keys and no network. */
import { ValidationError } from '../../core/errors.ts';
import type { ProviderFactory } from '../registry.ts';
import { ExtractiveLanguageModel } from './extractive-model.ts';

export {
  EXTRACTIVE_PREFACE,
  ExtractiveLanguageModel,
  NO_SOURCES,
  NOTHING_FOUND,
} from './extractive-model.ts';

export { createLexicalEmbedder } from './lexical-embedder.ts';

export const LOCAL_MODELS = ['local:extractive'] as const;

export const localProvider: ProviderFactory = (modelId) => {
  if (modelId === 'extractive') return new ExtractiveLanguageModel();
  throw new ValidationError(
    `Unknown local model "local:${modelId}". The local provider offers: local:extractive.`,
    {
      details: { field: 'model' },
    },
  );
};

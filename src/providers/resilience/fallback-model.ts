/**
 * A language model that tries a chain of models in order (for example Bedrock Sonnet → Bedrock Haiku →
 * OpenAI). The next model is tried when one fails with a retryable error before anything reached the
 * caller; once a stream has produced text or a tool call, a later failure ends it with an error part
 * instead of restarting elsewhere. The model that answered is recorded in
 * `providerMetadata.godwit.answeredBy` on the result (and on the stream's finish part).
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';
import { ProviderError, ValidationError } from '../../core/errors.ts';
import { failureReason, isCancellation, isRetryableFailure } from './classify-error.ts';
import { awaitCommit, pipeParts } from './stream-parts.ts';

export interface FallbackOptions {
  /** Called each time a model fails and the next one is tried. */
  onFallback?: (event: { from: string; to: string; error: unknown }) => void;
}

/**
 * Builds the chain. A single model is returned as it is.
 *
 * @example createFallbackModel([bedrock.languageModel('anthropic.claude-3-5-sonnet-20241022-v2:0'), openai.languageModel('gpt-4.1-mini')])
 */
export function createFallbackModel(models: LanguageModel[], options: FallbackOptions = {}): LanguageModelV4 {
  const chain = models.map(asVersion4);
  if (chain.length === 0) throw new ValidationError('A fallback chain needs at least one model.');
  if (chain.length === 1) return chain[0]!;
  return new FallbackLanguageModel(chain, options);
}

function asVersion4(model: LanguageModel): LanguageModelV4 {
  if (typeof model === 'string' || model.specificationVersion !== 'v4') {
    throw new ValidationError(
      'Fallback chains take AI SDK v4 model objects; resolve model names through the registry first.',
    );
  }
  return model;
}

function nameOf(model: LanguageModelV4): string {
  return `${model.provider}:${model.modelId}`;
}

class FallbackLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: LanguageModelV4['supportedUrls'];

  constructor(
    private readonly chain: LanguageModelV4[],
    private readonly options: FallbackOptions,
  ) {
    const first = chain[0]!;
    this.provider = first.provider;
    this.modelId = first.modelId;
    this.supportedUrls = first.supportedUrls;
  }

  async doGenerate(params: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const failures: { model: string; error: unknown }[] = [];
    for (const [index, model] of this.chain.entries()) {
      try {
        const result = await model.doGenerate(params);
        return { ...result, providerMetadata: annotate(result.providerMetadata, model, failures) };
      } catch (error) {
        this.giveUpUnlessNext(error, index, failures, params);
      }
    }
    throw this.exhausted(failures);
  }

  async doStream(params: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const failures: { model: string; error: unknown }[] = [];
    for (const [index, model] of this.chain.entries()) {
      let error: unknown;
      try {
        const result = await model.doStream(params);
        const outcome = await awaitCommit(result.stream);
        if (outcome.ok) return { ...result, stream: annotateFinish(outcome.stream, model, failures) };
        error = outcome.error;
      } catch (thrown) {
        error = thrown;
      }
      this.giveUpUnlessNext(error, index, failures, params);
    }
    throw this.exhausted(failures);
  }

  /** Rethrows unless the failure is retryable and another model is left to try. */
  private giveUpUnlessNext(
    error: unknown,
    index: number,
    failures: { model: string; error: unknown }[],
    params: LanguageModelV4CallOptions,
  ): void {
    if (isCancellation(error) || params.abortSignal?.aborted || !isRetryableFailure(error)) throw error;
    const model = this.chain[index]!;
    failures.push({ model: nameOf(model), error });
    const next = this.chain[index + 1];
    if (next) this.options.onFallback?.({ from: nameOf(model), to: nameOf(next), error });
  }

  private exhausted(failures: { model: string; error: unknown }[]): ProviderError {
    const summary = failures.map(
      (failure) => `${failure.model} (${failureReason(failure.error) ?? 'failed'})`,
    );
    const last = failures.at(-1)?.error;
    return new ProviderError(
      `All ${failures.length} models in the fallback chain failed: ${summary.join(', ')}.`,
      {
        cause: last,
        isRetryable: true,
        unavailable: true,
        details: {
          reason: failureReason(last) ?? 'unknown',
          models: failures.map((failure) => failure.model),
        },
      },
    );
  }
}

function annotate(
  metadata: SharedV4ProviderMetadata | undefined,
  model: LanguageModelV4,
  failures: { model: string }[],
): SharedV4ProviderMetadata {
  return {
    ...metadata,
    godwit: { answeredBy: nameOf(model), failedModels: failures.map((failure) => failure.model) },
  };
}

function annotateFinish(
  stream: ReadableStream<LanguageModelV4StreamPart>,
  model: LanguageModelV4,
  failures: { model: string }[],
): ReadableStream<LanguageModelV4StreamPart> {
  return pipeParts(stream, {
    onPart(part, emit) {
      emit(
        part.type === 'finish'
          ? { ...part, providerMetadata: annotate(part.providerMetadata, model, failures) }
          : part,
      );
    },
  });
}

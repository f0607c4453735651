/**
 * `POST /v1/embeddings` through a configured embedder: floats, or base64 little-endian float32 (what the
 * official `openai` client asks for by default). Token counts are estimates, since embedders report
 * vectors only; the ledger row records them the same way.
 */
import { ValidationError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import type { EmbeddingRequest } from '../schemas/openai-schemas.ts';
import { startUsageMeter, type UsageContext } from './chat-call.ts';

/** OpenAI's own limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

/** The bytes of each value as a little-endian IEEE 754 float32, in base64. */
export function toBase64Float32(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString('base64');
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { details: { field, reason: 'invalid_value' } });
}

function inputsOf(request: EmbeddingRequest): string[] {
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  if (inputs.length > MAX_EMBEDDING_INPUTS) {
    throw invalid(
      'input',
      `expected at most ${MAX_EMBEDDING_INPUTS} inputs; got ${inputs.length}. Split the batch.`,
    );
  }
  const empty = inputs.findIndex((input) => input.trim() === '');
  if (empty >= 0) {
    throw invalid(
      typeof request.input === 'string' ? 'input' : `input[${empty}]`,
      'expected a non-empty string',
    );
  }
  return inputs;
}

/**
 * @throws ValidationError when `dimensions` differs from the embedder's (vectors are not cut or padded:
 * configure the embedding model with the dimension you need).
 */
export async function createEmbeddings(
  embedder: Embedder,
  request: EmbeddingRequest,
  context: UsageContext,
  abortSignal: AbortSignal,
) {
  if (request.dimensions !== undefined && request.dimensions !== embedder.dimension) {
    throw invalid(
      'dimensions',
      `${embedder.model} is configured for ${embedder.dimension} dimensions; omit dimensions or send ${embedder.dimension}.`,
    );
  }
  const inputs = inputsOf(request);
  const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input), 0);
  const meter = startUsageMeter(context, request.model, 'embedding');
  let vectors: number[][];
  try {
    vectors = await embedder.embed(inputs, { abortSignal });
  } catch (error) {
    await meter.settle(abortSignal.aborted ? 'cancelled' : 'error', null);
    throw error;
  }
  await meter.settle('ok', { inputTokens: tokens, outputTokens: 0 });
  const base64 = request.encoding_format === 'base64';
  return {
    object: 'list' as const,
    data: vectors.map((vector, index) => ({
      object: 'embedding' as const,
      index,
      embedding: base64 ? toBase64Float32(vector) : vector,
    })),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/**
 * What one `/v1` call carries through its handlers, and the usage meter that writes exactly one ledger
 * row per model call the HTTP layer makes itself, however the call ends.
 */
import type { Pricing } from '../../core/models.ts';
import type { Usage, UsageEntry } from '../../core/types.ts';
import type { ChatCompletionRequest } from '../schemas/openai-schemas.ts';
import type { CompletionIdentity } from './completion-format.ts';
import type { FetchedImages } from './fetch-message-images.ts';

/** What metering a model call needs. */
export interface UsageContext {
  tenantId: string;
  /** The API key that made the call, recorded on its usage rows; null or absent for none. */
  apiKeyId?: string | null;
  /** The user the call is made for, recorded on its usage rows; null or absent for none. */
  userId?: string | null;
  recordUsage: (entry: UsageEntry) => Promise<void>;
  pricing: Pricing | undefined;
  generateId: () => string;
  /** The usage ledger refused a row; the answer still goes out, the operator must know. */
  onLedgerFailure: (error: unknown) => void;
  /** Answers wait for their usage row to be written (runtimes that freeze after a response). Default false. */
  awaitUsageWrites?: boolean;
}

export interface ChatCall extends UsageContext {
  identity: CompletionIdentity;
  request: ChatCompletionRequest;
  userId: string;
  /** Aborted when the client disconnects; passed to the model call. */
  abort: AbortController;
  /** Aborted when the server begins to stop (grounded turns end as `interrupted`). */
  shutdownSignal?: AbortSignal | undefined;
  /** An error that ended a stream after its headers were sent (log it, count it). */
  onStreamError: (error: unknown) => void;
  /**
   * Fetches (through the URL guard) the images the messages link to, when a model here is given them.
   * Absent: the messages may link to no http(s) image.
   */
  fetchImages?: () => Promise<FetchedImages>;
}

export interface TokenCounts {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  inputTokenDetails?: { cacheReadTokens: number | undefined; cacheWriteTokens?: number | undefined };
}

export interface UsageMeter {
  /**
   * Records the call once; later calls do nothing. Never throws. `answeredBy`: the model that actually
   * answered (a fallback, a routed model), under which the call is priced and recorded; default the model
   * the meter was started for.
   */
  settle(outcome: UsageEntry['outcome'], usage: TokenCounts | null, answeredBy?: string): Promise<void>;
}

export function startUsageMeter(
  call: UsageContext,
  model: string,
  operation: UsageEntry['operation'],
): UsageMeter {
  const startedAt = performance.now();
  let settled = false;
  return {
    async settle(outcome, usage, answeredBy = model) {
      if (settled) return;
      settled = true;
      const inputTokens = usage?.inputTokens ?? 0;
      const outputTokens = usage?.outputTokens ?? 0;
      const cachedTokens = usage?.inputTokenDetails?.cacheReadTokens ?? 0;
      // Pricing that knows prompt-cache rates reads the cache counts; plain Pricing ignores them.
      const priced: Usage & { cachedInputTokens: number; cacheWriteInputTokens: number } = {
        inputTokens,
        outputTokens,
        totalTokens: inputTokens + outputTokens,
        cachedInputTokens: cachedTokens,
        cacheWriteInputTokens: usage?.inputTokenDetails?.cacheWriteTokens ?? 0,
      };
      const costUsd = usage ? (call.pricing?.(answeredBy, priced) ?? null) : null;
      try {
        await call.recordUsage({
          id: call.generateId(),
          tenantId: call.tenantId,
          apiKeyId: call.apiKeyId ?? null,
          userId: call.userId ?? null,
          model: answeredBy,
          operation,
          inputTokens,
          outputTokens,
          cachedTokens,
          costUsd,
          latencyMs: Math.round(performance.now() - startedAt),
          outcome,
          createdAt: new Date(),
        });
      } catch (error) {
        call.onLedgerFailure(error);
      }
    },
  };
}

/**
 * Rate limits and budgets on /api and /v1, after authentication. Every request counts against its
 * caller's and tenant's requests-per-minute (one counter-store round trip, which also reads the token
 * windows); a request that calls a model first reserves its estimated cost against the budgets. Answers
 * carry `x-ratelimit-*` headers as OpenAI sends them; a refusal is a 429 with `Retry-After`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { GodwitError } from '../../core/errors.ts';
import {
  type Governance,
  type RateDecision,
  type Reservation,
  rateLimitError,
  type WindowState,
} from '../../core/limits/index.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { AppEnv, Logger } from '../app-env.ts';
import { errorReply } from '../error-reply.ts';
import { callerOf } from './auth.ts';
import { limitBody } from './body-limits.ts';
import { setEarlyHeader } from './response-headers.ts';

/** Routes that call a model, so they reserve against budgets: `POST` only. */
const METERED = new Set(['/api/chat', '/api/ui/chat', '/v1/chat/completions', '/v1/embeddings']);

/** Context a chat request adds to what it sends (retrieved passages, instructions), in tokens. */
const CHAT_CONTEXT_TOKENS = 4096;

export interface GovernanceMiddlewareOptions {
  logger: Logger;
  maxBodyBytes: number;
  /** Told about each refusal (metrics). */
  onRefused?: (reason: 'rate_limited' | 'budget_exceeded', scope: string) => void;
}

export function governRequests(
  services: GodwitServices,
  options: GovernanceMiddlewareOptions,
): MiddlewareHandler<AppEnv> {
  const governance = services.governance;
  if (!governance) return (_c, next) => next();
  const limitJsonBody = limitBody(options.maxBodyBytes, 'The request body');
  return async (c, next) => {
    const caller = callerOf(c);
    const rateScopes = governance.rateScopes(caller);
    // A store that is down refuses with 503 (onStoreDown: closed) or lets the request go uncounted (open).
    const decision =
      rateScopes.length > 0 ? await governance.counted(() => governance.rate.check(rateScopes)) : undefined;
    const headers = decision ? rateHeaders(decision) : undefined;
    if (headers?.refusal) {
      options.onRefused?.('rate_limited', headers.refusal.details?.scope as string);
      return errorReply(c, headers.refusal, headers.values);
    }
    for (const [name, value] of Object.entries(headers?.values ?? {})) setEarlyHeader(c, name, value);
    const budgetScopes = governance.budgetScopes(caller);
    if (rateScopes.length === 0 && budgetScopes.length === 0) return next();
    const metered = budgetScopes.length > 0 && c.req.method === 'POST' && METERED.has(c.req.path);
    if (!metered) return governance.run({ rateScopes, budgetScopes }, () => next());
    // The body is read (within its size limit) before the reservation, to price the model it names.
    return limitJsonBody(c, async () => {
      const estimate = await estimateCost(c, services, governance);
      let reservation: Reservation | undefined;
      try {
        reservation = await governance.counted(() => governance.budget.reserve(budgetScopes, estimate));
      } catch (error) {
        if (!GodwitError.isInstance(error) || error.details?.reason !== 'budget_exceeded') throw error;
        options.onRefused?.('budget_exceeded', String(error.details.scope));
        options.logger({
          level: 'warn',
          message: 'budget exceeded',
          requestId: c.get('requestId'),
          tenantId: caller.tenantId,
          scope: error.details.scope,
          period: error.details.period,
        });
        c.res = errorReply(c, error);
        return;
      }
      if (!reservation) return governance.run({ rateScopes, budgetScopes }, () => next());
      try {
        await governance.run({ rateScopes, budgetScopes, reservation }, () => next());
      } catch (error) {
        await releaseQuietly(governance, reservation, options.logger);
        throw error;
      }
      if (reservation.open) releaseWhenDone(c, governance, reservation, options.logger);
    });
  };
}

function rateHeaders(decision: RateDecision): { values: Record<string, string>; refusal?: GodwitError } {
  const values: Record<string, string> = {};
  const add = (kind: 'requests' | 'tokens', state: WindowState | undefined) => {
    if (!state) return;
    values[`x-ratelimit-limit-${kind}`] = String(state.limit);
    values[`x-ratelimit-remaining-${kind}`] = String(state.remaining);
    values[`x-ratelimit-reset-${kind}`] = formatReset(state.resetMs);
  };
  add('requests', decision.requests);
  add('tokens', decision.tokens);
  return decision.exceeded ? { values, refusal: rateLimitError(decision) } : { values };
}

/** OpenAI's reset format: `1s`, `6m0s`, `250ms`. */
export function formatReset(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.max(0, Math.round(milliseconds))}ms`;
  const seconds = Math.ceil(milliseconds / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/**
 * What the call may cost at most: the body as input tokens (about 3 bytes a token, which over-counts
 * English), plus passages for a chat turn, plus the output the request allows (`max_tokens`, else
 * `budgets.estimateOutputTokens`), priced for the model it names (else the default model).
 */
async function estimateCost(
  c: Context<AppEnv>,
  services: GodwitServices,
  governance: Governance,
): Promise<number> {
  if (!services.pricing) return 0;
  let body: Record<string, unknown> = {};
  if (/json/.test(c.req.header('content-type') ?? '')) {
    // Parsed once and cached by the request; a body that is not JSON is the route's to refuse.
    body = await c.req
      .json()
      .then((value: unknown) =>
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {},
      )
      .catch(() => ({}));
  }
  const declared = Number(c.req.header('content-length'));
  const bytes =
    Number.isFinite(declared) && declared > 0 ? declared : Buffer.byteLength(JSON.stringify(body));
  const embedding = c.req.path === '/v1/embeddings';
  const named = typeof body.model === 'string' ? body.model : undefined;
  const model =
    named && !named.startsWith('assistant:')
      ? named
      : embedding
        ? (services.provider.embeddingModel ?? '')
        : services.provider.model;
  const maxOutput = [body.max_completion_tokens, body.max_tokens].find(
    (value): value is number => typeof value === 'number' && value > 0,
  );
  // A Godwit chat turn adds retrieved passages unless it asks for plain chat (knowledgeBase: null).
  const passages = c.req.path.startsWith('/api/') && body.knowledgeBase !== null ? CHAT_CONTEXT_TOKENS : 0;
  const inputTokens = Math.ceil(bytes / 3) + passages;
  const outputTokens = embedding ? 0 : (maxOutput ?? governance.budgets.estimateOutputTokens);
  return services.pricing(model, { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }) ?? 0;
}

/** A streamed answer holds its reservation until the stream ends or the client goes away. */
function releaseWhenDone(
  c: Context<AppEnv>,
  governance: Governance,
  reservation: Reservation,
  logger: Logger,
) {
  const body = c.res.body;
  if (!body) {
    void releaseQuietly(governance, reservation, logger);
    return;
  }
  const reader = body.getReader();
  const release = () => releaseQuietly(governance, reservation, logger);
  const wrapped = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          await release();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        await release();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
      await release();
    },
  });
  c.res = new Response(wrapped, c.res);
}

async function releaseQuietly(governance: Governance, reservation: Reservation, logger: Logger) {
  try {
    await governance.budget.release(reservation);
  } catch (error) {
    logger({
      level: 'warn',
      message: 'budget reservation not released',
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

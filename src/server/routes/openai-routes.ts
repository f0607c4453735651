/**
 * The OpenAI-compatible API: `GET /v1/models`, `GET /v1/models/{model}`, `POST /v1/chat/completions`
 * (JSON or a `chat.completion.chunk` stream) and `POST /v1/embeddings`, so any OpenAI client can use
 * Godwit by changing its base URL. The routes live in their own sub-app so that every error under `/v1`,
 * validation included, is answered in OpenAI's error shape.
 */

import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFoundError } from '../../core/errors.ts';
import type { ChatCompletionsForwarder } from '../../core/models.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { UrlGuard } from '../../net/index.ts';
import { abortWithRequest } from '../abort-with-request.ts';
import type { AppEnv, GodwitApp, Logger } from '../app-env.ts';
import { describeForLog } from '../http-errors.ts';
import { createUsageRecorder, errorKind, type GodwitMetrics } from '../metrics/index.ts';
import { callerOf } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import {
  type ChatCall,
  completeForwarded,
  completeGrounded,
  completePassthrough,
  createEmbeddings,
  createOpenAIErrorHandler,
  EVENT_STREAM_HEADERS,
  type ForwardTarget,
  fetchMessageImages,
  listModels,
  modelNotFound,
  newCompletionIdentity,
  openAIValidationHook,
  resolveChatTarget,
  resolveEmbedder,
  streamForwarded,
  streamGrounded,
  streamPassthrough,
  toModelMessages,
  type UsageContext,
} from '../openai/index.ts';
import {
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  EmbeddingRequestSchema,
  EmbeddingResponseSchema,
  ModelListSchema,
  ModelSchema,
  openAIErrorResponse,
} from '../schemas/openai-schemas.ts';

export interface OpenAIRouteOptions {
  maxBodyBytes: number;
  logger: Logger;
  metrics: GodwitMetrics;
  generateId?: () => string;
  /** Forwarded answers wait for their usage row (see AppOptions.awaitUsageWrites). Default false. */
  awaitUsageWrites?: boolean;
  /** Ends grounded turns still streaming when the server stops (see AppOptions.shutdownSignal). */
  shutdownSignal?: AbortSignal | undefined;
  /** Fetches the images messages link to; the model is given their bytes. */
  urlGuard: UrlGuard;
  maxImageBytes: number;
}

const STREAM_DESCRIPTION =
  'With `stream: true`: server-sent events, each `data:` a `chat.completion.chunk`, ending with `data: [DONE]`; ' +
  'an error after the stream started arrives as `data: {"error": {…}}`.';

const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['openai'],
  summary: 'Models and kb: assistants this server answers to',
  responses: {
    200: { description: 'The model list', content: { 'application/json': { schema: ModelListSchema } } },
  },
});

const modelRoute = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  tags: ['openai'],
  summary: 'One model',
  request: { params: z.object({ model: z.string().min(1) }) },
  responses: {
    200: { description: 'The model', content: { 'application/json': { schema: ModelSchema } } },
    404: openAIErrorResponse('Unknown model (`model_not_found`)'),
  },
});

function chatRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/chat/completions',
    tags: ['openai'],
    summary: 'Chat completion: passthrough to a provider model, or a grounded answer from a kb: assistant',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: {
      body: { required: true, content: { 'application/json': { schema: ChatCompletionRequestSchema } } },
    },
    responses: {
      200: {
        description: `The completion. ${STREAM_DESCRIPTION}`,
        content: {
          'application/json': { schema: ChatCompletionSchema },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      400: openAIErrorResponse('Invalid request; `param` names the field'),
      404: openAIErrorResponse('Unknown model (`model_not_found`)'),
      502: openAIErrorResponse('The model provider failed'),
    },
  });
}

function embeddingsRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/v1/embeddings',
    tags: ['openai'],
    summary: 'Embeddings from a configured embedding model',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: {
      body: { required: true, content: { 'application/json': { schema: EmbeddingRequestSchema } } },
    },
    responses: {
      200: {
        description: 'One vector per input',
        content: { 'application/json': { schema: EmbeddingResponseSchema } },
      },
      400: openAIErrorResponse('Invalid request; `param` names the field'),
      404: openAIErrorResponse('Unknown embedding model (`model_not_found`)'),
    },
  });
}

/** A forwarded call falls back to the configured fallback models, through the AI SDK path. */
function forwardTarget(
  services: GodwitServices,
  forwarder: ChatCompletionsForwarder,
  name: string,
  body: Record<string, unknown>,
): ForwardTarget {
  const models = services.models;
  const fallbacks = models.fallbackModels.filter((fallback) => fallback !== name);
  const first = fallbacks[0];
  return {
    forwarder,
    body,
    ...(first ? { fallback: { name: first, model: () => models.languageModel(first) } } : {}),
  };
}

function eventStream(c: Context, stream: ReadableStream<Uint8Array>): Response {
  return c.body(stream, 200, EVENT_STREAM_HEADERS);
}

export function registerOpenAIRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: OpenAIRouteOptions,
): void {
  const { logger, metrics } = options;
  const v1 = new OpenAPIHono<AppEnv>({ defaultHook: openAIValidationHook });
  v1.onError(createOpenAIErrorHandler(logger));
  const startedAt = Math.floor(Date.now() / 1000);
  const recordUsage = createUsageRecorder(services);
  const generateId = options.generateId ?? (() => crypto.randomUUID());

  const awaitUsageWrites = options.awaitUsageWrites === true;
  const ledgerFailureLogger =
    (c: Context<AppEnv>) =>
    (error: unknown): void =>
      logger({
        level: 'error',
        message: 'usage ledger write failed',
        requestId: c.get('requestId'),
        error: describeForLog(error),
      });
  // `c.get` rather than `c.var` here and below: Hono builds a new object of every variable on each
  // `c.var` read.
  const usageContext = (c: Context<AppEnv>): UsageContext => {
    const caller = callerOf(c);
    return {
      tenantId: c.get('tenantId'),
      apiKeyId: caller.apiKeyId,
      userId: caller.userId,
      recordUsage,
      pricing: services.pricing,
      generateId,
      awaitUsageWrites,
      onLedgerFailure: ledgerFailureLogger(c),
    };
  };

  v1.openapi(modelsRoute, async (c) =>
    c.json({ object: 'list' as const, data: await listModels(services, c.get('tenantId'), startedAt) }, 200),
  );

  v1.openapi(modelRoute, async (c) => {
    const { model } = c.req.valid('param');
    const found = (await listModels(services, c.get('tenantId'), startedAt)).find(
      (entry) => entry.id === model,
    );
    if (!found) throw modelNotFound(`The model "${model}" does not exist. GET /v1/models lists the models.`);
    return c.json(found, 200);
  });

  v1.openapi(chatRoute(options.maxBodyBytes), async (c) => {
    const request = c.req.valid('json');
    const target = await resolveChatTarget(services, c.get('tenantId'), request.model);
    const abort = abortWithRequest(c);
    // usageContext(c)'s fields written out rather than spread from it (this runs on every call); the
    // caller's user id is the request's `userId`.
    const call: ChatCall = {
      tenantId: c.get('tenantId'),
      apiKeyId: callerOf(c).apiKeyId,
      recordUsage,
      pricing: services.pricing,
      generateId,
      awaitUsageWrites,
      onLedgerFailure: ledgerFailureLogger(c),
      identity: newCompletionIdentity(request.model),
      request,
      userId: c.get('userId'),
      abort,
      shutdownSignal: options.shutdownSignal,
      fetchImages: () =>
        fetchMessageImages(request.messages, {
          guard: options.urlGuard,
          maxBytes: options.maxImageBytes,
          signal: abort.signal,
        }),
      onStreamError: (error) => {
        metrics.recordError(errorKind(error));
        logger({
          level: 'warn',
          message: 'chat completion stream failed',
          requestId: c.get('requestId'),
          error: describeForLog(error),
        });
      },
    };
    // Streams and completions with provider-dependent fields do not fit the typed responses; cast once here.
    if (target.kind === 'knowledge-base' || target.kind === 'assistant') {
      const turnTarget =
        target.kind === 'assistant'
          ? { assistant: target.assistant }
          : { knowledgeBase: target.knowledgeBase };
      if (request.stream)
        return eventStream(c, await streamGrounded(services.chat, call, turnTarget)) as never;
      return c.json(await completeGrounded(services.chat, call, turnTarget), 200) as never;
    }
    if (services.chatForwarder.canForward(request.model)) {
      // The provider gets the request as written, but a message that cannot be valid is refused here,
      // naming its field, as on every other path.
      toModelMessages(request.messages);
      const forward = forwardTarget(services, services.chatForwarder, request.model, await c.req.json());
      if (request.stream) return eventStream(c, await streamForwarded(call, forward)) as never;
      return c.json(await completeForwarded(call, forward), 200) as never;
    }
    if (request.stream) return eventStream(c, await streamPassthrough(call, target.model)) as never;
    return c.json(await completePassthrough(call, target.model), 200) as never;
  });

  v1.openapi(embeddingsRoute(options.maxBodyBytes), async (c) => {
    const request = c.req.valid('json');
    const embedder = resolveEmbedder(services, request.model);
    const body = await createEmbeddings(embedder, request, usageContext(c), abortWithRequest(c).signal);
    return c.json(body, 200);
  });

  v1.all('/v1/*', (c) => {
    throw new NotFoundError(
      `No route for ${c.req.method} ${c.req.path}. The OpenAI-compatible API serves /v1/models, /v1/chat/completions and /v1/embeddings.`,
    );
  });

  app.route('/', v1);
}

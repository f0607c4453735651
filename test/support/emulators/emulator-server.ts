/**
 * One loopback HTTP server that speaks the Bedrock, OpenAI, Gemini and Ollama wire formats. Tests script
 * replies (text, tool calls, errors, delays, cut streams, malformed bodies) and read the request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bedrockDialect } from './bedrock-dialect.ts';
import {
  type DialectDefinition,
  DialectError,
  type HttpReply,
  type RenderContext,
  type StreamPlan,
} from './dialect.ts';
import { geminiDialect } from './gemini-dialect.ts';
import { ollamaDialect } from './ollama-dialect.ts';
import { openaiDialect } from './openai-dialect.ts';
import {
  type Dialect,
  type EmulatorRequest,
  ReplyQueue,
  type ResolvedReply,
  resolveReply,
  type ScriptedReply,
} from './script.ts';

const DIALECTS: DialectDefinition[] = [bedrockDialect, openaiDialect, geminiDialect, ollamaDialect];

export const DEFAULT_MODELS: Record<Dialect, string[]> = {
  bedrock: [
    'anthropic.claude-3-5-haiku-20241022-v1:0',
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    'amazon.nova-lite-v1:0',
    'amazon.titan-text-express-v1',
    'amazon.titan-text-lite-v1',
    'amazon.titan-text-premier-v1:0',
    'meta.llama3-1-8b-instruct-v1:0',
    'mistral.mistral-large-2407-v1:0',
    'amazon.titan-embed-text-v1',
    'amazon.titan-embed-text-v2:0',
    'cohere.embed-english-v3',
    'cohere.embed-multilingual-v3',
  ],
  openai: [
    'gpt-4.1-mini',
    'gpt-4.1',
    'gpt-4o-mini',
    'text-embedding-3-small',
    'text-embedding-3-large',
    'text-embedding-ada-002',
  ],
  gemini: ['gemini-2.0-flash', 'gemini-2.5-flash', 'text-embedding-004', 'gemini-embedding-001'],
  ollama: ['llama3.1:8b', 'llama3.2', 'nomic-embed-text', 'mxbai-embed-large', 'all-minilm'],
};

export interface EmulatorOptions {
  /** Extra model ids each dialect accepts, on top of DEFAULT_MODELS. */
  models?: Partial<Record<Dialect, string[]>>;
  /** Check credentials (SigV4, bearer key, Gemini key). Default true. */
  requireAuth?: boolean;
}

export interface Emulator {
  /** Base URL, `http://127.0.0.1:PORT` with no trailing slash. */
  url: string;
  /** Base URLs in the form each AI SDK provider expects as `baseURL`. */
  baseURLs: { bedrock: string; openai: string; gemini: string; ollama: string };
  /** Queue replies; each is consumed by the next matching request. */
  script(...replies: ScriptedReply[]): void;
  /** Every request received, in order. */
  readonly requests: EmulatorRequest[];
  /** Scripted replies not consumed yet. */
  readonly pending: number;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 with an ephemeral port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const queue = new ReplyQueue();
  const requests: EmulatorRequest[] = [];
  const known = knownModels(options.models);
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).padStart(8, '0')}`;
  const server = createServer((request, response) => {
    handle({
      request,
      response,
      queue,
      requests,
      known,
      nextId,
      requireAuth: options.requireAuth !== false,
    }).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `emulator failure: ${(error as Error).message}` }));
    });
  });
  const url = await listen(server);
  return {
    url,
    baseURLs: { bedrock: url, openai: `${url}/v1`, gemini: `${url}/v1beta`, ollama: `${url}/api` },
    script: (...replies) => queue.push(replies),
    requests,
    get pending() {
      return queue.pending;
    },
    close: () => closeServer(server),
  };
}

function knownModels(extra: EmulatorOptions['models']): Record<Dialect, Set<string>> {
  const result = {} as Record<Dialect, Set<string>>;
  for (const dialect of Object.keys(DEFAULT_MODELS) as Dialect[]) {
    result[dialect] = new Set([...DEFAULT_MODELS[dialect], ...(extra?.[dialect] ?? [])]);
  }
  return result;
}

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  queue: ReplyQueue;
  requests: EmulatorRequest[];
  known: Record<Dialect, Set<string>>;
  nextId: (prefix: string) => string;
  requireAuth: boolean;
}

async function handle(exchange: Exchange): Promise<void> {
  const { request, response } = exchange;
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const raw = await readBody(request);
  let body: Record<string, unknown>;
  try {
    body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
  } catch {
    return send(response, { status: 400, body: JSON.stringify({ error: 'request body is not valid JSON' }) });
  }
  const listing = listModels(request.method ?? 'GET', url, exchange.known);
  if (listing) return send(response, { status: 200, body: JSON.stringify(listing) });
  for (const dialect of DIALECTS) {
    const route = dialect.match(request.method ?? 'GET', url, body);
    if (!route) continue;
    const logged: EmulatorRequest = {
      dialect: dialect.name,
      operation: route.operation,
      stream: route.stream,
      model: route.model,
      method: request.method ?? 'GET',
      path: url.pathname + url.search,
      headers: request.headers,
      body,
      outcome: 'pending',
    };
    trackOutcome(response, logged);
    exchange.requests.push(logged);
    const context: RenderContext = {
      model: route.model,
      variant: route.variant,
      body,
      nextId: exchange.nextId,
      now: unixNow,
    };
    return answer(exchange, dialect, logged, context);
  }
  send(response, {
    status: 404,
    body: JSON.stringify({ error: `no emulated route for ${request.method} ${url.pathname}` }),
  });
}

async function answer(
  exchange: Exchange,
  dialect: DialectDefinition,
  logged: EmulatorRequest,
  context: RenderContext,
): Promise<void> {
  const { response } = exchange;
  const authProblem = exchange.requireAuth ? dialect.checkAuth(exchange.request.headers) : undefined;
  if (authProblem) return send(response, dialect.error('unauthorized', 401, authProblem));
  if (!exchange.known[dialect.name].has(logged.model))
    return send(response, unknownModel(dialect, logged.model));
  const refusal = logged.operation === 'chat' ? dialect.refuseChat?.(context) : undefined;
  if (refusal) return send(response, dialect.error('bad-request', 400, refusal));
  const reply = resolveReply(exchange.queue.take(logged), context.body, () => exchange.nextId('call_'));
  if (reply.error) {
    const { status, retryAfter, message } = reply.error;
    const error = dialect.error('scripted', status, message ?? `Scripted failure with status ${status}.`);
    const headers =
      retryAfter === undefined ? error.headers : { ...error.headers, 'retry-after': String(retryAfter) };
    return send(response, { ...error, headers });
  }
  const closed = closedSignal(response);
  if (logged.stream) {
    const plan = reply.malformed ? dialect.malformedStream(context) : dialect.chatStream(reply, context);
    return writeStream(response, plan, reply, closed);
  }
  await wait(reply.firstTokenDelayMs, closed);
  if (closed.aborted) return;
  if (reply.malformed) return send(response, { status: 200, body: '{"id": "broken", "output": ' });
  try {
    const result = logged.operation === 'embed' ? dialect.embed(context) : dialect.chat(reply, context);
    send(response, { status: 200, body: JSON.stringify(result) });
  } catch (error) {
    if (!(error instanceof DialectError)) throw error;
    send(response, dialect.error(error.kind, error.status, error.message));
  }
}

function unknownModel(dialect: DialectDefinition, model: string): HttpReply {
  switch (dialect.name) {
    case 'bedrock':
      return dialect.error('unknown-model', 400, 'The provided model identifier is invalid.');
    case 'openai':
      return dialect.error(
        'unknown-model',
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
      );
    case 'gemini':
      return dialect.error('unknown-model', 404, `models/${model} is not found for API version v1beta.`);
    case 'ollama':
      return dialect.error('unknown-model', 404, `model "${model}" not found, try pulling it first`);
  }
}

async function writeStream(
  response: ServerResponse,
  plan: StreamPlan,
  reply: ResolvedReply,
  closed: AbortSignal,
) {
  response.writeHead(200, { 'content-type': plan.contentType, 'cache-control': 'no-cache' });
  response.flushHeaders();
  let textChunks = 0;
  let waited = false;
  for (const frame of plan.frames) {
    if (!waited && (frame.textChunk || !plan.frames.some((candidate) => candidate.textChunk))) {
      waited = true;
      await wait(reply.firstTokenDelayMs, closed);
    } else if (frame.textChunk && textChunks > 0) {
      await wait(reply.chunkDelayMs, closed);
    }
    if (closed.aborted) return;
    if (frame.textChunk && reply.cutAfterChunks !== undefined && textChunks >= reply.cutAfterChunks) {
      response.socket?.destroy();
      return;
    }
    await new Promise<void>((resolve) => response.write(frame.data, () => resolve()));
    if (frame.textChunk) textChunks++;
  }
  response.end();
}

function send(response: ServerResponse, reply: HttpReply): void {
  response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  response.end(reply.body);
}

function listModels(method: string, url: URL, known: Record<Dialect, Set<string>>): unknown {
  if (method !== 'GET') return undefined;
  if (url.pathname === '/v1/models') {
    return {
      object: 'list',
      data: [...known.openai].map((id) => ({ id, object: 'model', created: 0, owned_by: 'emulator' })),
    };
  }
  if (url.pathname === '/api/tags') {
    return {
      models: [...known.ollama].map((name) => ({
        name,
        model: name,
        modified_at: new Date(0).toISOString(),
        size: 0,
      })),
    };
  }
  return undefined;
}

/** Records whether the exchange completed or the client went away first (an aborted call). */
function trackOutcome(response: ServerResponse, logged: EmulatorRequest): void {
  response.on('finish', () => {
    logged.outcome = 'completed';
  });
  response.on('close', () => {
    if (logged.outcome === 'pending') logged.outcome = 'closed-early';
  });
}

function closedSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.on('close', () => controller.abort());
  return controller.signal;
}

/** Resolves after `ms`, or at once when the client goes away. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

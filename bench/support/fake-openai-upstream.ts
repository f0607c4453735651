/**
 * The model provider stand-in for gateway benchmarks: a node:http server on 127.0.0.1 that answers
 * OpenAI `POST /v1/chat/completions` at once with a fixed small completion, or with a fixed
 * `chat.completion.chunk` stream when the request says `stream: true`. Bodies are built once, so the
 * upstream's own cost stays the same, and small, for every gateway measured against it.
 *
 *   npx tsx bench/support/fake-openai-upstream.ts [--port N]
 *
 * Run that way it prints `listening <port>` on stdout once it accepts connections; it runs in its own
 * process so that it never shares an event loop with the load generator. Besides the chat route it
 * answers `GET /healthz` and `GET /stats` (`{ "chatRequests": n, "connections": n }`, counted since start).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The assistant text every completion carries; checks compare gateway answers against it. */
export const FAKE_COMPLETION_TEXT = 'Hello from the fake upstream.';

const CREATED = 1_767_225_600;
const MODEL = 'gpt-4.1-mini';
const USAGE = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
const STREAM_PIECES = ['Hello', ' from', ' the', ' fake', ' upstream.'];

const COMPLETION_BODY = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: FAKE_COMPLETION_TEXT, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
  }),
);

function chunk(delta: Record<string, unknown>, finishReason: string | null, usage?: typeof USAGE) {
  const choices = usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }];
  const body = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
    choices,
  };
  return `data: ${JSON.stringify(usage ? { ...body, usage } : body)}\n\n`;
}

const STREAM_EVENTS = [
  chunk({ role: 'assistant', content: '' }, null),
  ...STREAM_PIECES.map((piece) => chunk({ content: piece }, null)),
  chunk({}, 'stop'),
];
const STREAM_BODY = Buffer.from(`${STREAM_EVENTS.join('')}data: [DONE]\n\n`);
// OpenAI sends a last, choice-less chunk with usage only when the client asks for it.
const STREAM_WITH_USAGE_BODY = Buffer.from(
  `${STREAM_EVENTS.join('')}${chunk({}, null, USAGE)}data: [DONE]\n\n`,
);

interface ChatRequestFlags {
  stream: boolean;
  includeUsage: boolean;
}

function readFlags(body: string): ChatRequestFlags | null {
  try {
    const parsed = JSON.parse(body) as { stream?: unknown; stream_options?: { include_usage?: unknown } };
    return { stream: parsed.stream === true, includeUsage: parsed.stream_options?.include_usage === true };
  } catch {
    return null;
  }
}

/** Chat requests answered so far: lets a benchmark confirm that a gateway forwarded every call. */
let chatRequests = 0;
/** TCP connections accepted so far: a gateway that does not reuse connections shows here. */
let connections = 0;

function answerChat(request: IncomingMessage, response: ServerResponse): void {
  chatRequests += 1;
  const pieces: Buffer[] = [];
  request.on('data', (piece: Buffer) => pieces.push(piece));
  request.on('end', () => {
    const flags = readFlags(Buffer.concat(pieces).toString('utf8'));
    if (!flags) {
      const error = { error: { message: 'The body is not JSON.', type: 'invalid_request_error' } };
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(error));
      return;
    }
    if (!flags.stream) {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': COMPLETION_BODY.length,
      });
      response.end(COMPLETION_BODY);
      return;
    }
    const body = flags.includeUsage ? STREAM_WITH_USAGE_BODY : STREAM_BODY;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.end(body);
  });
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'POST' && path === '/v1/chat/completions') {
    answerChat(request, response);
    return;
  }
  if (request.method === 'GET' && path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (request.method === 'GET' && path === '/stats') {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ chatRequests, connections }));
    return;
  }
  request.resume();
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message: `No route for ${request.method} ${path}.` } }));
}

export interface FakeUpstream {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Starts the fake upstream on 127.0.0.1; port 0 lets the OS choose. */
export function startFakeOpenAIUpstream(port = 0): Promise<FakeUpstream> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  server.on('connection', () => {
    connections += 1;
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolveStart({
        server,
        port: bound,
        close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const upstream = await startFakeOpenAIUpstream(Number(values.port));
  process.stdout.write(`listening ${upstream.port}\n`);
  const stop = () => {
    upstream.server.closeAllConnections();
    void upstream.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

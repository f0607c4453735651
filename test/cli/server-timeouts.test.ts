/**
 * The CLI against a server that takes the connection and then stops: real TCP servers on loopback that say
 * nothing, or send headers and stall mid-answer, or take an upload and stall. The CLI fails within
 * GODWIT_CLIENT_TIMEOUT_MS with a message naming the server, what timed out and what to do; a long answer or
 * upload that keeps moving is not cut.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AskFailedError } from '../../src/cli/cli-backend.ts';
import { main } from '../../src/cli/main.ts';
import { RemoteBackend } from '../../src/cli/remote-backend.ts';
import { ClientTimeoutError, clientTimeoutMs, timedFetch } from '../../src/cli/timed-fetch.ts';
import { captureOutput } from '../support/capture-output.ts';

const TIMEOUT_MS = 300;
/** For streams that must not be cut: gaps of a tenth of it leave room for a busy machine. */
const PATIENT_MS = 1_000;
const GAP_MS = PATIENT_MS / 10;
const opened: Array<{ close: () => void }> = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of opened.splice(0)) server.close();
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<string> {
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push(server);
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** Accepts connections, reads what comes, and never writes a byte. */
function silentServer(): Promise<string> {
  return listen(createServer((socket) => socket.resume()));
}

/** An HTTP server whose handler decides how (and whether) each request is answered. */
function httpServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  return listen(createHttpServer(handler));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const done = {
  conversationId: 'c1',
  message: { content: 'All six parts.', model: 'local:extractive', usage: null, status: 'complete' },
  citations: [],
};

async function cli(args: string[], env: Record<string, string>) {
  const captured = captureOutput();
  const before = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(args, captured.output);
    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  } finally {
    process.env = before;
  }
}

describe('a server that accepts the connection and never answers', () => {
  it('fails `godwit ingest --server` with the URL, what timed out and the fix, exit 1', async () => {
    const url = await silentServer();
    const dir = mkdtempSync(join(tmpdir(), 'godwit-timeout-'));
    writeFileSync(join(dir, 'note.md'), '# Note\n\nA short note.\n');
    const result = await cli(['--data-dir', dir, 'ingest', join(dir, 'note.md'), '--server', url], {
      GODWIT_CLIENT_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The Godwit server at ${url}`);
    expect(result.stderr).toContain('did not answer GET /api/knowledge-bases/default within 0.3 s');
    expect(result.stderr).toContain(`${url}/readyz`);
    expect(result.stderr).toContain('raise GODWIT_CLIENT_TIMEOUT_MS (now 300)');
  });

  it('fails `godwit ask` beside a frozen `godwit serve` of the data dir, exit 1', async () => {
    const url = await silentServer();
    const dir = mkdtempSync(join(tmpdir(), 'godwit-timeout-'));
    // The data dir is held by a live process (this test's parent) that published the frozen server's URL.
    writeFileSync(
      join(dir, 'godwit.lock'),
      JSON.stringify({ pid: process.ppid, serverUrl: url, command: 'serve' }),
    );
    const result = await cli(['--data-dir', dir, 'ask', 'Anything?', '--kb', 'handbook'], {
      GODWIT_CLIENT_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The Godwit server at ${url}`);
    expect(result.stderr).toContain('did not answer');
  });

  it('rejects a timeout that is not a positive whole number of milliseconds, exit 2', async () => {
    expect(() => clientTimeoutMs({ GODWIT_CLIENT_TIMEOUT_MS: '30s' })).toThrow(
      /GODWIT_CLIENT_TIMEOUT_MS="30s" is not a positive whole number of milliseconds/,
    );
    expect(clientTimeoutMs({})).toBe(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'godwit-timeout-'));
    const result = await cli(['--data-dir', dir, 'ingest', dir, '--server', 'http://127.0.0.1:9'], {
      GODWIT_CLIENT_TIMEOUT_MS: '0',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GODWIT_CLIENT_TIMEOUT_MS="0"');
  });
});

describe('a streamed answer', () => {
  it('fails when the server sends headers and then stalls mid-answer', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse('start', { conversationId: 'c1', messageId: 'm1' }));
      response.write(sse('delta', { text: 'The first words' }));
      // …and nothing more, with the connection left open.
    });
    const backend = new RemoteBackend(url, null, 10, TIMEOUT_MS);
    const asked = backend.ask({ knowledgeBase: 'handbook', question: 'What?' });
    await expect(asked).rejects.toBeInstanceOf(ClientTimeoutError);
    await expect(asked).rejects.toThrow(
      `The Godwit server at ${url} stopped sending its answer to POST /api/chat for 0.3 s in the middle of it.`,
    );
  });

  it('is not cut while it keeps coming, however long it takes in all', async () => {
    const url = await httpServer(async (request, response) => {
      for await (const _chunk of request);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse('start', { conversationId: 'c1', messageId: 'm1' }));
      // Longer than the timeout in all, never a tenth of it without a byte.
      for (let index = 0; index < 15; index++) {
        await sleep(GAP_MS);
        response.write(sse('delta', { text: `part ${index} ` }));
      }
      response.end(sse('done', done));
    });
    const backend = new RemoteBackend(url, null, 10, PATIENT_MS);
    const answer = await backend.ask({ knowledgeBase: 'handbook', question: 'What?' });
    expect(answer.answer).toBe('All six parts.');
  });

  it('fails, naming the server, when the stream ends without the answer', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse('delta', { text: 'The first words' }));
    });
    const backend = new RemoteBackend(url, null, 10, TIMEOUT_MS);
    await expect(backend.ask({ knowledgeBase: 'handbook', question: 'What?' })).rejects.toThrow(
      `The Godwit server at ${url} closed the answer to POST /api/chat before it was finished.`,
    );
  });

  it('reports an error event of the stream as a failed answer, with its message', async () => {
    const url = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse('error', { code: 'provider_unavailable', message: 'The model is down.' }));
    });
    const backend = new RemoteBackend(url, null, 10, TIMEOUT_MS);
    const asked = backend.ask({ knowledgeBase: 'handbook', question: 'What?' });
    // A turn that failed on the server is told as a local one is: the question was saved.
    await expect(asked).rejects.toBeInstanceOf(AskFailedError);
    await expect(asked).rejects.toThrow('The model is down.');
  });
});

describe('an upload', () => {
  /** Bytes that arrive slowly, as from a slow link: `slices` of 64 KiB, `gapMs` apart. */
  function slowSource(slices: number, gapMs: number, stallAfter = Number.POSITIVE_INFINITY) {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      async pull(stream) {
        if (sent === stallAfter) return new Promise<void>(() => {});
        if (sent === slices) {
          stream.close();
          return;
        }
        await sleep(gapMs);
        sent += 1;
        stream.enqueue(new Uint8Array(65_536).fill(sent));
      },
    });
  }

  const options = (url: string) => ({
    timeoutMs: TIMEOUT_MS,
    peer: `the Godwit server at ${url}`,
    advice: 'Check the server.',
  });

  it('is not cut while its bytes keep moving, however long it takes in all', async () => {
    const url = await httpServer(async (request, response) => {
      let received = 0;
      for await (const chunk of request) received += (chunk as Buffer).byteLength;
      response.end(JSON.stringify({ received }));
    });
    // Longer than the timeout in all, never a tenth of it without a slice.
    const response = await timedFetch(
      new URL('/upload', url),
      { method: 'POST', body: { source: slowSource(15, GAP_MS), length: 15 * 65_536 } },
      { ...options(url), timeoutMs: PATIENT_MS },
    );
    expect(await response.json()).toEqual({ received: 15 * 65_536 });
  });

  it('fails when the bytes stop moving, saying how much was sent', async () => {
    const url = await httpServer((request) => request.resume());
    const upload = timedFetch(
      new URL('/upload', url),
      { method: 'POST', body: { source: slowSource(12, 10, 3), length: 12 * 65_536 } },
      options(url),
    );
    await expect(upload).rejects.toThrow(
      `The Godwit server at ${url} stopped taking the upload of POST /upload for 0.3 s (196608 of 786432 bytes sent). Check the server.`,
    );
  });

  it('counts the wait for the answer from the last byte sent', async () => {
    const url = await silentServer();
    const upload = timedFetch(
      new URL('/upload', url),
      { method: 'POST', body: new Uint8Array(200_000) },
      options(url),
    );
    await expect(upload).rejects.toThrow(`did not answer POST /upload within 0.3 s`);
  });
});

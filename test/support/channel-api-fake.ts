/**
 * A local stand-in for the Discord and Slack Web APIs: an HTTP server on loopback that records every call
 * and answers as the platforms do (Discord webhooks: the message; Slack methods: `{ ok: true, ts }`;
 * Slack response URLs: `ok`). Point `channels.*.apiBaseUrl` at `url`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read field by field in assertions
  body: any;
}

export interface ChannelApiFake {
  url: string;
  calls: RecordedCall[];
  /** Resolves once `count` calls were recorded in all. */
  waitForCalls(count: number): Promise<RecordedCall[]>;
  /** Answers calls whose path starts with `prefix` with this HTTP status from now on (0: normally again). */
  refuse(prefix: string, status: number): void;
  close(): Promise<void>;
}

export async function startChannelApiFake(): Promise<ChannelApiFake> {
  const calls: RecordedCall[] = [];
  const refused = new Map<string, number>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let nextTs = 1_733_500_000;
  const server: Server = createServer(async (request, response) => {
    const text = await readBody(request);
    const path = request.url ?? '';
    calls.push({
      method: request.method ?? '',
      path,
      authorization: request.headers.authorization,
      body: text ? JSON.parse(text) : null,
    });
    for (const waiter of waiters.filter((candidate) => calls.length >= candidate.count)) waiter.resolve();
    const status = [...refused].find(([prefix, code]) => code > 0 && path.startsWith(prefix))?.[1];
    response.setHeader('content-type', 'application/json');
    if (status) {
      response.statusCode = status;
      response.end(JSON.stringify({ message: 'Unknown Webhook', code: 10015 }));
    } else if (path.startsWith('/webhooks/')) {
      response.end(JSON.stringify({ id: String(calls.length), content: JSON.parse(text || '{}').content }));
    } else if (path.startsWith('/response/')) {
      response.end(JSON.stringify({ ok: true }));
    } else {
      nextTs += 1;
      response.end(JSON.stringify({ ok: true, ts: `${nextTs}.000100` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    waitForCalls: (count) =>
      calls.length >= count
        ? Promise.resolve(calls)
        : new Promise((resolve) => waiters.push({ count, resolve: () => resolve(calls) })),
    refuse: (prefix, status) => refused.set(prefix, status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

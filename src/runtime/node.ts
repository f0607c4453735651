/**
 * Serves the Hono app on Node's HTTP server, and stops it gracefully: no new connections, requests in
 * flight finish (each answered with `Connection: close`), and only what outlives the grace period is cut.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { serve } from '@hono/node-server';

export interface DrainOutcome {
  /** Requests still running when the grace period ran out, whose connections were closed. */
  cut: number;
  /** Requests that were running when the stop began. */
  inFlightAtStart: number;
}

export interface NodeServer {
  url: string;
  /** Requests being served right now. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, lets the requests in flight finish for up to `graceMs` (default 25 s),
   * then closes what is left. Resolves once every connection is closed.
   */
  close(options?: { graceMs?: number }): Promise<DrainOutcome>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

/** How long a client may take: a slow or stalled one is cut so it cannot hold a connection forever. */
export interface ClientTimeouts {
  /** Receiving the request line and headers (slowloris). 0 = no limit. Default 60 s (Node's). */
  headersTimeoutMs?: number;
  /** Receiving the whole request, body included (a trickled body). 0 = no limit. Default 300 s (Node's). */
  requestTimeoutMs?: number;
  /**
   * A connection on which no byte moved for this long while the client is the one stalling (a body that
   * stopped arriving, an answer it does not read) is closed; a request the server is still working on is
   * not. 0 = no limit. Default 0 here; `godwit serve` passes server.idleTimeoutMs.
   */
  idleTimeoutMs?: number;
}

export function startNodeServer(options: {
  /** `app.fetch`: it is also handed `{ incoming, outgoing }`, Node's request and response. */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  host: string;
  port: number;
  timeouts?: ClientTimeouts;
}): Promise<NodeServer> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${options.port} on ${options.host} is already in use; stop the other process or set GODWIT_PORT`
          : error.message;
      reject(new Error(`Cannot listen on ${options.host}:${options.port}: ${reason}`));
    };
    const timeouts = options.timeouts ?? {};
    const headersTimeout = timeouts.headersTimeoutMs ?? 60_000;
    const requestTimeout = timeouts.requestTimeoutMs ?? 300_000;
    const serverOptions = {
      // Node refuses a headers timeout longer than a (non-zero) request timeout.
      headersTimeout: requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
      requestTimeout,
      // Node enforces both timeouts on this tick (default every 30 s): short timeouts need a finer one.
      connectionsCheckingInterval: checkingInterval(headersTimeout, requestTimeout),
    };
    const server = serve(
      { fetch: options.fetch, hostname: options.host, port: options.port, serverOptions },
      (info) => {
        server.off('error', onError);
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolvePromise(drainableServer(server as Server, `http://${host}:${info.port}`));
      },
    ) as Server;
    closeIdleClients(server as Server, timeouts.idleTimeoutMs ?? 0);
    server.once('error', onError);
  });
}

function drainableServer(server: Server, url: string): NodeServer {
  const active = new Set<ServerResponse>();
  let draining = false;
  let onSettled: (() => void) | undefined;
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    active.add(response);
    // A request that arrives on a kept-alive connection during the drain is served, then the socket closes.
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      active.delete(response);
      if (!draining) return;
      server.closeIdleConnections();
      if (active.size === 0) onSettled?.();
    });
  });
  return {
    url,
    get inFlight() {
      return active.size;
    },
    close: async ({ graceMs = DEFAULT_SHUTDOWN_GRACE_MS } = {}) => {
      draining = true;
      const inFlightAtStart = active.size;
      for (const response of active) if (!response.headersSent) response.shouldKeepAlive = false;
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      const settled = active.size === 0 || (await waitForRequests(graceMs, (settle) => (onSettled = settle)));
      const cut = settled ? 0 : active.size;
      // Past the grace period: whatever still runs (a stream that would not end) is cut.
      if (!settled) server.closeAllConnections();
      await closed;
      return { cut, inFlightAtStart };
    },
  };
}

/**
 * Closes a connection on which nothing moved for `idleMs` when the client is the one stalling: its request
 * is not all in (a body that stopped), or its answer is waiting for it to read (`writableNeedDrain`). A
 * request the server is still working on (parsing an upload, a model thinking) is left alone.
 */
function closeIdleClients(server: Server, idleMs: number): void {
  if (idleMs <= 0) return;
  const exchanges = new WeakMap<Socket, { request: IncomingMessage; response: ServerResponse }>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    exchanges.set(socket, { request, response });
    response.once('close', () => {
      if (exchanges.get(socket)?.response === response) exchanges.delete(socket);
    });
  });
  server.setTimeout(idleMs, (socket: Socket) => {
    const exchange = exchanges.get(socket);
    // Bytes still queued for the socket mean the client is not reading what was already sent.
    const clientReading = socket.writableLength === 0 && !exchange?.response.writableNeedDrain;
    const serverBusy = exchange?.request.complete === true && clientReading;
    if (serverBusy) socket.setTimeout(idleMs);
    else socket.destroy();
  });
}

function checkingInterval(headersTimeoutMs: number, requestTimeoutMs: number): number {
  const shortest = Math.min(...[headersTimeoutMs, requestTimeoutMs].filter((value) => value > 0), 120_000);
  return Math.min(30_000, Math.max(100, Math.floor(shortest / 4)));
}

/** True when the requests finished within `graceMs`, false when the time ran out first. */
function waitForRequests(graceMs: number, register: (settle: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    register(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Serves the Hono app on Node's HTTP server, and stops it gracefully: no new connections, requests in
 * flight finish (each answered with `Connection: close`), and only what outlives the grace period is cut.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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

export function startNodeServer(options: {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
}): Promise<NodeServer> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${options.port} on ${options.host} is already in use; stop the other process or set GODWIT_PORT`
          : error.message;
      reject(new Error(`Cannot listen on ${options.host}:${options.port}: ${reason}`));
    };
    const server = serve({ fetch: options.fetch, hostname: options.host, port: options.port }, (info) => {
      server.off('error', onError);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolvePromise(drainableServer(server as Server, `http://${host}:${info.port}`));
    }) as Server;
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

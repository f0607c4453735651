/** Serves the Hono app on Node's HTTP server. */
import { type ServerType, serve } from '@hono/node-server';

export interface NodeServer {
  url: string;
  close(): Promise<void>;
}

export function startNodeServer(options: {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
}): Promise<NodeServer> {
  return new Promise((resolvePromise, reject) => {
    let server: ServerType | undefined;
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${options.port} on ${options.host} is already in use; stop the other process or set GODWIT_PORT`
          : error.message;
      reject(new Error(`Cannot listen on ${options.host}:${options.port}: ${reason}`));
    };
    server = serve({ fetch: options.fetch, hostname: options.host, port: options.port }, (info) => {
      server?.off('error', onError);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolvePromise({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise((done) => {
            server?.close(() => done());
            // Streaming responses keep sockets open; do not wait on them forever.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', onError);
  });
}

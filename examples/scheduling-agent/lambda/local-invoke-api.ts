/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on loopback for running the example
 * without AWS, as `sam local start-lambda` does (same default port, 3001): the request body is the event, the
 * handler's result is the response, a thrown error is answered with `X-Amz-Function-Error: Unhandled`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (event: never) => Promise<unknown>;

export async function startLocalInvokeApi(
  functions: Record<string, Handler>,
  options: { host?: string; port?: number } = {},
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const name = decodeURIComponent(match?.[1] ?? '');
    const handler = Object.hasOwn(functions, name) ? functions[name] : undefined;
    response.setHeader('content-type', 'application/json');
    if (request.method !== 'POST' || !handler) {
      response.statusCode = 404;
      response.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
      response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
      return;
    }
    response.setHeader('x-amz-executed-version', '$LATEST');
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as never;
      response.end(JSON.stringify((await handler(event)) ?? null));
    } catch (error) {
      response.setHeader('x-amz-function-error', 'Unhandled');
      response.end(
        JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3001, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

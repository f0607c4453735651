/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on loopback, running real handler
 * functions in process as the Node.js runtime would: the event is the request body, the handler's result
 * is the response, and a thrown error becomes `X-Amz-Function-Error: Unhandled` with `errorMessage`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LambdaHandler = (
  event: unknown,
  context: { functionName: string; awsRequestId: string },
) => Promise<unknown>;

export interface LambdaInvokeEmulator {
  endpoint: string;
  /** Every event received, by function name. */
  events: Array<{ functionName: string; event: unknown }>;
  close(): Promise<void>;
}

export async function startLambdaInvokeEmulator(
  handlers: Record<string, LambdaHandler>,
): Promise<LambdaInvokeEmulator> {
  const events: LambdaInvokeEmulator['events'] = [];
  let requests = 0;
  const server: Server = createServer(async (request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const functionName = decodeURIComponent(match?.[1] ?? '');
    const handler = Object.hasOwn(handlers, functionName) ? handlers[functionName] : undefined;
    response.setHeader('content-type', 'application/json');
    if (!match || !handler) {
      response.statusCode = 404;
      response.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
      response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
      return;
    }
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    events.push({ functionName, event });
    response.setHeader('x-amz-executed-version', '$LATEST');
    try {
      const result = await handler(event, { functionName, awsRequestId: `request-${++requests}` });
      response.end(JSON.stringify(result ?? null));
    } catch (error) {
      response.setHeader('x-amz-function-error', 'Unhandled');
      response.end(
        JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

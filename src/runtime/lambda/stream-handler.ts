/**
 * A RESPONSE_STREAM handler for a Hono app: every invocation answers with the runtime's HTTP prelude
 * (status and headers, `awslambda.HttpResponseStream.from`), then the body as the app writes it. Events
 * that are not requests, bodies that do not decode and failures before the first byte all get a JSON
 * error with the right status, never a bare "Internal Server Error" that a Function URL would show as 200.
 * https://docs.aws.amazon.com/lambda/latest/dg/response-streaming-tutorial.html
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Hono } from 'hono';
import { checkHttpEvent, errorBody } from './http-event.ts';

interface ResponseMetadata {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/** The part of the Node.js runtime's `awslambda` global that streaming uses. */
export interface StreamingRuntime {
  streamifyResponse: (
    handler: (event: unknown, stream: Writable, context: unknown) => Promise<void>,
  ) => unknown;
  HttpResponseStream: { from: (stream: Writable, metadata: ResponseMetadata) => Writable };
}

/**
 * @example
 * export const streamHandler = streamHandle(app, globalThis.awslambda, console.error);
 */
export function streamHandle(app: Hono, runtime: StreamingRuntime, logError: (entry: object) => void) {
  return runtime.streamifyResponse(async (event, responseStream, context) => {
    let started = false;
    const start = (metadata: ResponseMetadata) => {
      started = true;
      return runtime.HttpResponseStream.from(responseStream, metadata);
    };
    try {
      const problem = checkHttpEvent(event, 'function-url');
      if (problem) {
        logError({ level: 'warn', message: 'refused an invocation event', code: problem.code });
        start(jsonMetadata(problem.status)).end(errorBody(problem));
        return;
      }
      const urlEvent = event as FunctionUrlEvent;
      const response = await app.fetch(requestOf(urlEvent), {
        event,
        requestContext: urlEvent.requestContext,
        context,
      });
      const body = start(responseMetadata(response));
      if (response.body) await pipeline(response.body as unknown as AsyncIterable<Uint8Array>, body);
      else body.end();
    } catch (error) {
      logError({
        level: 'error',
        message: 'streamed response failed',
        error: error instanceof Error ? error.message : String(error),
      });
      if (!started) {
        start(jsonMetadata(500)).end(
          errorBody({ code: 'internal_error', message: 'The request could not be served; try again.' }),
        );
      } else if (!responseStream.writableEnded) {
        responseStream.end();
      }
    }
  });
}

/** The fields of a Function URL event (payload 2.0) that make the request. */
interface FunctionUrlEvent {
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { domainName?: string; http?: { method?: string } };
}

/** A Function URL event as a fetch Request (payload 2.0: cookies arrive apart from the headers). */
function requestOf(event: FunctionUrlEvent): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const host = event.requestContext.domainName ?? headers.get('host') ?? 'localhost';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const method = event.requestContext.http?.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && typeof event.body === 'string';
  const body = hasBody
    ? event.isBase64Encoded
      ? Buffer.from(event.body as string, 'base64')
      : new TextEncoder().encode(event.body as string)
    : undefined;
  return new Request(`https://${host}${event.rawPath}${query}`, { method, headers, body });
}

function jsonMetadata(statusCode: number): ResponseMetadata {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [] };
}

function responseMetadata(response: Response): ResponseMetadata {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies.push(value);
    else headers[name] = value;
  });
  return { statusCode: response.status, headers, cookies };
}

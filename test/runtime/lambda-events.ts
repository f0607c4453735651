/**
 * Lambda event shapes as AWS sends them (payload format 2.0, shared by API Gateway HTTP APIs and Function
 * URLs), and a shim of the Node.js runtime's `awslambda` global for streamed responses.
 */
import { Writable } from 'node:stream';
import type { LambdaEvent } from 'hono/aws-lambda';

/** Payload format 2.0 as hono types it. */
export type HttpEventV2 = Extract<LambdaEvent, { rawPath: string; routeKey: string }>;

export interface HttpEventInput {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const TIME = '23/Nov/2026:06:00:00 +0000';

/** An API Gateway HTTP API (v2) event, route `$default`. */
export function apiGatewayV2Event(input: HttpEventInput) {
  return httpEvent(input, {
    domainName: 'abc123xyz.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'abc123xyz',
    apiId: 'abc123xyz',
    accountId: '123456789012',
  });
}

/** A Lambda Function URL event: the same 2.0 format, with the URL id as `apiId` and no real stage. */
export function functionUrlEvent(input: HttpEventInput) {
  return httpEvent(input, {
    domainName: 'n4vk3x2qffbq7w.lambda-url.eu-west-1.on.aws',
    domainPrefix: 'n4vk3x2qffbq7w',
    apiId: 'n4vk3x2qffbq7w',
    accountId: 'anonymous',
  });
}

function httpEvent(
  input: HttpEventInput,
  host: { domainName: string; domainPrefix: string; apiId: string; accountId: string },
): HttpEventV2 {
  const binary = input.body instanceof Uint8Array;
  const body =
    input.body === undefined
      ? undefined
      : binary
        ? Buffer.from(input.body as Uint8Array).toString('base64')
        : (input.body as string);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString: input.query ?? '',
    cookies: [],
    headers: {
      host: host.domainName,
      'user-agent': 'curl/8.5.0',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.7',
      ...(input.headers ?? {}),
    },
    queryStringParameters: input.query ? Object.fromEntries(new URLSearchParams(input.query)) : undefined,
    requestContext: {
      accountId: host.accountId,
      apiId: host.apiId,
      domainName: host.domainName,
      domainPrefix: host.domainPrefix,
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: TIME,
      timeEpoch: 1795413600000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: binary,
    // AWS omits `body` when a request has none; hono's type says `string | null`.
  } as unknown as HttpEventV2;
}

/** What the streaming runtime received: the HTTP prelude and each body write in order. */
export interface StreamedResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Body writes, in the order the handler made them. */
  writes: string[];
  body: string;
}

/**
 * Installs `globalThis.awslambda` as the Lambda Node.js runtime defines it for response streaming:
 * `streamifyResponse` marks a `(event, responseStream, context)` handler, and
 * `HttpResponseStream.from` writes the JSON prelude and eight NUL bytes before the body.
 */
export function installAwsLambdaShim(): () => void {
  const global = globalThis as { awslambda?: unknown };
  const previous = global.awslambda;
  global.awslambda = {
    streamifyResponse: (handler: unknown) => handler,
    HttpResponseStream: {
      from(stream: Writable, metadata: Record<string, unknown>) {
        stream.write(JSON.stringify(metadata));
        stream.write(new Uint8Array(8));
        return stream;
      },
    },
  };
  return () => {
    global.awslambda = previous;
  };
}

/** Runs a streamified handler into a recording stream and decodes what the runtime would send. */
export async function invokeStreaming(handler: unknown, event: unknown): Promise<StreamedResponse> {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
  const finished = new Promise<void>((resolve) => {
    stream.on('finish', () => resolve());
  });
  await (handler as (event: unknown, stream: Writable, context: unknown) => Promise<void>)(event, stream, {
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  });
  await finished;
  const [prelude, separator, ...body] = chunks;
  if (!prelude || !separator || separator.length !== 8 || separator.some((byte) => byte !== 0)) {
    throw new Error('the handler did not start the response with HttpResponseStream.from');
  }
  const metadata = JSON.parse(prelude.toString('utf8')) as {
    statusCode: number;
    headers: Record<string, string>;
  };
  const writes = body.map((chunk) => chunk.toString('utf8')).filter((text) => text.length > 0);
  return { statusCode: metadata.statusCode, headers: metadata.headers, writes, body: writes.join('') };
}

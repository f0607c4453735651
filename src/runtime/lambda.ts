/**
 * AWS Lambda entry points for the HTTP API: the same Hono app as `godwit serve`.
 *
 * - `handler`: buffered responses, for API Gateway HTTP APIs (payload 2.0) and buffered Function URLs.
 * - `streamHandler`: streamed responses (SSE chat, streamed completions) for a Function URL with
 *   invoke mode RESPONSE_STREAM; API Gateway HTTP APIs cannot stream.
 *
 * Services are built on the first request, not at import, so the init phase stays short; a failed start
 * answers 503 and is retried by the next request.
 */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createConfiguredUrlGuard } from '../config/configured-url-guard.ts';
import {
  type CreateGodwitOptions,
  channelSettings,
  channelTurnMeter,
  createConfiguredChannels,
  createGodwit,
  createQueuedChannelHandlers,
  type GodwitConfig,
  loadConfig,
} from '../config/index.ts';
import { ConfigError, GodwitError } from '../core/errors.ts';
import type { GodwitServices } from '../core/services.ts';
import type { DirectUploadSettings } from '../server/app-env.ts';
import { resolveAuthSettings } from '../server/auth/index.ts';
import { createApp } from '../server/index.ts';
import { modelLabelerFor } from '../server/metrics/index.ts';
import { usageEmfLine } from './lambda/emf.ts';
import { checkHttpEvent, errorBody } from './lambda/http-event.ts';
import { resolveSecretEnvironment } from './lambda/secret-environment.ts';
import { type StreamingRuntime, streamHandle } from './lambda/stream-handler.ts';

export interface LambdaAppOptions {
  /** The function's environment (GODWIT_*, AWS_*). */
  env: Record<string, string | undefined>;
  /** Builds the services; default `createGodwit(config, { env })`. Tests pass hand-built services. */
  createServices?: (config: GodwitConfig) => Promise<GodwitServices>;
  /** Receives every log line (JSON). Default: stdout, which Lambda sends to CloudWatch Logs. */
  writeLog?: (line: string) => void;
}

/** Value of the `Service` dimension on this function's metrics. */
const SERVICE = 'api';

/**
 * A Hono app that builds the real app on first use and forwards every request to it.
 *
 * @example
 * const app = createLambdaApp({ env: process.env });
 * export const handler = handle(app);
 */
/**
 * How a function builds its services. An instance serves one request at a time, and each answer waits for
 * its own usage row (`awaitUsageWrites` below), so the ledger writes each row at once: no other request's row
 * could share the write, and the grouping window would only delay the answer.
 */
export function lambdaGodwitOptions(env: Record<string, string | undefined>): CreateGodwitOptions {
  return { env, ledgerWindowMs: 0 };
}

export function createLambdaApp(options: LambdaAppOptions): Hono {
  const writeLog = options.writeLog ?? defaultWriteLog;
  let starting: Promise<{ fetch: (request: Request, env?: unknown) => Response | Promise<Response> }> | null =
    null;
  const start = async () => {
    const env = await resolveSecretEnvironment(options.env);
    const { config } = loadConfig({ env });
    checkChannelQueue(config);
    const services = await (
      options.createServices ?? ((value) => createGodwit(value, lambdaGodwitOptions(env)))
    )(config);
    const channels = createConfiguredChannels(config, {
      chat: services.chat,
      conversations: services.conversations,
      meter: channelTurnMeter(services),
      reportError: (error, context) =>
        writeLog(
          JSON.stringify({
            time: new Date().toISOString(),
            level: 'error',
            message: 'channel job failed',
            job: context.job,
            error: error instanceof Error ? error.message : String(error),
          }),
        ),
    });
    const modelLabel = modelLabelerFor(services);
    services.onUsage((entry) => writeLog(usageEmfLine(entry, SERVICE, modelLabel)));
    return createApp({
      services,
      channels,
      options: {
        // A function behind API Gateway or a Function URL is reachable from anywhere: auth is required.
        auth: resolveAuthSettings(config, { exposed: true }),
        // Lambda may freeze the process once a response is sent: usage rows are written before it goes.
        awaitUsageWrites: true,
        maxBodyBytes: config.server.maxBodyBytes,
        maxUploadBytes: config.server.maxUploadBytes,
        urlGuard: createConfiguredUrlGuard(config),
        maxImageBytes: config.urlFetch.maxImageBytes,
        cors: config.server.cors,
        ...(config.storage.blobs === 's3' && config.storage.s3.bucket
          ? { directUploads: await lambdaDirectUploads(config.storage.s3, env.AWS_REGION) }
          : {}),
        logger: (entry) => writeLog(JSON.stringify({ time: new Date().toISOString(), ...entry })),
      },
    });
  };
  const outer = new Hono();
  // Discord and Slack give up after 3 seconds: their acknowledgements do not wait for the services to start.
  let channelsStarting: Promise<ReturnType<typeof createQueuedChannelHandlers>> | null = null;
  const startChannels = async () => {
    const { config } = loadConfig({ env: await resolveSecretEnvironment(options.env) });
    checkChannelQueue(config);
    return createQueuedChannelHandlers(config);
  };
  for (const [path, channel] of CHANNEL_PATHS) {
    outer.post(path, async (context, next) => {
      channelsStarting ??= startChannels();
      let handlers: Awaited<typeof channelsStarting>;
      try {
        handlers = await channelsStarting;
      } catch {
        channelsStarting = null;
        // The full start below reports the configuration error the same way as for any request.
        return next();
      }
      const handler = handlers[channel];
      return handler ? handler(context.req.raw) : next();
    });
  }
  outer.all('*', async (context) => {
    starting ??= start();
    let app: Awaited<typeof starting>;
    try {
      app = await starting;
    } catch (error) {
      starting = null;
      writeLog(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          message: 'Godwit failed to start',
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      // Configuration errors name a key and a fix and hold no secret; anything else stays generic.
      const message =
        GodwitError.isInstance(error) && error.code === 'config_invalid'
          ? error.message
          : 'The service is starting or a dependency is unavailable; try again shortly.';
      return context.json({ error: { code: 'dependency_unavailable', message } }, 503);
    }
    return app.fetch(context.req.raw, context.env);
  });
  return outer;
}

/**
 * A Lambda request carries at most 6 MB, and a file in a multipart body arrives base64-encoded (4/3 larger):
 * files up to this size can still be posted; larger ones go to S3 through a presigned PUT, and the Ingest
 * function (S3 → SQS) picks them up under `incoming/`.
 */
export const LAMBDA_MAX_MULTIPART_BYTES = 4_400_000;

async function lambdaDirectUploads(
  s3: GodwitConfig['storage']['s3'],
  functionRegion: string | undefined,
): Promise<DirectUploadSettings> {
  // Loaded with the services, not at import: the S3 SDK also sets an empty `awslambda` global on load.
  const { S3DirectUploads } = await import('../storage/s3/s3-direct-uploads.ts');
  const region = s3.region ?? functionRegion;
  return {
    store: new S3DirectUploads({
      bucket: s3.bucket ?? '',
      ...(region ? { region } : {}),
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      forcePathStyle: s3.forcePathStyle,
      ...(s3.serverSideEncryption ? { serverSideEncryption: s3.serverSideEncryption } : {}),
      ...(s3.kmsKeyId ? { kmsKeyId: s3.kmsKeyId } : {}),
    }),
    prefix: 'incoming/',
    maxRequestBytes: LAMBDA_MAX_MULTIPART_BYTES,
  };
}

const CHANNEL_PATHS = [
  ['/channels/discord/interactions', 'discord'],
  ['/channels/slack/events', 'slack'],
] as const;

/**
 * A channel's answer outlives its acknowledgement, and Lambda freezes once it has responded: on Lambda the
 * work must go through the worker's queue.
 */
function checkChannelQueue(config: GodwitConfig): void {
  const settings = channelSettings(config);
  if ((settings.discord || settings.slack) && !config.channels.queueUrl) {
    throw new ConfigError(
      'channels.queueUrl: a Discord or Slack channel on AWS Lambda needs the worker queue, which answers after the acknowledgement. Set GODWIT_CHANNELS__QUEUE_URL to the ingest queue URL (the CDK stack sets it).',
    );
  }
}

function defaultWriteLog(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * A buffered handler (API Gateway v1/v2, buffered Function URL events). An event that is not an HTTP
 * request gets a 400 naming what is missing instead of being served as a request for `/`.
 */
export function createApiHandler(options: LambdaAppOptions) {
  const serve = handle(createLambdaApp(options));
  const writeLog = options.writeLog ?? defaultWriteLog;
  return async (event: Parameters<typeof serve>[0], context?: Parameters<typeof serve>[1]) => {
    const problem = checkHttpEvent(event);
    if (problem) {
      writeLog(JSON.stringify({ level: 'warn', message: 'refused an invocation event', code: problem.code }));
      return {
        statusCode: problem.status,
        headers: { 'content-type': 'application/json' },
        body: errorBody(problem),
        isBase64Encoded: false,
      };
    }
    return serve(event, context);
  };
}

/**
 * A streamed handler for a RESPONSE_STREAM Function URL. Needs the Lambda runtime's `awslambda` global,
 * which the Node.js runtime defines before it loads the handler module.
 */
export function createStreamHandler(options: LambdaAppOptions) {
  const writeLog = options.writeLog ?? defaultWriteLog;
  const runtime = (globalThis as { awslambda?: StreamingRuntime }).awslambda;
  if (!runtime) {
    throw new Error(
      'streamHandler needs the AWS Lambda Node.js runtime (the awslambda global); use handler elsewhere.',
    );
  }
  return streamHandle(createLambdaApp(options), runtime, (entry) =>
    writeLog(JSON.stringify({ time: new Date().toISOString(), ...entry })),
  );
}

/** The Node.js runtime's streaming API; the AWS SDK leaves an empty `awslambda` object behind elsewhere. */
function hasStreamingRuntime(): boolean {
  const runtime = (globalThis as { awslambda?: { streamifyResponse?: unknown } }).awslambda;
  return typeof runtime?.streamifyResponse === 'function';
}

// Entry points named in the CDK app: runtime/lambda.handler and runtime/lambda.streamHandler.
export const handler = createApiHandler({ env: process.env });
export const streamHandler = hasStreamingRuntime()
  ? createStreamHandler({ env: process.env })
  : () => {
      throw new Error(
        'streamHandler needs the AWS Lambda Node.js runtime (the awslambda global); use handler elsewhere.',
      );
    };

/**
 * AWS Lambda entry point for ingestion: S3 "object created" notifications arrive through an SQS queue;
 * each uploaded file is parsed, chunked, embedded and indexed.
 *
 * Object keys name where a file goes: `incoming/<tenant>/<knowledge-base>/<file name>`. The file name
 * (with any sub-folders) becomes the document's source. Ingestion is idempotent: the same bytes under the
 * same source are a no-op, so SQS redelivery is harmless.
 *
 * The same queue carries chat-channel jobs (a Discord or Slack question acknowledged by the API function,
 * `{"godwitChannelJob": …}`): each is answered here and its answer posted to the platform. A channel job is
 * never returned to the queue: asking the model twice would post two answers; its failure is logged.
 *
 * The handler reports partial batch failures (`batchItemFailures`): only the messages that failed return
 * to the queue, and after the queue's receive limit they move to its dead-letter queue.
 */
import { createHash } from 'node:crypto';
import { channelJobInMessage } from '../channels/index.ts';
import {
  channelTurnMeter,
  createConfiguredChannels,
  createGodwit,
  type GodwitConfig,
  loadConfig,
} from '../config/index.ts';
import { IngestError, ValidationError } from '../core/errors.ts';
import { UPLOAD_ID_PATTERN } from '../core/knowledge/direct-upload-key.ts';
import type { GodwitServices } from '../core/services.ts';
import { emfLine } from './lambda/emf.ts';
import { resolveSecretEnvironment } from './lambda/secret-environment.ts';

/** The fields of an SQS event this handler reads. */
export interface SqsEvent {
  Records: Array<{ messageId: string; body: string }>;
}

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface StoredObject {
  bytes: Uint8Array;
  contentType?: string;
}

export interface IngestLambdaOptions {
  env: Record<string, string | undefined>;
  /** Default `createGodwit(config, { env })`. */
  createServices?: (config: GodwitConfig) => Promise<GodwitServices>;
  /** Reads an uploaded object; default: S3 GetObject with the function's role. */
  readObject?: (bucket: string, key: string) => Promise<StoredObject>;
  /** Settings for the default reader's S3 client (an S3-compatible endpoint, path-style addressing). */
  s3?: {
    endpoint?: string;
    forcePathStyle?: boolean;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Default: stdout (CloudWatch Logs). */
  writeLog?: (line: string) => void;
  /** Key prefix of uploads; default `incoming/`. */
  prefix?: string;
  /** Reaches the Discord and Slack Web APIs for channel jobs. Default the global fetch. */
  channelFetch?: typeof fetch;
}

export interface UploadTarget {
  tenantId: string;
  knowledgeBase: string;
  source: string;
  /** The id folder of a direct upload (POST /api/knowledge-bases/:name/uploads); absent otherwise. */
  uploadId?: string;
}

const SERVICE = 'ingest';

/**
 * `incoming/acme/handbook/policies/leave.pdf` → tenant `acme`, knowledge base `handbook`, source
 * `policies/leave.pdf`. A direct upload's id folder (`incoming/acme/handbook/upload-<32 hex>/leave.pdf`) is
 * not part of the source. S3 notifications URL-encode keys with `+` for spaces.
 */
export function parseUploadKey(encodedKey: string, prefix = 'incoming/'): UploadTarget {
  const key = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : null;
  const [tenantId, knowledgeBase, ...path] = rest?.split('/') ?? [];
  const uploadId = path.length > 1 && UPLOAD_ID_PATTERN.test(path[0] ?? '') ? path.shift() : undefined;
  const source = path.join('/');
  if (!tenantId || !knowledgeBase || !source) {
    throw new ValidationError(
      `Object key "${key}" is not an upload: put files under ${prefix}<tenant>/<knowledge-base>/<file name>.`,
    );
  }
  return uploadId ? { tenantId, knowledgeBase, source, uploadId } : { tenantId, knowledgeBase, source };
}

interface S3Notification {
  Event?: string;
  Records?: Array<{ eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }>;
}

/** The (bucket, key) pairs of one SQS message body; `s3:TestEvent` and non-create events yield none. */
export function objectsInMessage(body: string): Array<{ bucket: string; key: string }> {
  let notification: S3Notification;
  try {
    notification = JSON.parse(body) as S3Notification;
  } catch {
    throw new ValidationError('The queue message is not JSON; expected an S3 event notification.');
  }
  if (notification.Event === 's3:TestEvent') return [];
  if (!Array.isArray(notification.Records)) {
    throw new ValidationError('The queue message has no Records; expected an S3 event notification.');
  }
  return notification.Records.filter((record) => record.eventName?.startsWith('ObjectCreated:')).map(
    (record) => {
      const bucket = record.s3?.bucket?.name;
      const key = record.s3?.object?.key;
      if (!bucket || !key) throw new ValidationError('An S3 event record has no bucket name or object key.');
      return { bucket, key };
    },
  );
}

/**
 * Builds the SQS handler. Messages are processed one at a time so a batch never holds more than one
 * file in memory; each failed message is reported alone.
 *
 * @example
 * export const handler = createIngestHandler({ env: process.env });
 */
export function createIngestHandler(
  options: IngestLambdaOptions,
): (event: unknown) => Promise<SqsBatchResponse> {
  const writeLog = options.writeLog ?? ((line: string) => process.stdout.write(`${line}\n`));
  let started: Promise<{
    godwit: GodwitServices;
    config: GodwitConfig;
    readObject: ObjectReader;
    runChannelJob: ReturnType<typeof createConfiguredChannels>['runJob'];
  }> | null = null;
  const start = () => {
    started ??= (async () => {
      const env = await resolveSecretEnvironment(options.env);
      const { config } = loadConfig({ env });
      const godwit = await (options.createServices ?? ((value) => createGodwit(value, { env })))(config);
      const readObject =
        options.readObject ?? s3ObjectReader(config.storage.s3, options.s3 ?? {}, env.AWS_REGION);
      const channels = createConfiguredChannels(config, {
        chat: godwit.chat,
        conversations: godwit.conversations,
        meter: channelTurnMeter(godwit),
        ...(options.channelFetch ? { fetch: options.channelFetch } : {}),
        reportError: (error, context) =>
          writeLog(
            JSON.stringify({
              level: 'error',
              message: 'channel job fault',
              job: context.job,
              error: error instanceof Error ? error.message : String(error),
            }),
          ),
      });
      return { godwit, config, readObject, runChannelJob: channels.runJob };
    })();
    started.catch(() => {
      started = null;
    });
    return started;
  };

  const ingestObject = async (bucket: string, key: string) => {
    const target = parseUploadKey(key, options.prefix);
    const { godwit, config, readObject } = await start();
    const objectKey = decodeURIComponent(key.replace(/\+/g, ' '));
    const object = await readObject(bucket, objectKey);
    const knowledgeBase = await godwit.knowledge.ensureKnowledgeBase(target.tenantId, target.knowledgeBase);
    const storedBlobKey = blobKeyInDocumentsBucket(config, bucket, objectKey);
    // A direct upload is followed by its object (GET …/uploads/:id): the document must point at it, so
    // identical bytes are indexed again rather than left pointing at an earlier copy.
    const outcome = await godwit.knowledge.ingest(
      target.tenantId,
      knowledgeBase,
      {
        source: target.source,
        bytes: object.bytes,
        ...(object.contentType ? { mimeType: object.contentType } : {}),
        ...(storedBlobKey ? { storedBlobKey } : {}),
      },
      { force: target.uploadId !== undefined },
    );
    if (outcome.status === 'failed') {
      const reason = outcome.error ?? `${target.source} could not be ingested.`;
      await recordFailedUpload(godwit, target, knowledgeBase.id, object, reason);
      throw new IngestError(reason);
    }
    return { ...target, status: outcome.status, chunks: outcome.chunks };
  };

  return async (event) => {
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    if (!isSqsEvent(event)) {
      // Not a queue delivery (a console test, a mis-wired trigger): nothing to retry, so it is logged and skipped.
      writeLog(
        JSON.stringify({
          level: 'warn',
          message: 'skipped an invocation that is not an SQS event with Records; nothing was ingested',
          eventType: event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event,
        }),
      );
      return { batchItemFailures };
    }
    let ingested = 0;
    for (const record of event.Records) {
      const job = channelJobInMessage(record.body);
      if (job) {
        try {
          await (await start()).runChannelJob(job);
          writeLog(
            JSON.stringify({
              level: 'info',
              message: 'channel job done',
              messageId: record.messageId,
              job: job.kind,
            }),
          );
        } catch (error) {
          writeLog(
            JSON.stringify({
              level: 'error',
              message: 'channel job failed; not retried, so the question is not answered twice',
              messageId: record.messageId,
              job: job.kind,
              error: error instanceof Error ? error.message : String(error),
            }),
          );
        }
        continue;
      }
      try {
        for (const { bucket, key } of objectsInMessage(record.body)) {
          const result = await ingestObject(bucket, key);
          ingested += 1;
          writeLog(
            JSON.stringify({
              level: 'info',
              message: 'file ingested',
              messageId: record.messageId,
              ...result,
            }),
          );
        }
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        writeLog(
          JSON.stringify({
            level: 'error',
            message: 'ingest failed; the message returns to the queue',
            messageId: record.messageId,
            error: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    }
    writeLog(
      emfLine(
        [
          { name: 'FilesIngested', value: ingested, unit: 'Count' },
          { name: 'IngestFailures', value: batchItemFailures.length, unit: 'Count' },
        ],
        { Service: SERVICE },
        { level: 'info', message: 'ingest batch done', messages: event.Records.length },
      ),
    );
    return { batchItemFailures };
  };
}

/**
 * Nobody waits on an S3 upload's response, so a file that cannot be parsed is listed as a failed
 * document with its reason (GET /api/knowledge-bases/:name/documents). A ready earlier version of the
 * same source is left as it is.
 */
async function recordFailedUpload(
  services: GodwitServices,
  target: UploadTarget,
  knowledgeBaseId: string,
  object: StoredObject,
  reason: string,
): Promise<void> {
  const existing = await services.knowledgeStore.findDocumentBySource(
    target.tenantId,
    knowledgeBaseId,
    target.source,
  );
  if (existing?.status === 'ready') return;
  const document = await services.knowledgeStore.upsertDocument(target.tenantId, {
    knowledgeBaseId,
    source: target.source,
    mimeType: object.contentType ?? 'application/octet-stream',
    sha256: createHash('sha256').update(object.bytes).digest('hex'),
    bytes: object.bytes.byteLength,
  });
  await services.knowledgeStore.markDocumentFailed(target.tenantId, document.id, reason);
}

type ObjectReader = (bucket: string, key: string) => Promise<StoredObject>;

function isSqsEvent(event: unknown): event is SqsEvent {
  if (event === null || typeof event !== 'object') return false;
  const records = (event as { Records?: unknown }).Records;
  return (
    Array.isArray(records) &&
    records.every(
      (record) =>
        typeof record === 'object' &&
        record !== null &&
        typeof (record as { messageId?: unknown }).messageId === 'string' &&
        typeof (record as { body?: unknown }).body === 'string',
    )
  );
}

/**
 * The blob key of an upload that already sits in the blob store's own bucket (under its prefix, if any),
 * so the document points at it instead of storing a copy; null for any other bucket.
 */
function blobKeyInDocumentsBucket(config: GodwitConfig, bucket: string, objectKey: string): string | null {
  const settings = config.storage.s3;
  if (config.storage.blobs !== 's3' || settings.bucket !== bucket) return null;
  const prefix = settings.prefix ?? '';
  return objectKey.startsWith(prefix) ? objectKey.slice(prefix.length) : null;
}

/**
 * S3 GetObject through the function's role, with the blob store's endpoint, path style and region
 * (storage.s3.*); the SDK loads only when the first file arrives.
 */
function s3ObjectReader(
  configured: GodwitConfig['storage']['s3'],
  overrides: NonNullable<IngestLambdaOptions['s3']>,
  functionRegion: string | undefined,
): ObjectReader {
  let client: Promise<{ read: ObjectReader }> | null = null;
  return async (bucket: string, key: string): Promise<StoredObject> => {
    client ??= (async () => {
      const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
      const s3 = new S3Client({
        ...((configured.region ?? functionRegion) ? { region: configured.region ?? functionRegion } : {}),
        ...(configured.endpoint ? { endpoint: configured.endpoint } : {}),
        forcePathStyle: configured.forcePathStyle,
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...overrides,
      });
      return {
        read: async (name: string, objectKey: string) => {
          const response = await s3.send(new GetObjectCommand({ Bucket: name, Key: objectKey }));
          if (!response.Body) throw new IngestError(`s3://${name}/${objectKey} has no body.`);
          const bytes = await response.Body.transformToByteArray();
          return { bytes, ...(response.ContentType ? { contentType: response.ContentType } : {}) };
        },
      };
    })();
    return (await client).read(bucket, key);
  };
}

export const handler = createIngestHandler({ env: process.env });

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import {
  createIngestHandler,
  objectsInMessage,
  parseUploadKey,
  type SqsEvent,
} from '../../src/runtime/ingest-lambda.ts';
import { type S3rverServer, startS3rver } from '../support/s3rver-server.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

let s3server: S3rverServer;
let s3: S3Client;
let services: TestServices;
const logs: string[] = [];
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

beforeAll(async () => {
  s3server = await startS3rver('godwit-uploads');
  s3 = new S3Client({
    region: 'eu-west-1',
    endpoint: s3server.endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  services = await createTestServices();
});

afterAll(async () => {
  s3?.destroy();
  await services?.close();
  await s3server?.stop();
});

async function putObject(key: string, body: string | Uint8Array, contentType?: string) {
  await s3.send(
    new PutObjectCommand({
      Bucket: s3server.bucket,
      Key: key,
      Body: body,
      ...(contentType ? { ContentType: contentType } : {}),
    }),
  );
}

/** An SQS message carrying an S3 notification, keys URL-encoded as S3 sends them. */
function s3Message(messageId: string, key: string, bucket = s3server.bucket) {
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventTime: '2026-11-23T06:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodedKey, size: 10, eTag: 'etag', sequencer: '0055AED6DCD90281E5' },
          },
        },
      ],
    }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1795413600000' },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:godwit-ingest',
    awsRegion: 'eu-west-1',
  };
}

function handler() {
  return createIngestHandler({
    env: { AWS_REGION: 'eu-west-1' },
    createServices: async () => services,
    s3: { endpoint: s3server.endpoint, forcePathStyle: true, credentials },
    writeLog: (line) => logs.push(line),
  });
}

async function documentsOf(knowledgeBase: string) {
  const base = await services.knowledge.requireKnowledgeBase(DEFAULT_TENANT, knowledgeBase);
  return services.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id);
}

describe('SQS ingest handler', () => {
  it('ingests good files and fails only the corrupt one (partial batch failure)', async () => {
    await putObject(
      `incoming/${DEFAULT_TENANT}/handbook/leave policy.md`,
      '# Leave\n\nEmployees get 25 vacation days a year.\n',
    );
    await putObject(
      `incoming/${DEFAULT_TENANT}/handbook/broken.pdf`,
      '%PDF-1.7\nthis is not a real pdf',
      'application/pdf',
    );
    await putObject(`incoming/${DEFAULT_TENANT}/handbook/rooms.csv`, 'room,seats\nFjord,12\nDelta,6\n');
    const event: SqsEvent = {
      Records: [
        s3Message('m-1', `incoming/${DEFAULT_TENANT}/handbook/leave policy.md`),
        s3Message('m-2', `incoming/${DEFAULT_TENANT}/handbook/broken.pdf`),
        s3Message('m-3', `incoming/${DEFAULT_TENANT}/handbook/rooms.csv`),
      ],
    };
    const response = await handler()(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    const documents = await documentsOf('handbook');
    expect(documents.map((document) => [document.source, document.status]).sort()).toEqual([
      ['broken.pdf', 'failed'],
      ['leave policy.md', 'ready'],
      ['rooms.csv', 'ready'],
    ]);
    // Nobody waits on an upload: the failure and its reason are listed with the documents.
    const broken = documents.find((document) => document.source === 'broken.pdf');
    expect(broken?.error).toContain('broken.pdf');
    expect(broken?.chunkCount).toBe(0);
    const failure = logs.map((line) => JSON.parse(line)).find((entry) => entry.messageId === 'm-2');
    expect(failure).toMatchObject({ level: 'error' });
    expect(failure.error).toContain('broken.pdf');
  });

  it('keeps a ready document when a corrupt new version of it arrives', async () => {
    const key = `incoming/${DEFAULT_TENANT}/handbook/rooms.csv`;
    const before = (await documentsOf('handbook')).find((document) => document.source === 'rooms.csv');
    await putObject(key, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0xff, 0xff, 0x00]));
    const response = await handler()({ Records: [s3Message('m-bad-csv', key)] });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-bad-csv' }]);
    const after = (await documentsOf('handbook')).find((document) => document.source === 'rooms.csv');
    expect(after?.status).toBe('ready');
    expect(after?.id).toBe(before?.id);
    await putObject(key, 'room,seats\nFjord,12\nDelta,6\n');
  });

  it('is idempotent: a redelivered message changes nothing', async () => {
    const before = await documentsOf('handbook');
    const response = await handler()({
      Records: [s3Message('m-1-again', `incoming/${DEFAULT_TENANT}/handbook/leave policy.md`)],
    });
    expect(response.batchItemFailures).toEqual([]);
    const after = await documentsOf('handbook');
    expect(after.map((document) => [document.id, document.sha256, document.chunkCount])).toEqual(
      before.map((document) => [document.id, document.sha256, document.chunkCount]),
    );
    expect(logs.some((line) => line.includes('"status":"unchanged"'))).toBe(true);
  });

  it('creates the knowledge base named by the key, per tenant', async () => {
    await putObject('incoming/acme/faq/hours.md', '# Hours\n\nThe office opens at 8.\n');
    const response = await handler()({ Records: [s3Message('m-4', 'incoming/acme/faq/hours.md')] });
    expect(response.batchItemFailures).toEqual([]);
    const base = await services.knowledge.requireKnowledgeBase('acme', 'faq');
    const documents = await services.knowledgeStore.listDocuments('acme', base.id);
    expect(documents.map((document) => document.source)).toEqual(['hours.md']);
    await expect(services.knowledge.requireKnowledgeBase(DEFAULT_TENANT, 'faq')).rejects.toThrow(
      /does not exist/,
    );
  });

  it('fails the record of an object that no longer exists', async () => {
    const response = await handler()({
      Records: [s3Message('m-5', `incoming/${DEFAULT_TENANT}/handbook/deleted.md`)],
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-5' }]);
  });

  it('fails a message that is not an S3 notification, and acknowledges S3 test events', async () => {
    const response = await handler()({
      Records: [
        { messageId: 'm-6', body: 'not json' },
        { messageId: 'm-7', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) },
        { messageId: 'm-8', body: JSON.stringify({ hello: 'world' }) },
        s3Message('m-9', 'elsewhere/readme.md'),
      ],
    });
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'm-6' },
      { itemIdentifier: 'm-8' },
      { itemIdentifier: 'm-9' },
    ]);
  });

  it('fails every record while storage cannot start, then recovers', async () => {
    let attempts = 0;
    const flaky = createIngestHandler({
      env: { AWS_REGION: 'eu-west-1' },
      createServices: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('database unreachable');
        return services;
      },
      s3: { endpoint: s3server.endpoint, forcePathStyle: true, credentials },
      writeLog: (line) => logs.push(line),
    });
    const key = `incoming/${DEFAULT_TENANT}/handbook/rooms.csv`;
    expect((await flaky({ Records: [s3Message('m-10', key)] })).batchItemFailures).toEqual([
      { itemIdentifier: 'm-10' },
    ]);
    expect((await flaky({ Records: [s3Message('m-11', key)] })).batchItemFailures).toEqual([]);
  });

  it('publishes ingest counts as CloudWatch embedded metrics', async () => {
    const metrics = logs.map((line) => JSON.parse(line)).filter((entry) => entry._aws);
    expect(metrics[0]).toMatchObject({ Service: 'ingest', FilesIngested: 2, IngestFailures: 1 });
    expect(metrics[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Godwit',
      Dimensions: [['Service']],
    });
  });
});

describe('upload keys', () => {
  it('decodes S3 notification keys', () => {
    expect(parseUploadKey('incoming/acme/hr/policies/annual+leave%282026%29.md')).toEqual({
      tenantId: 'acme',
      knowledgeBase: 'hr',
      source: 'policies/annual leave(2026).md',
    });
  });

  it("leaves a direct upload's id folder out of the source, but not a folder that only looks like one", () => {
    const id = 'upload-0123456789abcdef0123456789abcdef';
    expect(parseUploadKey(`incoming/acme/hr/${id}/big+handbook.pdf`)).toEqual({
      tenantId: 'acme',
      knowledgeBase: 'hr',
      source: 'big handbook.pdf',
      uploadId: id,
    });
    expect(parseUploadKey('incoming/acme/hr/upload-2026/plan.md').source).toBe('upload-2026/plan.md');
    expect(() => parseUploadKey(`incoming/acme/hr/${id}`)).not.toThrow();
    expect(parseUploadKey(`incoming/acme/hr/${id}`).source).toBe(id);
  });

  it('rejects keys without a tenant, knowledge base and file name', () => {
    expect(() => parseUploadKey('incoming/acme/hr')).toThrow(/incoming\/<tenant>\/<knowledge-base>/);
    expect(() => parseUploadKey('uploads/acme/hr/a.md')).toThrow(/not an upload/);
  });

  it('ignores events other than object creation', () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'k' } } }],
    });
    expect(objectsInMessage(body)).toEqual([]);
  });
});

describe('invocations that are not queue deliveries', () => {
  it.each([
    ['a null event', null],
    ['an event without Records', { source: 'aws.events', detail: {} }],
    ['Records that are not SQS messages', { Records: [{ eventSource: 'aws:s3' }] }],
  ])('logs and skips %s without throwing', async (_name, event) => {
    const seen: string[] = [];
    const skipping = createIngestHandler({
      env: { AWS_REGION: 'eu-west-1' },
      createServices: async () => services,
      writeLog: (line) => seen.push(line),
    });
    await expect(skipping(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(seen.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('not an SQS event') }),
    ]);
  });
});

describe('the default S3 reader', () => {
  it('reads from the endpoint and path style set in storage.s3 (GODWIT_STORAGE__S3__*)', async () => {
    const key = `incoming/${DEFAULT_TENANT}/configured/endpoint.md`;
    await putObject(key, '# Endpoint\n\nThe reader follows the configured S3 endpoint.\n', 'text/markdown');
    const configured = createIngestHandler({
      env: {
        AWS_REGION: 'eu-west-1',
        GODWIT_STORAGE__S3__ENDPOINT: s3server.endpoint,
        GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
      },
      createServices: async () => services,
      // Credentials only: the endpoint and addressing style come from the configuration.
      s3: { credentials },
      writeLog: (line) => logs.push(line),
    });
    expect((await configured({ Records: [s3Message('m-20', key)] })).batchItemFailures).toEqual([]);
    expect((await documentsOf('configured')).map((document) => document.source)).toEqual(['endpoint.md']);
  });
});

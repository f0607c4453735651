/**
 * Direct uploads against a real S3 implementation (s3rver): the API signs a PUT for
 * `incoming/<tenant>/<kb>/<id>/<file>`, the file is sent with plain fetch as a browser or the CLI sends it,
 * the Ingest handler takes the S3 notification, and the status route follows it to `ready`. Bad requests
 * get clear errors and sign nothing.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteBackend } from '../../src/cli/remote-backend.ts';
import { createIngestHandler } from '../../src/runtime/ingest-lambda.ts';
import { createApp } from '../../src/server/index.ts';
import { S3DirectUploads } from '../../src/storage/s3/index.ts';
import { type S3rverServer, startS3rver } from '../support/s3rver-server.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { errorOf, postJson } from './http-helpers.ts';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'eu-west-1';
const MAX_UPLOAD_BYTES = 64 * 1024;

let s3server: S3rverServer;
let s3: S3Client;
let uploads: S3DirectUploads;
let services: TestServices;
let app: ReturnType<typeof createApp>;

interface SignedUpload {
  id: string;
  source: string;
  key: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  bytes: number;
  statusUrl: string;
}

beforeAll(async () => {
  s3server = await startS3rver('godwit-direct-uploads');
  const connection = { region: REGION, endpoint: s3server.endpoint, forcePathStyle: true };
  s3 = new S3Client({ ...connection, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
  uploads = new S3DirectUploads({ bucket: s3server.bucket, ...connection, client: { credentials } });
  services = await createTestServices();
  app = createApp({
    services,
    options: {
      logger: () => {},
      maxUploadBytes: MAX_UPLOAD_BYTES,
      directUploads: { store: uploads, maxRequestBytes: 4_400_000 },
    },
  });
  expect((await postJson(app, '/api/knowledge-bases', { name: 'handbook' })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  uploads?.close();
  s3?.destroy();
  await services?.close();
  await s3server?.stop();
});

function s3Notification(key: string) {
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    messageId: `m-${key}`,
    body: JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: s3server.bucket }, object: { key: encodedKey } },
        },
      ],
    }),
  };
}

async function status(url: string) {
  const response = await app.request(url);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    source: string | null;
    bytes: number | null;
    document: { source: string; status: string; chunkCount: number } | null;
  };
}

describe('direct uploads', () => {
  it('says files go direct, with the limits', async () => {
    const response = await app.request('/api/uploads');
    expect(await response.json()).toEqual({
      direct: true,
      maxUploadBytes: MAX_UPLOAD_BYTES,
      maxRequestBytes: 4_400_000,
    });
  });

  it('signs a PUT of the exact size, takes the file, and follows it until the document is ready', async () => {
    const text = `# Travel\n\n${'Trains are booked in second class. '.repeat(200)}\n`;
    const bytes = new TextEncoder().encode(text);
    const response = await postJson(app, '/api/knowledge-bases/handbook/uploads', {
      filename: 'travel policy.md',
      bytes: bytes.byteLength,
    });
    expect(response.status).toBe(201);
    const signed = (await response.json()) as SignedUpload;
    expect(signed).toMatchObject({
      source: 'travel policy.md',
      method: 'PUT',
      bytes: bytes.byteLength,
      headers: { 'content-type': 'text/markdown' },
    });
    expect(signed.key).toBe(`incoming/default/handbook/${signed.id}/travel policy.md`);
    expect(signed.id).toMatch(/^upload-[0-9a-f]{32}$/);
    // S3 refuses a body of another size: Content-Length is one of the signed headers.
    const url = new URL(signed.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-length');
    expect(url.pathname).toBe(
      `/${s3server.bucket}/${signed.key.split('/').map(encodeURIComponent).join('/')}`,
    );

    expect((await status(signed.statusUrl)).status).toBe('awaiting-upload');
    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes });
    expect(put.status, await put.text()).toBe(200);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: s3server.bucket, Prefix: 'incoming/' }));
    expect(listed.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      [signed.key, bytes.byteLength],
    ]);
    expect(await status(signed.statusUrl)).toMatchObject({
      status: 'queued',
      source: 'travel policy.md',
      bytes: bytes.byteLength,
      document: null,
    });

    expect(await ingestHandler()({ Records: [s3Notification(signed.key)] })).toEqual({
      batchItemFailures: [],
    });
    const done = await status(signed.statusUrl);
    expect(done).toMatchObject({
      status: 'ready',
      document: { source: 'travel policy.md', status: 'ready' },
    });
    expect(done.document?.chunkCount).toBeGreaterThan(0);
    const documents = (await (await app.request('/api/knowledge-bases/handbook/documents')).json()) as {
      documents: Array<{ source: string }>;
    };
    expect(documents.documents.map((document) => document.source)).toContain('travel policy.md');
  });

  it('signs nothing for a file whose ready document already has its SHA-256', async () => {
    const text = '# Badges\n\nBadges are worn visibly.\n';
    const bytes = new TextEncoder().encode(text);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const handbook = await services.knowledge.requireKnowledgeBase('default', 'handbook');
    await services.knowledge.ingest('default', handbook, { source: 'badges.md', bytes });
    const same = await postJson(app, '/api/knowledge-bases/handbook/uploads', {
      filename: 'badges.md',
      bytes: bytes.byteLength,
      sha256,
    });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({
      status: 'unchanged',
      source: 'badges.md',
      document: { source: 'badges.md', status: 'ready' },
    });
    const changed = await postJson(app, '/api/knowledge-bases/handbook/uploads', {
      filename: 'badges.md',
      bytes: bytes.byteLength,
      sha256: 'f'.repeat(64),
    });
    expect(changed.status).toBe(201);
  });

  it('indexes a direct upload of identical bytes again, so the status follows it to ready', async () => {
    const bytes = new TextEncoder().encode('# Lockers\n\nLockers are on level one.\n');
    const signedOnce = async () =>
      (await (
        await postJson(app, '/api/knowledge-bases/handbook/uploads', {
          filename: 'lockers.md',
          bytes: bytes.byteLength,
        })
      ).json()) as SignedUpload;
    const updates: string[] = [];
    for (const signed of [await signedOnce(), await signedOnce()]) {
      const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes });
      expect(put.status).toBe(200);
      expect(await ingestHandler()({ Records: [s3Notification(signed.key)] })).toEqual({
        batchItemFailures: [],
      });
      const done = await status(signed.statusUrl);
      expect(done.status).toBe('ready');
      updates.push((done.document as unknown as { updatedAt: string }).updatedAt);
    }
    // Indexed again (not left `unchanged`): the document changed after the second upload arrived.
    expect(updates[1]! > updates[0]!).toBe(true);
  });

  it.each([
    [{ filename: '../b.md', bytes: 10 }, 400, '".." folder'],
    [{ filename: 'a//b.md', bytes: 10 }, 400, 'an empty'],
    [{ filename: 'a\\b.md', bytes: 10 }, 400, 'backslash'],
    [{ filename: ' notes.md', bytes: 10 }, 400, 'leading or trailing spaces'],
    [{ filename: 'notes.md', bytes: 0 }, 400, 'the file is empty'],
    [{ filename: 'notes.md', bytes: 1.5 }, 400, 'whole number of bytes'],
    [{ filename: 'notes.md', bytes: MAX_UPLOAD_BYTES + 1 }, 413, `the limit is ${MAX_UPLOAD_BYTES}`],
    [{ filename: 'setup.exe', bytes: 10 }, 415, 'not a file type Godwit reads'],
    [{ filename: 'notes.md', bytes: 10, contentType: 'application/pdf' }, 400, 'does not match'],
    [{ filename: 'notes.md', bytes: 10, tenant: 'other' }, 400, 'unknown field'],
    [{ filename: 'notes.md', bytes: 10, sha256: 'abc' }, 400, '64 lower-case hex digits'],
  ])('refuses %j with %i and a reason, signing nothing', async (body, code, reason) => {
    const response = await postJson(app, '/api/knowledge-bases/handbook/uploads', body);
    expect(response.status).toBe(code);
    expect((await errorOf(response)).message).toContain(reason);
  });

  it('answers 404 for an unknown knowledge base and 400 for a status id that is not an upload id', async () => {
    const unknown = await postJson(app, '/api/knowledge-bases/nope/uploads', { filename: 'a.md', bytes: 3 });
    expect(unknown.status).toBe(404);
    const badId = await app.request('/api/knowledge-bases/handbook/uploads/..%2Fother');
    expect(badId.status).toBe(400);
    expect((await errorOf(badId)).message).toContain('is not an upload id');
  });
});

describe('godwit ingest --server against a server that says uploads go direct', () => {
  it('PUTs the file to the signed URL and reports the document once the Ingest function read it', async () => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const backend = new RemoteBackend(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, null, 20);
    try {
      const bytes = new TextEncoder().encode('# Parking\n\nVisitor parking is on level two.\n');
      const ingesting = backend.ingest('handbook', { source: 'facilities/parking.md', bytes });
      // S3 → SQS → Ingest, as the stack wires it: the notification follows the object's arrival.
      const key = await arrivedKey('facilities/parking.md');
      expect(key).toMatch(/^incoming\/default\/handbook\/upload-[0-9a-f]{32}\/facilities\/parking\.md$/);
      await ingestHandler()({ Records: [s3Notification(key)] });
      expect(await ingesting).toMatchObject({
        source: 'facilities/parking.md',
        status: 'created',
        chunks: 1,
        error: null,
      });
      // The same name again, changed: the server says at signing that it replaces a document.
      const changed = new TextEncoder().encode('# Parking\n\nVisitor parking moved to level three.\n');
      const replacing = backend.ingest('handbook', { source: 'facilities/parking.md', bytes: changed });
      const second = await arrivedKey('facilities/parking.md', key);
      await ingestHandler()({ Records: [s3Notification(second)] });
      expect(await replacing).toMatchObject({
        source: 'facilities/parking.md',
        status: 'updated',
        error: null,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function arrivedKey(suffix: string, not?: string): Promise<string> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: s3server.bucket, Prefix: 'incoming/' }));
    const key = listed.Contents?.map((object) => object.Key ?? '').find(
      (name) => name.endsWith(suffix) && name !== not,
    );
    if (key) return key;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ingestHandler() {
  return createIngestHandler({
    env: { AWS_REGION: REGION },
    createServices: async () => services,
    s3: { endpoint: s3server.endpoint, forcePathStyle: true, credentials },
    writeLog: () => {},
  });
}

describe('a server that takes multipart uploads only', () => {
  it('says so, and answers 409 naming the multipart route', async () => {
    const plain = createApp({ services, options: { logger: () => {} } });
    expect(await (await plain.request('/api/uploads')).json()).toMatchObject({
      direct: false,
      maxRequestBytes: null,
    });
    const response = await postJson(plain, '/api/knowledge-bases/handbook/uploads', {
      filename: 'a.md',
      bytes: 3,
    });
    expect(response.status).toBe(409);
    expect((await errorOf(response)).message).toContain('/api/knowledge-bases/{name}/documents');
  });
});

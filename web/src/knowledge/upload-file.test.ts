import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { uploadFile } from './upload-file.ts';

/** Stands in for S3 behind a presigned URL: takes one PUT, answers with the CORS headers S3 sends. */
let storage: Server;
let storageUrl: string;
const received: Array<{ method: string; url: string; type: string | undefined; body: string }> = [];
let storageStatus = 200;

beforeAll(async () => {
  storage = createServer((request, response) => {
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-allow-methods', 'PUT');
    response.setHeader('access-control-allow-headers', 'content-type');
    if (request.method === 'OPTIONS') return response.end();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        type: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.statusCode = storageStatus;
      response.end();
    });
  });
  await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
  storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => storage.close(resolve));
});

afterEach(() => {
  vi.unstubAllGlobals();
  received.length = 0;
  storageStatus = 200;
});

/** The Godwit API of a serverless deployment: uploads go direct, then the status turns `ready`. */
function directServer(statuses: string[]) {
  const calls: Array<{ url: string; body: unknown }> = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, body: init.body ? JSON.parse(String(init.body)) : null });
    if (url === '/api/uploads')
      return Response.json({ direct: true, maxUploadBytes: 52_428_800, maxRequestBytes: 4_400_000 });
    if (url === '/api/knowledge-bases/handbook/uploads') {
      return Response.json(
        {
          id: 'upload-1',
          method: 'PUT',
          url: `${storageUrl}/bucket/incoming/default/handbook/upload-1/big.md?X-Amz-Signature=abc`,
          headers: { 'content-type': 'text/markdown' },
          statusUrl: '/api/knowledge-bases/handbook/uploads/upload-1',
        },
        { status: 201 },
      );
    }
    const status = statuses.shift() ?? 'ready';
    const document =
      status === 'ready' || status === 'failed'
        ? {
            id: 'd1',
            status,
            chunkCount: status === 'ready' ? 3 : 0,
            error: status === 'failed' ? 'big.md: broken' : null,
          }
        : null;
    return Response.json({ id: 'upload-1', status, source: 'big.md', bytes: 11, document });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

describe('uploadFile on a server whose uploads go direct', () => {
  it('PUTs the file to the signed URL with its headers, then follows it until it is ready', async () => {
    const calls = directServer(['queued', 'processing', 'ready']);
    const progress: number[] = [];
    const file = new File(['# Big file\n'], 'big.md', { type: 'text/markdown' });
    const outcome = await uploadFile('handbook', file, (fraction) => progress.push(fraction));
    expect(outcome).toEqual({
      source: 'big.md',
      status: 'created',
      documentId: 'd1',
      chunks: 3,
      error: null,
      errorCode: null,
    });
    expect(calls[1]).toEqual({
      url: '/api/knowledge-bases/handbook/uploads',
      body: {
        filename: 'big.md',
        bytes: file.size,
        sha256: createHash('sha256').update('# Big file\n').digest('hex'),
        contentType: 'text/markdown',
      },
    });
    expect(received).toEqual([
      {
        method: 'PUT',
        url: '/bucket/incoming/default/handbook/upload-1/big.md?X-Amz-Signature=abc',
        type: 'text/markdown',
        body: '# Big file\n',
      },
    ]);
    expect(progress.at(-1)).toBe(1);
  }, 20_000);

  it('reports a file the Ingest function could not read as failed, with the reason', async () => {
    directServer(['failed']);
    const outcome = await uploadFile('handbook', new File(['x'], 'big.md'), () => {});
    expect(outcome).toMatchObject({ status: 'failed', error: 'big.md: broken', errorCode: 'ingest_failed' });
  });

  it('sends nothing when the server already has a ready document with the same SHA-256', async () => {
    const document = { id: 'd9', status: 'ready', chunkCount: 4, error: null };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ status: 'unchanged', source: 'big.md', document })),
    );
    const outcome = await uploadFile('handbook', new File(['same'], 'big.md'), () => {});
    expect(outcome).toMatchObject({ status: 'unchanged', documentId: 'd9', chunks: 4 });
    expect(received).toEqual([]);
  });

  it('says storage refused the file when the PUT is not accepted', async () => {
    directServer([]);
    storageStatus = 403;
    await expect(uploadFile('handbook', new File(['x'], 'big.md'), () => {})).rejects.toThrow(
      'Storage refused the file (HTTP 403)',
    );
  });
});

/** The S3 BlobStore on s3rver against the shared contract, plus its S3 specifics and error translation. */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DependencyError, ValidationError } from '../../src/core/errors.ts';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/storage/s3/index.ts';
import { type S3rverServer, startS3rver } from '../support/s3rver-server.ts';
import { newId } from './contract-fixture.ts';
import { describeBlobStoreContract, describeHealthCheckContract } from './index.ts';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };

let server: Promise<S3rverServer> | undefined;
const s3 = () => {
  server ??= startS3rver();
  return server;
};
afterAll(async () => {
  await (await server?.catch(() => undefined))?.stop();
});

async function store(overrides: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStore> {
  const { endpoint, bucket } = await s3();
  return new S3BlobStore({ bucket, endpoint, forcePathStyle: true, client: LOCAL, ...overrides });
}

describeBlobStoreContract('S3 (s3rver)', async () => {
  const blobs = await store({ prefix: 'contract/' });
  return { stores: { blobs }, cleanup: async () => blobs.close() };
});

describeHealthCheckContract('S3 (s3rver)', async () => {
  const blobs = await store();
  return { stores: blobs, cleanup: async () => blobs.close() };
});

describe('S3BlobStore', () => {
  let raw: S3Client;
  beforeAll(async () => {
    raw = new S3Client({ endpoint: (await s3()).endpoint, forcePathStyle: true, ...LOCAL });
  });
  afterAll(() => raw?.destroy());

  it('stores objects under the prefix with their content type', async () => {
    const blobs = await store({ prefix: 'tenants' });
    const key = `${newId('tenant')}/kb/a.txt`;
    await blobs.put(key, new TextEncoder().encode('hello'), 'text/plain');
    const object = await raw.send(
      new GetObjectCommand({ Bucket: (await s3()).bucket, Key: `tenants/${key}` }),
    );
    expect(await object.Body?.transformToString()).toBe('hello');
    expect(object.ContentType).toBe('text/plain');
    blobs.close();
  });

  it('sends the server-side encryption headers it is configured with', async () => {
    const sent: Record<string, string>[] = [];
    const inner = new NodeHttpHandler();
    const recording = {
      handle: (
        request: Parameters<NodeHttpHandler['handle']>[0],
        options?: Parameters<NodeHttpHandler['handle']>[1],
      ) => {
        sent.push({ ...request.headers });
        return inner.handle(request, options);
      },
      updateHttpClientConfig: inner.updateHttpClientConfig.bind(inner),
      httpHandlerConfigs: inner.httpHandlerConfigs.bind(inner),
      destroy: () => inner.destroy(),
    };
    const blobs = await store({
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'alias/godwit',
      client: { ...LOCAL, requestHandler: recording },
    });
    await blobs.put(newId('encrypted'), new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(sent.at(-1)).toMatchObject({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'alias/godwit',
    });
    blobs.close();
  });

  it('refuses an empty content type and a missing bucket setting', async () => {
    const blobs = await store();
    await expect(blobs.put(newId('typed'), new Uint8Array([1]), ' ')).rejects.toBeInstanceOf(ValidationError);
    blobs.close();
    expect(() => new S3BlobStore({ bucket: '' })).toThrow(ConfigError);
    expect(() => new S3BlobStore({ bucket: '' })).toThrow(/storage\.s3\.bucket/);
  });

  it('reports a missing bucket as a DependencyError and an unhealthy check', async () => {
    const blobs = await store({ bucket: 'no-such-bucket' });
    const failure = blobs.put(newId('orphan'), new Uint8Array([1]), 'text/plain');
    await expect(failure).rejects.toBeInstanceOf(DependencyError);
    await expect(failure).rejects.toThrow(/does not exist.*storage\.s3\.bucket/);
    expect(await blobs.health()).toMatchObject({ name: 's3', ok: false });
    blobs.close();
  });

  it('reports refused credentials as a DependencyError that says what to check', async () => {
    const blobs = await store({
      client: { region: 'us-east-1', credentials: { accessKeyId: 'wrong', secretAccessKey: 'wrong' } },
    });
    const failure = blobs.put(newId('refused'), new Uint8Array([1]), 'text/plain');
    await expect(failure).rejects.toBeInstanceOf(DependencyError);
    await expect(failure).rejects.toThrow(/refused access.*check the credentials/);
    blobs.close();
  });

  it('reports an unreachable endpoint as a DependencyError naming the setting to check', async () => {
    const blobs = new S3BlobStore({
      bucket: 'any',
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      client: { ...LOCAL, maxAttempts: 1 },
    });
    await expect(blobs.get('some/key')).rejects.toThrow(/Cannot reach S3.*storage\.s3\.endpoint/);
    blobs.close();
  });
});

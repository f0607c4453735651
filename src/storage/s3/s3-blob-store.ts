/**
 * BlobStore on Amazon S3 (or any S3-compatible endpoint). Keys are checked like the filesystem store's,
 * then stored under an optional prefix; the content type travels as the object's Content-Type.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { blobKeySegments, requireBlobContentType } from '../../core/blob-key.ts';
import { ConfigError, DependencyError, GodwitError } from '../../core/errors.ts';
import type { BlobStore, HealthReport } from '../../core/ports.ts';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. `godwit/blobs/`. Default none. */
  prefix?: string;
  /** Default: the AWS SDK's own resolution (AWS_REGION, profile). */
  region?: string;
  /** An S3-compatible endpoint, e.g. `http://127.0.0.1:4568`. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); needed by most local S3 servers. Default false. */
  forcePathStyle?: boolean;
  /** Server-side encryption requested on every write: `AES256` or `aws:kms`. Default: the bucket's own. */
  serverSideEncryption?: ServerSideEncryption;
  /** KMS key for `aws:kms`; default the account's S3 key. */
  kmsKeyId?: string;
  /** Extra client settings (credentials, request handler, retries); wins over the fields above. */
  client?: S3ClientConfig;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * @example
 *   const blobs = new S3BlobStore({ bucket: 'acme-godwit-documents', prefix: 'blobs/' });
 *   await blobs.put('default/handbook/leave.pdf', bytes, 'application/pdf');
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly location: string;

  constructor(private readonly options: S3BlobStoreOptions) {
    if (typeof options.bucket !== 'string' || options.bucket.trim() === '') {
      throw new ConfigError(
        'The S3 blob store needs a bucket: set storage.s3.bucket (GODWIT_STORAGE__S3__BUCKET).',
      );
    }
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix ?? '');
    this.location = `s3://${this.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.client = new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      // Checksums only where S3 requires them: S3-compatible servers reject the newer default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...options.client,
    });
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const objectKey = this.objectKey(key);
    requireBlobContentType(key, contentType);
    await this.run(key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: contentType,
          ...(this.options.serverSideEncryption
            ? { ServerSideEncryption: this.options.serverSideEncryption }
            : {}),
          ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
        }),
      ),
    );
  }

  async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      const bytes = object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      return { bytes, contentType: object.ContentType ?? DEFAULT_CONTENT_TYPE };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw this.translate(error, key);
    }
  }

  /** Deleting a missing key is not an error (S3 answers 204 either way). */
  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    await this.run(key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
    );
  }

  /** HeadBucket: the bucket exists and these credentials may use it. Never throws. */
  async health(): Promise<HealthReport> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return { name: 's3', ok: true, detail: `bucket ${this.location} is reachable` };
    } catch (error) {
      return { name: 's3', ok: false, detail: this.translate(error, '').message };
    }
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    blobKeySegments(key);
    return `${this.prefix}${key}`;
  }

  private async run<T>(key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  private translate(error: unknown, key: string): GodwitError {
    if (GodwitError.isInstance(error)) return error;
    const name = (error as { name?: string }).name ?? '';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const what = key ? `blob "${key}" in ${this.location}` : this.location;
    if (name === 'NoSuchBucket' || (name === 'NotFound' && !key)) {
      return new DependencyError(
        `The S3 bucket of ${what} does not exist; create it (the CDK stack does) or fix storage.s3.bucket.`,
        { cause: error, isRetryable: false },
      );
    }
    if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
      return new DependencyError(
        `S3 refused access to ${what}; check the credentials, the bucket policy and, for aws:kms, the key policy.`,
        { cause: error, isRetryable: false },
      );
    }
    if (name === 'SlowDown' || name === 'ServiceUnavailable' || (status !== undefined && status >= 500)) {
      return new DependencyError(`S3 is throttling or unavailable for ${what}; retry shortly.`, {
        cause: error,
      });
    }
    const code = (error as { code?: string }).code ?? '';
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET/.test(`${code} ${String(error)}`)) {
      return new DependencyError(
        `Cannot reach S3 for ${what}: ${code || name}. Check storage.s3.endpoint and region, and the network.`,
        { cause: error },
      );
    }
    return new DependencyError(
      `S3 failed for ${what}: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}.`,
      {
        cause: error,
        isRetryable: false,
      },
    );
  }
}

function isMissingObject(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function normalisePrefix(prefix: string): string {
  if (prefix === '') return '';
  blobKeySegments(prefix.replace(/\/$/, ''));
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

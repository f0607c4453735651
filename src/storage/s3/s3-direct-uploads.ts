/**
 * DirectUploadStore on Amazon S3: presigned PUTs with Content-Length among the signed headers, so S3 itself
 * refuses a body of any other size (SigV4 `X-Amz-SignedHeaders=content-length;host`), and a listing to see
 * what arrived. Uploads land where the Ingest function's S3 → SQS notification picks them up.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigError, DependencyError } from '../../core/errors.ts';
import type { DirectUploadStore, SignedUpload } from '../../core/ports.ts';

export interface S3DirectUploadsOptions {
  bucket: string;
  /** Default: the AWS SDK's own resolution (AWS_REGION). */
  region?: string;
  /** An S3-compatible endpoint, e.g. `http://127.0.0.1:4568`. */
  endpoint?: string;
  /** Path-style URLs; needed by most local S3 servers. Default false. */
  forcePathStyle?: boolean;
  /** Server-side encryption the PUT must request (`AES256`, `aws:kms`); default the bucket's own. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Extra client settings (credentials); win over the fields above. */
  client?: S3ClientConfig;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/**
 * @example
 *   const uploads = new S3DirectUploads({ bucket: 'acme-godwit-documents' });
 *   const signed = await uploads.signUpload({ key: 'incoming/acme/handbook/upload-…/big.pdf',
 *     contentType: 'application/pdf', bytes: 12_000_000, expiresInSeconds: 900 });
 */
export class S3DirectUploads implements DirectUploadStore {
  private readonly client: S3Client;
  private readonly now: () => Date;

  constructor(private readonly options: S3DirectUploadsOptions) {
    if (!options.bucket) {
      throw new ConfigError(
        'Direct uploads need a bucket: set storage.s3.bucket (GODWIT_STORAGE__S3__BUCKET).',
      );
    }
    this.now = options.now ?? (() => new Date());
    this.client = new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...options.client,
    });
  }

  async signUpload(input: {
    key: string;
    contentType: string;
    bytes: number;
    expiresInSeconds: number;
  }): Promise<SignedUpload> {
    const encryption = this.options.serverSideEncryption;
    const command = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: input.key,
      ContentType: input.contentType,
      ContentLength: input.bytes,
      ...(encryption ? { ServerSideEncryption: encryption } : {}),
      ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: input.expiresInSeconds,
      signableHeaders: new Set(['content-length']),
    }).catch((error: unknown) => {
      throw new DependencyError(`Could not sign an upload to s3://${this.options.bucket}: ${String(error)}`, {
        cause: error,
        isRetryable: false,
      });
    });
    const headers: Record<string, string> = { 'content-type': input.contentType };
    // The presigner keeps encryption headers out of the query string: the PUT must send them itself.
    if (encryption) headers['x-amz-server-side-encryption'] = encryption;
    if (this.options.kmsKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = this.options.kmsKeyId;
    return {
      method: 'PUT',
      url,
      headers,
      expiresAt: new Date(this.now().getTime() + input.expiresInSeconds * 1000),
    };
  }

  async findUpload(prefix: string): Promise<{ key: string; bytes: number; lastModified: Date } | undefined> {
    try {
      const listed = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, MaxKeys: 1 }),
      );
      const object = listed.Contents?.[0];
      if (!object?.Key) return undefined;
      return {
        key: object.Key,
        bytes: object.Size ?? 0,
        lastModified: object.LastModified ?? this.now(),
      };
    } catch (error) {
      throw new DependencyError(
        `Could not list uploads in s3://${this.options.bucket}/${prefix}: ${(error as Error).name ?? 'error'}.`,
        { cause: error },
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * The files under an S3 prefix, as a folder source reads them (`s3://bucket/prefix/`). Listing is paged
 * (ListObjectsV2); objects are fetched one at a time as the migration reaches them. The AWS SDK is loaded
 * only when such a source is used.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DependencyError, NotFoundError } from '../../core/errors.ts';
import type { FileTree } from './folder-source.ts';

export interface S3FileTreeOptions {
  bucket: string;
  /** Key prefix, without a leading slash; '' for the whole bucket. */
  prefix: string;
  region?: string;
  /** A local or private endpoint (tests, VPC endpoints). */
  endpoint?: string;
  forcePathStyle?: boolean;
}

export class S3FileTree implements FileTree {
  readonly location: string;
  readonly name: string;
  private client: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;

  constructor(private readonly options: S3FileTreeOptions) {
    this.name = `s3://${options.bucket}/${options.prefix}`;
    this.location = this.name;
  }

  async list(extensions: readonly string[]): Promise<string[]> {
    const { client, sdk } = await this.open();
    const paths: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.options.prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const path = object.Key?.slice(this.options.prefix.length).replace(/^\/+/, '');
        if (!path || path.endsWith('/') || path.split('/').some((part) => part.startsWith('.'))) continue;
        const dot = path.lastIndexOf('.');
        if (dot >= 0 && extensions.includes(path.slice(dot).toLowerCase())) paths.push(path);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return paths.sort();
  }

  async read(path: string): Promise<Uint8Array> {
    const { client, sdk } = await this.open();
    const key =
      this.options.prefix && !this.options.prefix.endsWith('/')
        ? `${this.options.prefix}/${path}`
        : `${this.options.prefix}${path}`;
    const object = await this.call(() =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key })),
    );
    if (!object.Body) throw new NotFoundError(`s3://${this.options.bucket}/${key} has no content.`);
    return object.Body.transformToByteArray();
  }

  private open() {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        ...(this.options.region ? { region: this.options.region } : {}),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.options.forcePathStyle ? { forcePathStyle: true } : {}),
      }),
    }));
    return this.client;
  }

  /** S3 failures name the bucket and what to check; no response body reaches the message. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      const where = `s3://${this.options.bucket}/${this.options.prefix}`;
      if (name === 'NoSuchBucket')
        throw new NotFoundError(`${where}: the bucket does not exist.`, { cause: error });
      if (name === 'NoSuchKey')
        throw new NotFoundError(`${where}: an object disappeared while reading.`, { cause: error });
      if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
        throw new DependencyError(
          `${where}: access refused. Check the AWS credentials and the bucket policy.`,
          {
            cause: error,
            isRetryable: false,
          },
        );
      }
      throw new DependencyError(
        `${where} could not be read (${error instanceof Error ? error.message : String(error)}). Check the endpoint and the region.`,
        { cause: error },
      );
    }
  }
}

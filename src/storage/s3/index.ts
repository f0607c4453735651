/** S3 adapters: the BlobStore for original files in a bucket (encrypted and versioned by the CDK stack). */
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';

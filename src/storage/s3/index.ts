/** S3 adapters: the BlobStore for original files in a bucket (encrypted and versioned by the CDK stack), and direct (presigned) uploads. */
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';
export { S3DirectUploads, type S3DirectUploadsOptions } from './s3-direct-uploads.ts';

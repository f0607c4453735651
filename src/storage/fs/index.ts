/** Filesystem adapters: the BlobStore for original files on local disk. */
export { FileBlobStore, type FileBlobStoreOptions } from './file-blob-store.ts';

/** The filesystem BlobStore against the shared contract. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../src/storage/fs/index.ts';
import { describeBlobStoreContract } from './index.ts';

describeBlobStoreContract('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'godwit-blobs-'));
  return {
    stores: { blobs: new FileBlobStore({ root }) },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

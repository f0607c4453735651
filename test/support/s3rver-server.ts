/**
 * Starts s3rver (an S3 implementation on the filesystem) as a child process on 127.0.0.1 and an ephemeral
 * port, with a temporary directory that `stop()` removes. One server per test file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPort, stopChild } from './dynalite-server.ts';

export interface S3rverServer {
  /** `http://127.0.0.1:PORT`; use with `forcePathStyle: true`. */
  endpoint: string;
  /** A bucket created at start-up. */
  bucket: string;
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

// s3rver accepts any credentials; `configureBuckets` creates the bucket before the port is printed.
const SCRIPT = `
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(1);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
server.run().then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

/**
 * @example
 *   const s3 = await startS3rver();
 *   const blobs = new S3BlobStore({ bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true });
 */
export async function startS3rver(bucket = 'godwit-test'): Promise<S3rverServer> {
  const directory = await mkdtemp(join(tmpdir(), 'godwit-s3rver-'));
  // Without the legacy provider, s3rver's listing (MD5-based markers) fails on Node 17+.
  const child = spawn(process.execPath, ['-e', SCRIPT, directory, bucket], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await readPort(child, 's3rver');
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    stop: async () => {
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

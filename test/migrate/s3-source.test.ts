/** An S3 prefix of files as a migration source (s3rver): listed page by page, parsed like a folder. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseLocation } from '../../src/migrate/locations.ts';
import { type S3rverServer, startS3rver } from '../support/s3rver-server.ts';
import { freshDir, runCli } from './migrate-helpers.ts';

let s3: S3rverServer;

beforeAll(async () => {
  // s3rver accepts these credentials; the AWS SDK reads them from the environment.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  s3 = await startS3rver('godwit-migrate-source');
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
  const files: Record<string, string> = {
    'handbook/leave.md': '# Leave\n\nEmployees get 25 days of paid leave.\n',
    'handbook/travel/booking.txt': 'Book travel through the portal.',
    'handbook/.drafts/secret.md': '# Draft\n\nnot migrated',
    'handbook/logo.bin': 'binary',
    'other/ignored.md': '# Elsewhere\n\nnot under the prefix',
  };
  for (const [key, body] of Object.entries(files)) {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  }
  client.destroy();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
});

function location(prefix: string, bucket = s3.bucket): string {
  return `s3://${bucket}/${prefix}?region=us-east-1&forcePathStyle=true&endpoint=${encodeURIComponent(s3.endpoint)}`;
}

describe('an S3 prefix of files as a source', () => {
  it('parses the supported files under the prefix into a dump, with paths relative to the prefix', async () => {
    const dump = join(freshDir('s3-dump'), 'out');
    const result = await runCli([
      '--data-dir',
      join(freshDir('s3-data'), 'data'),
      'migrate',
      location('handbook/'),
      `dir://${dump}`,
      '--verify',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).verification.ok).toBe(true);
    const sources = readdirSync(dump)
      .filter((file) => file.endsWith('.jsonl'))
      .flatMap((file) => readFileSync(join(dump, file), 'utf8').trimEnd().split('\n'))
      .map((line) => JSON.parse(line).source);
    expect([...new Set(sources)].sort()).toEqual(['leave.md', 'travel/booking.txt']);
  });

  it('names the bucket when it does not exist, and refuses s3:// as a target', async () => {
    const missing = await runCli([
      'migrate',
      location('x/', 'no-such-bucket'),
      `dir://${freshDir('s3-none')}/out`,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('s3://no-such-bucket/x/');
    const sourceDir = freshDir('s3-src');
    writeFileSync(join(sourceDir, 'a.md'), '# A\n\nalpha\n');
    const target = await runCli(['migrate', `dir://${sourceDir}`, location('out/')]);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('migration source');
  });

  it('parses s3:// locations with their options', () => {
    expect(parseLocation('s3://bucket/docs/2026/?region=eu-west-1')).toEqual({
      type: 's3',
      bucket: 'bucket',
      prefix: 'docs/2026/',
      region: 'eu-west-1',
      forcePathStyle: false,
    });
    expect(() => parseLocation('s3:///docs')).toThrow(/needs a bucket/);
  });
});

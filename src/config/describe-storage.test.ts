import { describe, expect, it } from 'vitest';
import { describeStorage } from './describe-storage.ts';
import { loadConfig } from './load-config.ts';

/** The configuration a user gets from these variables (no config file), as `godwit serve` loads it. */
function configFrom(env: Record<string, string>) {
  return loadConfig({
    cwd: '/nonexistent-godwit-config-dir',
    env: { GODWIT_DATA_DIR: '/srv/godwit', ...env },
  }).config;
}

describe('describeStorage', () => {
  it('names PGlite and its directory on the embedded default', () => {
    expect(describeStorage(configFrom({}))).toBe('PGlite in /srv/godwit');
  });

  it('names DynamoDB and the vector store on the serverless profile, never PGlite', () => {
    const line = describeStorage(
      configFrom({
        GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
        GODWIT_STORAGE__VECTORS: 's3vectors',
        GODWIT_STORAGE__S3VECTORS__BUCKET: 'godwit-vectors',
      }),
    );
    expect(line).toBe('DynamoDB (tables godwit-data), vectors in S3 Vectors');
    expect(line).not.toMatch(/PGlite/);
  });

  it('names PostgreSQL without its password', () => {
    const line = describeStorage(
      configFrom({ GODWIT_DATABASE_URL: 'postgres://app:secret@db.internal:5432/godwit' }),
    );
    expect(line).toBe('PostgreSQL postgres://app:***@db.internal:5432/godwit');
  });

  it('names every store of a mixed profile', () => {
    const line = describeStorage(
      configFrom({
        GODWIT_DATABASE_URL: 'postgres://app@db.internal/godwit',
        GODWIT_STORAGE__VECTORS: 'opensearch',
        GODWIT_STORAGE__OPENSEARCH__ENDPOINT: 'https://search.example.com',
        GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
      }),
    );
    expect(line).toBe(
      'PostgreSQL postgres://app@db.internal/godwit, vectors in OpenSearch, conversations in DynamoDB (tables godwit-data)',
    );
  });
});

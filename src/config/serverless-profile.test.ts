/**
 * The serverless profile with no relational database: DynamoDB keeps conversations, usage, API keys and
 * the knowledge catalogue, S3 Vectors keeps the chunks, S3 the originals. createGodwit opens no database
 * for it (a Lambda bundle carries none), and a document can be ingested, searched, answered from and
 * deleted.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { hashEmbedding } from '../../test/support/emulators/hash-embedding.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../../test/support/s3vectors-emulator.ts';
import type { Embedder } from '../core/models.ts';
import { DEFAULT_TENANT, DEFAULT_USER } from '../core/types.ts';
import { createGodwit } from './create-godwit.ts';
import { configSchema } from './schema.ts';

let dynamo: DynaliteServer;
let s3: S3rverServer;
let vectors: S3VectorsEmulator;
let dataDir: string;

const embedder: Embedder = {
  model: 'test:hash',
  version: '1',
  dimension: 16,
  embed: async (texts) => texts.map((text) => hashEmbedding(text, 16)),
};

beforeAll(async () => {
  // The AWS SDK reads its credentials from the environment, as it would in Lambda (s3rver wants these).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  [dynamo, s3, vectors, dataDir] = await Promise.all([
    startDynalite(),
    startS3rver('godwit-serverless'),
    startS3VectorsEmulator({ buckets: ['godwit-vectors'] }),
    mkdtemp(join(tmpdir(), 'godwit-serverless-')),
  ]);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([dynamo?.stop(), s3?.stop(), vectors?.close()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the serverless profile (DynamoDB + S3 Vectors + S3, no database)', () => {
  it('ingests, answers with citations and deletes without opening a relational database', async () => {
    const config = configSchema.parse({
      dataDir,
      sample: false,
      models: { embedding: 'test:hash' },
      storage: {
        conversations: 'dynamodb',
        vectors: 's3vectors',
        blobs: 's3',
        dynamodb: {
          tablePrefix: 'serverless-',
          region: 'us-east-1',
          endpoint: dynamo.endpoint,
          createTables: true,
        },
        s3vectors: { bucket: 'godwit-vectors', region: 'us-east-1', endpoint: vectors.url },
        s3: { bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true },
      },
    });
    const services = await createGodwit(config, { env: {}, embedders: new Map([['test:hash', embedder]]) });
    try {
      const base = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, 'handbook');
      const outcome = await services.knowledge.ingest(DEFAULT_TENANT, base, {
        source: 'leave.md',
        bytes: new TextEncoder().encode('# Leave\n\nParental leave lasts sixteen weeks.\n'),
      });
      expect(outcome.status).toBe('created');
      const [document] = await services.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id);
      expect(document).toMatchObject({ status: 'ready', chunkCount: 1 });

      let answer = '';
      for await (const event of services.chat.turn({
        tenantId: DEFAULT_TENANT,
        userId: DEFAULT_USER,
        message: 'Parental leave lasts sixteen weeks.',
        knowledgeBase: 'handbook',
      })) {
        if (event.type === 'finish') answer = event.message.content;
        if (event.type === 'error') throw new Error(event.message);
      }
      expect(answer).toContain('sixteen weeks');

      const health = await services.health();
      expect(health.map((report) => [report.name, report.ok])).toEqual([
        ['dynamodb', true],
        ['s3vectors', true],
        ['s3', true],
      ]);
      await services.knowledgeStore.deleteDocument(DEFAULT_TENANT, document!.id);
      expect(await services.index.countChunks(DEFAULT_TENANT, base.id)).toBe(0);
      // Nothing was written under dataDir: no embedded database was created.
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await services.close();
    }
  });
});

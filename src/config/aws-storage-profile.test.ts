/**
 * The AWS serverless storage profile end to end: `storage.conversations: dynamodb` and `storage.blobs: s3`
 * wired by createGodwit against dynalite and s3rver. A chat turn lands in DynamoDB, an ingested file's
 * original lands in S3, and the health report names both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import type { ChatEvent } from '../core/chat/chat-service.ts';
import { ConfigError } from '../core/errors.ts';
import type { GodwitServices } from '../core/services.ts';
import { DEFAULT_TENANT } from '../core/types.ts';
import { openDynamoDbStorage } from '../storage/dynamodb/index.ts';
import { createGodwit } from './create-godwit.ts';
import { loadConfig } from './load-config.ts';
import { configSchema } from './schema.ts';

let dynamo: DynaliteServer;
let s3: S3rverServer;
let dataDir: string;

beforeAll(async () => {
  // The AWS SDK reads its credentials from the environment, as it would in Lambda (s3rver wants these).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  [dynamo, s3, dataDir] = await Promise.all([
    startDynalite(),
    startS3rver('godwit-profile'),
    mkdtemp(join(tmpdir(), 'godwit-aws-profile-')),
  ]);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([dynamo?.stop(), s3?.stop()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function awsConfig(overrides: { tablePrefix?: string; createTables?: boolean } = {}) {
  return configSchema.parse({
    dataDir,
    sample: false,
    storage: {
      conversations: 'dynamodb',
      blobs: 's3',
      dynamodb: {
        tablePrefix: overrides.tablePrefix ?? 'profile-',
        region: 'us-east-1',
        endpoint: dynamo.endpoint,
        createTables: overrides.createTables ?? true,
      },
      s3: {
        bucket: s3.bucket,
        prefix: 'originals/',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
      },
    },
  });
}

describe('the AWS storage profile', () => {
  it('keeps a chat turn in DynamoDB and the original file in S3', async () => {
    const services: GodwitServices = await createGodwit(awsConfig(), { env: {} });
    try {
      const base = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, 'handbook');
      const outcome = await services.knowledge.ingest(DEFAULT_TENANT, base, {
        source: 'leave.md',
        bytes: new TextEncoder().encode('# Leave\n\nParental leave lasts sixteen weeks.\n'),
        mimeType: 'text/markdown',
      });
      expect(outcome.status).toBe('created');
      const document = (await services.knowledgeStore.listDocuments(DEFAULT_TENANT, base.id))[0]!;
      const original = await services.knowledge.originalFile(DEFAULT_TENANT, 'handbook', document.id);
      expect(new TextDecoder().decode(original.bytes)).toContain('sixteen weeks');

      const events: ChatEvent[] = [];
      for await (const event of services.chat.turn({
        tenantId: DEFAULT_TENANT,
        userId: 'alice',
        message: 'How long is parental leave?',
        knowledgeBase: 'handbook',
      })) {
        events.push(event);
      }
      const finish = events.find((event) => event.type === 'finish');
      expect(finish?.type === 'finish' && finish.message.content).toMatch(/sixteen weeks/i);
      const start = events.find((event) => event.type === 'start');
      const conversationId = start?.type === 'start' ? start.conversation.id : '';

      // Read the table directly: the turn is in DynamoDB, not in the embedded database.
      const direct = await openDynamoDbStorage({
        endpoint: dynamo.endpoint,
        region: 'us-east-1',
        tablePrefix: 'profile-',
      });
      try {
        const messages = await direct.conversations.listMessages(DEFAULT_TENANT, conversationId);
        expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
        expect(messages[1]?.status).toBe('complete');
        expect((await direct.usage.summarize(DEFAULT_TENANT)).length).toBeGreaterThan(0);
      } finally {
        await direct.close();
      }

      const health = await services.health();
      expect(health.filter((report) => ['dynamodb', 's3'].includes(report.name))).toEqual([
        expect.objectContaining({ name: 'dynamodb', ok: true }),
        expect.objectContaining({ name: 's3', ok: true }),
      ]);
      expect(services.apiKeys?.constructor.name).toBe('DynamoDbApiKeyStore');
    } finally {
      await services.close();
    }
  });

  it('reports a missing table in the health check when tables are not created', async () => {
    const services = await createGodwit(awsConfig({ tablePrefix: 'never-created-', createTables: false }), {
      env: {},
    });
    try {
      const report = (await services.health()).find((item) => item.name === 'dynamodb');
      expect(report).toMatchObject({ ok: false });
      expect(report?.detail).toMatch(/never-created-data.*createTables/);
    } finally {
      await services.close();
    }
  });

  it('reads the storage keys from GODWIT_STORAGE__* variables', () => {
    const { config } = loadConfig({
      cwd: dataDir,
      env: {
        GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
        GODWIT_STORAGE__DYNAMODB__TABLE_PREFIX: 'prod-godwit-',
        GODWIT_STORAGE__DYNAMODB__CREATE_TABLES: 'true',
        GODWIT_STORAGE__BLOBS: 's3',
        GODWIT_STORAGE__S3__BUCKET: 'acme-documents',
        GODWIT_STORAGE__S3__SERVER_SIDE_ENCRYPTION: 'aws:kms',
      },
    });
    expect(config.storage).toMatchObject({
      conversations: 'dynamodb',
      blobs: 's3',
      dynamodb: { tablePrefix: 'prod-godwit-', createTables: true, region: null },
      s3: { bucket: 'acme-documents', serverSideEncryption: 'aws:kms', forcePathStyle: false },
    });
  });

  it('refuses S3 blobs without a bucket, naming the key and the variable', () => {
    expect(() => loadConfig({ cwd: dataDir, env: { GODWIT_STORAGE__BLOBS: 's3' } })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: dataDir, env: { GODWIT_STORAGE__BLOBS: 's3' } })).toThrow(
      /storage\.s3\.bucket.*GODWIT_STORAGE__S3__BUCKET/,
    );
    expect(() =>
      loadConfig({
        cwd: dataDir,
        env: { GODWIT_STORAGE__S3__BUCKET: 'b-1', GODWIT_STORAGE__S3__KMS_KEY_ID: 'alias/k' },
      }),
    ).toThrow(/storage\.s3\.serverSideEncryption.*aws:kms/);
    expect(() => loadConfig({ cwd: dataDir, env: { GODWIT_STORAGE__CONVERSATIONS: 'mongodb' } })).toThrow(
      /storage\.conversations/,
    );
  });

  it('keeps the default profile on the relational store and files', () => {
    expect(configSchema.parse({}).storage).toMatchObject({ conversations: 'postgres', blobs: 'files' });
  });
});

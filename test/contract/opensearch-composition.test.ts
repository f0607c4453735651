/**
 * storage.vectors chosen in config: the schema's checks, and createGodwit wiring OpenSearch (emulated) or
 * S3 Vectors (emulated) as the VectorIndex with the document catalogue on the test PostgreSQL server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { Embedder } from '../../src/core/models.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { hashEmbedding } from '../support/emulators/hash-embedding.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../support/opensearch-emulator.ts';
import { startDataApiEmulator } from '../support/rds-data-api-emulator.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../support/s3vectors-emulator.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_REGION: 'us-east-1',
};

describe('storage.vectors in the config schema', () => {
  it('defaults to postgres and checks what each store needs', () => {
    expect(configSchema.parse({}).storage.vectors).toBe('postgres');
    expect(configSchema.parse({}).database.dataApi ?? null).toBeNull();
    const missing = (storage: unknown) => configSchema.safeParse({ storage }).error?.issues[0]?.message;
    expect(missing({ vectors: 'opensearch' })).toMatch(/storage.opensearch.endpoint/);
    expect(missing({ vectors: 's3vectors' })).toMatch(/storage.s3vectors.bucket/);
    expect(missing({ opensearch: { service: 'lambda' } })).toBeDefined();
    const both = configSchema.safeParse({
      database: {
        url: 'postgres://u@h/db',
        dataApi: { resourceArn: 'arn:aws:rds:x', secretArn: 'arn:aws:secretsmanager:y', database: 'db' },
      },
    });
    expect(both.error?.issues[0]?.message).toMatch(/not both/);
  });

  it('opens the whole relational store on Aurora through the RDS Data API', async () => {
    const target = {
      resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:godwit',
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:godwit-db',
      database: 'godwit',
    };
    const emulator = await startDataApiEmulator(target);
    const dataDir = await mkdtemp(join(tmpdir(), 'godwit-data-api-'));
    // The AWS SDK finds the endpoint and credentials in the environment, as it would in Lambda.
    for (const [name, value] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_RDS_DATA: emulator.url })) {
      vi.stubEnv(name, value);
    }
    let services: GodwitServices | undefined;
    try {
      const config = configSchema.parse({ dataDir, sample: false, database: { dataApi: target } });
      services = await createGodwit(config, { env: ENV });
      const base = await services.knowledge.ensureKnowledgeBase(DEFAULT_TENANT, 'handbook');
      await services.knowledge.ingest(DEFAULT_TENANT, base, {
        source: 'leave.md',
        bytes: new TextEncoder().encode('# Leave\n\nParental leave lasts sixteen weeks.\n'),
      });
      const hits = await services.retriever.search(DEFAULT_TENANT, {
        knowledgeBase: base,
        query: 'how long is parental leave',
        k: 3,
      });
      expect(hits[0]?.source).toBe('leave.md');
      expect(emulator.statements.some((statement) => statement.includes('chunk_terms'))).toBe(true);
      const reports = await services.health();
      expect(reports.find((report) => report.name === 'database')).toMatchObject({
        ok: true,
        detail: expect.stringContaining('Aurora Data API'),
      });
    } finally {
      await services?.close();
      vi.unstubAllEnvs();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

const describeWithPostgres = await describeWithService('postgres');

describeWithPostgres('createGodwit with an outside vector store', () => {
  const schema = uniqueSchemaName('vectors');
  let dataDir: string;
  let opensearch: OpenSearchEmulator;
  let s3vectors: S3VectorsEmulator;
  const embedder: Embedder = {
    model: 'test:hash',
    version: '1',
    dimension: 16,
    embed: async (texts) => texts.map((text) => hashEmbedding(text, 16)),
  };

  beforeAll(async () => {
    // The AWS SDK reads credentials from the process environment, as it would in Lambda.
    for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
    dataDir = await mkdtemp(join(tmpdir(), 'godwit-vectors-'));
    opensearch = await startOpenSearchEmulator({ service: 'aoss' });
    s3vectors = await startS3VectorsEmulator({ buckets: ['godwit-vectors'] });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await opensearch?.close();
    await s3vectors?.close();
    await dropSchema(postgresUrl(), schema);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(storage: Record<string, unknown>): Promise<GodwitServices> {
    const config = configSchema.parse({
      dataDir,
      sample: false,
      database: { url: postgresUrl(), schema },
      models: { embedding: 'test:hash' },
      storage,
    });
    return createGodwit(config, { env: ENV, embedders: new Map([['test:hash', embedder]]) });
  }

  const FILE = {
    source: 'leave.md',
    bytes: new TextEncoder().encode(
      '# Leave\n\nParental leave lasts sixteen weeks.\n\n# Expenses\n\nSubmit receipts.\n',
    ),
  };

  it('keeps chunks in OpenSearch and the catalogue in PostgreSQL, with hybrid search', async () => {
    const godwit = await open({
      vectors: 'opensearch',
      opensearch: { endpoint: opensearch.url, service: 'aoss', indexPrefix: 'composition' },
    });
    try {
      const base = await godwit.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 'os' });
      const outcome = await godwit.knowledge.ingest(DEFAULT_TENANT, base, FILE);
      expect(outcome).toMatchObject({ status: 'created' });
      expect(opensearch.indexNames().some((name) => name.startsWith('composition-'))).toBe(true);
      const hits = await godwit.retriever.search(DEFAULT_TENANT, {
        knowledgeBase: base,
        query: 'parental leave',
        k: 3,
      });
      expect(hits[0]?.text).toContain('Parental leave');
      expect(await godwit.knowledgeStore.knowledgeBaseStats(DEFAULT_TENANT, base.id)).toMatchObject({
        documents: 1,
        chunks: await godwit.index.countChunks(DEFAULT_TENANT, base.id),
      });
      const health = await godwit.health();
      expect(health.find((report) => report.name === 'opensearch')).toMatchObject({ ok: true });
      await godwit.knowledge.deleteKnowledgeBase(DEFAULT_TENANT, 'os');
      expect(await godwit.index.countChunks(DEFAULT_TENANT, base.id)).toBe(0);
    } finally {
      await godwit.close();
    }
  });

  it('searches S3 Vectors by vector alone', async () => {
    const godwit = await open({
      vectors: 's3vectors',
      s3vectors: { bucket: 'godwit-vectors', region: 'us-east-1', endpoint: s3vectors.url },
    });
    try {
      const base = await godwit.knowledge.createKnowledgeBase(DEFAULT_TENANT, { name: 's3v' });
      expect(await godwit.knowledge.ingest(DEFAULT_TENANT, base, FILE)).toMatchObject({ status: 'created' });
      const hits = await godwit.retriever.search(DEFAULT_TENANT, {
        knowledgeBase: base,
        query: 'Parental leave lasts sixteen weeks.',
        k: 1,
      });
      expect(hits[0]?.text).toContain('Parental leave');
      await expect(
        godwit.retriever.search(DEFAULT_TENANT, {
          knowledgeBase: base,
          query: 'leave',
          k: 1,
          mode: 'keyword',
        }),
      ).rejects.toThrow(/no keyword search/);
      const health = await godwit.health();
      expect(health.find((report) => report.name === 's3vectors')).toMatchObject({ ok: true });
    } finally {
      await godwit.close();
    }
  });
});

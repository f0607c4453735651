/**
 * DynamoDB specifics beyond the shared contracts, on dynalite: vendor errors translated at the boundary,
 * tenant keys that cannot be forged, the table definition, retention, and Query (never Scan) access.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, DependencyError, ValidationError } from '../../src/core/errors.ts';
import type { Conversation, UsageEntry } from '../../src/core/types.ts';
import { keys } from '../../src/storage/dynamodb/dynamodb-keys.ts';
import { DynamoDbUsageLedger } from '../../src/storage/dynamodb/dynamodb-usage-ledger.ts';
import {
  type DynamoDbStorage,
  DynamoDbTable,
  dataTableName,
  dynamoDbTableDefinitions,
  ensureTables,
  openDynamoDbStorage,
} from '../../src/storage/dynamodb/index.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';
import { newId, newTenant } from './contract-fixture.ts';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const PREFIX = 'adapter-';

let server: DynaliteServer;
let storage: DynamoDbStorage;

beforeAll(async () => {
  server = await startDynalite();
  storage = await openDynamoDbStorage({
    endpoint: server.endpoint,
    tablePrefix: PREFIX,
    createTables: true,
    retentionDays: 30,
    client: LOCAL,
  });
});

afterAll(async () => {
  await storage?.close();
  await server?.stop();
});

function conversation(tenantId: string, overrides: Partial<Conversation> = {}) {
  return {
    id: newId('conversation'),
    tenantId,
    userId: 'alice',
    title: 'Untitled',
    knowledgeBase: null,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    ...overrides,
  };
}

function usageEntry(tenantId: string, createdAt: Date): UsageEntry {
  return {
    id: newId('usage'),
    tenantId,
    apiKeyId: null,
    userId: null,
    model: 'bedrock:titan',
    operation: 'chat',
    inputTokens: 10,
    outputTokens: 2,
    cachedTokens: 0,
    costUsd: 0.01,
    latencyMs: 100,
    outcome: 'ok',
    createdAt,
  };
}

describe('DynamoDB tables', () => {
  it('creates the table from the exported definition, once, and says what the emulator cannot do', async () => {
    const client = new DynamoDBClient({ endpoint: server.endpoint, ...LOCAL });
    try {
      expect(storage.tables).toMatchObject({ created: [`${PREFIX}data`], existing: [] });
      // dynalite has no TTL or backup APIs; real DynamoDB gets both.
      expect(storage.tables?.unsupported).toEqual([
        `${PREFIX}data: timeToLive`,
        `${PREFIX}data: pointInTimeRecovery`,
      ]);
      const again = await ensureTables(client, { tablePrefix: PREFIX });
      expect(again).toEqual({ created: [], existing: [`${PREFIX}data`], unsupported: [] });

      const [definition] = dynamoDbTableDefinitions(PREFIX);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: definition!.tableName }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: definition!.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: definition!.sortKey.name, KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema])).toEqual(
        definition!.globalSecondaryIndexes.map((index) => [
          index.indexName,
          [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
        ]),
      );
    } finally {
      client.destroy();
    }
  });

  it('reports a missing table as a DependencyError that names the table and how to create it', async () => {
    const missing = await openDynamoDbStorage({
      endpoint: server.endpoint,
      tablePrefix: 'absent-',
      client: LOCAL,
    });
    try {
      const failure = missing.conversations.getConversation(newTenant(), 'any');
      await expect(failure).rejects.toBeInstanceOf(DependencyError);
      await expect(failure).rejects.toThrow(/"absent-data".*does not exist.*createTables/);
      const report = await missing.health();
      expect(report).toMatchObject({ name: 'dynamodb', ok: false });
      expect(report.detail).toMatch(/absent-data/);
    } finally {
      await missing.close();
    }
  });

  it('reports an unreachable endpoint as a DependencyError naming the setting to check', async () => {
    const unreachable = await openDynamoDbStorage({
      endpoint: 'http://127.0.0.1:1',
      client: { ...LOCAL, maxAttempts: 1 },
    });
    try {
      const failure = unreachable.usage.summarize(newTenant());
      await expect(failure).rejects.toBeInstanceOf(DependencyError);
      await expect(failure).rejects.toThrow(/Cannot reach DynamoDB.*storage\.dynamodb\.endpoint/);
      expect((await unreachable.health()).ok).toBe(false);
    } finally {
      await unreachable.close();
    }
  });

  it('refuses to open without a region, naming the setting', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
    vi.stubEnv('AWS_PROFILE', 'none');
    try {
      const opening = openDynamoDbStorage({
        endpoint: server.endpoint,
        client: { credentials: LOCAL.credentials },
      });
      await expect(opening).rejects.toBeInstanceOf(ConfigError);
      await expect(opening).rejects.toThrow(/storage\.dynamodb\.region/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reports the table as healthy with its status', async () => {
    expect(await storage.health()).toMatchObject({ name: 'dynamodb', ok: true });
    expect((await storage.health()).detail).toMatch(new RegExp(`${PREFIX}data is ACTIVE`));
  });
});

describe('DynamoDB records', () => {
  it('refuses a message over the 400 KB item limit with a ValidationError and frees its id', async () => {
    const tenant = newTenant();
    const chat = await storage.conversations.createConversation(conversation(tenant));
    const message = {
      id: newId('message'),
      conversationId: chat.id,
      tenantId: tenant,
      role: 'assistant' as const,
      content: 'x'.repeat(450 * 1024),
      parts: [],
      citations: [],
      model: null,
      usage: null,
      costUsd: null,
      latencyMs: null,
      status: 'complete' as const,
      error: null,
    };
    await expect(storage.conversations.appendMessage(message)).rejects.toBeInstanceOf(ValidationError);
    const stored = await storage.conversations.appendMessage({ ...message, content: 'short' });
    expect(await storage.conversations.listMessages(tenant, chat.id)).toEqual([stored]);
  });

  it('escapes key parts, so a tenant id cannot be shaped to reach another tenant’s items', async () => {
    const tenantA = newTenant();
    // Unescaped, both would live at T#<A>#CONV#x#CONV#y.
    const tenantB = `${tenantA}#CONV#x`;
    await storage.conversations.createConversation(conversation(tenantA, { id: 'x#CONV#y', title: 'A' }));
    expect(await storage.conversations.getConversation(tenantB, 'y')).toBeUndefined();
    await storage.conversations.createConversation(conversation(tenantB, { id: 'y', title: 'B' }));
    expect((await storage.conversations.getConversation(tenantA, 'x#CONV#y'))?.title).toBe('A');
    expect((await storage.conversations.getConversation(tenantB, 'y'))?.title).toBe('B');
    expect(keys.conversation(tenantA, 'x#CONV#y').pk).not.toBe(keys.conversation(tenantB, 'y').pk);
  });

  it('pages a filtered conversation list across several DynamoDB query pages', async () => {
    const tenant = newTenant();
    for (let minute = 0; minute < 130; minute++) {
      await storage.conversations.createConversation(
        conversation(tenant, {
          userId: minute % 3 === 0 ? 'bob' : 'alice',
          title: `chat ${minute}`,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
        }),
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.conversations.listConversations(tenant, { userId: 'bob', limit: 7, cursor });
      seen.push(...page.conversations.map((item) => item.title));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = Array.from({ length: 130 }, (_, minute) => minute)
      .filter((minute) => minute % 3 === 0)
      .reverse()
      .map((minute) => `chat ${minute}`);
    expect(seen).toEqual(expected);
  });

  it('stamps usage and audit items with the retention TTL', async () => {
    const tenant = newTenant();
    const createdAt = new Date(Date.UTC(2026, 5, 1));
    const entry = usageEntry(tenant, createdAt);
    await storage.usage.record(entry);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: server.endpoint, ...LOCAL }));
    try {
      const { Item } = await client.send(
        new GetCommand({ TableName: dataTableName(PREFIX), Key: keys.usage(tenant, entry.id) }),
      );
      expect(Item?.expiresAt).toBe(createdAt.getTime() / 1000 + 30 * 86_400);
    } finally {
      client.destroy();
    }
  });

  it('summarizes usage with Query requests on the list index, never a Scan', async () => {
    const commands: string[] = [];
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: server.endpoint, ...LOCAL }));
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(`${context.commandName}:${(args.input as { IndexName?: string }).IndexName ?? ''}`);
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const table = new DynamoDbTable(client, dataTableName(PREFIX), server.endpoint);
      const ledger = new DynamoDbUsageLedger(table);
      const tenant = newTenant();
      for (const day of [1, 2, 3]) await ledger.record(usageEntry(tenant, new Date(Date.UTC(2026, 6, day))));
      commands.length = 0;
      const rows = await ledger.summarize(tenant, { from: new Date(Date.UTC(2026, 6, 2)) });
      expect(rows.map((row) => [row.day, row.calls])).toEqual([
        ['2026-07-02', 1],
        ['2026-07-03', 1],
      ]);
      expect(commands).toEqual(['QueryCommand:gsi1']);
    } finally {
      client.destroy();
    }
  });

  it('uses a cursor only to position within the caller’s tenant, never to select another’s items', async () => {
    const tenantA = newTenant();
    const tenantB = newTenant();
    for (const minute of [1, 2, 3]) {
      await storage.conversations.createConversation(
        conversation(tenantA, { createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) }),
      );
    }
    const page = await storage.conversations.listConversations(tenantA, { limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    const cursor = page.nextCursor ?? undefined;
    expect((await storage.conversations.listConversations(tenantB, { cursor })).conversations).toEqual([]);
    expect((await storage.conversations.listConversations(tenantA, { cursor })).conversations).toHaveLength(
      2,
    );
  });
});

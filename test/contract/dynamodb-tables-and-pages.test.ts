/**
 * DynamoDB table creation and paging against dynalite, with a wire-level proxy that answers like
 * DynamoDB does in the moments after CreateTable (DescribeTable is eventually consistent and may
 * answer ResourceNotFoundException for a table that was just created).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, DependencyError, NotFoundError } from '../../src/core/errors.ts';
import { DynamoDbTable } from '../../src/storage/dynamodb/dynamodb-table.ts';
import { ensureTables } from '../../src/storage/dynamodb/ensure-tables.ts';
import { dataTableName } from '../../src/storage/dynamodb/table-definitions.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

let dynalite: DynaliteServer;
let proxy: Server;
let proxyEndpoint: string;
/** DescribeTable calls still to answer with ResourceNotFoundException. */
let notFoundAnswers = 0;
const operations: string[] = [];

beforeAll(async () => {
  dynalite = await startDynalite();
  const upstream = new URL(dynalite.endpoint);
  proxy = createServer((request, response) => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    operations.push(operation);
    if (operation === 'DescribeTable' && notFoundAnswers > 0) {
      notFoundAnswers--;
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
          message: 'Requested resource not found',
        }),
      );
      return;
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: request.url,
        method: request.method,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await dynalite?.stop();
});

describe('ensureTables', () => {
  it('waits through the ResourceNotFoundException DynamoDB may answer right after CreateTable', async () => {
    const client = new DynamoDBClient({ endpoint: proxyEndpoint, ...LOCAL });
    try {
      notFoundAnswers = 1;
      const result = await ensureTables(client, { tablePrefix: 'eventual', timeoutMs: 30_000 });
      expect(result.created.length).toBeGreaterThan(0);
      expect(notFoundAnswers).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('names the table and the wait when a table never appears', async () => {
    const client = new DynamoDBClient({ endpoint: proxyEndpoint, ...LOCAL });
    try {
      await ensureTables(client, { tablePrefix: 'missing' });
      notFoundAnswers = 1_000;
      const failure = await ensureTables(client, { tablePrefix: 'missing', timeoutMs: 1_000 }).catch(
        (error: unknown) => error,
      );
      expect((failure as Error).message).toMatch(
        /DynamoDB table "missing\w+" is still not found after 1 s; check it/,
      );
    } finally {
      notFoundAnswers = 0;
      client.destroy();
    }
  });
});

describe('DynamoDbTable.queryPages', () => {
  it('reads every page of a query in key order', async () => {
    const raw = new DynamoDBClient({ endpoint: dynalite.endpoint, ...LOCAL });
    const client = DynamoDBDocumentClient.from(raw);
    try {
      await ensureTables(raw, { tablePrefix: 'pages' });
      const table = new DynamoDbTable(client, dataTableName('pages'), dynalite.endpoint);
      for (let index = 0; index < 25; index++) {
        const sk = `item#${String(index).padStart(3, '0')}`;
        await client.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'paged', sk, index } }));
      }
      const pages: number[] = [];
      const items: unknown[] = [];
      for await (const page of table.queryPages({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'paged' },
        Limit: 10,
      })) {
        pages.push(page.length);
        items.push(...page.map((item) => item.index));
      }
      expect(pages.slice(0, 3)).toEqual([10, 10, 5]);
      expect(items).toEqual(Array.from({ length: 25 }, (_unused, index) => index));
    } finally {
      client.destroy();
    }
  });
});

describe('DynamoDbTable conditional writes', () => {
  it("maps a failed condition to the caller's error, or skips it, and lets other faults through", async () => {
    const raw = new DynamoDBClient({ endpoint: dynalite.endpoint, ...LOCAL });
    const client = DynamoDBDocumentClient.from(raw);
    try {
      await ensureTables(raw, { tablePrefix: 'conditional' });
      const table = new DynamoDbTable(client, dataTableName('conditional'), dynalite.endpoint);
      const key = { pk: 'thing', sk: '#THING' };
      const exists = (cause: unknown) => new ConflictError('the thing exists', { cause });
      const missing = (cause: unknown) => new NotFoundError('no such thing', { cause });

      expect(await table.putNew({ ...key, count: 1 }, exists)).toBe(true);
      await expect(table.putNew({ ...key, count: 2 }, exists)).rejects.toThrow('the thing exists');
      expect(await table.putNew({ ...key, count: 3 }, 'skip')).toBe(false);
      expect((await table.get(key))?.count).toBe(1);

      const bump = {
        UpdateExpression: 'SET #count = #count + :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW' as const,
      };
      expect((await table.updateExisting(key, bump, missing)).count).toBe(2);
      expect(await table.updateExisting(key, { ...bump, ReturnValues: 'NONE' }, 'skip')).toEqual({});
      const absent = { pk: 'absent', sk: '#THING' };
      await expect(table.updateExisting(absent, bump, missing)).rejects.toBeInstanceOf(NotFoundError);
      expect(await table.updateExisting(absent, bump, 'skip')).toBeUndefined();
      expect(await table.get(absent)).toBeUndefined();
      // An extra condition is ANDed with existence.
      const guarded = { ...bump, condition: '#count > :one' };
      expect(
        await table.updateExisting(key, { ...guarded, ExpressionAttributeValues: { ':one': 9 } }, 'skip'),
      ).toBeUndefined();
      expect((await table.get(key))?.count).toBe(3);

      await table.deleteExisting(key, missing);
      await expect(table.deleteExisting(key, missing)).rejects.toThrow('no such thing');

      const elsewhere = new DynamoDbTable(client, 'no-such-table', dynalite.endpoint);
      await expect(elsewhere.putNew(key, 'skip')).rejects.toBeInstanceOf(DependencyError);
      await expect(elsewhere.updateExisting(key, bump, 'skip')).rejects.toBeInstanceOf(DependencyError);
    } finally {
      client.destroy();
    }
  });
});

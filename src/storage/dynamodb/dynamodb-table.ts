/** One DynamoDB table as the adapters see it: a document client, its name, and error translation. */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type DynamoDbTarget, translateDynamoDbError } from './translate-dynamodb-error.ts';

export type DynamoDbItem = Record<string, unknown>;
export interface DynamoDbItemKey {
  pk: string;
  sk: string;
}

const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;

export class DynamoDbTable implements DynamoDbTarget {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly location: string,
  ) {}

  /** Runs one SDK call; every vendor error leaves as a Godwit error. */
  async run<T>(call: (client: DynamoDBDocumentClient, tableName: string) => Promise<T>): Promise<T> {
    try {
      return await call(this.client, this.tableName);
    } catch (error) {
      throw translateDynamoDbError(error, this);
    }
  }

  /** Every page of a query, in key order (the SDK's paginator follows LastEvaluatedKey). */
  async *queryPages(input: Omit<QueryCommandInput, 'TableName'>): AsyncIterable<DynamoDbItem[]> {
    const pages = paginateQuery({ client: this.client }, { ...input, TableName: this.tableName });
    try {
      for await (const page of pages) yield (page.Items ?? []) as DynamoDbItem[];
    } catch (error) {
      throw translateDynamoDbError(error, this);
    }
  }

  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<DynamoDbItem[]> {
    const items: DynamoDbItem[] = [];
    for await (const page of this.queryPages(input)) items.push(...page);
    return items;
  }

  /** Deletes by key in batches of 25, retrying unprocessed keys with a short backoff. Idempotent. */
  async deleteMany(itemKeys: readonly DynamoDbItemKey[]): Promise<void> {
    for (let start = 0; start < itemKeys.length; start += BATCH_WRITE_LIMIT) {
      let requests = itemKeys
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const result = await this.run((client, TableName) =>
          client.send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } })),
        );
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0 && attempt >= MAX_BATCH_ATTEMPTS) {
          throw translateDynamoDbError(
            Object.assign(new Error('unprocessed deletes after retries'), {
              name: 'ProvisionedThroughputExceededException',
            }),
            this,
          );
        }
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }
}

export function itemKey(item: DynamoDbItem): DynamoDbItemKey {
  return { pk: String(item.pk), sk: String(item.sk) };
}

/** JSON for nested values (parts, citations, metadata): exact round trips, no DynamoDB type quirks. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(value: unknown, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

export function toDate(value: unknown): Date {
  return new Date(String(value));
}

export function nullableString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function nullableNumber(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

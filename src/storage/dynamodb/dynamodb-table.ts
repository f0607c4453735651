/**
 * One DynamoDB table as the adapters see it: a document client, its name, error translation, and the
 * conditional writes (`putNew`, `updateExisting`, `deleteExisting`) that map a failed condition to the
 * caller's Godwit error in one place.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { GodwitError } from '../../core/errors.ts';
import {
  type DynamoDbTarget,
  isConditionFailure,
  translateDynamoDbError,
} from './translate-dynamodb-error.ts';

export type DynamoDbItem = Record<string, unknown>;
export interface DynamoDbItemKey {
  pk: string;
  sk: string;
}

/**
 * What a failed write condition means to the caller: the Godwit error to throw (given the translated
 * ConflictError as its cause), or `'skip'` when the write was not needed (a retried record, a missing
 * item that a best-effort update may ignore).
 */
export type OnConditionFailed = ((cause: GodwitError) => GodwitError) | 'skip';

/**
 * An update of an item that must exist. `condition` is an extra condition ANDed after
 * `attribute_exists(pk)` (e.g. `updatedAt < :at`); the rest is the SDK's UpdateCommand input.
 */
export type ExistingItemUpdate = Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ConditionExpression'> & {
  condition?: string;
};

const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
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

  /** A strongly consistent read of one item. */
  async get(key: DynamoDbItemKey): Promise<DynamoDbItem | undefined> {
    const result = await this.run((client, TableName) =>
      client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true })),
    );
    return result.Item as DynamoDbItem | undefined;
  }

  /**
   * Strongly consistent reads of many items, 100 keys a call, unprocessed keys retried with a short backoff.
   * Items come back in no particular order; a key with no item is left out.
   */
  async getMany(itemKeys: readonly DynamoDbItemKey[]): Promise<DynamoDbItem[]> {
    const items: DynamoDbItem[] = [];
    for (let start = 0; start < itemKeys.length; start += BATCH_GET_LIMIT) {
      const keys = itemKeys.slice(start, start + BATCH_GET_LIMIT).map((key) => ({ pk: key.pk, sk: key.sk }));
      await this.untilProcessed(keys, 'reads', async (pending) => {
        const result = await this.run((client, TableName) =>
          client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
          ),
        );
        items.push(...((result.Responses?.[this.tableName] ?? []) as DynamoDbItem[]));
        return (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      });
    }
    return items;
  }

  /** An unconditional put (the item replaces any item with its key). */
  async put(item: DynamoDbItem): Promise<void> {
    await this.run((client, TableName) => client.send(new PutCommand({ TableName, Item: item })));
  }

  /**
   * Writes the item only when no item has its key. Returns true when written, false when an item
   * existed and `ifExists` is `'skip'`; otherwise the error `ifExists` builds is thrown.
   *
   * @example await table.putNew(item, (cause) => new ConflictError('Conversation "c" already exists.', { cause }));
   */
  async putNew(item: DynamoDbItem, ifExists: OnConditionFailed): Promise<boolean> {
    const written = await this.conditional(
      (client, TableName) =>
        client.send(
          new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
        ),
      ifExists,
    );
    return written !== undefined;
  }

  /**
   * Updates the item only when it exists (and `update.condition` holds). Returns the attributes the
   * update asked for (`{}` when none), or undefined when the condition failed and `ifMissing` is `'skip'`;
   * otherwise the error `ifMissing` builds is thrown.
   *
   * @example await table.updateExisting(key, { UpdateExpression: 'SET title = :title', ExpressionAttributeValues: { ':title': 'New' } }, (cause) => new NotFoundError('…', { cause }));
   */
  updateExisting(
    key: DynamoDbItemKey,
    update: ExistingItemUpdate,
    ifMissing: (cause: GodwitError) => GodwitError,
  ): Promise<DynamoDbItem>;
  updateExisting(
    key: DynamoDbItemKey,
    update: ExistingItemUpdate,
    ifMissing: OnConditionFailed,
  ): Promise<DynamoDbItem | undefined>;
  async updateExisting(
    key: DynamoDbItemKey,
    { condition, ...update }: ExistingItemUpdate,
    ifMissing: OnConditionFailed,
  ): Promise<DynamoDbItem | undefined> {
    const result = await this.conditional(
      (client, TableName) =>
        client.send(
          new UpdateCommand({
            ...update,
            TableName,
            Key: key,
            ConditionExpression: condition ? `attribute_exists(pk) AND ${condition}` : 'attribute_exists(pk)',
          }),
        ),
      ifMissing,
    );
    return result && ((result.Attributes ?? {}) as DynamoDbItem);
  }

  /** Deletes the item only when it exists; a missing item throws the error `ifMissing` builds. */
  async deleteExisting(key: DynamoDbItemKey, ifMissing: (cause: GodwitError) => GodwitError): Promise<void> {
    await this.conditional(
      (client, TableName) =>
        client.send(new DeleteCommand({ TableName, Key: key, ConditionExpression: 'attribute_exists(pk)' })),
      ifMissing,
    );
  }

  /** The one place a failed condition becomes the caller's error (or undefined when skipped). */
  private async conditional<T>(
    call: (client: DynamoDBDocumentClient, tableName: string) => Promise<T>,
    onFailed: OnConditionFailed,
  ): Promise<T | undefined> {
    try {
      return await this.run(call);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (onFailed === 'skip') return undefined;
      throw onFailed(error as GodwitError);
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
      const requests = itemKeys
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
      await this.untilProcessed(requests, 'deletes', async (pending) => {
        const result = await this.run((client, TableName) =>
          client.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } })),
        );
        return (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      });
    }
  }

  /**
   * Sends `requests` through `send`, which returns what DynamoDB left unprocessed, again with a short
   * backoff until none is left; past MAX_BATCH_ATTEMPTS, throws as a throttled call would.
   */
  private async untilProcessed<T>(
    requests: T[],
    what: string,
    send: (pending: T[]) => Promise<T[]>,
  ): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      pending = await send(pending);
      if (pending.length > 0 && attempt >= MAX_BATCH_ATTEMPTS) {
        throw translateDynamoDbError(
          Object.assign(new Error(`unprocessed ${what} after retries`), {
            name: 'ProvisionedThroughputExceededException',
          }),
          this,
        );
      }
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
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

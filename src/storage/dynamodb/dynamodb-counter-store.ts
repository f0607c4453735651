/**
 * CounterStore on DynamoDB: each window is one item updated with an atomic `ADD` (a conditional counter
 * that needs no read first); the windows of one call are updated in parallel, one round trip. Items carry
 * the table's expiry attribute, so DynamoDB deletes old windows on its own.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { checkIncrements } from '../../core/limits/check-increments.ts';
import type { CounterIncrement, CounterStore } from '../../core/ports.ts';
import { escapeKeyPart } from './dynamodb-keys.ts';
import type { DynamoDbTable } from './dynamodb-table.ts';

export class DynamoDbCounterStore implements CounterStore {
  constructor(private readonly table: DynamoDbTable) {}

  async increment(increments: readonly CounterIncrement[]): Promise<number[]> {
    checkIncrements(increments);
    return Promise.all(increments.map((increment) => this.add(increment)));
  }

  private async add({ key, by, expiresAt }: CounterIncrement): Promise<number> {
    const result = await this.table.run((client, TableName) =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `COUNTER#${escapeKeyPart(key)}`, sk: '#COUNTER' },
          UpdateExpression: 'ADD #value :by SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: { ':by': by, ':expiresAt': Math.ceil(expiresAt.getTime() / 1000) },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(result.Attributes?.value ?? 0);
  }
}

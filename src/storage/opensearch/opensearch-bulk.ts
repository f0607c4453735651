/**
 * `_bulk` with the per-item retry OpenSearch asks for: a bulk answer can be 200 with some items rejected
 * with 429 (`es_rejected_execution_exception`, the write queue is full) while the others were applied.
 * Only the rejected items are sent again, with the connection's backoff; what is still rejected after
 * the last retry is reported like any other item error.
 */
import { DependencyError } from '../../core/errors.ts';
import { runWithRetries } from '../../providers/resilience/retry-policy.ts';
import type { OpenSearchHttp } from './opensearch-http.ts';

/** One bulk operation: its action line and, except for deletes, its document line (both JSON). */
export interface BulkOperation {
  action: string;
  source?: string;
}

export interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string };
}

interface BulkResponse {
  errors: boolean;
  items: Record<string, BulkItemResult>[];
}

const ndjson = (operations: BulkOperation[]) =>
  `${operations.flatMap((operation) => (operation.source === undefined ? [operation.action] : [operation.action, operation.source])).join('\n')}\n`;

/**
 * Sends `operations` and returns one result per operation, in order.
 *
 * @example
 * const results = await sendBulk(http, [{ action: '{"index":{"_index":"i","_id":"1"}}', source: '{}' }]);
 */
export async function sendBulk(http: OpenSearchHttp, operations: BulkOperation[]): Promise<BulkItemResult[]> {
  const results = new Array<BulkItemResult>(operations.length);
  let pending = operations.map((operation, position) => ({ operation, position }));
  let rejection: DependencyError | undefined;
  const attempt = async () => {
    const response = await http.request<BulkResponse>(
      'POST',
      '/_bulk',
      ndjson(pending.map((entry) => entry.operation)),
      { ndjson: true },
    );
    const rejected: typeof pending = [];
    pending.forEach((entry, index) => {
      const item = Object.values(response.body.items[index] ?? {})[0];
      const result = item ?? {
        status: 500,
        error: { type: 'missing_item', reason: 'no result for this item' },
      };
      results[entry.position] = result;
      if (result.status === 429) rejected.push(entry);
    });
    pending = rejected;
    if (rejected.length > 0) {
      rejection = new DependencyError(
        `OpenSearch rejected ${rejected.length} bulk item(s) with 429 (too many requests).`,
      );
      throw rejection;
    }
  };
  try {
    await runWithRetries(attempt, http.retry);
  } catch (error) {
    // Items still rejected after the last retry are in `results` with their 429; others fail the call.
    if (error !== rejection) throw error;
  }
  return results;
}

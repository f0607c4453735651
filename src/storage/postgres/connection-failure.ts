/**
 * Failures of the connection rather than of the statement: the server or network dropped it, a timeout
 * fired, or no connection could be had. Each becomes a retryable DependencyError (HTTP 503 with
 * Retry-After) whose `details.reason` says which, and whose message says what to do.
 */
import { DependencyError, GodwitError } from '../../core/errors.ts';

export type ConnectionFailureReason =
  | 'unreachable'
  | 'connection_lost'
  | 'pool_exhausted'
  | 'statement_timeout'
  | 'answer_timeout'
  | 'idle_in_transaction_timeout'
  | 'too_many_connections'
  | 'unavailable';

/** How long a client is asked to wait before retrying a request that failed on the database. */
export const DATABASE_RETRY_AFTER_MS = 2_000;

/** Reasons after which the connection must be discarded, never reused or rolled back on. */
const BROKEN_CONNECTION: ReadonlySet<string> = new Set([
  'unreachable',
  'connection_lost',
  'answer_timeout',
  'idle_in_transaction_timeout',
]);

/** node-postgres and pg-pool speak through messages only for these. */
const MESSAGE_REASONS: Array<[RegExp, ConnectionFailureReason]> = [
  [/timeout exceeded when trying to connect/i, 'pool_exhausted'],
  [/query read timeout/i, 'answer_timeout'],
  [/connection timeout|timeout expired/i, 'unreachable'],
  [/connection terminated|connection closed|not queryable|connection error/i, 'connection_lost'],
];

/** SQLSTATEs that mean the connection or the server, not the statement. */
const STATE_REASONS: Record<string, ConnectionFailureReason> = {
  '57014': 'statement_timeout',
  '57P01': 'connection_lost',
  '57P02': 'connection_lost',
  '57P03': 'unavailable',
  '57P05': 'idle_in_transaction_timeout',
  '25P03': 'idle_in_transaction_timeout',
  '53300': 'too_many_connections',
  '53400': 'too_many_connections',
};

export function reasonForMessage(message: string): ConnectionFailureReason | undefined {
  return MESSAGE_REASONS.find(([pattern]) => pattern.test(message))?.[1];
}

export function reasonForState(code: string): ConnectionFailureReason | undefined {
  return STATE_REASONS[code] ?? (code.startsWith('08') ? 'connection_lost' : undefined);
}

/** The error a request sees; `detail` is the driver's own words or a network code. */
export function connectionFailure(
  reason: ConnectionFailureReason,
  target: string,
  detail: string,
  cause: unknown,
): DependencyError {
  return new DependencyError(`${describeReason(reason, target)} (${detail})`, {
    cause,
    details: { dependency: 'postgres', reason, retryAfterMs: DATABASE_RETRY_AFTER_MS },
  });
}

function describeReason(reason: ConnectionFailureReason, target: string): string {
  switch (reason) {
    case 'unreachable':
      return `cannot reach PostgreSQL at ${target}; start the server or fix the database URL`;
    case 'connection_lost':
      return `lost the connection to PostgreSQL at ${target} during the request; retry it`;
    case 'pool_exhausted':
      return `every connection to PostgreSQL at ${target} stayed busy past database.connectTimeoutMs; retry, or raise database.poolSize`;
    case 'statement_timeout':
      return `PostgreSQL at ${target} did not finish the statement within database.statementTimeoutMs; retry, or raise the timeout`;
    case 'answer_timeout':
      return `PostgreSQL at ${target} did not answer within database.statementTimeoutMs; the connection was dropped, retry the request`;
    case 'idle_in_transaction_timeout':
      return `PostgreSQL at ${target} ended a transaction left idle past database.idleInTransactionTimeoutMs; retry the request`;
    case 'too_many_connections':
      return `PostgreSQL at ${target} has no connection slots left; retry, or lower database.poolSize across instances`;
    case 'unavailable':
      return `PostgreSQL at ${target} is unavailable (starting up, shutting down or recovering); retry shortly`;
  }
}

/** Whether the connection that produced `error` must be destroyed rather than reused. */
export function isConnectionFailure(error: unknown): boolean {
  if (!GodwitError.isInstance(error)) {
    const vendor = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown };
    const message = error instanceof Error ? error.message : String(error);
    const reason =
      (typeof vendor.code === 'string' ? reasonForState(vendor.code) : undefined) ??
      reasonForMessage(message);
    return reason !== undefined && BROKEN_CONNECTION.has(reason);
  }
  const reason = error.details?.reason;
  return (
    error.code === 'dependency_unavailable' && typeof reason === 'string' && BROKEN_CONNECTION.has(reason)
  );
}

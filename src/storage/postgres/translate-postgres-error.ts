/**
 * Turns PGlite, node-postgres and socket errors into GodwitErrors at the adapter boundary, so nothing
 * outside this folder sees a vendor error or a connection string with its password.
 */
import {
  ConflictError,
  DependencyError,
  GodwitError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.ts';
import {
  connectionFailure,
  DATABASE_RETRY_AFTER_MS,
  reasonForMessage,
  reasonForState,
} from './connection-failure.ts';

export { isConnectionFailure } from './connection-failure.ts';

/** Names our own constraints so a duplicate reads as a sentence, not as an index name. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  knowledge_bases_name_unique:
    'a knowledge base with this name already exists for the tenant; choose another name',
  documents_source_unique: 'a document with this source already exists in the knowledge base',
  chunks_pkey: 'a chunk with this id already exists; chunk ids must be unique within a tenant',
  conversations_pkey: 'a conversation with this id already exists',
  messages_pkey: 'a message with this id already exists',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

interface VendorError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  errors?: unknown;
}

/**
 * `target` names the database for people: `PGlite (in memory)`, `PGlite at ./.godwit/db`, or a URL
 * already passed through `redactDatabaseUrl`.
 */
export function translatePostgresError(error: unknown, target: string): GodwitError {
  if (GodwitError.isInstance(error)) return error;
  const vendor = (typeof error === 'object' && error !== null ? error : {}) as VendorError;
  const code = typeof vendor.code === 'string' ? vendor.code : networkCode(vendor);
  const message = typeof vendor.message === 'string' ? vendor.message : String(error);
  if (code && NETWORK_CODES.has(code)) {
    // A reset or broken pipe hits a connection that was open; the others mean none could be opened.
    const reason = code === 'ECONNRESET' || code === 'EPIPE' ? 'connection_lost' : 'unreachable';
    return connectionFailure(reason, target, code, error);
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const reason = reasonForState(code);
    if (reason) return connectionFailure(reason, target, `${code}: ${message}`, error);
    return translateSqlState(code, message, vendor, target, error);
  }
  const reason = reasonForMessage(message);
  if (reason) return connectionFailure(reason, target, message, error);
  return new GodwitError('internal', `database error at ${target}: ${message}`, { cause: error });
}

function translateSqlState(
  code: string,
  message: string,
  vendor: VendorError,
  target: string,
  cause: unknown,
): GodwitError {
  const constraint = typeof vendor.constraint === 'string' ? vendor.constraint : undefined;
  if (code === '23505') {
    const text = (constraint && CONSTRAINT_MESSAGES[constraint]) ?? `duplicate value: ${message}`;
    return new ConflictError(text, { cause, details: constraint ? { constraint } : undefined });
  }
  if (code === '23503') return new NotFoundError(`a referenced record does not exist: ${message}`, { cause });
  if (code.startsWith('22') || code.startsWith('23') || code === '54000') {
    return new ValidationError(`the database rejected a value: ${message}`, { cause });
  }
  if (code === '40001' || code === '40P01' || code === '55P03') {
    return new DependencyError(`a concurrent change blocked this write; retry it (${message})`, { cause });
  }
  if (code.startsWith('28')) {
    return new DependencyError(`PostgreSQL at ${target} refused the login; check the user and password`, {
      cause,
      isRetryable: false,
    });
  }
  if (code === '3D000') {
    return new DependencyError(`the database named in ${target} does not exist; create it first`, {
      cause,
      isRetryable: false,
    });
  }
  if (code.startsWith('53') || code.startsWith('57')) {
    return new DependencyError(`PostgreSQL at ${target} is unavailable: ${message}`, {
      cause,
      details: { dependency: 'postgres', retryAfterMs: DATABASE_RETRY_AFTER_MS },
    });
  }
  return new GodwitError('internal', `database error ${code} at ${target}: ${message}`, { cause });
}

/** Node reports a refused dual-stack connect as an AggregateError whose parts carry the code. */
function networkCode(vendor: VendorError): string | undefined {
  if (!Array.isArray(vendor.errors)) return undefined;
  for (const inner of vendor.errors) {
    const code = (inner as VendorError | undefined)?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** `postgres://user:secret@host:5432/db?sslmode=…` → `postgres://user@host:5432/db`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${parsed.username}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

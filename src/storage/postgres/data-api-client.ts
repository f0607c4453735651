/**
 * SqlClient over the Amazon RDS Data API (Aurora PostgreSQL): HTTPS calls signed with the AWS credential
 * chain, so a Lambda function reaches Aurora without a VPC, and Aurora Serverless v2 can pause at 0 ACU.
 *
 * Statements keep the `$1` placeholders the adapters write; they are sent as named parameters (`:p1`) with
 * typed values: dates as TIMESTAMP strings in UTC, objects as JSON, arrays as PostgreSQL array literals
 * (the adapters cast array parameters, e.g. `$2::text[]`). Results are decoded from the typed fields by
 * each column's type name, into what node-postgres returns (Date, parsed JSON, numbers, arrays).
 *
 * Limits of the Data API to know (Aurora user guide, "Using the RDS Data API"): one statement per call (a
 * script is split here), a 1 MiB response per call, and transactions that expire after 3 minutes without a
 * statement. While an auto-paused cluster resumes, calls fail with DatabaseResumingException; they are
 * retried here for up to `resumeTimeoutMs`.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type Field,
  RDSDataClient,
  RDSDataServiceException,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { DependencyError, GodwitError } from '../../core/errors.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { translatePostgresError } from './translate-postgres-error.ts';

export interface DataApiClientOptions {
  /** ARN of the Aurora cluster. */
  resourceArn: string;
  /** ARN of the Secrets Manager secret holding the database credentials. */
  secretArn: string;
  database: string;
  region?: string;
  /** An endpoint other than the regional one (tests, VPC endpoints). */
  endpoint?: string;
  /** A client to use instead of building one (credentials from the AWS chain by default). */
  client?: RDSDataClient;
  /** How long to keep retrying while a paused cluster resumes. Default 60 000 ms. */
  resumeTimeoutMs?: number;
  /** Wait between resume retries. Default 2 000 ms. */
  resumeRetryDelayMs?: number;
}

type Params = readonly unknown[];

export function openDataApiClient(options: DataApiClientOptions): SqlClient {
  return new DataApiClient(options);
}

class DataApiClient implements SqlClient {
  readonly engine = 'postgres' as const;
  private readonly client: RDSDataClient;
  private readonly target: string;

  constructor(private readonly options: DataApiClientOptions) {
    this.client =
      options.client ??
      new RDSDataClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
    this.target = `Aurora Data API (${options.resourceArn}, database ${options.database})`;
  }

  query<Row = Record<string, unknown>>(text: string, params: Params = []): Promise<Row[]> {
    return this.run<Row>(text, params, undefined);
  }

  async execute(script: string): Promise<void> {
    const statements = splitStatements(script);
    if (statements.length === 1) {
      await this.run(statements[0]!, [], undefined);
      return;
    }
    await this.transaction(async (transaction) => {
      for (const statement of statements) await transaction.query(statement);
    });
  }

  async transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T> {
    const begun = await this.send(
      () =>
        this.client.send(
          new BeginTransactionCommand({
            resourceArn: this.options.resourceArn,
            secretArn: this.options.secretArn,
            database: this.options.database,
          }),
        ),
      'BeginTransaction',
    );
    const transactionId = begun.transactionId;
    if (!transactionId) {
      throw new DependencyError(`${this.target} began a transaction without returning its id.`);
    }
    const scoped: SqlQueryable = {
      query: <Row>(text: string, params: Params = []) => this.run<Row>(text, params, transactionId),
      execute: async (script: string) => {
        for (const statement of splitStatements(script)) await this.run(statement, [], transactionId);
      },
    };
    let result: T;
    try {
      result = await work(scoped);
    } catch (error) {
      await this.send(
        () =>
          this.client.send(
            new RollbackTransactionCommand({
              resourceArn: this.options.resourceArn,
              secretArn: this.options.secretArn,
              transactionId,
            }),
          ),
        'RollbackTransaction',
      ).catch(() => {});
      throw error;
    }
    await this.send(
      () =>
        this.client.send(
          new CommitTransactionCommand({
            resourceArn: this.options.resourceArn,
            secretArn: this.options.secretArn,
            transactionId,
          }),
        ),
      'CommitTransaction',
    );
    return result;
  }

  async close(): Promise<void> {
    if (!this.options.client) this.client.destroy();
  }

  private async run<Row>(text: string, params: Params, transactionId: string | undefined): Promise<Row[]> {
    const { sql, parameters } = toNamedParameters(text, params);
    const response = await this.send(
      () =>
        this.client.send(
          new ExecuteStatementCommand({
            resourceArn: this.options.resourceArn,
            secretArn: this.options.secretArn,
            database: this.options.database,
            sql,
            parameters,
            includeResultMetadata: true,
            ...(transactionId ? { transactionId } : {}),
          }),
        ),
      'ExecuteStatement',
    );
    const columns = response.columnMetadata ?? [];
    return (response.records ?? []).map((record) => {
      const row: Record<string, unknown> = {};
      record.forEach((field, position) => {
        const column = columns[position];
        row[column?.label || column?.name || `column${position}`] = decodeField(
          field,
          column?.typeName ?? '',
        );
      });
      return row as Row;
    });
  }

  /** One call, retried while the cluster resumes, with errors translated like the other clients'. */
  private async send<T>(call: () => Promise<T>, operation: string): Promise<T> {
    const deadline = Date.now() + (this.options.resumeTimeoutMs ?? 60_000);
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (isResuming(error) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, this.options.resumeRetryDelayMs ?? 2000));
          continue;
        }
        throw translateDataApiError(error, operation, this.target);
      }
    }
  }
}

function isResuming(error: unknown): boolean {
  return error instanceof RDSDataServiceException && error.name === 'DatabaseResumingException';
}

/** Data API errors as GodwitErrors; SQL errors carry their SQLState in the message. */
export function translateDataApiError(error: unknown, operation: string, target: string): GodwitError {
  if (GodwitError.isInstance(error)) return error;
  if (!(error instanceof RDSDataServiceException)) {
    return new DependencyError(
      `cannot reach ${target} (${operation}): ${error instanceof Error ? error.message : String(error)}; check the region, endpoint and network path`,
      { cause: error },
    );
  }
  const sqlState = /SQLState: ([0-9A-Z]{5})/.exec(error.message)?.[1];
  if (sqlState) {
    const constraint = /constraint "([^"]+)"/.exec(error.message)?.[1];
    const message = error.message.replace(/;?\s*SQLState: [0-9A-Z]{5}\s*$/, '');
    return translatePostgresError({ code: sqlState, message, constraint }, target);
  }
  switch (error.name) {
    case 'DatabaseResumingException':
      return new DependencyError(
        `${target} is resuming from auto-pause and did not answer in time; retry in a few seconds.`,
        { cause: error },
      );
    case 'ForbiddenException':
    case 'AccessDeniedException':
      return new DependencyError(
        `${target} refused ${operation}: ${error.message}. Grant rds-data:${operation} on the cluster and secretsmanager:GetSecretValue on the secret, and enable the Data API on the cluster.`,
        { cause: error, isRetryable: false },
      );
    case 'SecretsErrorException':
      return new DependencyError(`${target} could not read the database secret: ${error.message}.`, {
        cause: error,
        isRetryable: false,
      });
    case 'StatementTimeoutException':
    case 'ServiceUnavailableError':
    case 'InternalServerErrorException':
    case 'DatabaseUnavailableException':
    case 'ThrottlingException':
      return new DependencyError(`${target} is unavailable (${error.name}): ${error.message}`, {
        cause: error,
      });
    case 'TransactionNotFoundException':
      return new DependencyError(
        `${target} lost the transaction (${error.message}); Data API transactions end after 3 minutes without a statement.`,
        { cause: error },
      );
    default:
      return new DependencyError(`${target} failed ${operation} with ${error.name}: ${error.message}`, {
        cause: error,
        isRetryable: false,
      });
  }
}

/**
 * Rewrites `$1`… to `:p1`… outside quotes and comments, and encodes each value as a typed field.
 *
 * @example toNamedParameters('SELECT $1::int', [7]) // { sql: 'SELECT :p1::int', parameters: [{ name: 'p1', value: { longValue: 7 } }] }
 */
export function toNamedParameters(text: string, params: Params): { sql: string; parameters: SqlParameter[] } {
  let sql = '';
  const used = new Set<number>();
  scanSql(text, (segment, code) => {
    if (!code) {
      sql += segment;
      return;
    }
    // A lone colon before a name (an array slice, `a[lo:hi]`) would read as a named parameter: space it.
    const spaced = segment.replace(/(^|[^:]):(?=[A-Za-z_])/g, '$1: ');
    sql += spaced.replace(/\$(\d+)/g, (_match, digits: string) => {
      used.add(Number(digits));
      return `:p${digits}`;
    });
  });
  const parameters: SqlParameter[] = [];
  for (const position of [...used].sort((left, right) => left - right)) {
    parameters.push({ name: `p${position}`, ...encodeValue(params[position - 1]) });
  }
  return { sql, parameters };
}

function encodeValue(value: unknown): Pick<SqlParameter, 'value' | 'typeHint'> {
  if (value === null || value === undefined) return { value: { isNull: true } };
  if (typeof value === 'boolean') return { value: { booleanValue: value } };
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? { value: { longValue: value } } : { value: { doubleValue: value } };
  }
  if (typeof value === 'bigint') return { value: { stringValue: value.toString() } };
  if (typeof value === 'string') return { value: { stringValue: value } };
  if (value instanceof Date) return { value: { stringValue: formatTimestamp(value) }, typeHint: 'TIMESTAMP' };
  if (value instanceof Uint8Array) return { value: { blobValue: value } };
  if (Array.isArray(value)) return { value: { stringValue: arrayLiteral(value) } };
  return { value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}

/** `2026-11-23 06:05:13.123` in UTC, the TIMESTAMP hint's format. */
function formatTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A PostgreSQL array literal: `{"a","b"}`, `{1,2}`, NULL for null elements. */
export function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      return String(value);
    const text = value instanceof Date ? value.toISOString() : String(value);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8', 'serial', 'serial4', 'serial8', 'bigserial', 'oid']);
const FLOAT_TYPES = new Set(['float4', 'float8']);

/** A typed field as node-postgres would return the column. */
export function decodeField(field: Field, typeName: string): unknown {
  if (field.isNull) return null;
  const type = typeName.toLowerCase();
  if (field.arrayValue) return decodeArray(field.arrayValue);
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue);
  const text = field.stringValue;
  if (text === undefined) return null;
  if (type === 'timestamptz' || type === 'timestamp') return new Date(`${text.replace(' ', 'T')}Z`);
  if (type === 'json' || type === 'jsonb') return JSON.parse(text);
  if (INTEGER_TYPES.has(type) || FLOAT_TYPES.has(type)) return Number(text);
  return text;
}

function decodeArray(array: Field['arrayValue'] | null): unknown[] {
  if (!array) return [];
  if (array.arrayValues) return array.arrayValues.map(decodeArray);
  return [...(array.stringValues ?? array.longValues ?? array.doubleValues ?? array.booleanValues ?? [])];
}

/** Splits a script on top-level semicolons, keeping quoted text, dollar-quoted bodies and comments whole. */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  scanSql(script, (segment, code) => {
    if (!code) {
      current += segment;
      return;
    }
    const parts = segment.split(';');
    for (let index = 0; index < parts.length; index++) {
      current += parts[index];
      if (index < parts.length - 1) {
        if (current.trim() !== '') statements.push(current.trim());
        current = '';
      }
    }
  });
  if (current.trim() !== '') statements.push(current.trim());
  return statements;
}

/** Calls `visit` with consecutive segments of `sql`, marking which are code (not quotes or comments). */
function scanSql(sql: string, visit: (segment: string, code: boolean) => void): void {
  let position = 0;
  let codeStart = 0;
  const flushCode = (end: number) => {
    if (end > codeStart) visit(sql.slice(codeStart, end), true);
  };
  while (position < sql.length) {
    const char = sql[position]!;
    let end = -1;
    if (char === "'" || char === '"') {
      end = position + 1;
      for (;;) {
        const close = sql.indexOf(char, end);
        if (close === -1) {
          end = sql.length;
          break;
        }
        if (sql[close + 1] === char) {
          end = close + 2;
          continue;
        }
        end = close + 1;
        break;
      }
    } else if (char === '-' && sql[position + 1] === '-') {
      const newline = sql.indexOf('\n', position);
      end = newline === -1 ? sql.length : newline;
    } else if (char === '/' && sql[position + 1] === '*') {
      const close = sql.indexOf('*/', position + 2);
      end = close === -1 ? sql.length : close + 2;
    } else if (char === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(position));
      if (tag) {
        const close = sql.indexOf(tag[0], position + tag[0].length);
        end = close === -1 ? sql.length : close + tag[0].length;
      }
    }
    if (end === -1) {
      position += 1;
      continue;
    }
    flushCode(position);
    visit(sql.slice(position, end), false);
    position = end;
    codeStart = end;
  }
  flushCode(sql.length);
}

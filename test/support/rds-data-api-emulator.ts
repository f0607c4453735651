/**
 * A loopback HTTP server speaking the Amazon RDS Data API's REST JSON protocol as the official client
 * (@aws-sdk/client-rds-data) sends it — `POST /Execute`, `/BeginTransaction`, `/CommitTransaction`,
 * `/RollbackTransaction` — and running the statements on PGlite (with pgvector).
 *
 * Parameters are named (`:name`) typed fields; each is bound with the type its field implies (a string is
 * `varchar` unless a typeHint says TIMESTAMP, JSON, UUID, DATE, TIME or DECIMAL; a long is `bigint`; a double
 * `float8`), so SQL that relies on a string becoming a timestamp or jsonb without a hint fails here too. Array
 * parameters are refused, one statement runs per call, and results come back as typed fields with column
 * metadata (`typeName`). SQL errors are `BadRequestException` with the message ending in `SQLState: XXXXX`.
 * Requests must carry a well-formed SigV4 header for service `rds-data`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { describeSigV4Problem } from './emulators/sigv4.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface DataApiEmulatorOptions {
  resourceArn: string;
  secretArn: string;
  database: string;
}

export interface DataApiEmulator {
  url: string;
  /** SQL text of every ExecuteStatement, in order. */
  readonly statements: string[];
  /** Makes the next `count` requests fail with this status and error type. */
  failNext(count: number, status: number, type: string, message?: string): void;
  close(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  done: Promise<void>;
}

/** Type names by OID for the built-in types the schema uses; others are looked up in pg_type. */
const TYPE_NAMES: Record<number, string> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  26: 'oid',
  114: 'json',
  700: 'float4',
  701: 'float8',
  1000: '_bool',
  1005: '_int2',
  1007: '_int4',
  1009: '_text',
  1015: '_varchar',
  1016: '_int8',
  1021: '_float4',
  1022: '_float8',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
  2278: 'void',
  2950: 'uuid',
  3802: 'jsonb',
};

const HINT_CASTS: Record<string, string> = {
  TIMESTAMP: 'timestamp',
  JSON: 'jsonb',
  UUID: 'uuid',
  DATE: 'date',
  TIME: 'time',
  DECIMAL: 'numeric',
};

export async function startDataApiEmulator(options: DataApiEmulatorOptions): Promise<DataApiEmulator> {
  const database = await PGlite.create({ extensions: { vector } });
  const transactions = new Map<string, OpenTransaction>();
  const statements: string[] = [];
  const typeNames = new Map<number, string>(
    Object.entries(TYPE_NAMES).map(([oid, name]) => [Number(oid), name]),
  );
  let failures: { count: number; status: number; type: string; message: string } | undefined;

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      const problem = describeSigV4Problem(request.headers, 'rds-data');
      if (problem) throw new ServiceError(403, 'ForbiddenException', problem);
      if (failures && failures.count > 0) {
        failures.count -= 1;
        throw new ServiceError(failures.status, failures.type, failures.message);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as JsonObject;
      checkTarget(body, operation !== '/CommitTransaction' && operation !== '/RollbackTransaction');
      send(response, 200, await dispatch(operation, body));
    } catch (error) {
      const failure =
        error instanceof ServiceError
          ? error
          : new ServiceError(
              500,
              'InternalServerErrorException',
              error instanceof Error ? error.message : String(error),
            );
      response.writeHead(failure.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': failure.type,
      });
      response.end(JSON.stringify({ message: failure.message }));
    }
  }

  function checkTarget(body: JsonObject, needsDatabase: boolean): void {
    if (body.resourceArn !== options.resourceArn) {
      throw new ServiceError(
        400,
        'BadRequestException',
        `Database cluster ${String(body.resourceArn)} not found or Data API not enabled`,
      );
    }
    if (body.secretArn !== options.secretArn) {
      throw new ServiceError(400, 'BadRequestException', 'Secrets Manager secret not found or access denied');
    }
    if (needsDatabase && body.database !== undefined && body.database !== options.database) {
      throw new ServiceError(
        400,
        'BadRequestException',
        `FATAL: database "${String(body.database)}" does not exist; SQLState: 3D000`,
      );
    }
  }

  async function dispatch(operation: string, body: JsonObject): Promise<JsonObject> {
    switch (operation) {
      case '/BeginTransaction': {
        const id = randomUUID();
        let ready!: (tx: Transaction) => void;
        const started = new Promise<Transaction>((resolve) => {
          ready = resolve;
        });
        let finish!: (commit: boolean) => void;
        const decided = new Promise<boolean>((resolve) => {
          finish = resolve;
        });
        const done = database
          .transaction(async (tx) => {
            ready(tx);
            if (!(await decided)) await tx.rollback();
          })
          .then(() => {});
        transactions.set(id, { tx: await started, finish, done });
        return { transactionId: id };
      }
      case '/CommitTransaction':
      case '/RollbackTransaction': {
        const id = String(body.transactionId ?? '');
        const open = transactions.get(id);
        if (!open)
          throw new ServiceError(404, 'TransactionNotFoundException', `Transaction ${id} is not found`);
        transactions.delete(id);
        const commit = operation === '/CommitTransaction';
        open.finish(commit);
        try {
          await open.done;
        } catch (error) {
          throw sqlError(error);
        }
        return { transactionStatus: commit ? 'Transaction Committed' : 'Rollback Complete' };
      }
      case '/Execute':
        return execute(body);
      default:
        throw new ServiceError(404, 'NotFoundException', `Unknown operation ${operation}`);
    }
  }

  async function execute(body: JsonObject): Promise<JsonObject> {
    const text = body.sql;
    if (typeof text !== 'string' || text.trim() === '')
      throw new ServiceError(400, 'BadRequestException', 'sql is required');
    statements.push(text);
    if (hasSeveralStatements(text)) {
      throw new ServiceError(
        400,
        'BadRequestException',
        'Multistatements are not supported; send one statement per call',
      );
    }
    const { sql, values } = bindParameters(text, (body.parameters as JsonObject[] | undefined) ?? []);
    let runner: PGlite | Transaction = database;
    if (typeof body.transactionId === 'string') {
      const open = transactions.get(body.transactionId);
      if (!open)
        throw new ServiceError(
          404,
          'TransactionNotFoundException',
          `Transaction ${body.transactionId} is not found`,
        );
      runner = open.tx;
    }
    let result: Awaited<ReturnType<PGlite['query']>>;
    try {
      result = await runner.query(sql, values);
    } catch (error) {
      throw sqlError(error);
    }
    const fields = result.fields;
    for (const field of fields) await typeName(field.dataTypeID);
    const rows = result.rows as Record<string, unknown>[];
    return {
      numberOfRecordsUpdated: result.affectedRows ?? 0,
      records: rows.map((row) =>
        fields.map((field) => encodeField(row[field.name], typeNames.get(field.dataTypeID) ?? 'unknown')),
      ),
      ...(body.includeResultMetadata === true
        ? {
            columnMetadata: fields.map((field) => ({
              name: field.name,
              label: field.name,
              typeName: typeNames.get(field.dataTypeID) ?? 'unknown',
              type: 1111,
              nullable: 1,
            })),
          }
        : {}),
    };
  }

  async function typeName(oid: number): Promise<void> {
    if (typeNames.has(oid)) return;
    const found = await database.query<{ typname: string }>('SELECT typname FROM pg_type WHERE oid = $1', [
      oid,
    ]);
    typeNames.set(oid, found.rows[0]?.typname ?? 'unknown');
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statements,
    failNext(count, status, type, message = 'injected failure') {
      failures = { count, status, type, message };
    },
    close: async () => {
      for (const open of transactions.values()) open.finish(false);
      await new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      });
      await database.close();
    },
  };
}

/** `:name` → `$n::type` outside quotes, comments and `::` casts. */
function bindParameters(text: string, parameters: JsonObject[]): { sql: string; values: unknown[] } {
  const byName = new Map(parameters.map((parameter) => [String(parameter.name), parameter]));
  const values: unknown[] = [];
  const positions = new Map<string, number>();
  const sql = mapCode(text, (code) =>
    code.replace(/(::?)([A-Za-z_][A-Za-z0-9_]*)/g, (match, colons: string, name: string) => {
      if (colons === '::') return match;
      const parameter = byName.get(name);
      if (!parameter)
        throw new ServiceError(400, 'BadRequestException', `No value specified for parameter: ${name}`);
      let position = positions.get(name);
      if (position === undefined) {
        values.push(decodeParameter(parameter));
        position = values.length;
        positions.set(name, position);
      }
      return `$${position}${castFor(parameter)}`;
    }),
  );
  return { sql, values };
}

function castFor(parameter: JsonObject): string {
  const value = parameter.value as JsonObject;
  if (value.isNull === true) return '';
  if (typeof parameter.typeHint === 'string') {
    const cast = HINT_CASTS[parameter.typeHint];
    if (!cast) throw new ServiceError(400, 'BadRequestException', `Unknown typeHint ${parameter.typeHint}`);
    if (value.stringValue === undefined)
      throw new ServiceError(400, 'BadRequestException', 'typeHint needs a stringValue');
    return `::${cast}`;
  }
  if (value.stringValue !== undefined) return '::varchar';
  if (value.longValue !== undefined) return '::bigint';
  if (value.doubleValue !== undefined) return '::float8';
  if (value.booleanValue !== undefined) return '::boolean';
  if (value.blobValue !== undefined) return '::bytea';
  return '';
}

function decodeParameter(parameter: JsonObject): unknown {
  const value = parameter.value as JsonObject | undefined;
  if (!value)
    throw new ServiceError(400, 'BadRequestException', `Parameter ${String(parameter.name)} has no value`);
  if (value.arrayValue !== undefined)
    throw new ServiceError(400, 'BadRequestException', 'Array parameters are not supported');
  if (value.isNull === true) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.longValue !== undefined) return value.longValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.booleanValue !== undefined) return value.booleanValue;
  if (typeof value.blobValue === 'string') return Buffer.from(value.blobValue, 'base64');
  throw new ServiceError(
    400,
    'BadRequestException',
    `Parameter ${String(parameter.name)} has an unsupported value`,
  );
}

function encodeField(value: unknown, type: string): JsonObject {
  if (value === null || value === undefined) return { isNull: true };
  if (type.startsWith('_') && Array.isArray(value)) return { arrayValue: encodeArray(value, type.slice(1)) };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'bigint') return { longValue: Number(value) };
  if (typeof value === 'number') {
    return type.startsWith('int') || type === 'oid' ? { longValue: value } : { doubleValue: value };
  }
  if (value instanceof Date) return { stringValue: value.toISOString().replace('T', ' ').replace('Z', '') };
  if (value instanceof Uint8Array) return { blobValue: Buffer.from(value).toString('base64') };
  if (type === 'json' || type === 'jsonb') return { stringValue: JSON.stringify(value) };
  return { stringValue: String(value) };
}

function encodeArray(values: unknown[], type: string): JsonObject {
  if (values.some(Array.isArray))
    return { arrayValues: values.map((inner) => encodeArray(inner as unknown[], type)) };
  if (type.startsWith('int')) return { longValues: values.map(Number) };
  if (type.startsWith('float') || type === 'numeric') return { doubleValues: values.map(Number) };
  if (type === 'bool') return { booleanValues: values.map(Boolean) };
  return { stringValues: values.map(String) };
}

function sqlError(error: unknown): ServiceError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string')
    return new ServiceError(400, 'BadRequestException', `ERROR: ${message}; SQLState: ${code}`);
  return new ServiceError(500, 'InternalServerErrorException', message);
}

/** Applies `transform` to the code parts of `sql`, leaving quoted text, dollar-quoted bodies and comments. */
function mapCode(sql: string, transform: (code: string) => string): string {
  let output = '';
  let codeStart = 0;
  let position = 0;
  while (position < sql.length) {
    const char = sql[position]!;
    let end = -1;
    if (char === "'" || char === '"') {
      const close = closingQuote(sql, position);
      end = close;
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
    output += transform(sql.slice(codeStart, position)) + sql.slice(position, end);
    position = end;
    codeStart = end;
  }
  return output + transform(sql.slice(codeStart));
}

function closingQuote(sql: string, start: number): number {
  const quote = sql[start]!;
  let position = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, position);
    if (close === -1) return sql.length;
    if (sql[close + 1] === quote) {
      position = close + 2;
      continue;
    }
    return close + 1;
  }
}

function hasSeveralStatements(sql: string): boolean {
  const code: string[] = [];
  mapCode(sql, (part) => {
    code.push(part);
    return part;
  });
  // Quoted text and comments are left out, so only a semicolon in the SQL itself counts.
  const joined = code.join(' ');
  const at = joined.indexOf(';');
  return at !== -1 && joined.slice(at + 1).trim() !== '';
}

function send(response: ServerResponse, status: number, body: JsonObject): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

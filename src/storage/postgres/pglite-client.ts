/** SqlClient over PGlite: PostgreSQL compiled to WebAssembly, in this process, with pgvector loaded. */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { DependencyError } from '../../core/errors.ts';
import { copyTemplateInto, isNewDataDir, TEMPLATE_DIRECTORY } from './pglite-template.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { translatePostgresError } from './translate-postgres-error.ts';

export interface PgliteOpenOptions {
  /**
   * The prebuilt template (`pglite-template.ts`) a new on-disk data dir starts as a copy of, when it fits
   * the installed PGlite. Default dist/pglite-template/; false always runs `initdb` (how the template
   * itself is built).
   */
  template?: string | false;
}

/**
 * PostgreSQL's default buffer pool is 128 MB, and PostgreSQL zero-fills it at start, so a PGlite process
 * holds it in memory from the first second: about 120 MiB of an idle server's resident memory on a data dir
 * of a few megabytes. 32 MB (4,096 pages) holds the working set of a typical local knowledge base; pages
 * beyond it are read from the data dir's files, which the operating system caches
 * (docs/decisions/2026-12-07-embedded-buffer-pool.md).
 */
export const PGLITE_SHARED_BUFFERS = '32MB';

const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

/**
 * Opens PGlite in memory (`dataDir` undefined) or on disk, creating the data dir's parent. A new data dir
 * starts from the prebuilt template when there is one.
 */
export async function openPgliteClient(
  dataDir?: string,
  options: PgliteOpenOptions = {},
): Promise<SqlClient> {
  const target = dataDir === undefined ? 'PGlite (in memory)' : `PGlite at ${dataDir}`;
  let database: PGlite;
  try {
    if (dataDir !== undefined) {
      await mkdir(dirname(resolve(dataDir)), { recursive: true });
      const template = options.template ?? TEMPLATE_DIRECTORY;
      if (template !== false && isNewDataDir(dataDir)) copyTemplateInto(dataDir, template);
    }
    database = await PGlite.create({ dataDir, extensions: { vector }, startParams: PGLITE_START_PARAMS });
  } catch (error) {
    throw new DependencyError(
      `could not open ${target}: ${error instanceof Error ? error.message : String(error)}; ` +
        'check that the directory is writable and not used by another process',
      { cause: error, isRetryable: false },
    );
  }
  return new PgliteClient(database, target);
}

/** Parameter values at least this long go to PGlite as bytes (see `parameterSerializers`). */
const LARGE_PARAMETER_CHARACTERS = 4096;

type Serializer = (value: unknown) => unknown;

const TEXT = 25;
const VARCHAR = 1043;
const JSON_TYPE = 114;
const JSONB = 3802;
const BYTEA = 17;
const JSONB_BINARY_VERSION = 1;

/**
 * PGlite sends a string parameter as text after two passes over it in JavaScript (one to measure its UTF-8
 * length, one to copy it), and a bytea parameter as a hex string built one byte at a time. For the large
 * parameters of batched writes (a batch's chunks as one JSON document, say) that is a visible share of the
 * write. A value given as bytes goes in PostgreSQL's binary format instead, encoded by Node in one native
 * pass. For text, varchar and json the binary format is the UTF-8 text itself, for jsonb a version byte then
 * the text, and for bytea the bytes. Small values, and values of every other type, go as PGlite sends them.
 */
function parameterSerializers(defaults: Record<number, Serializer | undefined>): Record<number, Serializer> {
  const asText = (type: number, prefix?: number): Serializer => {
    const serialize = defaults[type];
    return (value) => {
      const text = serialize ? serialize(value) : String(value);
      if (typeof text !== 'string' || text.length < LARGE_PARAMETER_CHARACTERS) return text;
      if (prefix === undefined) return Buffer.from(text, 'utf8');
      const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
      bytes[0] = prefix;
      bytes.write(text, 1, 'utf8');
      return bytes;
    };
  };
  const bytea = defaults[BYTEA];
  return {
    [TEXT]: asText(TEXT),
    [VARCHAR]: asText(VARCHAR),
    [JSON_TYPE]: asText(JSON_TYPE),
    [JSONB]: asText(JSONB, JSONB_BINARY_VERSION),
    [BYTEA]: (value) => (value instanceof Uint8Array || !bytea ? value : bytea(value)),
  };
}

class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;
  private readonly options: QueryOptions;

  constructor(
    private readonly database: PGlite,
    private readonly target: string,
  ) {
    // PGlite's types say a serializer returns a string; its wire writer takes bytes as well (binary format).
    this.options = {
      serializers: parameterSerializers(database.serializers as Record<number, Serializer | undefined>),
    } as unknown as QueryOptions;
  }

  query<Row = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return runQuery<Row>(this.database, text, params, this.target, this.options);
  }

  execute(script: string): Promise<void> {
    return runScript(this.database, script, this.target);
  }

  async copyRows(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const text = copyText(rows);
    try {
      await this.database.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], {
        blob: new Blob([text]),
      });
    } catch (error) {
      throw translatePostgresError(error, this.target);
    }
  }

  async transaction<T>(work: (transaction: SqlQueryable) => Promise<T>): Promise<T> {
    try {
      return await this.database.transaction((transaction) =>
        work({
          query: <Row>(text: string, params: readonly unknown[] = []) =>
            runQuery<Row>(transaction, text, params, this.target, this.options),
          execute: (script: string) => runScript(transaction, script, this.target),
        }),
      );
    } catch (error) {
      throw translatePostgresError(error, this.target);
    }
  }

  async close(): Promise<void> {
    if (!this.database.closed) await this.database.close();
  }
}

/**
 * Rows in COPY's text format: tab between columns, newline after each row, `\N` for null, and backslash,
 * tab, newline and carriage return escaped inside values.
 */
export function copyText(rows: ReadonlyArray<readonly unknown[]>): string {
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) text += '\t';
      text += copyValue(row[i]);
    }
    text += '\n';
  }
  return text;
}

const HAS_COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string')
    return HAS_COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]!) : value;
  // NaN, Infinity and -Infinity print as PostgreSQL reads them.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`COPY takes strings, numbers, booleans, Dates and null; got ${typeof value}`);
}

async function runQuery<Row>(
  runner: PGlite | Transaction,
  text: string,
  params: readonly unknown[],
  target: string,
  options: QueryOptions,
): Promise<Row[]> {
  try {
    const result = await runner.query<Row>(text, params as unknown[], options);
    return result.rows;
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}

async function runScript(runner: PGlite | Transaction, script: string, target: string): Promise<void> {
  try {
    await runner.exec(script);
  } catch (error) {
    throw translatePostgresError(error, target);
  }
}

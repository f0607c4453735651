/**
 * Rows of a SQL query as knowledge records: each row becomes one document whose text is a template
 * filled with the row's columns (`{{username}} has role {{role_name}}`) and whose metadata is the row.
 * Rows are read page by page in the order of the id column.
 */
import type pg from 'pg';
import { ValidationError } from '../../core/errors.ts';
import type { JsonValue, Metadata } from '../../core/types.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { KnowledgeRecord } from '../records.ts';
import { quoteIdentifier } from './conversation-map.ts';
import { connectPostgres, describePostgresUrl, queryRows } from './postgres-connection.ts';

const OWN_PARAMETERS = ['query', 'template', 'id'] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export interface PostgresRowsSourceOptions {
  url: URL;
  /** A SELECT; wrapped as a subquery, so it must not end with a semicolon. */
  query: string;
  template: string;
  /** Column whose value names each row's document. Default `id`. */
  idColumn?: string;
  /** Prefix of every document source, e.g. `users/`. Default none. */
  sourcePrefix?: string;
}

export class PostgresRowsSource implements MigrationSource<KnowledgeRecord> {
  private client: pg.Client | undefined;
  private readonly idColumn: string;

  constructor(private readonly options: PostgresRowsSourceOptions) {
    this.idColumn = options.idColumn ?? 'id';
    if (!new RegExp(PLACEHOLDER.source).test(options.template)) {
      throw new ValidationError(
        'The --template has no {{column}} placeholder: write the document text with the columns it uses, e.g. "{{username}} has role {{role}}".',
      );
    }
    if (/;\s*$/.test(options.query)) {
      throw new ValidationError('The query must be one SELECT without a trailing semicolon.');
    }
  }

  async describe(): Promise<SourceDescription> {
    const [row] = await queryRows<{ count: string }>(
      await this.connect(),
      'the row count',
      `SELECT count(*) AS count FROM (${this.options.query}) AS source_rows`,
    );
    return {
      kind: 'knowledge',
      location: describePostgresUrl(this.options.url),
      name: 'query',
      count: Number(row?.count ?? 0),
      embedding: null,
      description: `Rows of: ${this.options.query.slice(0, 200)}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    const client = await this.connect();
    for (let offset = options.skip; ; offset += options.batchSize) {
      const rows = await queryRows<Record<string, unknown>>(
        client,
        'rows',
        `SELECT * FROM (${this.options.query}) AS source_rows ORDER BY ${quoteIdentifier(this.idColumn)} LIMIT $1 OFFSET $2`,
        [options.batchSize, offset],
      );
      if (rows.length === 0) return;
      yield rows.map((row) => this.toRecord(row));
      if (rows.length < options.batchSize) return;
    }
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  private async connect(): Promise<pg.Client> {
    this.client ??= await connectPostgres(this.options.url, OWN_PARAMETERS);
    return this.client;
  }

  private toRecord(row: Record<string, unknown>): KnowledgeRecord {
    const metadata: Metadata = {};
    for (const [column, value] of Object.entries(row)) metadata[column] = toJson(value);
    const id = row[this.idColumn];
    if (id === undefined || id === null) {
      throw new ValidationError(
        `A row has no value in the id column "${this.idColumn}". Select a unique, non-null id column, or name one with --id-column.`,
      );
    }
    const text = this.options.template.replace(PLACEHOLDER, (_match, column: string) => {
      if (!(column in row)) {
        throw new ValidationError(
          `The template uses {{${column}}}, but the query returns no such column (it returns: ${Object.keys(row).join(', ')}).`,
        );
      }
      const value = row[column];
      return value === null || value === undefined
        ? ''
        : value instanceof Date
          ? value.toISOString()
          : String(value);
    });
    return {
      source: `${this.options.sourcePrefix ?? ''}${String(id)}`,
      position: 0,
      text,
      metadata,
      location: {},
      embedding: null,
    };
  }
}

function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') return JSON.parse(JSON.stringify(value)) as JsonValue;
  return value as JsonValue;
}

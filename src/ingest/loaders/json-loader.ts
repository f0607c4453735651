/**
 * JSON and JSON Lines. Arrays of objects read like tables (one "key: value" line per record, keys as the
 * header); everything else is flattened to "path: value" lines so every value sits next to its name.
 */
import { IngestError } from '../../core/errors.ts';
import type { ChunkDraft } from '../../core/ports.ts';
import type { JsonValue } from '../../core/types.ts';
import type { ChunkingSettings } from '../chunking/chunking-settings.ts';
import type { TextBlock } from '../chunking/pack-blocks.ts';
import { chunkRecords, type RecordTable } from '../chunking/record-chunker.ts';
import { chunkSections } from '../chunking/section-chunker.ts';
import { decodeText } from '../text-decoding.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

type JsonObject = { [key: string]: JsonValue };

export async function loadJson({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const text = decodeText(source, bytes);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new IngestError(
      `${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix the syntax ` +
        '(a JSON validator shows where), or save one JSON value per line as .jsonl, and try again.',
      { cause: error, details: { source, reason: 'malformed' } },
    );
  }
  return { chunks: chunkJsonValue(value, settings), metadata: {} };
}

export async function loadJsonLines({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> {
  const lines = decodeText(source, bytes).split(/\r\n|\r|\n/);
  const records: Array<{ line: number; value: JsonValue }> = [];
  lines.forEach((line, index) => {
    if (line.trim().length === 0) return;
    try {
      records.push({ line: index + 1, value: JSON.parse(line) as JsonValue });
    } catch (error) {
      throw new IngestError(
        `${source} has invalid JSON on line ${index + 1} (${error instanceof Error ? error.message : String(error)}). ` +
          'Each line of a .jsonl file must be one complete JSON value; fix that line and try again.',
        { cause: error, details: { source, reason: 'malformed', line: index + 1 } },
      );
    }
  });
  const objects = records.filter((record) => isPlainObject(record.value));
  const chunks: ChunkDraft[] = [];
  if (objects.length > 0) {
    const table = recordTable(
      objects.map((record) => ({ row: record.line, object: record.value as JsonObject })),
    );
    chunks.push(...chunkRecords(table, settings));
  }
  const others = records.filter((record) => !isPlainObject(record.value));
  const blocks = others.flatMap((record) => flattenLines(record.value, `[line ${record.line}]`));
  chunks.push(...chunkLines(blocks, settings));
  return { chunks, metadata: { records: records.length } };
}

/** "path: value" lines stay one per line; the splitter cuts at line ends when a chunk fills up. */
function chunkLines(lines: readonly TextBlock[], settings: ChunkingSettings): ChunkDraft[] {
  if (lines.length === 0) return [];
  return chunkSections(
    [{ headings: [], blocks: [{ text: lines.map((line) => line.text).join('\n') }] }],
    settings,
  );
}

function chunkJsonValue(value: JsonValue, settings: ChunkingSettings): ChunkDraft[] {
  const tables: RecordTable[] = [];
  const blocks: TextBlock[] = [];
  collect(value, '', tables, blocks);
  return [...chunkLines(blocks, settings), ...tables.flatMap((table) => chunkRecords(table, settings))];
}

/** Arrays of objects anywhere in the tree become tables named by their path; the rest becomes lines. */
function collect(value: JsonValue, path: string, tables: RecordTable[], blocks: TextBlock[]): void {
  if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
    const table = recordTable(
      value.map((object, index) => ({ row: index + 1, object: object as JsonObject })),
    );
    tables.push(path ? { ...table, sheet: path } : table);
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value))
      collect(child, path ? `${path}.${key}` : key, tables, blocks);
    return;
  }
  if (Array.isArray(value) && value.some((item) => isPlainObject(item) || Array.isArray(item))) {
    for (const [index, item] of value.entries()) collect(item, `${path}[${index}]`, tables, blocks);
    return;
  }
  blocks.push(...flattenLines(value, path));
}

function recordTable(records: Array<{ row: number; object: JsonObject }>): RecordTable {
  const headerIndex = new Map<string, number>();
  const rows = records.map(({ row, object }) => {
    const values: string[] = [];
    for (const [key, text] of flattenRecord(object, '')) {
      let column = headerIndex.get(key);
      if (column === undefined) {
        column = headerIndex.size;
        headerIndex.set(key, column);
      }
      values[column] = text;
    }
    return { row, values: Array.from(values, (text) => text ?? '') };
  });
  return { headers: [...headerIndex.keys()], rows, rangeKey: 'records' };
}

/** Nested objects become dotted columns; arrays of scalars a comma list; deeper structure stays JSON. */
function flattenRecord(object: JsonObject, prefix: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(object)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) pairs.push(...flattenRecord(value, name));
    else if (Array.isArray(value) && value.every((item) => !isPlainObject(item) && !Array.isArray(item)))
      pairs.push([name, value.map(scalarText).join(', ')]);
    else pairs.push([name, Array.isArray(value) ? JSON.stringify(value) : scalarText(value)]);
  }
  return pairs;
}

function flattenLines(value: JsonValue, path: string): TextBlock[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return [
      {
        text: `${path || 'items'}: ${value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : scalarText(item))).join(', ')}`,
      },
    ];
  }
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, child]) =>
      flattenLines(child, path ? `${path}.${key}` : key),
    );
  }
  const text = scalarText(value);
  if (text.length === 0) return [];
  return [{ text: path ? `${path}: ${text}` : text }];
}

function scalarText(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function isPlainObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

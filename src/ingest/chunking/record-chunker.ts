/**
 * Chunks tables (spreadsheet sheets, CSV, JSON record arrays). Every chunk repeats the sheet name and the
 * header row, then lists its rows as "Header: value; Header: value" lines, so a chunk read alone still
 * says what each value means.
 */
import type { ChunkDraft } from '../../core/ports.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import type { ChunkLocation } from '../../core/types.ts';
import type { ChunkingSettings } from './chunking-settings.ts';
import { splitLongText } from './split-text.ts';

export interface RecordRow {
  /** 1-based row number reported in the chunk location (spreadsheet row, CSV record, JSON line). */
  row: number;
  values: string[];
}

export interface RecordTable {
  sheet?: string;
  /** A title found above the table, repeated with the header. */
  caption?: string;
  headers: string[];
  rows: RecordRow[];
  /** Metadata key for the row range: "rows" for sheets and CSV, "records" for JSON arrays. */
  rangeKey?: string;
}

interface OpenChunk {
  lines: string[];
  tokens: number;
  firstRow: number;
  lastRow: number;
}

export function chunkRecords(table: RecordTable, settings: ChunkingSettings): ChunkDraft[] {
  const prefix = tablePrefix(table, settings.maxChunkTokens);
  const budget = Math.max(8, settings.maxChunkTokens - estimateTokens(prefix) - 1);
  const drafts: ChunkDraft[] = [];
  let open: OpenChunk | undefined;
  const flush = () => {
    if (open) drafts.push(buildDraft(table, prefix, open));
    open = undefined;
  };
  for (const row of table.rows) {
    const line = formatRow(table.headers, row.values);
    if (line.length === 0) continue;
    const tokens = estimateTokens(line);
    if (tokens > budget) {
      flush();
      for (const piece of splitLongText(line, budget)) {
        drafts.push(
          buildDraft(table, prefix, { lines: [piece.text], tokens, firstRow: row.row, lastRow: row.row }),
        );
      }
      continue;
    }
    if (open && open.tokens + 1 + tokens <= budget) {
      open.lines.push(line);
      open.tokens += 1 + tokens;
      open.lastRow = row.row;
    } else {
      flush();
      open = { lines: [line], tokens, firstRow: row.row, lastRow: row.row };
    }
  }
  flush();
  return drafts;
}

/**
 * "Header: value; Header: value", skipping empty cells; unnamed columns are called "Column N". A table
 * without a header row lists its values as "a | b | c".
 */
export function formatRow(headers: readonly string[], values: readonly string[]): string {
  // Line breaks inside a cell would break the one-row-per-line layout.
  const cells = values.map((value) => value.replace(/\s+/g, ' ').trim());
  if (headers.length === 0) return cells.filter((cell) => cell.length > 0).join(' | ');
  const pairs: string[] = [];
  cells.forEach((cell, index) => {
    if (cell.length === 0) return;
    pairs.push(`${headers[index]?.trim() || `Column ${index + 1}`}: ${cell}`);
  });
  return pairs.join('; ');
}

function tablePrefix(table: RecordTable, maxChunkTokens: number): string {
  const headerLine = table.headers.map((header, index) => header.trim() || `Column ${index + 1}`).join(' | ');
  const prefix = [table.sheet, table.caption, headerLine].filter(Boolean).join('\n');
  const limit = Math.max(8, Math.floor(maxChunkTokens / 2));
  if (estimateTokens(prefix) <= limit) return prefix;
  return splitLongText(prefix, limit)[0]?.text ?? '';
}

function buildDraft(table: RecordTable, prefix: string, chunk: OpenChunk): ChunkDraft {
  const text = prefix ? `${prefix}\n${chunk.lines.join('\n')}` : chunk.lines.join('\n');
  const location: ChunkLocation =
    table.sheet === undefined ? { row: chunk.firstRow } : { sheet: table.sheet, row: chunk.firstRow };
  const range = chunk.firstRow === chunk.lastRow ? `${chunk.firstRow}` : `${chunk.firstRow}-${chunk.lastRow}`;
  return {
    text,
    location,
    metadata: { [table.rangeKey ?? 'rows']: range },
    tokenCount: estimateTokens(text),
  };
}

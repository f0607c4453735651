/**
 * XLSX: one chunk group per worksheet. The first non-empty row is the header; every chunk repeats it and
 * lists data rows as "Header: value" lines with their spreadsheet row numbers. Empty rows are skipped.
 */
import type { CellValue, Workbook, Worksheet } from 'exceljs';
import { IngestError } from '../../core/errors.ts';
import type { ChunkDraft } from '../../core/ports.ts';
import type { Metadata } from '../../core/types.ts';
import { chunkRecords, type RecordRow, type RecordTable } from '../chunking/record-chunker.ts';
import { describeParseFailure } from './describe-parse-failure.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';
import { assertOpenableOfficeFile } from './office-container.ts';

export async function loadXlsx(context: LoaderContext): Promise<LoadedDocument> {
  const { source, bytes, settings } = context;
  assertOpenableOfficeFile(context, { label: '.xlsx', application: 'Excel' });
  const workbook = await openWorkbook(source, bytes);
  const chunks: ChunkDraft[] = [];
  const sheets: string[] = [];
  for (const worksheet of workbook.worksheets) {
    const table = sheetTable(worksheet);
    if (!table) continue;
    sheets.push(worksheet.name);
    chunks.push(...chunkRecords({ sheet: worksheet.name, ...table }, settings));
  }
  const metadata: Metadata = { sheets };
  if (workbook.title?.trim()) metadata.title = workbook.title.trim();
  return { chunks, metadata };
}

async function openWorkbook(source: string, bytes: Uint8Array): Promise<Workbook> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's typings predate Node's generic Buffer; the runtime accepts any Buffer.
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch (error) {
    const reason = describeParseFailure(error);
    throw new IngestError(
      `${source} could not be read as an Excel workbook (${reason}). It may be corrupt or not a real .xlsx: ` +
        'open it in Excel, save it again as .xlsx, and try again.',
      { cause: error, details: { source, reason: 'corrupt' } },
    );
  }
  return workbook;
}

/**
 * Leading rows with a single filled cell are usually a title above the table ("Holiday calendar"): they
 * become the table caption and the next row is the header.
 */
function sheetTable(worksheet: Worksheet): Omit<RecordTable, 'sheet'> | undefined {
  const filledRows: RecordRow[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, columnNumber) => {
      values[columnNumber - 1] = cellText(cell.value);
    });
    const filled = Array.from(values, (value) => value ?? '');
    if (filled.some((value) => value.trim().length > 0)) filledRows.push({ row: rowNumber, values: filled });
  });
  const headerIndex = filledRows.findIndex((row) => filledCount(row) >= 2);
  const captionRows = headerIndex > 0 ? filledRows.slice(0, headerIndex) : [];
  const caption = captionRows.map((row) => row.values.join(' ').trim()).join(' — ');
  const [header, ...rows] = filledRows.slice(captionRows.length);
  if (!header) return captionRows.length > 0 ? { headers: [], rows: captionRows } : undefined;
  // A sheet that is only a header row still says something worth finding.
  const table = rows.length > 0 ? { headers: header.values, rows } : { headers: [], rows: [header] };
  return caption ? { ...table, caption } : table;
}

function filledCount(row: RecordRow): number {
  return row.values.reduce((count, value) => count + (value.trim().length > 0 ? 1 : 0), 0);
}

/** Plain text of a cell: formulas give their result, dates their ISO date, rich text its runs. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return formatDate(value);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('hyperlink' in value) return cellText(value.text as CellValue);
  if ('error' in value) return value.error;
  if ('result' in value) return cellText(value.result as CellValue);
  if ('formula' in value || 'sharedFormula' in value) return '';
  return '';
}

/** Excel dates carry no zone; exceljs reads them as UTC. Whole days print as dates only. */
function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

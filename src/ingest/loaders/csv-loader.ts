/** CSV and TSV: like a single spreadsheet sheet, with the first non-empty record as the header row. */
import { IngestError } from '../../core/errors.ts';
import { chunkRecords, type RecordRow } from '../chunking/record-chunker.ts';
import { decodeText } from '../text-decoding.ts';
import { guessDelimiter, parseDelimited, UnterminatedQuoteError } from './delimited-text.ts';
import type { LoadedDocument, LoaderContext } from './loader.ts';

export function createDelimitedLoader(kind: 'csv' | 'tsv') {
  return async ({ source, bytes, settings }: LoaderContext): Promise<LoadedDocument> => {
    const text = decodeText(source, bytes);
    const delimiter = kind === 'tsv' ? '\t' : guessDelimiter(text);
    let records: ReturnType<typeof parseDelimited>;
    try {
      records = parseDelimited(text, delimiter);
    } catch (error) {
      if (!(error instanceof UnterminatedQuoteError)) throw error;
      throw new IngestError(
        `${source} is not valid ${kind.toUpperCase()}: ${error.message}. Close the quote (or double quotes ` +
          'inside quoted fields: "") and try again.',
        { cause: error, details: { source, reason: 'malformed', line: error.line } },
      );
    }
    const nonEmpty = records.filter((record) => record.values.some((value) => value.trim().length > 0));
    const [header, ...data] = nonEmpty;
    if (!header) return { chunks: [], metadata: {} };
    const rows: RecordRow[] =
      data.length > 0
        ? data.map(({ row, values }) => ({ row, values }))
        : [{ row: header.row, values: header.values }];
    const headers = data.length > 0 ? header.values : [];
    return { chunks: chunkRecords({ headers, rows }, settings), metadata: { rows: data.length } };
  };
}

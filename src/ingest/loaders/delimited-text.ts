/**
 * RFC 4180 reader for CSV and TSV: quoted fields may hold delimiters, doubled quotes and line breaks.
 * One pass over the text; a quote only opens a quoted field at the start of a field.
 */
export interface DelimitedRecord {
  /** 1-based record number; the header is record 1, like a spreadsheet row. */
  row: number;
  /** 1-based line the record starts on, for error messages. */
  line: number;
  values: string[];
}

export class UnterminatedQuoteError extends Error {
  constructor(readonly line: number) {
    super(`a quoted field starting on line ${line} is never closed`);
  }
}

export function parseDelimited(text: string, delimiter: string): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  const separator = delimiter.charCodeAt(0);
  let values: string[] = [];
  let field = '';
  let index = 0;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    values.push(field);
    records.push({ row: records.length + 1, line: recordLine, values });
    values = [];
    field = '';
    recordLine = line;
  };
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 34 && field.length === 0) {
      const quoteLine = line;
      let end = index + 1;
      const parts: string[] = [];
      for (;;) {
        const next = text.indexOf('"', end);
        if (next < 0) throw new UnterminatedQuoteError(quoteLine);
        parts.push(text.slice(end, next));
        if (text.charCodeAt(next + 1) === 34) {
          parts.push('"');
          end = next + 2;
          continue;
        }
        index = next + 1;
        break;
      }
      field = parts.join('');
      line += countLineBreaks(field);
      continue;
    }
    if (code === separator) {
      values.push(field);
      field = '';
    } else if (code === 10 || code === 13) {
      if (code === 13 && text.charCodeAt(index + 1) === 10) index++;
      line++;
      endRecord();
    } else {
      const stop = nextSpecial(text, index, separator);
      field += text.slice(index, stop);
      index = stop;
      continue;
    }
    index++;
  }
  if (field.length > 0 || values.length > 0) endRecord();
  return records;
}

/** Comma unless the first line has more semicolons or tabs (spreadsheet exports in many locales). */
export function guessDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.min(text.length, 64 * 1024)).split(/\r\n|\r|\n/, 1)[0] ?? '';
  const counts = [',', ';', '\t'].map((candidate) => ({
    candidate,
    count: firstLine.split(candidate).length - 1,
  }));
  counts.sort((left, right) => right.count - left.count);
  return counts[0] && counts[0].count > 0 ? counts[0].candidate : ',';
}

function nextSpecial(text: string, from: number, separator: number): number {
  let index = from;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === separator || code === 10 || code === 13) return index;
    index++;
  }
  return index;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === 10) count++;
  return count;
}

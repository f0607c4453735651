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

const CANDIDATES = [',', ';', '\t', '|'] as const;
const SAMPLE_CHARACTERS = 64 * 1024;
const SAMPLE_RECORDS = 50;

/**
 * The delimiter that splits the first records into the same number of fields (two or more), counted
 * outside quoted fields: `"Name, first";Age;City` is semicolon-separated, and a European export with
 * decimal commas is not read as comma-separated. The most consistent candidate wins, then the one with
 * more fields, then the earlier of `,` `;` tab `|`. Comma when none splits the header.
 */
export function guessDelimiter(text: string): string {
  const sample = completeRecords(text.slice(0, SAMPLE_CHARACTERS), text.length > SAMPLE_CHARACTERS);
  let best = { delimiter: ',', consistency: 0, fields: 0 };
  for (const delimiter of CANDIDATES) {
    let records: DelimitedRecord[];
    try {
      records = parseDelimited(sample, delimiter).slice(0, SAMPLE_RECORDS);
    } catch {
      continue;
    }
    const counts = records
      .filter((record) => record.values.length > 1 || record.values[0] !== '')
      .map((record) => record.values.length);
    const fields = counts[0] ?? 0;
    if (fields < 2) continue;
    const consistency = counts.filter((count) => count === fields).length / counts.length;
    if (consistency > best.consistency || (consistency === best.consistency && fields > best.fields)) {
      best = { delimiter, consistency, fields };
    }
  }
  return best.delimiter;
}

/** The sample up to its last line break outside quotes, when the text goes on past it. */
function completeRecords(sample: string, truncated: boolean): string {
  if (!truncated) return sample;
  let inQuotes = false;
  let lastBreak = -1;
  for (let index = 0; index < sample.length; index++) {
    const code = sample.charCodeAt(index);
    if (code === 34) inQuotes = !inQuotes;
    else if (code === 10 && !inQuotes) lastBreak = index;
  }
  return lastBreak < 0 ? sample : sample.slice(0, lastBreak + 1);
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

/**
 * Splits passage text into sentence-like units for extraction. Lines are hard boundaries (headings, list
 * items and spreadsheet rows are one line each); within a line, a sentence ends at . ! or ? followed by a
 * space and an upper-case letter, digit or quote — so "e.g. this" and "3.5 days" stay whole.
 */
const SENTENCE_END = /(?<=[.!?])["')\]]?\s+(?=["'([]?[\p{Lu}\p{N}])/u;
const LIST_MARKER = /^\s*(?:[-*•]|\d+[.)])\s+/;

const TABLE_SEPARATOR = /^\|?[\s:|-]+\|?$/;

/** "| a | b |" → "a; b": a Markdown table row reads as one statement, its separator row as nothing. */
function plainTableRow(line: string): string {
  if (!line.startsWith('|')) return line;
  if (TABLE_SEPARATOR.test(line)) return '';
  return line
    .split('|')
    .map((cell) => cell.trim())
    .filter((cell) => cell.length > 0)
    .join('; ');
}

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const rawLine of text.split(/\n+/)) {
    const line = plainTableRow(rawLine.trim()).replace(LIST_MARKER, '').trim();
    if (line.length === 0) continue;
    for (const piece of line.split(SENTENCE_END)) {
      const sentence = piece.trim();
      if (sentence.length > 0) sentences.push(sentence);
    }
  }
  return sentences;
}

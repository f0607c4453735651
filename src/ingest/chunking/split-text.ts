/**
 * Splits text that is too long for one chunk: at sentence ends (and line breaks) first, then at word
 * boundaries, then hard at a character count. Every level scans its span once and each character is
 * estimated at most once per level, so the whole split is linear in the length of the text.
 */
import { estimateTokens } from '../../core/text/tokens.ts';

/** A piece of the original text: `text` is `original.slice(start, end)`, so nothing is rewritten or lost. */
export interface TextPiece {
  text: string;
  start: number;
}

interface Span {
  start: number;
  end: number;
}

/** Cuts `text` into pieces of at most `maxTokens` estimated tokens; pieces keep their inner whitespace. */
export function splitLongText(text: string, maxTokens: number): TextPiece[] {
  const limit = Math.max(1, Math.floor(maxTokens));
  const spans: Span[] = [];
  packSpans(text, sentenceSpans(text, 0, text.length), limit, spans, (span) =>
    packSpans(text, wordSpans(text, span.start, span.end), limit, spans, (word) =>
      hardSplit(text, word, limit, spans),
    ),
  );
  return spans.map((span) => ({ text: text.slice(span.start, span.end), start: span.start }));
}

/**
 * Greedily merges consecutive spans while the estimate stays under the limit; a span that alone is over
 * the limit goes to `splitFurther`. The running estimate adds the gap between spans, so it never
 * under-counts the merged slice (estimateTokens is subadditive over whitespace-separated parts).
 */
function packSpans(
  text: string,
  spans: Iterable<Span>,
  limit: number,
  output: Span[],
  splitFurther: (span: Span) => void,
): void {
  let current: Span | undefined;
  let currentTokens = 0;
  for (const span of spans) {
    // Past limit * 4 characters the estimate is over the limit anyway; skip counting a huge span.
    const tokens =
      span.end - span.start > limit * 4 ? limit + 1 : estimateTokens(text.slice(span.start, span.end));
    if (tokens > limit) {
      if (current) output.push(current);
      current = undefined;
      splitFurther(span);
      continue;
    }
    const gapTokens = current ? Math.ceil((span.start - current.end) / 4) : 0;
    if (current && currentTokens + gapTokens + tokens <= limit) {
      current.end = span.end;
      currentTokens += gapTokens + tokens;
    } else {
      if (current) output.push(current);
      current = { start: span.start, end: span.end };
      currentTokens = tokens;
    }
  }
  if (current) output.push(current);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 160;
}

function isSentenceEnd(code: number): boolean {
  // . ! ? and the fullwidth ideographic full stop
  return code === 46 || code === 33 || code === 63 || code === 0x3002;
}

function isCloser(code: number): boolean {
  // quotes and brackets that may follow a sentence end: " ' ) ] ” ’
  return code === 34 || code === 39 || code === 41 || code === 93 || code === 0x201d || code === 0x2019;
}

/** Sentences (and lines) inside [from, to), trimmed of surrounding whitespace. */
function* sentenceSpans(text: string, from: number, to: number): Generator<Span> {
  let start = skipSpaces(text, from, to);
  let index = start;
  while (index < to) {
    const code = text.charCodeAt(index);
    let end = -1;
    if (code === 10) {
      end = index;
    } else if (isSentenceEnd(code)) {
      let after = index + 1;
      while (after < to && (isSentenceEnd(text.charCodeAt(after)) || isCloser(text.charCodeAt(after))))
        after++;
      if (after === to || isSpace(text.charCodeAt(after))) end = after;
      index = after - 1;
    }
    if (end >= 0) {
      const trimmedEnd = trimEnd(text, start, end);
      if (trimmedEnd > start) yield { start, end: trimmedEnd };
      start = skipSpaces(text, end, to);
      index = start;
      continue;
    }
    index++;
  }
  const trimmedEnd = trimEnd(text, start, to);
  if (trimmedEnd > start) yield { start, end: trimmedEnd };
}

function* wordSpans(text: string, from: number, to: number): Generator<Span> {
  let index = from;
  while (index < to) {
    index = skipSpaces(text, index, to);
    if (index >= to) return;
    const start = index;
    while (index < to && !isSpace(text.charCodeAt(index))) index++;
    yield { start, end: index };
  }
}

/** A single word longer than the limit: cut every `limit * 4` characters, never inside a surrogate pair. */
function hardSplit(text: string, span: Span, limit: number, output: Span[]): void {
  const size = Math.max(2, limit * 4);
  let start = span.start;
  while (start < span.end) {
    let end = Math.min(span.end, start + size);
    const code = text.charCodeAt(end);
    if (end < span.end && code >= 0xdc00 && code <= 0xdfff) end--;
    output.push({ start, end });
    start = end;
  }
}

function skipSpaces(text: string, from: number, to: number): number {
  let index = from;
  while (index < to && isSpace(text.charCodeAt(index))) index++;
  return index;
}

function trimEnd(text: string, from: number, to: number): number {
  let end = to;
  while (end > from && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * Splits text that is too long for one chunk: at sentence ends (and line breaks) first, then at word
 * boundaries, then hard at a character count. Every level scans its span once and each character is
 * estimated at most once per level, so the whole split is linear in the length of the text.
 */
import { estimateTokens, isWide } from '../../core/text/tokens.ts';

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
  return code === 46 || code === 33 || code === 63 || isWideSentenceEnd(code);
}

/** 。！？ (and the half-width ｡): Chinese and Japanese sentences end there with no space after. */
function isWideSentenceEnd(code: number): boolean {
  return code === 0x3002 || code === 0xff01 || code === 0xff1f || code === 0xff61;
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
      if (after === to || isSpace(text.charCodeAt(after)) || isWideSentenceEnd(text.charCodeAt(after - 1))) {
        end = after;
      }
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

/**
 * A single word longer than the limit: cut where the estimate reaches it (4 narrow characters or one CJK
 * character per token), never inside a surrogate pair.
 */
function hardSplit(text: string, span: Span, limit: number, output: Span[]): void {
  let start = span.start;
  let cost = 0;
  let afterWideHigh = false;
  for (let index = span.start; index < span.end; index++) {
    const code = text.charCodeAt(index);
    const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
    // As estimateTokens counts: a wide character one token (its low surrogate nothing), any other code unit a quarter.
    const width = isWide(code) ? 1 : isLowSurrogate && afterWideHigh ? 0 : 0.25;
    if (cost + width > limit && index > start && !isLowSurrogate) {
      output.push({ start, end: index });
      start = index;
      cost = 0;
    }
    cost += width;
    afterWideHigh = code >= 0xd840 && code <= 0xd87f;
  }
  if (start < span.end) output.push({ start, end: span.end });
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

/**
 * Packs consecutive blocks (paragraphs, table rows as text) into chunk bodies of at most `budget` estimated
 * tokens. A block too long for one chunk is split first (see split-text.ts). When a chunk fills up, the
 * next one starts with the last `overlapTokens` of it, so a sentence cut at the boundary stays findable.
 */
import { estimateTokens } from '../../core/text/tokens.ts';
import { splitLongText } from './split-text.ts';

export interface TextBlock {
  text: string;
  /** 1-based line of the block's first character in the source file, when the loader knows it. */
  line?: number;
}

export interface PackedBody {
  text: string;
  /** Line of the first block that starts in this chunk (overlap text from the previous chunk aside). */
  line?: number;
}

export interface PackOptions {
  /** Largest estimated token count of one body. */
  budget: number;
  overlapTokens: number;
}

const SEPARATOR = '\n\n';

export function packBlocks(blocks: readonly TextBlock[], options: PackOptions): PackedBody[] {
  const budget = Math.max(8, Math.floor(options.budget));
  const overlapTokens = Math.min(Math.max(0, Math.floor(options.overlapTokens)), Math.floor(budget / 4));
  const bodies: PackedBody[] = [];
  let parts: string[] = [];
  let tokens = 0;
  let line: number | undefined;
  let hasNewContent = false;

  const flush = () => {
    const text = parts.join(SEPARATOR);
    if (hasNewContent) bodies.push(line === undefined ? { text } : { text, line });
    parts = [];
    tokens = 0;
    line = undefined;
    hasNewContent = false;
  };

  for (const piece of pieces(blocks, budget, overlapTokens)) {
    if (hasNewContent && tokens + 1 + piece.tokens > budget) {
      const overlap = overlapTokens > 0 ? overlapTail(parts.join(SEPARATOR), overlapTokens) : '';
      flush();
      const overlapSize = estimateTokens(overlap);
      // A block that alone nearly fills a chunk goes without overlap rather than being split.
      if (overlap && overlapSize + 1 + piece.tokens <= budget) {
        parts.push(overlap);
        tokens = overlapSize;
      }
    }
    if (!hasNewContent) line = piece.line;
    tokens += (parts.length > 0 ? 1 : 0) + piece.tokens;
    parts.push(piece.text);
    hasNewContent = true;
  }
  flush();
  return bodies;
}

interface Piece {
  text: string;
  tokens: number;
  line?: number;
}

/** Blocks that fit pass through; longer ones are split so that the overlap plus one piece still fits. */
function* pieces(blocks: readonly TextBlock[], budget: number, overlapTokens: number): Generator<Piece> {
  for (const block of blocks) {
    const text = block.text.trim();
    if (text.length === 0) continue;
    const tokens = text.length > budget * 4 ? budget + 1 : estimateTokens(text);
    if (tokens <= budget) {
      yield block.line === undefined ? { text, tokens } : { text, tokens, line: block.line };
      continue;
    }
    let line = block.line;
    let scanned = 0;
    for (const part of splitLongText(text, budget - overlapTokens - 1)) {
      if (line !== undefined) {
        line += countNewlines(text, scanned, part.start);
        scanned = part.start;
      }
      yield { text: part.text, tokens: estimateTokens(part.text), ...(line === undefined ? {} : { line }) };
    }
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index++) if (text.charCodeAt(index) === 10) count++;
  return count;
}

/**
 * The longest run of whole words at the end of `text` whose estimate stays within `maxTokens`. It walks
 * backwards and never looks further than the tail could reach, so the cost does not grow with the body.
 */
export function overlapTail(text: string, maxTokens: number): string {
  const lowest = Math.max(0, text.length - maxTokens * 4 - 1);
  let index = text.length;
  let start = text.length;
  let words = 0;
  while (index > lowest) {
    while (index > lowest && isWhitespace(text.charCodeAt(index - 1))) index--;
    let wordStart = index;
    while (wordStart > lowest && !isWhitespace(text.charCodeAt(wordStart - 1))) wordStart--;
    // A word cut by the scan limit, or none at all, ends the tail.
    if (
      wordStart === index ||
      (wordStart === lowest && lowest > 0 && !isWhitespace(text.charCodeAt(lowest - 1)))
    )
      break;
    const chars = text.length - wordStart;
    if (Math.max(Math.ceil(chars / 4), Math.ceil((words + 1) / 0.75)) > maxTokens) break;
    words++;
    start = wordStart;
    index = wordStart;
  }
  return text.slice(start).trim();
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 160;
}

/**
 * Reads the paraphrases out of a model's reply. Models asked for "one query per line" also answer with
 * numbering, bullets, quotes, a preamble, code fences or a JSON array; all of those are tolerated.
 */

const BULLET = /^(?:[-*•+]\s+|\(?\d{1,2}[.):]\s+|\d{1,2}\s+-\s+)/;
const LABEL = /^(?:query|variant|paraphrase|rephrasing|alternative)\s*\d*\s*[:.-]\s*/i;
const PREAMBLE = /^(?:here (?:are|is)|sure\b|certainly\b|of course\b|okay\b|ok\b|i (?:can|will|would))/i;
const QUOTES = /^["'“‘`]+|["'”’`]+$/g;

/**
 * Distinct paraphrases of `original` found in `reply`, at most `max`, in the order given. The original
 * itself, blank lines, preambles and runaway lines are dropped.
 */
export function parseVariants(reply: string, original: string, max: number): string[] {
  const candidates = jsonArray(reply) ?? reply.split(/\r?\n/);
  const longest = Math.max(200, original.length * 4);
  const seen = new Set([normalize(original)]);
  const variants: string[] = [];
  for (const candidate of candidates) {
    const cleaned = clean(candidate);
    if (!cleaned || cleaned.length > longest || !/[\p{L}\p{N}]/u.test(cleaned)) continue;
    if (cleaned.endsWith(':') || PREAMBLE.test(cleaned) || cleaned.startsWith('```')) continue;
    const key = normalize(cleaned);
    if (seen.has(key)) continue;
    seen.add(key);
    variants.push(cleaned);
    if (variants.length === max) break;
  }
  return variants;
}

function clean(line: string): string {
  let text = line.trim();
  // Markers nest ("2) - Query 3: …"): peel them until none is left.
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(BULLET, '').replace(LABEL, '').trim();
  }
  return text.replace(QUOTES, '').trim();
}

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s?.!]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The strings of a JSON array anywhere in the reply (inside code fences too), if there is one. */
function jsonArray(reply: string): string[] | undefined {
  const start = reply.indexOf('[');
  const end = reply.lastIndexOf(']');
  if (start < 0 || end <= start) return undefined;
  try {
    const parsed: unknown = JSON.parse(reply.slice(start, end + 1));
    if (!Array.isArray(parsed)) return undefined;
    const strings = parsed.filter((item): item is string => typeof item === 'string');
    return strings.length > 0 ? strings : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text normalisation for model-free answer metrics, in the spirit of SQuAD's: case and accents folded,
 * punctuation and English articles dropped, citation markers ("[1]", "[2, 3]") removed, so that
 * "USD 1,500 [2]." and "usd 1500" compare equal.
 */

const CITATION_MARKERS = /\[\d+(?:\s*,\s*\d+)*\]/g;
const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * The answer's comparable tokens.
 *
 * @example answerTokens('The limit is EUR 180 a night [1].') // ['limit', 'is', 'eur', '180', 'night']
 */
export function answerTokens(text: string): string[] {
  const folded = text
    .replace(CITATION_MARKERS, ' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // Separators inside numbers ("1,500", "10:00", "2.5") join the digits rather than split them.
    .replace(/(\d)[,.:'’](?=\d)/g, '$1')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ');
  return folded.split(/\s+/).filter((token) => token !== '' && !ARTICLES.has(token));
}

/** True when `needle`'s tokens occur contiguously, in order, in `haystack`'s. Empty needles never match. */
export function containsTokens(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0 || needle.length > haystack.length) return false;
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * Token estimate used for chunk sizing and history windows. Model tokenizers differ; ~4 characters or
 * ~0.75 words per token holds for English on the common BPE vocabularies, so take the larger estimate.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const isSpace = code === 32 || code === 10 || code === 9 || code === 13;
    if (!isSpace && !inWord) words++;
    inWord = !isSpace;
  }
  return Math.max(Math.ceil(text.length / 4), Math.ceil(words / 0.75));
}

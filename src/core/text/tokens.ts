/**
 * Token estimate used for chunk sizing and history windows, without a tokenizer bundle. Model tokenizers
 * differ; for English ~4 characters or ~0.75 words per token holds on the common BPE vocabularies, so the
 * larger of the two is taken. Chinese, Japanese and Korean have no spaces between words and take about
 * one token per character (cl100k_base: 1.1 for Chinese, o200k_base: 0.75), so each ideograph, kana,
 * Hangul syllable and full-width punctuation mark counts as one token and the rest of the text is
 * estimated as above.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  let wideCharacters = 0;
  let otherCharacters = 0;
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isWide(code)) {
      wideCharacters++;
      // A supplementary-plane ideograph (U+20000 onwards) is one character in two code units.
      if (code >= 0xd840 && code <= 0xd87f) index++;
      inWord = false;
      continue;
    }
    otherCharacters++;
    const isSpace = code === 32 || code === 10 || code === 9 || code === 13;
    if (!isSpace && !inWord) words++;
    inWord = !isSpace;
  }
  const other = otherCharacters === 0 ? 0 : Math.max(Math.ceil(otherCharacters / 4), Math.ceil(words / 0.75));
  return wideCharacters + other;
}

/** CJK ideographs, kana, Hangul, CJK and full-width punctuation: one estimated token each (UTF-16 code unit). */
export function isWide(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0x3400 && code <= 0x4dbf) || // extension A
    (code >= 0xf900 && code <= 0xfaff) || // compatibility ideographs
    (code >= 0xd840 && code <= 0xd87f) || // high surrogates of U+20000–U+2FFFF (extensions B onwards)
    (code >= 0x3000 && code <= 0x30ff) || // CJK punctuation, hiragana, katakana
    (code >= 0x31f0 && code <= 0x31ff) || // katakana phonetic extensions
    (code >= 0xac00 && code <= 0xd7af) || // Hangul syllables
    (code >= 0x1100 && code <= 0x11ff) || // Hangul jamo
    (code >= 0x3130 && code <= 0x318f) || // Hangul compatibility jamo
    (code >= 0xff00 && code <= 0xffef) // full-width forms and half-width kana
  );
}

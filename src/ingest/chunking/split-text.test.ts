import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../core/text/tokens.ts';
import { splitLongText } from './split-text.ts';

function withoutWhitespace(text: string): string {
  return text.replace(/\s+/g, '');
}

describe('splitLongText', () => {
  it('cuts at sentence ends first, keeping whole sentences together', () => {
    const text = 'Vacation accrues monthly. It starts on day one! Does it carry over? Yes, five days.';
    const pieces = splitLongText(text, 16);
    expect(pieces.map((piece) => piece.text)).toEqual([
      'Vacation accrues monthly. It starts on day one!',
      'Does it carry over? Yes, five days.',
    ]);
    for (const piece of pieces)
      expect(text.slice(piece.start, piece.start + piece.text.length)).toBe(piece.text);
  });

  it('does not treat decimals or abbreviations without a following space as sentence ends', () => {
    const pieces = splitLongText('Version 2.5 costs 3.99 USD.Next item follows here.', 100);
    expect(pieces.map((piece) => piece.text)).toEqual(['Version 2.5 costs 3.99 USD.Next item follows here.']);
  });

  it('falls back to word boundaries for an over-long sentence, then to hard cuts for an over-long word', () => {
    const sentence = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    const pieces = splitLongText(sentence, 20);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(estimateTokens(piece.text)).toBeLessThanOrEqual(20);
      expect(piece.text).toMatch(/^word\d+( word\d+)*$/);
    }
    const word = 'a'.repeat(1000);
    const hard = splitLongText(word, 50);
    expect(hard.map((piece) => piece.text.length)).toEqual([200, 200, 200, 200, 200]);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = '😀'.repeat(300);
    const pieces = splitLongText(text, 25);
    for (const piece of pieces) expect(piece.text).toMatch(/^(?:\p{Extended_Pictographic})+$/u);
    expect(pieces.map((piece) => piece.text).join('')).toBe(text);
  });

  it('keeps every non-space character of mixed input and respects the limit', () => {
    const text = `${'Short one. '.repeat(50)}${'x'.repeat(900)} tail words here.\n${'and more words '.repeat(80)}`;
    const pieces = splitLongText(text, 40);
    expect(withoutWhitespace(pieces.map((piece) => piece.text).join(''))).toBe(withoutWhitespace(text));
    for (const piece of pieces) expect(estimateTokens(piece.text)).toBeLessThanOrEqual(40);
  });

  it('cuts Chinese and Japanese text at 。！？ and keeps each piece within the limit', () => {
    const sentence = '员工每年享有十五天带薪年假，入职满一年后开始计算。';
    const text = `${sentence.repeat(30)}病假需要提供医院证明！加班可以调休吗？`;
    const pieces = splitLongText(text, 60);
    for (const piece of pieces) {
      expect(estimateTokens(piece.text)).toBeLessThanOrEqual(60);
      expect(piece.text).toMatch(/[。！？]$/);
    }
    expect(pieces.map((piece) => piece.text).join('')).toBe(text);
    // Two 25-character sentences per piece, then the two short ones together.
    expect(pieces.length).toBe(16);
  });

  it('cuts a run of CJK characters with no sentence end at the limit', () => {
    const text = '数据'.repeat(200);
    const pieces = splitLongText(text, 50);
    expect(pieces.map((piece) => piece.text.length)).toEqual([50, 50, 50, 50, 50, 50, 50, 50]);
  });
});

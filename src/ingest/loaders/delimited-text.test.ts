import { describe, expect, it } from 'vitest';
import { guessDelimiter } from './delimited-text.ts';

describe('guessDelimiter', () => {
  it('ignores delimiters inside quoted fields', () => {
    const text = '"Name, first, middle";Age;City\n"Okafor, Ada, N";41;Lisbon\n"Lee, Sam, K";35;Porto\n';
    expect(guessDelimiter(text)).toBe(';');
  });

  it('reads a European export with decimal commas as semicolon-separated', () => {
    const text = 'Item;Price;Weight\nApple;1,50;0,2\nPear;2,75;0,25\n';
    expect(guessDelimiter(text)).toBe(';');
  });

  it('prefers the delimiter that gives every row the same number of fields', () => {
    // One comma per line in the notes, but two semicolons on every line.
    const text = 'Id;Note;Owner\n1;Fine, thanks;Ada\n2;Call back, later;Sam\n3;Done;Lee\n';
    expect(guessDelimiter(text)).toBe(';');
    expect(guessDelimiter('a,b,c\n1,2,3\n4,5,6\n')).toBe(',');
    expect(guessDelimiter('a\tb\n1\t2\n')).toBe('\t');
    expect(guessDelimiter('a|b|c\n1|2|3\n')).toBe('|');
  });

  it('falls back to comma for one column, and copes with a sample cut inside a quoted field', () => {
    expect(guessDelimiter('Name\nAda\nSam\n')).toBe(',');
    const long = `Name;Note\n${'Ada;"a long, long note\nover two lines"\n'.repeat(3000)}`;
    expect(long.length).toBeGreaterThan(64 * 1024);
    expect(guessDelimiter(long)).toBe(';');
  });
});

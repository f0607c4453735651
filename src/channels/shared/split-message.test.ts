import { describe, expect, it } from 'vitest';
import { conversationIdFor } from './conversation-key.ts';
import { sourceEntries } from './source-list.ts';
import { splitMessage } from './split-message.ts';

describe('splitMessage', () => {
  it('keeps a short answer whole', () => {
    expect(splitMessage('  Twenty days.  ', 2000)).toEqual(['Twenty days.']);
  });

  it('cuts at paragraph breaks, then lines, then spaces, never past the limit', () => {
    const text = `${'a'.repeat(1500)}\n\n${'b'.repeat(1500)}\n${'c '.repeat(900)}`;
    const pieces = splitMessage(text, 2000);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(2000);
    expect(pieces[0]).toBe('a'.repeat(1500));
    expect(pieces[1]).toBe('b'.repeat(1500));
    expect(pieces.join(' ').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });

  it('cuts a word longer than the limit where it must', () => {
    const pieces = splitMessage('x'.repeat(4100), 2000);
    expect(pieces.map((piece) => piece.length)).toEqual([1996, 1996, 108]);
  });

  it('closes a code block cut in two and reopens it in the next piece', () => {
    const code = Array.from({ length: 120 }, (_, line) => `const line${line} = ${line};`).join('\n');
    const pieces = splitMessage(`Here:\n\`\`\`\n${code}\n\`\`\``, 1000);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(1000);
      expect((piece.match(/```/g)?.length ?? 0) % 2).toBe(0);
    }
    expect(pieces[1]?.startsWith('```\n')).toBe(true);
  });

  it('refuses a limit too small to hold a fence', () => {
    expect(() => splitMessage('text', 5)).toThrow(RangeError);
  });
});

describe('conversationIdFor', () => {
  it('gives the same place the same UUID-shaped id, and another place another', () => {
    const id = conversationIdFor(['slack', 'T1', 'C1', '1.2']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(conversationIdFor(['slack', 'T1', 'C1', '1.2'])).toBe(id);
    expect(conversationIdFor(['slack', 'T1', 'C11', '.2'])).not.toBe(id);
  });
});

describe('sourceEntries', () => {
  const citation = (index: number, source: string, location = {}) => ({
    index,
    source,
    location,
    chunkId: `c${index}`,
    documentId: 'd',
    text: '',
  });

  it('numbers each source once, in order, with its place and a link for web sources', () => {
    expect(
      sourceEntries([
        citation(2, 'https://example.com/a'),
        citation(1, 'policy.pdf', { page: 3, headings: ['Leave', 'Vacation'] }),
        citation(2, 'https://example.com/a'),
      ]),
    ).toEqual([
      { index: 1, label: 'policy.pdf (page 3, Leave › Vacation)', url: null },
      { index: 2, label: 'https://example.com/a', url: 'https://example.com/a' },
    ]);
  });
});

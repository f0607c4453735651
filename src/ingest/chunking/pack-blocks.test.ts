import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../core/text/tokens.ts';
import { overlapTail, packBlocks } from './pack-blocks.ts';

describe('packBlocks', () => {
  it('packs consecutive blocks up to the budget', () => {
    const blocks = ['One short paragraph.', 'Another short one.', 'A third paragraph here.'].map((text) => ({
      text,
    }));
    expect(packBlocks(blocks, { budget: 100, overlapTokens: 0 })).toEqual([
      { text: 'One short paragraph.\n\nAnother short one.\n\nA third paragraph here.' },
    ]);
    expect(packBlocks(blocks, { budget: 12, overlapTokens: 0 }).map((body) => body.text)).toEqual([
      'One short paragraph.\n\nAnother short one.',
      'A third paragraph here.',
    ]);
  });

  it('starts the next chunk with the end of the previous one when overlap is on', () => {
    const text = Array.from({ length: 40 }, (_, index) => `Sentence number ${index} is here.`).join(' ');
    const bodies = packBlocks([{ text }], { budget: 60, overlapTokens: 12 });
    expect(bodies.length).toBeGreaterThan(2);
    for (let index = 1; index < bodies.length; index++) {
      const previous = bodies[index - 1]!.text;
      const current = bodies[index]!.text;
      const shared = overlapTail(previous, 12);
      expect(shared.length).toBeGreaterThan(0);
      expect(current.startsWith(shared)).toBe(true);
      expect(estimateTokens(current)).toBeLessThanOrEqual(60);
    }
  });

  it('tracks the first line of each chunk through split paragraphs', () => {
    const text = Array.from({ length: 20 }, (_, index) => `Line ${index} of a long list item.`).join('\n');
    const bodies = packBlocks(
      [
        { text: 'Intro.', line: 1 },
        { text, line: 3 },
      ],
      { budget: 40, overlapTokens: 0 },
    );
    expect(bodies[0]?.line).toBe(1);
    for (const body of bodies.slice(1)) {
      const first = Number(/^Line (\d+)/.exec(body.text)?.[1]);
      expect(body.line).toBe(first + 3);
    }
  });
});

describe('overlapTail', () => {
  it('returns whole trailing words within the token budget', () => {
    expect(overlapTail('alpha beta gamma delta epsilon', 4)).toBe('delta epsilon');
    expect(overlapTail('short', 10)).toBe('short');
    expect(overlapTail('', 10)).toBe('');
  });
});

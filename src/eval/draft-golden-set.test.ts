import { describe, expect, it } from 'vitest';
import { draftGoldenSet, formatDraft, samplePassages } from './draft-golden-set.ts';
import { parseGoldenSet } from './golden-set.ts';

const passages = Array.from({ length: 10 }, (_, index) => ({
  source: `doc-${index}.md`,
  text: `passage ${index}`,
}));

describe('samplePassages', () => {
  it('picks distinct passages, the same ones for the same seed', () => {
    const first = samplePassages(passages, 4, 9);
    expect(new Set(first).size).toBe(4);
    expect(samplePassages(passages, 4, 9)).toEqual(first);
    expect(samplePassages(passages, 4, 10)).not.toEqual(first);
    expect(samplePassages(passages, 50, 1)).toHaveLength(10);
  });
});

describe('draftGoldenSet', () => {
  it('keeps usable replies as golden items and skips the rest with a reason', async () => {
    const replies = [
      '```json\n{"question":"What is in passage?","facts":["passage"],"reference":"A passage."}\n```',
      'I cannot help with that.',
      '{"question":"Q?","facts":[],"reference":"R."}',
    ];
    const skipped: string[] = [];
    const items = await draftGoldenSet({
      passages: passages.slice(0, 3),
      count: 3,
      seed: 1,
      generate: async ({ system, user }) => {
        expect(system).toMatch(/Reply with JSON only/);
        expect(user).toMatch(/^<passage source="doc-\d\.md">\npassage \d\n<\/passage>$/);
        return replies.shift() ?? '';
      },
      onSkip: (_passage, reason) => skipped.push(reason),
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: 'draft-1', question: 'What is in passage?', tags: ['draft'] });
    expect(skipped).toEqual(['the reply holds no JSON object', 'the reply\'s "facts" is missing or wrong']);
    const text = formatDraft(items, 'Drafted for review.');
    expect(text.startsWith('// Drafted for review.\n')).toBe(true);
    expect(parseGoldenSet(text, 'draft.jsonl')).toHaveLength(1);
  });
});

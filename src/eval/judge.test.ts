import { describe, expect, it } from 'vitest';
import { buildJudgePrompt, judgeAgreement, parseVerdict } from './judge.ts';

describe('buildJudgePrompt', () => {
  it('holds the instructions, the question, the cited passages and the answer', () => {
    const prompt = buildJudgePrompt('How many days?', '20 days [1].', [
      { index: 1, source: 'a.md', text: '20 days.' },
    ]);
    expect(prompt).toMatch(/^You grade one answer/);
    expect(prompt).toContain('<question>\nHow many days?\n</question>');
    expect(prompt).toContain('<source id="1">\n20 days.\n</source>');
    expect(prompt).toContain('<answer>\n20 days [1].\n</answer>');
    expect(buildJudgePrompt('Q', 'A', [])).toContain('(the answer cites no source)');
  });
});

describe('parseVerdict', () => {
  it('reads the ratings from a reply, also inside a code fence, keeping the raw text', () => {
    const raw = '```json\n{"faithfulness": 0.5, "relevance": 1, "reason": "half supported"}\n```';
    expect(parseVerdict('P', raw)).toEqual({
      prompt: 'P',
      raw,
      faithfulness: 0.5,
      relevance: 1,
      reason: 'half supported',
      error: null,
    });
  });

  it.each([
    ['Looks fine to me.', /no JSON object/],
    ['{faithfulness: 1}', /not valid JSON/],
    ['{"faithfulness": 2, "relevance": 1}', /numbers from 0 to 1/],
    ['{"faithfulness": "high", "relevance": 1}', /numbers from 0 to 1/],
  ])('gives no ratings for %j and says why', (raw, reason) => {
    const verdict = parseVerdict('P', raw);
    expect(verdict).toMatchObject({ raw, faithfulness: null, relevance: null });
    expect(verdict.error).toMatch(reason);
  });
});

describe('judgeAgreement', () => {
  it('is the share of pairs on the same side of 0.5', () => {
    expect(
      judgeAgreement([
        [1, 1],
        [0.2, 1],
        [0.1, 0],
        [0.5, 0.5],
      ]),
    ).toBe(0.75);
    expect(judgeAgreement([])).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { estimateTokens } from './tokens.ts';

/**
 * Counts measured with OpenAI's tiktoken encodings (cl100k_base, o200k_base) on these exact texts. The
 * estimate should sit near them: chunk sizes follow it, and an embedder truncates what is over its limit.
 */
const KNOWN = [
  {
    language: 'Chinese',
    text: '员工每年享有十五天带薪年假，入职满一年后开始计算。病假需要提供医院证明，三天以内由直属经理批准，超过三天需人力资源部门审核。加班时间可以在三个月内调休，逾期作废。',
    cl100k: 92,
    o200k: 62,
  },
  {
    language: 'Japanese',
    text: '社員は毎年十五日の有給休暇を取得できます。入社から一年が経過した後に付与されます。病気で休む場合は、三日以内であれば上司の承認が必要です。',
    cl100k: 76,
    o200k: 52,
  },
  {
    language: 'Korean',
    text: '직원은 매년 십오일의 유급 휴가를 받을 수 있습니다. 입사 후 일 년이 지나면 휴가가 부여됩니다. 병가는 삼일 이내일 경우 관리자의 승인이 필요합니다.',
    cl100k: 73,
    o200k: 49,
  },
  {
    language: 'Chinese with English names',
    text: 'Godwit 支持 PostgreSQL 和 OpenSearch 两种存储，默认使用 PGlite 嵌入式数据库。',
    cl100k: 26,
    o200k: 26,
  },
  {
    language: 'English',
    text: 'Employees receive fifteen days of paid annual leave, counted from the first anniversary of their start date.',
    cl100k: 19,
    o200k: 19,
  },
];

describe('estimateTokens', () => {
  it.each(KNOWN)(
    'estimates $language within the range of the common tokenizers',
    ({ text, cl100k, o200k }) => {
      const estimate = estimateTokens(text);
      expect(estimate).toBeGreaterThanOrEqual(Math.min(cl100k, o200k) * 0.9);
      expect(estimate).toBeLessThanOrEqual(Math.max(cl100k, o200k) * 1.5);
    },
  );

  it('scales CJK text with its length, one token per character', () => {
    const paragraph = KNOWN[0]!.text;
    expect(estimateTokens(paragraph.repeat(10))).toBe(estimateTokens(paragraph) * 10);
    expect(estimateTokens('𠀀𠀁𠀂')).toBe(3);
  });

  it('keeps the English estimate', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('one two three four')).toBe(6);
    expect(estimateTokens('a'.repeat(40))).toBe(10);
  });
});

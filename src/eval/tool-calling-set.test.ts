import { describe, expect, it } from 'vitest';
import { checkToolCalls } from './tool-call-checker.ts';
import { firstAcceptableCalls } from './tool-calling-fixtures.ts';
import { loadToolCallingSet, parseToolCallingSet, TOOL_CALLING_CATEGORIES } from './tool-calling-set.ts';

describe('the built-in tool-calling set', () => {
  it('has every category, and each item accepts its own first acceptable calls', async () => {
    const items = await loadToolCallingSet();
    expect(items).toHaveLength(30);
    for (const category of TOOL_CALLING_CATEGORIES) {
      expect(items.filter((item) => item.category === category).length).toBeGreaterThanOrEqual(5);
    }
    for (const item of items) {
      expect(checkToolCalls(item.functions, item.groundTruth, firstAcceptableCalls(item)), item.id).toEqual({
        correct: true,
        reason: null,
      });
    }
  });
});

describe('parseToolCallingSet', () => {
  const fn = { name: 'f', description: '', parameters: { type: 'object', properties: {} } };
  it('names the line and field of each problem', () => {
    const text = [
      JSON.stringify({
        id: 'a',
        category: 'simple',
        question: 'q',
        functions: [fn],
        ground_truth: [{ g: {} }],
      }),
      JSON.stringify({
        id: 'b',
        category: 'irrelevance',
        question: 'q',
        functions: [fn],
        ground_truth: [{ f: {} }],
      }),
      JSON.stringify({ id: 'c', category: 'nested', question: 'q', functions: [fn], ground_truth: [] }),
      '{oops',
    ].join('\n');
    expect(() => parseToolCallingSet(text, 'tools.jsonl')).toThrow(
      /tools\.jsonl is not a valid tool-calling set:\n {2}line 1: ground_truth calls g, which is not among the functions\.\n {2}line 2: an irrelevance item has an empty ground_truth\.\n {2}line 3, field "category": .*\n {2}line 4: not valid JSON/,
    );
  });

  it('fails on a missing file with its path', async () => {
    await expect(loadToolCallingSet('/nowhere/tools.jsonl')).rejects.toThrow(
      'Cannot read the tool-calling set /nowhere/tools.jsonl: no such file.',
    );
  });
});

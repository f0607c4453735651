import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { buildSystemPrompt } from '../../core/chat/prompt.ts';
import type { Citation } from '../../core/types.ts';
import {
  EXTRACTIVE_PREFACE,
  ExtractiveLanguageModel,
  NO_SOURCES,
  NOTHING_FOUND,
  nothingMatched,
} from './extractive-model.ts';

const citations: Citation[] = [
  {
    index: 1,
    chunkId: 'd1:0',
    documentId: 'd1',
    source: 'leave-policy.md',
    location: { headings: ['Leave policy', 'Vacation'] },
    text:
      'Leave policy > Vacation\nNew employees receive 20 days of paid vacation in their first year. ' +
      'Vacation accrues monthly from the start date. Unused days carry over up to five days.',
  },
  {
    index: 2,
    chunkId: 'd2:0',
    documentId: 'd2',
    source: 'expenses.md',
    location: { headings: ['Expenses'] },
    text: 'Expenses\nSubmit expense reports within 30 days of purchase. Receipts are required for amounts over $25.',
  },
];

const model = new ExtractiveLanguageModel();

describe('local:extractive', () => {
  it('quotes the best matching sentence with its citation and says it is extractive', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations),
      prompt: 'How many vacation days do new employees get?',
    });
    expect(result.text.startsWith(EXTRACTIVE_PREFACE)).toBe(true);
    expect(result.text).toContain(
      '"New employees receive 20 days of paid vacation in their first year." [1]',
    );
    expect(result.text).not.toContain('Receipts');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('streams the same answer it generates', async () => {
    const system = buildSystemPrompt(citations);
    const prompt = 'When are expense reports due?';
    const generated = await generateText({ model, system, prompt });
    const streamed = streamText({ model, system, prompt });
    expect(await streamed.text).toBe(generated.text);
    expect(generated.text).toContain('[2]');
  });

  it('says it found nothing instead of quoting unrelated passages', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations),
      prompt: 'What is the parking policy for electric bicycles?',
    });
    expect(result.text).toBe(NOTHING_FOUND);
  });

  it('explains that it needs a knowledge base when the prompt has no sources', async () => {
    const result = await generateText({ model, system: buildSystemPrompt(null), prompt: 'Hello there' });
    expect(result.text).toBe(NO_SOURCES);
  });

  it('names the knowledge base it searched when the search found nothing, not "no knowledge base"', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt([], 'handbook'),
      prompt: 'What is the parking policy for electric bicycles?',
    });
    expect(result.text).toBe(nothingMatched('handbook'));
    expect(result.text).toMatch(/Nothing in the knowledge base "handbook" matched/);
    expect(result.text).not.toMatch(/no knowledge base/);
  });

  it('names the knowledge base when its passages do not answer the question', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations, 'hr "policies"'),
      prompt: 'What is the parking policy for electric bicycles?',
    });
    expect(result.text).toBe(nothingMatched('hr "policies"'));
  });

  it('does not quote the same fact twice', async () => {
    const repeated: Citation[] = [
      citations[0]!,
      { ...citations[0]!, index: 2, chunkId: 'd3:0', documentId: 'd3', source: 'copy.md' },
    ];
    const result = await generateText({
      model,
      system: buildSystemPrompt(repeated),
      prompt: 'How many vacation days do new employees get?',
    });
    expect(result.text.match(/New employees receive 20 days/g)).toHaveLength(1);
  });
});

import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { createTestServices } from '../../../test/support/test-services.ts';
import { buildSystemPrompt } from '../../core/chat/prompt.ts';
import type { Citation } from '../../core/types.ts';
import {
  EXTRACTIVE_PREFACE,
  ExtractiveLanguageModel,
  NO_SOURCES,
  NOTHING_FOUND,
  nothingMatched,
  notInSources,
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

  it('still quotes the best sentence when the question carries an identifier that matches nothing', async () => {
    const uuid = '3f9a1c2e-8b7d-4e21-9c3a-2b1d0e9f7a6c';
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: `How many vacation days do new employees get? ${uuid}`,
    });
    expect(result.text.startsWith(EXTRACTIVE_PREFACE)).toBe(true);
    expect(result.text).toContain(
      '"New employees receive 20 days of paid vacation in their first year." [1]',
    );
    expect(result.text).not.toContain('Receipts');
    expect(result.text.endsWith(`\n\n${notInSources([uuid])}`)).toBe(true);
  });

  it('counts misspelt words for the words they are near', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: 'How many vacaton days do new employes get, qwzxv?',
    });
    expect(result.text).toContain(
      '"New employees receive 20 days of paid vacation in their first year." [1]',
    );

    const expenses = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: 'When are expnse reprots due?',
    });
    expect(expenses.text).toContain('"Submit expense reports within 30 days of purchase." [2]');
  });

  it('names the words it found nowhere when it quotes only a weak match', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: 'Can vacation be paid out as a lump sum after resignation?',
    });
    expect(result.text.startsWith(EXTRACTIVE_PREFACE)).toBe(true);
    expect(result.text).toContain('[1]');
    expect(result.text).toContain(notInSources(['out', 'lump', 'sum', 'after', 'resignation']));
    // A good match has no such note.
    const good = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: 'How many vacation days do new employees get?',
    });
    expect(good.text).not.toContain('Not found');
  });

  it('keeps "nothing matched" when no word of the question matches, misspelt or not', async () => {
    const result = await generateText({
      model,
      system: buildSystemPrompt(citations, 'handbook'),
      prompt: 'What is the parkng polcy for electric bicycles? 3f9a1c2e-8b7d-4e21-9c3a-2b1d0e9f7a6c',
    });
    expect(result.text).toBe(nothingMatched('handbook'));
  });
});

describe('local:extractive behind retrieval', () => {
  it('answers a real question with an identifier appended from the chunks retrieval found', async () => {
    const services = await createTestServices();
    try {
      const handbook = await services.knowledge.ensureKnowledgeBase('default', 'handbook');
      await services.knowledge.ingest('default', handbook, {
        source: 'leave.md',
        bytes: new TextEncoder().encode(
          '# Leave\n\nEmployees get 25 vacation days a year. Unused days carry over until March.\n',
        ),
        mimeType: 'text/markdown',
      });
      const turn = await services.chat.start({
        tenantId: 'default',
        userId: 'local',
        message: 'How many vacation days do employees get? ticket 7d1e2f3a-9b8c-4d5e-8f70-123456789abc',
        knowledgeBase: 'handbook',
        model: 'local:extractive',
      });
      const outcome = await turn.outcome();
      expect(outcome.type).toBe('finish');
      const message = outcome.type === 'finish' ? outcome.message : null;
      expect(message?.citations.map((citation) => citation.source)).toContain('leave.md');
      expect(message?.content).toContain('"Employees get 25 vacation days a year." [1]');
      expect(message?.content).not.toContain('matched that');
    } finally {
      await services.close();
    }
  });
});

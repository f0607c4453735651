import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../core/text/tokens.ts';
import { createDocumentParser } from '../index.ts';

const encoder = new TextEncoder();

describe('Markdown loading', () => {
  it('prefixes each chunk with its heading path and records the path and line', async () => {
    const markdown = [
      '---',
      'title: Northwind leave policy',
      '---',
      '# Leave policy',
      '',
      'Applies to every employee.',
      '',
      '## Vacation',
      '',
      'New employees get **20 days** of paid vacation in their [first year](./faq.md).',
      '',
      '### Carry-over',
      'Up to five unused days carry over.',
      '',
      'Sick leave',
      '----------',
      '',
      'Ten days a year.',
    ].join('\n');
    const parsed = await createDocumentParser().parse({
      source: 'leave.md',
      bytes: encoder.encode(markdown),
    });
    expect(parsed.mimeType).toBe('text/markdown');
    expect(parsed.metadata).toEqual({ title: 'Northwind leave policy' });
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location])).toEqual([
      ['Leave policy\nApplies to every employee.', { headings: ['Leave policy'], line: 6 }],
      [
        'Leave policy > Vacation\nNew employees get 20 days of paid vacation in their first year.',
        { headings: ['Leave policy', 'Vacation'], line: 10 },
      ],
      [
        'Leave policy > Vacation > Carry-over\nUp to five unused days carry over.',
        { headings: ['Leave policy', 'Vacation', 'Carry-over'], line: 13 },
      ],
      ['Leave policy > Sick leave\nTen days a year.', { headings: ['Leave policy', 'Sick leave'], line: 18 }],
    ]);
    for (const chunk of parsed.chunks) expect(chunk.tokenCount).toBe(estimateTokens(chunk.text));
  });

  it('keeps fenced code intact and never reads headings inside it', async () => {
    const markdown = '# Setup\n\n```bash\n# not a heading\n\nnpm install\n```\n\nDone.';
    const parsed = await createDocumentParser().parse({
      source: 'setup.md',
      bytes: encoder.encode(markdown),
    });
    expect(parsed.chunks).toHaveLength(1);
    expect(parsed.chunks[0]?.text).toBe('Setup\n# not a heading\n\nnpm install\n\nDone.');
    expect(parsed.chunks[0]?.location.headings).toEqual(['Setup']);
  });

  it('packs paragraphs under one heading up to the chunk size and splits beyond it', async () => {
    const paragraphs = Array.from(
      { length: 30 },
      (_, index) => `Paragraph ${index} says something useful about expenses.`,
    );
    const markdown = `# Expenses\n\n${paragraphs.join('\n\n')}\n\n# Travel\n\nBook trains when the trip is under four hours.`;
    const parser = createDocumentParser({ maxChunkTokens: 64, chunkOverlapTokens: 0 });
    const parsed = await parser.parse({ source: 'expenses.md', bytes: encoder.encode(markdown) });
    const expenses = parsed.chunks.filter((chunk) => chunk.location.headings?.[0] === 'Expenses');
    expect(expenses.length).toBeGreaterThan(3);
    expect(expenses.length).toBeLessThan(30);
    for (const chunk of parsed.chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(64);
      expect(chunk.text.split('\n')[0]).toBe(chunk.location.headings?.join(' > '));
    }
    const bodies = expenses.map((chunk) => chunk.text.slice('Expenses\n'.length)).join('\n\n');
    expect(bodies).toBe(paragraphs.join('\n\n'));
    expect(parsed.chunks.at(-1)?.text).toBe('Travel\nBook trains when the trip is under four hours.');
  });

  it('keeps a heading that has no text of its own', async () => {
    const parsed = await createDocumentParser().parse({
      source: 'stub.md',
      bytes: encoder.encode('# Policies\n\n## Remote work\n\nAllowed.\n\n## Parking\n'),
    });
    expect(parsed.chunks.map((chunk) => chunk.text)).toEqual([
      'Policies > Remote work\nAllowed.',
      'Policies > Parking',
    ]);
  });

  it.each([
    [
      'a folded block',
      ['title: >-', '  Northwind leave', '  policy (2026)'],
      'Northwind leave policy (2026)',
    ],
    ['a literal block', ['title: |', '  Northwind leave policy'], 'Northwind leave policy'],
    ['an escaped double-quoted string', ['title: "Leave \\"plus\\" policy"'], 'Leave "plus" policy'],
    ['a single-quoted string with a doubled quote', ["title: 'Ada''s handbook'"], "Ada's handbook"],
    ['a comment after the value', ['title: Leave policy # draft'], 'Leave policy'],
  ])('reads the front matter title written as %s', async (_shape, titleLines, title) => {
    const markdown = [
      '---',
      'author: Ada',
      ...titleLines,
      'tags: [hr, leave]',
      '---',
      '# Heading',
      '',
      'Text.',
    ];
    const parsed = await createDocumentParser().parse({
      source: 'policy.md',
      bytes: encoder.encode(markdown.join('\n')),
    });
    expect(parsed.metadata).toEqual({ title });
    expect(parsed.chunks.map((chunk) => chunk.location)).toEqual([
      { headings: ['Heading'], line: markdown.length },
    ]);
  });

  it('leaves invalid front matter out of the text and takes the title from the first heading', async () => {
    const markdown = ['---', 'title: [unclosed', '---', '# Leave policy', '', 'Text.'].join('\n');
    const parsed = await createDocumentParser().parse({ source: 'bad.md', bytes: encoder.encode(markdown) });
    expect(parsed.metadata).toEqual({ title: 'Leave policy' });
    expect(parsed.chunks.map((chunk) => chunk.text)).toEqual(['Leave policy\nText.']);
  });
});

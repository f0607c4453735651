import { describe, expect, it } from 'vitest';
import { buildPdf } from '../fixtures/sample-files.ts';
import { createDocumentParser } from '../index.ts';

describe('PDF loading', () => {
  it('gives each chunk its 1-based page and separates paragraphs', async () => {
    const bytes = await buildPdf(
      [
        {
          heading: 'Travel and expense policy',
          paragraphs: [
            'Economy class is the default for flights under six hours.',
            'Hotels up to 180 USD a night need no approval.',
          ],
        },
        { heading: 'Per diem', paragraphs: ['Meals are reimbursed up to 65 USD a day with receipts.'] },
        { paragraphs: ['Submit claims within 30 days of the trip.'] },
      ],
      { title: 'Travel and expense policy' },
    );
    const parsed = await createDocumentParser().parse({ source: 'travel.pdf', bytes });
    expect(parsed.mimeType).toBe('application/pdf');
    expect(parsed.metadata).toEqual({ pages: 3, title: 'Travel and expense policy' });
    expect(parsed.chunks.map((chunk) => chunk.location)).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }]);
    expect(parsed.chunks[0]?.text).toBe(
      'Travel and expense policy\n\nEconomy class is the default for flights under six hours.\n\n' +
        'Hotels up to 180 USD a night need no approval.',
    );
    expect(parsed.chunks[1]?.text).toBe('Per diem\n\nMeals are reimbursed up to 65 USD a day with receipts.');
    expect(parsed.chunks[2]?.text).toBe('Submit claims within 30 days of the trip.');
  });

  it('packs long pages into several chunks on the same page', async () => {
    const paragraphs = Array.from(
      { length: 12 },
      (_, index) =>
        `Rule ${index + 1}: keep every receipt for travel, lodging and meals, and attach it to the claim.`,
    );
    const bytes = await buildPdf([{ paragraphs }]);
    const parsed = await createDocumentParser({ maxChunkTokens: 64, chunkOverlapTokens: 0 }).parse({
      source: 'rules.pdf',
      bytes,
    });
    expect(parsed.chunks.length).toBeGreaterThan(2);
    for (const chunk of parsed.chunks) {
      expect(chunk.location).toEqual({ page: 1 });
      expect(chunk.tokenCount).toBeLessThanOrEqual(64);
    }
    const text = parsed.chunks.map((chunk) => chunk.text).join(' ');
    for (let rule = 1; rule <= 12; rule++) expect(text).toContain(`Rule ${rule}:`);
  });
});

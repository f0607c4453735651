import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParsedDocument } from '../core/ports.ts';
import { createDocumentParser, SUPPORTED_EXTENSIONS } from './index.ts';

const handbookDirectory = fileURLToPath(new URL('../../examples/handbook/', import.meta.url));
const parser = createDocumentParser();

async function parseHandbookFile(name: string): Promise<ParsedDocument> {
  const bytes = new Uint8Array(await readFile(join(handbookDirectory, name)));
  return parser.parse({ source: name, bytes });
}

async function handbookFiles(): Promise<string[]> {
  const names = await readdir(handbookDirectory);
  return names
    .filter(
      (name) => name !== 'README.md' && SUPPORTED_EXTENSIONS.some((extension) => name.endsWith(extension)),
    )
    .sort();
}

describe('examples/handbook', () => {
  it('has the markdown chapters and one PDF, DOCX and XLSX', async () => {
    const files = await handbookFiles();
    expect(files.filter((name) => name.endsWith('.md')).length).toBeGreaterThanOrEqual(6);
    expect(files).toEqual(
      expect.arrayContaining([
        'travel-and-expense-policy.pdf',
        'remote-work-agreement.docx',
        'holidays-and-offices-2026.xlsx',
      ]),
    );
  });

  it('parses every file into chunks within the size limit, each with a title', async () => {
    for (const name of await handbookFiles()) {
      const parsed = await parseHandbookFile(name);
      expect(parsed.chunks.length, name).toBeGreaterThan(0);
      expect(typeof parsed.metadata.title, name).toBe('string');
      for (const chunk of parsed.chunks) expect(chunk.tokenCount, name).toBeLessThanOrEqual(512);
    }
  });

  it('states the first-year vacation allowance under the vacation headings', async () => {
    const parsed = await parseHandbookFile('leave-and-vacation.md');
    const chunk = parsed.chunks.find((candidate) =>
      candidate.text.includes('New employees get 20 days of paid vacation in their first year'),
    );
    expect(chunk?.location.headings).toEqual([
      'Leave and vacation policy',
      'Vacation',
      'How many days you get',
    ]);
    expect(chunk?.text.split('\n')[0]).toBe('Leave and vacation policy > Vacation > How many days you get');
    expect(chunk?.location.line).toBeGreaterThan(1);
  });

  it('gives the PDF chunks their pages', async () => {
    const parsed = await parseHandbookFile('travel-and-expense-policy.pdf');
    expect(parsed.metadata).toMatchObject({ pages: 3, title: 'Travel and expense policy' });
    const pages = new Set(parsed.chunks.map((chunk) => chunk.location.page));
    expect(pages).toEqual(new Set([1, 2, 3]));
    const lodging = parsed.chunks.find((chunk) => chunk.text.includes('Lisbon EUR 180'));
    expect(lodging?.location.page).toBe(1);
    const perDiem = parsed.chunks.find((chunk) => chunk.text.includes('USD 75 in the United States'));
    expect(perDiem?.location.page).toBe(3);
  });

  it('gives the DOCX chunks heading paths from Word styles', async () => {
    const parsed = await parseHandbookFile('remote-work-agreement.docx');
    const equipment = parsed.chunks.find((chunk) => chunk.text.includes('home office allowance of USD 500'));
    expect(equipment?.location.headings).toEqual(['Remote work agreement', 'Equipment and allowances']);
    expect(equipment?.text.startsWith('Remote work agreement > Equipment and allowances\n')).toBe(true);
  });

  it('gives the XLSX chunks their sheet and first row', async () => {
    const parsed = await parseHandbookFile('holidays-and-offices-2026.xlsx');
    expect(parsed.metadata.sheets).toEqual(['Holidays 2026', 'Offices']);
    const holidays = parsed.chunks.filter((chunk) => chunk.location.sheet === 'Holidays 2026');
    expect(holidays[0]?.location.row).toBe(2);
    expect(holidays[0]?.text).toContain(
      "Date: 2026-01-01; Day: Thursday; Holiday: New Year's Day; Offices: All offices",
    );
    const lisbon = parsed.chunks.find(
      (chunk) => chunk.location.sheet === 'Offices' && chunk.text.includes('Lisbon'),
    );
    expect(lisbon?.location.row).toBe(2);
    expect(lisbon?.text.split('\n')[1]).toBe(
      'Office | City | Country | Address | Time zone | Office manager | Email | Desks | Anchor days',
    );
  });

  it('keeps the vacation allowance consistent wherever the handbook mentions it', async () => {
    for (const name of ['leave-and-vacation.md', 'onboarding-faq.md', 'benefits.md']) {
      const chunks = (await parseHandbookFile(name)).chunks;
      const text = chunks.map((chunk) => chunk.text.replace(/\s+/g, ' ').toLowerCase()).join(' ');
      expect(text, name).toContain('new employees get 20 days of paid vacation in their first year');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { buildXlsx } from '../fixtures/sample-files.ts';
import { createDocumentParser } from '../index.ts';

describe('XLSX loading', () => {
  it('chunks each sheet with its header row, row numbers and typed values', async () => {
    const bytes = await buildXlsx(
      [
        {
          name: 'Holidays 2026',
          rows: [
            ['Date', 'Holiday', 'Offices'],
            [new Date(Date.UTC(2026, 0, 1)), "New Year's Day", 'All'],
            [],
            [new Date(Date.UTC(2026, 4, 25)), 'Memorial Day', 'Portland'],
          ],
        },
        {
          name: 'Offices',
          rows: [
            ['Office', 'Desks', 'Open'],
            ['Portland', 120, true],
            ['Lisbon', { formula: '20*3', result: 60 }, true],
          ],
        },
        { name: 'Notes', rows: [] },
      ],
      'Holidays and offices',
    );
    const parsed = await createDocumentParser().parse({ source: 'calendar.xlsx', bytes });
    expect(parsed.mimeType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(parsed.metadata).toEqual({ sheets: ['Holidays 2026', 'Offices'], title: 'Holidays and offices' });
    expect(parsed.chunks).toHaveLength(2);
    expect(parsed.chunks[0]).toMatchObject({
      text:
        'Holidays 2026\nDate | Holiday | Offices\n' +
        "Date: 2026-01-01; Holiday: New Year's Day; Offices: All\n" +
        'Date: 2026-05-25; Holiday: Memorial Day; Offices: Portland',
      location: { sheet: 'Holidays 2026', row: 2 },
      metadata: { rows: '2-4' },
    });
    expect(parsed.chunks[1]).toMatchObject({
      text: 'Offices\nOffice | Desks | Open\nOffice: Portland; Desks: 120; Open: true\nOffice: Lisbon; Desks: 60; Open: true',
      location: { sheet: 'Offices', row: 2 },
    });
  });

  it('repeats the header in every chunk of a long sheet and reports each chunk’s first row', async () => {
    const rows: unknown[][] = [['Employee', 'Team', 'Days left']];
    for (let index = 1; index <= 200; index++)
      rows.push([`Person ${index}`, index % 2 ? 'Platform' : 'Sales', index % 25]);
    const bytes = await buildXlsx([{ name: 'Balances', rows }]);
    const parsed = await createDocumentParser({ maxChunkTokens: 128 }).parse({
      source: 'balances.xlsx',
      bytes,
    });
    expect(parsed.chunks.length).toBeGreaterThan(5);
    let expectedRow = 2;
    for (const chunk of parsed.chunks) {
      const lines = chunk.text.split('\n');
      expect(lines.slice(0, 2)).toEqual(['Balances', 'Employee | Team | Days left']);
      expect(chunk.location).toEqual({ sheet: 'Balances', row: expectedRow });
      expect(lines[2]).toBe(
        `Employee: Person ${expectedRow - 1}; ${lines[2]!.split('; ').slice(1).join('; ')}`,
      );
      expect(chunk.tokenCount).toBeLessThanOrEqual(128);
      expectedRow += lines.length - 2;
    }
    expect(expectedRow).toBe(202);
  });

  it('treats a single-cell title row as a caption and a lone header row as content', async () => {
    const bytes = await buildXlsx([
      {
        name: 'Rota',
        rows: [['On-call rota, first quarter'], [], ['Week', 'Engineer'], ['1', 'Ana'], ['2', 'Bo']],
      },
      { name: 'Template', rows: [['Week', 'Engineer', 'Backup']] },
    ]);
    const parsed = await createDocumentParser().parse({ source: 'rota.xlsx', bytes });
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location])).toEqual([
      [
        'Rota\nOn-call rota, first quarter\nWeek | Engineer\nWeek: 1; Engineer: Ana\nWeek: 2; Engineer: Bo',
        { sheet: 'Rota', row: 4 },
      ],
      ['Template\nWeek | Engineer | Backup', { sheet: 'Template', row: 1 }],
    ]);
  });
});

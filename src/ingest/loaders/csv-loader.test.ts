import { describe, expect, it } from 'vitest';
import { createDocumentParser } from '../index.ts';

const encoder = new TextEncoder();

describe('CSV and TSV loading', () => {
  it('reads quoted fields and reports CSV rows like a spreadsheet, skipping empty ones', async () => {
    const csv = 'Name,Role,Note\r\n"Okafor, Ada",Engineer,"Says ""hi"""\r\n,,\r\nLee,"Support\nlead",\r\n';
    const parsed = await createDocumentParser().parse({ source: 'people.csv', bytes: encoder.encode(csv) });
    expect(parsed.mimeType).toBe('text/csv');
    expect(parsed.chunks).toEqual([
      {
        text: 'Name | Role | Note\nName: Okafor, Ada; Role: Engineer; Note: Says "hi"\nName: Lee; Role: Support lead',
        location: { row: 2 },
        metadata: { rows: '2-4' },
        tokenCount: expect.any(Number),
      },
    ]);
  });

  it('detects semicolon-separated exports and reads TSV', async () => {
    const parser = createDocumentParser();
    const semicolon = await parser.parse({
      source: 'eu.csv',
      bytes: encoder.encode('City;Desks\nLisbon;60\n'),
    });
    expect(semicolon.chunks[0]?.text).toBe('City | Desks\nCity: Lisbon; Desks: 60');
    const tsv = await parser.parse({
      source: 'offices.tsv',
      bytes: encoder.encode('City\tDesks\nToronto\t45\n'),
    });
    expect(tsv.mimeType).toBe('text/tab-separated-values');
    expect(tsv.chunks[0]?.text).toBe('City | Desks\nCity: Toronto; Desks: 45');
  });

  it('reads a semicolon export whose quoted first column holds commas as separate columns', async () => {
    const csv = '"Name, first, middle";Age;City\n"Okafor, Ada, N";41;Lisbon\n';
    const parsed = await createDocumentParser().parse({ source: 'eu.csv', bytes: encoder.encode(csv) });
    expect(parsed.chunks[0]?.text).toBe(
      'Name, first, middle | Age | City\nName, first, middle: Okafor, Ada, N; Age: 41; City: Lisbon',
    );
  });
});

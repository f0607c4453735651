import { describe, expect, it } from 'vitest';
import { createDocumentParser } from '../index.ts';

const encoder = new TextEncoder();

describe('JSON and JSON Lines loading', () => {
  it('reads an array of objects as records', async () => {
    const json = JSON.stringify([
      { id: 'VAC-1', title: 'Vacation', days: 20, owner: { team: 'People' } },
      { id: 'RMT-1', title: 'Remote work', tags: ['home', 'abroad'] },
    ]);
    const parsed = await createDocumentParser().parse({
      source: 'policies.json',
      bytes: encoder.encode(json),
    });
    expect(parsed.mimeType).toBe('application/json');
    expect(parsed.chunks).toHaveLength(1);
    expect(parsed.chunks[0]).toMatchObject({
      text:
        'id | title | days | owner.team | tags\n' +
        'id: VAC-1; title: Vacation; days: 20; owner.team: People\n' +
        'id: RMT-1; title: Remote work; tags: home, abroad',
      location: { row: 1 },
      metadata: { records: '1-2' },
    });
  });

  it('flattens other JSON to path: value lines and names nested record arrays', async () => {
    const json = JSON.stringify({
      company: { name: 'Northwind Labs', founded: 2014, offices: ['Portland', 'Toronto', 'Lisbon'] },
      contacts: [{ team: 'IT', email: 'it@northwind.example' }],
    });
    const parsed = await createDocumentParser().parse({
      source: 'company.json',
      bytes: encoder.encode(json),
    });
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location])).toEqual([
      ['company.name: Northwind Labs\ncompany.founded: 2014\ncompany.offices: Portland, Toronto, Lisbon', {}],
      ['contacts\nteam | email\nteam: IT; email: it@northwind.example', { sheet: 'contacts', row: 1 }],
    ]);
  });

  it('reads JSON Lines with line numbers and names a bad line', async () => {
    const parser = createDocumentParser();
    const lines = '{"event":"login","user":"ana"}\n\n{"event":"logout","user":"ana"}\n';
    const parsed = await parser.parse({ source: 'events.jsonl', bytes: encoder.encode(lines) });
    expect(parsed.chunks[0]).toMatchObject({
      text: 'event | user\nevent: login; user: ana\nevent: logout; user: ana',
      location: { row: 1 },
      metadata: { records: '1-3' },
    });
    await expect(
      parser.parse({ source: 'bad.jsonl', bytes: encoder.encode('{"a":1}\n{oops}\n') }),
    ).rejects.toThrow(/bad\.jsonl has invalid JSON on line 2/);
  });
});

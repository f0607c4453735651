import { describe, expect, it } from 'vitest';
import { buildDocx } from '../fixtures/sample-files.ts';
import { createDocumentParser } from '../index.ts';

describe('DOCX loading', () => {
  it('turns Word heading styles into heading paths', async () => {
    const bytes = await buildDocx(
      [
        { heading: 1, text: 'Remote work agreement' },
        { text: 'This agreement covers employees who work from home.' },
        { heading: 2, text: 'Equipment' },
        { text: 'Northwind provides a laptop & a monitor.' },
        { heading: 3, text: 'Returns' },
        { text: 'Return equipment within 10 days of leaving.' },
        { heading: 2, text: 'Hours' },
        { text: 'Core hours are 10:00 to 15:00 local time.' },
      ],
      'Remote work agreement',
    );
    const parsed = await createDocumentParser().parse({ source: 'agreement.docx', bytes });
    expect(parsed.mimeType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(parsed.metadata).toEqual({ title: 'Remote work agreement' });
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location])).toEqual([
      [
        'Remote work agreement\nThis agreement covers employees who work from home.',
        { headings: ['Remote work agreement'] },
      ],
      [
        'Remote work agreement > Equipment\nNorthwind provides a laptop & a monitor.',
        { headings: ['Remote work agreement', 'Equipment'] },
      ],
      [
        'Remote work agreement > Equipment > Returns\nReturn equipment within 10 days of leaving.',
        { headings: ['Remote work agreement', 'Equipment', 'Returns'] },
      ],
      [
        'Remote work agreement > Hours\nCore hours are 10:00 to 15:00 local time.',
        { headings: ['Remote work agreement', 'Hours'] },
      ],
    ]);
  });
});

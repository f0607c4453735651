import { describe, expect, it } from 'vitest';
import { IngestError, UnsupportedMediaError } from '../core/errors.ts';
import { createDocumentParser } from './document-parser.ts';
import { buildXlsx } from './fixtures/sample-files.ts';
import { REPLY_CHUNKS } from './parse-messages.ts';
import { createParserPool } from './parser-pool.ts';

const encoder = new TextEncoder();
const markdown = encoder.encode(
  '# Leave policy\n\n## Vacation\n\nNew employees receive 20 days of paid vacation in their first year.\n\n' +
    '## Sick leave\n\nTell your manager before 10:00 on the first day.\n',
);

describe('createParserPool', () => {
  it('parses on worker threads from the TypeScript sources, with the same chunks as in-process', async () => {
    const pool = createParserPool({ workers: 2, inProcessBytes: 0 });
    try {
      expect(pool.threads).toBe(2);
      const input = { source: 'leave.md', bytes: markdown };
      const [pooled, inProcess] = await Promise.all([pool.parse(input), createDocumentParser().parse(input)]);
      expect(pooled).toEqual(inProcess);
      expect(pooled.chunks.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('runs more files than threads, each answered with its own document', async () => {
    const pool = createParserPool({ workers: 2, inProcessBytes: 0 });
    try {
      const sources = Array.from({ length: 7 }, (_, index) => `note-${index}.md`);
      const parsed = await Promise.all(
        sources.map((source, index) =>
          pool.parse({
            source,
            bytes: encoder.encode(`# Note ${index}\n\nThe code word is word${index}.\n`),
          }),
        ),
      );
      parsed.forEach((document, index) => {
        expect(document.chunks.map((chunk) => chunk.text).join(' ')).toContain(`word${index}`);
      });
    } finally {
      await pool.close();
    }
  });

  it('sends a document of thousands of chunks back in parts, every chunk in order, while other files wait', async () => {
    const sections = Array.from(
      { length: 2 * REPLY_CHUNKS + 300 },
      (_, index) => `## Section ${index}\n\nThe code word of section ${index} is marker${index}.\n`,
    );
    const large = encoder.encode(`# Large\n\n${sections.join('\n')}`);
    const pool = createParserPool({ workers: 1 });
    try {
      const input = { source: 'large.md', bytes: large };
      // One thread: the small file queued behind the large one is answered after it, with its own chunks.
      const [pooled, small, inProcess] = await Promise.all([
        pool.parse(input),
        pool.parse({ source: 'small.md', bytes: markdown }),
        createDocumentParser().parse(input),
      ]);
      expect(pooled.chunks.length).toBeGreaterThan(2 * REPLY_CHUNKS);
      expect(pooled).toEqual(inProcess);
      expect(small.chunks.map((chunk) => chunk.text).join(' ')).toContain('20 days of paid vacation');
    } finally {
      await pool.close();
    }
  });

  it('reads a file held in shared memory, on a worker and in process alike', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(markdown.byteLength));
    shared.set(markdown);
    const pool = createParserPool({ workers: 1 });
    try {
      const expected = await createDocumentParser().parse({ source: 'leave.md', bytes: markdown });
      expect(await pool.parse({ source: 'leave.md', bytes: shared })).toEqual(expected);
      expect(await createDocumentParser().parse({ source: 'leave.md', bytes: shared })).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('parses binary formats in workers (XLSX)', async () => {
    const pool = createParserPool({ workers: 1 });
    try {
      const bytes = await buildXlsx([
        {
          name: 'Offices',
          rows: [
            ['City', 'Desks'],
            ['Lisbon', 40],
          ],
        },
      ]);
      const parsed = await pool.parse({ source: 'offices.xlsx', bytes });
      expect(parsed.chunks.map((chunk) => chunk.text).join('\n')).toMatch(/Lisbon/);
    } finally {
      await pool.close();
    }
  });

  it('rethrows a worker-side refusal as the same error class, code, message and details', async () => {
    const pool = createParserPool({ workers: 1, maxFileBytes: 10, inProcessBytes: 0 });
    try {
      const input = { source: 'big.md', bytes: markdown };
      const inProcess = await createDocumentParser({ maxFileBytes: 10 })
        .parse(input)
        .catch((error: unknown) => error);
      const pooled = await pool.parse(input).catch((error: unknown) => error);
      expect(pooled).toBeInstanceOf(IngestError);
      expect(pooled).toMatchObject({
        code: (inProcess as IngestError).code,
        message: (inProcess as IngestError).message,
        details: (inProcess as IngestError).details,
      });
      const unsupported = await pool
        .parse({ source: 'tool.exe', bytes: new Uint8Array([0x4d, 0x5a, 0, 1, 2, 3]) })
        .catch((error: unknown) => error);
      expect(unsupported).toBeInstanceOf(UnsupportedMediaError);
      // The pool keeps serving after refusals.
      const small = await pool.parse({ source: 'hi.md', bytes: encoder.encode('# Hi\n\nok\n') });
      expect(small.chunks.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('parses small text files on the calling thread and starts no worker for them', async () => {
    const pool = createParserPool({ workers: 1 });
    try {
      const csv = encoder.encode('city,desks\nLisbon,40\n');
      const documents = await Promise.all([
        pool.parse({ source: 'leave.md', bytes: markdown }),
        pool.parse({ source: 'offices.csv', bytes: csv }),
        pool.parse({ source: 'note', bytes: encoder.encode('Plain words.'), mimeType: 'text/plain' }),
      ]);
      expect(documents[0]).toEqual(
        await createDocumentParser().parse({ source: 'leave.md', bytes: markdown }),
      );
      expect(documents[1]!.chunks.map((chunk) => chunk.text).join('\n')).toMatch(/Lisbon/);
      expect(documents[2]!.mimeType).toBe('text/plain');
      await expect(
        pool.parse({ source: 'tool.exe', bytes: new Uint8Array([0x4d, 0x5a, 0, 1]) }),
      ).rejects.toBeInstanceOf(UnsupportedMediaError);
      expect(pool.startedThreads).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('fails a small hostile file parsed in place (nesting that overflows the stack) alone', async () => {
    const pool = createParserPool({ workers: 1 });
    try {
      const depth = 30_000;
      const nested = encoder.encode('['.repeat(depth) + ']'.repeat(depth));
      expect(nested.byteLength).toBeLessThanOrEqual(64 * 1024);
      const refused = await pool
        .parse({ source: 'nested.json', bytes: nested })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(IngestError);
      expect((refused as IngestError).message).toMatch(/nested\.json could not be read as \.json/);
      expect((await pool.parse({ source: 'leave.md', bytes: markdown })).chunks.length).toBeGreaterThan(0);
      expect(pool.startedThreads).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('sends a text file over inProcessBytes, and any XLSX however small, to a worker', async () => {
    const pool = createParserPool({ workers: 1, inProcessBytes: 64 });
    try {
      await pool.parse({ source: 'short.md', bytes: encoder.encode('# Short\n\nUnder the limit.\n') });
      expect(pool.startedThreads).toBe(0);
      expect(markdown.byteLength).toBeGreaterThan(64);
      const parsed = await pool.parse({ source: 'leave.md', bytes: markdown });
      expect(parsed).toEqual(await createDocumentParser().parse({ source: 'leave.md', bytes: markdown }));
      expect(pool.startedThreads).toBe(1);
    } finally {
      await pool.close();
    }
    const xlsxPool = createParserPool({ workers: 1 });
    try {
      const bytes = await buildXlsx([{ name: 'Offices', rows: [['City'], ['Lisbon']] }]);
      expect(bytes.byteLength).toBeLessThan(64 * 1024);
      await xlsxPool.parse({ source: 'offices.xlsx', bytes });
      expect(xlsxPool.startedThreads).toBe(1);
    } finally {
      await xlsxPool.close();
    }
  });

  it('stops a worker that has waited workerIdleMs for a file, and starts another for the next one', async () => {
    const pool = createParserPool({ workers: 1, inProcessBytes: 0, workerIdleMs: 20 });
    try {
      const expected = await createDocumentParser().parse({ source: 'leave.md', bytes: markdown });
      expect(await pool.parse({ source: 'leave.md', bytes: markdown })).toEqual(expected);
      expect(pool.startedThreads).toBe(1);
      await until(() => pool.runningThreads === 0);
      expect(await pool.parse({ source: 'leave.md', bytes: markdown })).toEqual(expected);
      expect(pool.startedThreads).toBe(2);
      expect(pool.runningThreads).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('keeps a worker that gets its next file within workerIdleMs', async () => {
    const pool = createParserPool({ workers: 1, inProcessBytes: 0 });
    try {
      for (let file = 0; file < 3; file++) await pool.parse({ source: 'leave.md', bytes: markdown });
      expect(pool.startedThreads).toBe(1);
      expect(pool.runningThreads).toBe(1);
    } finally {
      await pool.close();
    }
    await until(() => pool.runningThreads === 0);
  });

  it('refuses a workerIdleMs that is not a whole number of milliseconds', () => {
    expect(() => createParserPool({ workerIdleMs: -1 })).toThrow(
      /workerIdleMs must be a whole number of milliseconds, 0 or more; got -1/,
    );
    expect(() => createParserPool({ workerIdleMs: 0.5 })).toThrow(/workerIdleMs/);
  });

  it('refuses an inProcessBytes that is not a whole number of bytes', () => {
    expect(() => createParserPool({ inProcessBytes: -1 })).toThrow(/inProcessBytes/);
    expect(() => createParserPool({ inProcessBytes: 1.5 })).toThrow(/inProcessBytes/);
  });

  it('parses in-process when asked for no workers', async () => {
    const pool = createParserPool({ workers: 0 });
    expect(pool.threads).toBe(0);
    expect((await pool.parse({ source: 'leave.md', bytes: markdown })).chunks.length).toBeGreaterThan(0);
    await pool.close();
  });

  it('refuses work after close with a clear error', async () => {
    const pool = createParserPool({ workers: 1 });
    await pool.close();
    await expect(pool.parse({ source: 'leave.md', bytes: markdown })).rejects.toThrow(/closed/);
  });
});

/** Resolves once `condition` holds, checking every few milliseconds (a worker stops asynchronously). */
async function until(condition: () => boolean): Promise<void> {
  for (let check = 0; check < 2_000 && !condition(); check++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}

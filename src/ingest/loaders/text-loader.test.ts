import { describe, expect, it } from 'vitest';
import { createDocumentParser } from '../index.ts';

const encoder = new TextEncoder();

describe('plain text loading', () => {
  it('records the 1-based first line of each chunk', async () => {
    const text = 'First paragraph.\nStill first.\n\n\nSecond paragraph.\n\nThird.';
    const parser = createDocumentParser({ maxChunkTokens: 32, chunkOverlapTokens: 0 });
    const parsed = await parser.parse({ source: 'notes.txt', bytes: encoder.encode(text) });
    expect(parsed.mimeType).toBe('text/plain');
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location])).toEqual([
      ['First paragraph.\nStill first.\n\nSecond paragraph.\n\nThird.', { line: 1 }],
    ]);
    const narrow = createDocumentParser({ maxChunkTokens: 32, chunkOverlapTokens: 0 });
    const long = Array.from({ length: 12 }, (_, index) => `Line ${index + 1} of the paragraph.`).join('\n');
    const split = await narrow.parse({ source: 'long.txt', bytes: encoder.encode(`Intro.\n\n${long}`) });
    const lines = split.chunks.map((chunk) => chunk.location.line);
    expect(lines[0]).toBe(1);
    for (const chunk of split.chunks.slice(1)) {
      const firstLine = chunk.text.split('\n')[0]!;
      const expected = firstLine === 'Intro.' ? 1 : Number(/Line (\d+)/.exec(firstLine)?.[1]) + 2;
      expect(chunk.location.line).toBe(expected);
    }
  });

  it('reads UTF-8 with a byte-order mark and UTF-16 text', async () => {
    const parser = createDocumentParser();
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('Crème brûlée.')]);
    expect((await parser.parse({ source: 'bom.txt', bytes: withBom })).chunks[0]?.text).toBe('Crème brûlée.');
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Hello world.', 'utf16le')]);
    expect((await parser.parse({ source: 'wide.txt', bytes: utf16 })).chunks[0]?.text).toBe('Hello world.');
  });

  it('chunks a 10 MB single-line file completely, within the size limit', async () => {
    const sentence = 'The quick brown fox jumps over the lazy dog near the river bank. ';
    const text = sentence.repeat(Math.ceil((10 * 1024 * 1024) / sentence.length));
    const parser = createDocumentParser({ maxChunkTokens: 512, chunkOverlapTokens: 0 });
    const parsed = await parser.parse({ source: 'one-line.txt', bytes: encoder.encode(text) });
    expect(parsed.chunks.length).toBeGreaterThan(1000);
    for (const chunk of parsed.chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(512);
      expect(chunk.location.line).toBe(1);
    }
    expect(parsed.chunks.map((chunk) => chunk.text).join(' ')).toBe(text.trim());
  });

  it('cuts a 10 MB line without any spaces into full pieces, losing nothing', async () => {
    const text = 'x'.repeat(10 * 1024 * 1024);
    const parsed = await createDocumentParser().parse({ source: 'blob.txt', bytes: encoder.encode(text) });
    expect(parsed.chunks.reduce((total, chunk) => total + chunk.text.length, 0)).toBe(text.length);
    for (const chunk of parsed.chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(512);
  });
});
